"""The SCORM package builder: manifest, launch rules, files, answer key, determinism, bounds."""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from io import BytesIO
from itertools import pairwise
from xml.etree import ElementTree as ET

import pytest
from lxml import etree, html

from course.models import Course, Option, Question, Quiz
from course.scorm import SCHEMA_VERSIONS, ScormVersion, build_package, package_file_name
from course.scorm.pages import SUSPEND_LIMIT, longest_suspend_data, package_html, sco_page
from course.workbook_models import BY_KIND
from tests.scorm_support import files, manifest_schema, package

VARIANTS = [
    pytest.param(version, slug, quiz,
                 id=f"{version.value}-{slug or 'kurs'}-{'quiz' if quiz else 'uten'}")
    for version in ScormVersion
    for slug in (None, "samskaping")
    for quiz in (True, False)
]  # fmt: skip
CP = {ScormVersion.V1_2: "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
      ScormVersion.V2004: "http://www.imsglobal.org/xsd/imscp_v1p1"}  # fmt: skip
ADLCP = {ScormVersion.V1_2: "http://www.adlnet.org/xsd/adlcp_rootv1p2",
         ScormVersion.V2004: "http://www.adlnet.org/xsd/adlcp_v1p3"}  # fmt: skip


def manifest(data: bytes) -> ET.Element:
    return ET.fromstring(files(data)["imsmanifest.xml"])


def resources(root: ET.Element, version: ScormVersion) -> list[ET.Element]:
    return root.findall(f"{{{CP[version]}}}resources/{{{CP[version]}}}resource")


@pytest.mark.parametrize(("version", "slug", "quiz"), VARIANTS)
def test_every_manifest_validates_against_the_adl_and_ims_schemas(
    shipped_course: Course, version: ScormVersion, slug: str | None, quiz: bool
) -> None:
    document = etree.fromstring(
        files(package(shipped_course, version, slug=slug, include_quiz=quiz))["imsmanifest.xml"]
    )
    schema = manifest_schema(version)
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("version", list(ScormVersion))
def test_the_schemas_refuse_a_broken_manifest(
    shipped_course: Course, version: ScormVersion
) -> None:
    text = files(package(shipped_course, version))["imsmanifest.xml"].decode()
    broken = re.sub(r'(scorm[tT]ype)="sco"', r'\1="lesson"', text, count=1)
    assert not manifest_schema(version).validate(etree.fromstring(broken.encode()))


@pytest.mark.parametrize("version", list(ScormVersion))
def test_the_schema_version_is_exactly_what_importers_look_for(
    shipped_course: Course, version: ScormVersion
) -> None:
    root = manifest(package(shipped_course, version))
    metadata = root.find(f"{{{CP[version]}}}metadata")
    assert metadata is not None
    assert metadata.findtext(f"{{{CP[version]}}}schema") == "ADL SCORM"
    expected = "1.2" if version is ScormVersion.V1_2 else "2004 4th Edition"
    assert (
        metadata.findtext(f"{{{CP[version]}}}schemaversion") == expected == SCHEMA_VERSIONS[version]
    )


@pytest.mark.parametrize("version", list(ScormVersion))
def test_one_sco_per_module_in_course_order_and_the_first_resource_is_the_launch_page(
    shipped_course: Course, version: ScormVersion
) -> None:
    data = package(shipped_course, version)
    root = manifest(data)
    found = resources(root, version)
    scorm_type = "scormtype" if version is ScormVersion.V1_2 else "scormType"
    scos = [r for r in found if r.get(f"{{{ADLCP[version]}}}{scorm_type}") == "sco"]
    assert found[0] is scos[0]
    assert found[0].get("href") == f"{shipped_course.modules[0].slug}/index.html"
    assert [r.get("href") for r in scos] == [f"{m.slug}/index.html" for m in shipped_course.modules]
    organization = root.find(f"{{{CP[version]}}}organizations/{{{CP[version]}}}organization")
    assert organization is not None
    items = organization.findall(f"{{{CP[version]}}}item")
    assert [i.findtext(f"{{{CP[version]}}}title") for i in items] == [
        m.title for m in shipped_course.modules
    ]
    assert [i.get("identifierref") for i in items] == [r.get("identifier") for r in scos]
    # Every file the manifest names is in the zip, and every file in the zip is named.
    named = {f.get("href") for r in found for f in r.findall(f"{{{CP[version]}}}file")}
    assert named == set(files(data)) - {"imsmanifest.xml"}


