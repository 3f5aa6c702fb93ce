"""Property-based tests: the loader never crashes or hangs, and every problem is well formed.

Hypothesis keeps its example database in the git-ignored ``.hypothesis/`` at the
repository root. A generous deadline turns a hang, or a run time that grows
badly with the input, into a failing example instead of a stuck test run.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from course.compile import CompileResult, compile_module, defaults_from_file_name
from course.frontmatter import split_front_matter
from course.loader import load_course
from course.models import Problem, Severity
from tests.course.helpers import COURSE_TOML, SHIPPED

REPO = Path(__file__).parents[2]
FUZZ = settings(
    deadline=5000,
    database=DirectoryBasedExampleDatabase(REPO / ".hypothesis" / "examples"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


SCALE = float(os.environ.get("INNOSTUDY_FUZZ_SCALE", "1"))  # e.g. 20 for a long run


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=max(1, round(examples * SCALE)))


SHIPPED_FILES = sorted(p.name for p in SHIPPED.glob("[0-9][0-9]-*.md"))
SHIPPED_SOURCES = {name: (SHIPPED / name).read_text() for name in SHIPPED_FILES}
SLUGS = {Path(name).stem: name[3:-3] for name in SHIPPED_FILES}
LINK_TARGETS = SLUGS | {slug: slug for slug in SLUGS.values()}
FRONT = "---\ntitle: Fuzz\n---\n\n"


def line_count(text: str | bytes) -> int:
    """Lines as an editor shows them: LF, CR LF and a lone CR each end one."""
    if isinstance(text, bytes):
        return len(re.split(rb"\r\n|\r|\n", text))
    return len(re.split(r"\r\n|\r|\n", text))


# Quoted parts of a message repeat the content; what is left is the validator's own wording.
QUOTED = re.compile(r"«[^»]*»|'[^']*'|\"[^\"]*\"")
ENGLISH = re.compile(
    r"\b(the|is|are|not|should|must|expected|found|invalid|allowed|missing|cannot|line|column"
    r"|input|field|error|value|string)\b",
    re.IGNORECASE,
)


def check_problems(problems: Iterable[Problem], files: dict[str, str | bytes]) -> None:
    """Every problem names a path, a line inside its file (0 = the whole file), and a message.

    The message is in Norwegian: an untranslated library message would show English words.
    """
    for problem in problems:
        assert problem.path, problem
        assert problem.message.strip(), problem
        assert not ENGLISH.search(QUOTED.sub("", problem.message)), problem
        assert isinstance(problem.severity, Severity), problem
        assert problem.line >= 0, problem
        if problem.path in files:
            assert problem.line <= line_count(files[problem.path]) + 1, problem
        else:
            assert problem.line <= 1, problem  # the content directory itself


def compile_checked(source: str, name: str = "01-fuzz.md") -> CompileResult:
    result = compile_module(
        source,
        path=name,
        defaults=defaults_from_file_name(name, pass_mark=0.8),
        link_targets=LINK_TARGETS,
    )
    check_problems(result.problems, {name: source})
    assert (result.module is None) == bool(result.errors), result.problems
    if result.module is not None:
        assert result.module.source == source
        assert result.module.title.strip()
        if result.module.quiz is not None:
            for question in result.module.quiz.questions:
                assert question.correct_option_ids and question.options
    return result


def load_checked(files: dict[str, str | bytes]) -> None:
    """Write ``files`` to a fresh content directory and load it through ``load_course``."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        written: dict[str, str | bytes] = {}
        for name, content in files.items():
            path = directory / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
            written[str(path)] = content
        result = load_course(directory)
        check_problems(result.problems, written)
        assert (result.course is None) == bool(result.errors), result.problems
        if result.course is not None:
            assert len(result.course.modules) == len([n for n in files if n != "course.toml"])


# -- random text and bytes ------------------------------------------------------

MARKDOWN_TOKENS = [*"-#:>[]xX*_`|\n\n\n \t!{}()<>&;.=+~^\\/'\"0123456789abcæøå", "\r", "\u2028",
                   "\x85", "::: quiz\n", ":::\n", "\n---\n", "### ", "- [x] ", "- [ ] ", "\n> ",
                   "](01-hvorfor-innovasjon.md)", "](99-borte.md#a)", "[^1]", "&#106;",
                   "{#id}"]  # fmt: skip
