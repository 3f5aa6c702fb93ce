"""A SCORM package of the course or of one module: modules in, zip bytes out.

One SCO per module, each a single page (``pages.sco_page``) with the shared
style sheets and script. The same modules give the same bytes: files are written
in a fixed order with a fixed timestamp and fixed permissions.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from importlib import resources

from course.models import CourseInfo, Module
from course.scorm.manifest import Sco, ScormVersion, manifest_xml
from course.scorm.pages import SUSPEND_LIMIT, longest_suspend_data, sco_page

MANIFEST = "imsmanifest.xml"
SHARED = "shared"
_ASSETS = ("sco.css", "sco.js")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def sco_identifier(module: Module) -> str:
    """An XML ID for the module (a slug may begin with a digit; an ID may not)."""
    return f"m-{module.slug}"


def launch_page(module: Module) -> str:
    return f"{module.slug}/index.html"


def package_identifier(info: CourseInfo, module: Module | None, *, include_quiz: bool) -> str:
    parts = ["innostudy", info.slug] + ([module.slug] if module else [])
    return ".".join(parts) + ("" if include_quiz else ".noquiz")


def package_file_name(
    info: CourseInfo, module: Module | None, *, version: ScormVersion, include_quiz: bool
) -> str:
    """``innovasjon-i-kommunal-sektor-scorm12.zip``, ``…-samskaping-scorm2004-uten-quiz.zip``."""
    parts = [info.slug] + ([module.slug] if module else [])
    parts.append("scorm" + version.value.replace(".", ""))
    if not include_quiz:
        parts.append("uten-quiz")
    return "-".join(parts) + ".zip"


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=_EPOCH)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.create_system = 3  # Unix, so that the permissions below mean the same everywhere
    entry.external_attr = 0o644 << 16
    return entry


def build_package(
    *,
    info: CourseInfo,
    modules: Sequence[Module],
    version: ScormVersion,
    include_quiz: bool,
    stylesheet: bytes,
    whole_course: bool = True,
) -> bytes:
    """The package of ``modules`` (the whole course, or one module when ``whole_course`` is
    false) as zip bytes.

    Args:
        stylesheet: the site's ``style.css``, which the module pages use as they are.
        include_quiz: whether the quizzes go in; with them goes their answer key, since
            the package grades in the learner's browser.
    """
    if not modules:
        raise ValueError("a SCORM package needs at least one module")
    if not whole_course and len(modules) != 1:
        raise ValueError("a module package holds exactly one module")
    files: list[tuple[str, bytes]] = []
    scos = []
    for module in modules:
        quiz = module.quiz if include_quiz else None
        if version is ScormVersion.V1_2 and len(longest_suspend_data(quiz)) > SUSPEND_LIMIT:
            raise ValueError(f"{module.slug}: the quiz's answers do not fit in suspend_data")
        page = sco_page(module=module, version=version, include_quiz=include_quiz)
        href = launch_page(module)
        files.append((href, page.encode("utf-8")))
        scos.append(Sco(sco_identifier(module), module.title, href, (href,)))
    assets = resources.files("course.scorm") / "assets"
    shared = [(f"{SHARED}/style.css", stylesheet)]
    shared += [(f"{SHARED}/{name}", (assets / name).read_bytes()) for name in _ASSETS]
    single = None if whole_course else modules[0]
    manifest = manifest_xml(
        version=version,
        identifier=package_identifier(info, single, include_quiz=include_quiz),
        package_version=info.version,
        title=single.title if single else info.title,
        scos=scos,
        shared_files=[name for name, _ in shared],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [(MANIFEST, manifest), *files, *shared]:
            archive.writestr(_entry(name), data)
    return buffer.getvalue()