def test_a_module_package_holds_that_module_only(shipped_course: Course) -> None:
    data = package(shipped_course, ScormVersion.V1_2, slug="samskaping")
    assert sorted(files(data)) == [
        "imsmanifest.xml",
        "samskaping/index.html",
        "shared/sco.css",
        "shared/sco.js",
        "shared/style.css",
    ]
    root = manifest(data)
    assert root.get("identifier") == "innostudy.innovasjon-i-kommunal-sektor.samskaping"
    title = root.findtext(
        f".//{{{CP[ScormVersion.V1_2]}}}organization/{{{CP[ScormVersion.V1_2]}}}title"
    )
    assert title == "Samskaping og involvering"


def test_the_page_has_the_rendered_module_the_styles_and_the_quiz(shipped_course: Course) -> None:
    module = shipped_course.module("samskaping")
    assert module is not None and module.quiz is not None
    content = files(package(shipped_course, ScormVersion.V1_2, slug="samskaping"))
    page = content["samskaping/index.html"].decode()
    assert '<link rel="stylesheet" href="../shared/style.css">' in page
    assert content["shared/style.css"].startswith(b"/* innostudy")
    assert module.toc and f'id="{module.toc[-1].id}"' in page  # the site's heading ids
    for question in module.quiz.questions:
        assert f'id="q-{question.id}"' in page
    config = json.loads(
        re.search(r'<script type="application/json" id="sco-config">(.*?)</script>', page).group(1)
    )  # type: ignore[union-attr]
    assert config["version"] == "1.2"
    assert config["quiz"]["pass"] == [4, 5]  # the course's pass mark, 0.8, exactly
    assert [q["correct"] for q in config["quiz"]["questions"]] == [
        "".join(sorted(q.correct_option_ids)) for q in module.quiz.questions
    ]
    script = content["shared/sco.js"].decode()
    for network in ("http:", "https:", "fetch(", "XMLHttpRequest", "sendBeacon", "import "):
        assert network not in script  # the package talks to the LMS's API object only


def test_each_workbook_step_is_a_worksheet_under_the_text(shipped_course: Course) -> None:
    content = files(package(shipped_course, ScormVersion.V2004))
    kinds = set()
    for module in shipped_course.modules:
        page = html.fromstring(content[f"{module.slug}/index.html"])
        levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert all(b <= a + 1 for a, b in pairwise(levels)), module.slug
        (sheet,) = page.xpath('//article/following-sibling::section[@id="arbeidsark"]')
        assert "arbeidsboken på innostudy eller på papir" in sheet.text_content()
        assert not sheet.xpath(".//form | .//input | .//textarea")  # nothing is stored here
        assert [h.text_content() for h in sheet.iter("h3")] == [s.title for s in module.workbook]
        for step in module.workbook:
            for item in step.fields:
                (field,) = sheet.xpath(f'.//h4[@id="ark-{step.id}-{item.id}"]/..')
                assert field.findtext("h4") == item.label
                kinds.add(item.kind)
                if item.table_like:
                    headers = field.xpath('.//thead//th[@scope="col"]')
                    assert [th.text_content() for th in headers] == [c.label for c in item.columns]
                    rows = field.xpath(".//tbody/tr")
                    assert len(rows) >= 3 and not "".join(r.text_content() for r in rows)
                elif item.kind == "choice":
                    assert [li.text for li in field.iter("li")] == [o.label for o in item.options]
                elif item.kind == "date":
                    assert "Dato:" in field.text_content()
    assert kinds == set(BY_KIND)  # the shipped course uses every kind of field
    without = dataclasses.replace(shipped_course.modules[0], workbook=())
    assert 'id="arbeidsark"' not in sco_page(
        module=without, version=ScormVersion.V1_2, include_quiz=True
    )