markdownish = st.lists(st.sampled_from(MARKDOWN_TOKENS), max_size=150).map("".join)
any_text = st.text(max_size=300)


@fuzz(300)
@given(body=st.one_of(markdownish, any_text), with_front=st.booleans())
def test_random_text_compiles_or_reports_problems(body: str, with_front: bool) -> None:
    compile_checked(FRONT + body if with_front else body)


@fuzz(60)
@given(
    module=st.binary(max_size=400),
    toml=st.one_of(st.just(COURSE_TOML.encode()), st.binary(max_size=100)),
)
def test_random_bytes_load_or_report_problems(module: bytes, toml: bytes) -> None:
    load_checked({"course.toml": toml, "01-fuzz.md": module})


@fuzz(60)
@given(body=st.binary(max_size=300).map(lambda b: FRONT.encode() + b))
def test_random_bytes_after_front_matter_load_or_report_problems(body: bytes) -> None:
    load_checked({"course.toml": COURSE_TOML, "01-fuzz.md": body})


# -- mutated shipped modules ---------------------------------------------------------

INSERTS = ["", ":::", "::: quiz", ":::quiz", "---", "...", "###", "### ", "### Q? {#}", "## Q",
           "- [x]", "- [x] Ja", "- [ ] Nei", "- [X]", "  > tilbakemelding", "> forklaring",
           "[^1]", "[^1]: note", "| a |\n|---|", "    kode", "```", "title: x: y", "\t- [x] a",
           "[lenke](99-borte.md)", "[x](javascript:x)", "<script>", "\ufeff", "\x00"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, source: str) -> str:
    lines = source.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "unicode", "truncate"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [""]
        if op == "delete":
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, lines[at])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(INSERTS), st.text(max_size=20))))
        elif op == "unicode":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(st.text(min_size=1, max_size=3)) + line[cut:]
        else:
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
    return "\n".join(lines)


shipped_mutation = st.sampled_from(SHIPPED_FILES).flatmap(
    lambda name: st.tuples(st.just(name), mutated(SHIPPED_SOURCES[name]))
)


def test_shipped_modules_compile_unchanged() -> None:
    for name, source in SHIPPED_SOURCES.items():
        assert compile_checked(source, name).problems == []


@fuzz(250)
@given(case=shipped_mutation)
def test_mutated_shipped_module_compiles_or_reports_problems(case: tuple[str, str]) -> None:
    name, source = case
    compile_checked(source, name)


@fuzz(25)
@given(cases=st.lists(shipped_mutation, min_size=1, max_size=3, unique_by=lambda c: c[0]))
def test_shipped_course_with_mutated_modules_loads_or_reports_problems(
    cases: list[tuple[str, str]],
) -> None:
    files: dict[str, str | bytes] = {"course.toml": (SHIPPED / "course.toml").read_text()}
    files |= SHIPPED_SOURCES | dict(cases)
    load_checked(files)


# -- random front matter -------------------------------------------------------------

YAML_TOKENS = [*":-[]{}&*!|>'\"%@#,?\n\n  \tabcxyz019.", "title: ", "pass_mark: ", "\\", "- ",
               "!!int ", "!!timestamp ", "!!binary ", "!!python/object ", "&a ", "*a", "? ",
               "2024-13-45", ".nan", "\n  ", "<<: ", "---", "..."]  # fmt: skip
yamlish = st.lists(st.one_of(st.sampled_from(YAML_TOKENS), st.characters()), max_size=80).map(
    "".join
)
KEYS = ["title", "slug", "order", "estimated_minutes", "pass_mark", "required", "objectives"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=30),
    st.dates(), st.datetimes(),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
front_dicts = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), values,
                              max_size=8)  # fmt: skip


@fuzz(250)
@given(front=yamlish, body=st.sampled_from(["", "Tekst.\n", "::: quiz\n### Q?\n- [x] a\n:::\n"]))
def test_random_yamlish_front_matter_compiles_or_reports_problems(front: str, body: str) -> None:
    compile_checked(f"---\n{front}\n---\n\n{body}")


@fuzz(200)
@given(front=front_dicts)
def test_structured_front_matter_is_validated_or_reported(front: dict[str, object]) -> None:
    dumped = yaml.safe_dump(front, allow_unicode=True)
    source = f"---\n{dumped}---\n\nTekst.\n"
    result = compile_checked(source)
    meta = split_front_matter(source, path="01-fuzz.md").meta
    if meta is not None:
        assert isinstance(meta.title, str) and meta.title == meta.title.strip() != ""
        assert 0 < meta.estimated_minutes <= 24 * 60
        assert meta.pass_mark is None or 0 <= meta.pass_mark <= 1
        assert isinstance(meta.required, bool)
        assert all(isinstance(o, str) for o in meta.objectives)
    if set(front) <= set(KEYS) and result.module is None:
        assert [p for p in result.errors if p.line > 0], "an error names its line"


valid_fronts = st.fixed_dictionaries(
    {"title": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=40)},
    optional={
        "estimated_minutes": st.integers(1, 24 * 60),
        "pass_mark": st.floats(0, 1),
        "required": st.booleans(),
        "objectives": st.lists(st.text(max_size=40), max_size=5),
        "order": st.integers(0, 9999),
    },
)


@fuzz(100)
@given(front=valid_fronts)
def test_valid_front_matter_always_compiles(front: dict[str, object]) -> None:
    source = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\nTekst.\n"
    result = compile_checked(source)
    assert result.errors == []
    assert result.module is not None and result.module.title == str(front["title"]).strip()


# -- random quiz blocks ---------------------------------------------------------------

plain = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyzæøåABC0123456789 ?,.!")),
                min_size=1, max_size=30).map(str.strip).filter(bool)  # fmt: skip
options = st.lists(st.tuples(st.sampled_from([" ", "x", "X"]), plain, st.booleans()), max_size=8)
questions = st.lists(
    st.tuples(st.sampled_from([3, 3, 3, 3, 2, 4]), plain, st.booleans(), options, st.booleans()),
    max_size=6,
)


def quiz_markdown(quiz: list[tuple[int, str, bool, list[tuple[str, str, bool]], bool]]) -> str:
    lines = ["::: quiz"]
    for number, (level, text, explicit, opts, explained) in enumerate(quiz):
        lines.append("#" * level + " " + text + (f" {{#q{number}}}" if explicit else ""))
        for mark, option, feedback in opts:
            lines.append(f"- [{mark}] {option}")
            if feedback:
                lines.append(f"  > Tilbakemelding på {option}")
        if explained:
            lines.append("> Forklaring.")
        lines.append("")
    return "\n".join([*lines, ":::", ""])


@fuzz(250)
@given(quiz=questions)
def test_random_quiz_is_compiled_exactly_or_reported(
    quiz: list[tuple[int, str, bool, list[tuple[str, str, bool]], bool]],
) -> None:
    result = compile_checked(FRONT + "Tekst.\n\n" + quiz_markdown(quiz))
    ids = [f"q{n}" if explicit else None for n, (_, _, explicit, _, _) in enumerate(quiz)]
    valid = all(level == 3 and opts and any(m != " " for m, _, _ in opts)
                for level, _, _, opts, _ in quiz)  # fmt: skip
    if not valid:
        assert result.module is None
        return
    if result.module is None:  # the only other possible errors: ids from the text
        assert all("spørsmåls-id" in p.message for p in result.errors), result.problems
        return
    compiled = result.module.quiz.questions if result.module.quiz else ()
    assert len(compiled) == len(quiz)
    for question, (_, _, _, opts, explained), explicit_id in zip(compiled, quiz, ids, strict=True):
        if explicit_id:
            assert question.id == explicit_id
        assert [o.id for o in question.options] == list("abcdefgh"[: len(opts)])
        marked = {o for o, (mark, _, _) in zip("abcdefgh", opts, strict=False) if mark != " "}
        assert question.correct_option_ids == marked
        assert question.kind == ("single" if len(marked) == 1 else "multiple")
        assert bool(question.explanation_html) is explained


@fuzz(150)
@given(inside=st.one_of(markdownish, any_text), closed=st.booleans())
def test_random_quiz_block_content_compiles_or_reports_problems(inside: str, closed: bool) -> None:
    assume(inside.strip())
    compile_checked(FRONT + "Tekst.\n\n::: quiz\n" + inside + ("\n:::\n" if closed else ""))