@pytest.mark.parametrize("version", list(ScormVersion))
def test_without_the_quiz_there_is_no_answer_key(
    shipped_course: Course, version: ScormVersion
) -> None:
    content = files(package(shipped_course, version, include_quiz=False))
    for module in shipped_course.modules:
        page = content[f"{module.slug}/index.html"].decode()
        assert '"quiz":null' in page
        assert 'id="quiz-form"' not in page and "<fieldset" not in page
        assert "Denne utgaven av modulen har ikke quizen" in page
        assert module.quiz is not None
        for question in module.quiz.questions:
            assert question.explanation_html not in page
            for option in question.options:
                assert f'value="{option.id}"' not in page


def test_links_to_other_modules_lose_their_target_and_links_out_open_a_new_window() -> None:
    html = (
        '<p><a href="/moduler/samskaping#fase-1" rel="noopener noreferrer">Samskaping</a> og '
        '<a href="https://www.ks.no/" rel="noopener noreferrer">KS</a> og <a href="#fn1">1</a></p>'
    )
    assert package_html(html) == (
        '<p><span class="module-ref">Samskaping</span> og '
        '<a target="_blank" href="https://www.ks.no/" rel="noopener noreferrer">KS</a> og '
        '<a href="#fn1">1</a></p>'
    )


@pytest.mark.parametrize("version", list(ScormVersion))
def test_the_same_course_gives_the_same_bytes(
    shipped_course: Course, version: ScormVersion
) -> None:
    first = package(shipped_course, version)
    assert package(shipped_course, version) == first
    with zipfile.ZipFile(BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "imsmanifest.xml"


def test_package_file_names(shipped_course: Course) -> None:
    info = shipped_course.info
    module = shipped_course.module("samskaping")
    assert package_file_name(info, None, version=ScormVersion.V1_2, include_quiz=True) == (
        "innovasjon-i-kommunal-sektor-scorm12.zip"
    )
    assert package_file_name(info, module, version=ScormVersion.V2004, include_quiz=False) == (
        "innovasjon-i-kommunal-sektor-samskaping-scorm2004-uten-quiz.zip"
    )


def _largest_quiz() -> Quiz:
    """As many questions as a module may have, each with every option it may have."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    options = tuple(Option(id=c, text=c, html=c, correct=c == "a") for c in letters)
    questions = tuple(
        Question(
            id=f"q{n}", text="?", html="?", kind="single", options=options, explanation_html=""
        )
        for n in range(100)
    )
    return Quiz(0.8, questions)


def test_suspend_data_stays_under_scorm_12s_limit_for_the_largest_quiz_allowed() -> None:
    from course.limits import MAX_QUESTIONS

    quiz = _largest_quiz()
    assert len(quiz.questions) == MAX_QUESTIONS
    assert len(longest_suspend_data(quiz)) < SUSPEND_LIMIT == 4096


def test_the_shipped_modules_suspend_data_is_small(shipped_course: Course) -> None:
    for module in shipped_course.modules:
        assert len(longest_suspend_data(module.quiz)) < 300


def test_a_package_needs_modules(shipped_course: Course) -> None:
    with pytest.raises(ValueError, match="at least one module"):
        build_package(info=shipped_course.info, modules=[], version=ScormVersion.V1_2,
                      include_quiz=True, stylesheet=b"")  # fmt: skip
    module = dataclasses.replace(shipped_course.modules[0])
    with pytest.raises(ValueError, match="exactly one"):
        build_package(info=shipped_course.info, modules=[module, module], version=ScormVersion.V1_2,
                      include_quiz=True, stylesheet=b"", whole_course=False)  # fmt: skip
