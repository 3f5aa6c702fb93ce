"""Compile one module's Markdown source into a validated, rendered ``Module``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it.token import Token

from course.bounded_rules import limit_problems
from course.frontmatter import split_front_matter
from course.ids import VALID_ID_RE as VALID_ID_RE  # re-exported: other modules import them here
from course.ids import explicit_id as explicit_id
from course.ids import slugify as slugify
from course.limits import MAX_NESTING, MAX_QUESTIONS, MAX_SOURCE_CHARS
from course.markdown import parser, render_tokens
from course.messages import number
from course.models import Heading, Module, Option, Problem, Question, Quiz, Severity
from course.quiz_syntax import QUIZ_CLOSE, QUIZ_OPEN
from course.workbook_models import WorkbookStep
from course.workbook_syntax import (
    MAX_STEPS,
    WORKBOOK_CLOSE,
    WORKBOOK_OPEN,
    opening_id,
    parse_step,
)

FILE_NAME_RE = re.compile(r"^(?P<order>\d{2,4})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_OPTION_RE = re.compile(r"^\[(?P<mark>[ xX])\]\s+(?P<text>\S.*)$", re.DOTALL)
_EMPTY_OPTION_RE = re.compile(r"^\[[ xX]\]\s*$")
_STRAY_FENCE_RE = re.compile(r"^\s*:{3,}")
STRAY_FENCE = (
    "«:::» utenfor en quiz- eller oppgaveblokk: en quiz begynner med «::: quiz», en oppgave "
    "med «::: oppgave Tittel {#id}», og begge slutter med «:::»"
)
_OPTION_IDS = "abcdefghijklmnopqrstuvwxyz"
_CONTAINERS = {
    "blockquote_open", "bullet_list_open", "ordered_list_open", QUIZ_OPEN, WORKBOOK_OPEN,
}  # fmt: skip
_CONTAINER_ENDS = {
    "blockquote_close", "bullet_list_close", "ordered_list_close", QUIZ_CLOSE, WORKBOOK_CLOSE,
}  # fmt: skip


def default_module_href(slug: str) -> str:
    return f"/moduler/{slug}"


@dataclass(frozen=True, slots=True)
class ModuleDefaults:
    """What a module inherits from its file name and the course."""

    slug: str | None = None
    order: int | None = None
    pass_mark: float = 0.8


@dataclass(slots=True)
class CompileResult:
    module: Module | None
    problems: list[Problem] = field(default_factory=list)
    # Every question that could be built, also when the module has errors, so that
    # rules across the course (``course.quiz_rules``) report in the same run.
    questions: tuple[Question, ...] = ()
    # Likewise every workbook step, for the step ids that must be unique in the course.
    steps: tuple[WorkbookStep, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def defaults_from_file_name(name: str, *, pass_mark: float) -> ModuleDefaults:
    match = FILE_NAME_RE.match(name)
    if match is None:
        return ModuleDefaults(pass_mark=pass_mark)
    return ModuleDefaults(match["slug"], int(match["order"]), pass_mark)


def _nesting_problem(tokens: list[Token]) -> Token | None:
    """The first block quote, list or quiz nested more than MAX_NESTING deep."""
    depth = 0
    for token in tokens:
        if token.type in _CONTAINERS:
            depth += 1
            if depth > MAX_NESTING:
                return token
        elif token.type in _CONTAINER_ENDS:
            depth -= 1
    return None


def _close_index(tokens: list[Token], start: int) -> int:
    """Index of the token closing ``tokens[start]`` (itself for non-nesting tokens)."""
    if tokens[start].nesting != 1:
        return start
    level = tokens[start].level
    for index in range(start + 1, len(tokens)):
        if tokens[index].level == level and tokens[index].nesting == -1:
            return index
    return len(tokens) - 1


class _Compiler:
    def __init__(
        self,
        *,
        path: str,
        line_offset: int,
        link_targets: Mapping[str, str] | None,
        module_href: Callable[[str], str],
    ) -> None:
        self.path = path
        self.offset = line_offset
        self.link_targets = link_targets
        self.module_href = module_href
        self.problems: list[Problem] = []
        self.questions_seen = 0

    def line(self, token: Token) -> int:
        return self.offset + (token.map[0] if token.map else 0) + 1

    def error(self, token: Token | int, message: str) -> None:
        line = token if isinstance(token, int) else self.line(token)
        self.problems.append(Problem(self.path, line, message))

    # -- links ------------------------------------------------------------
    def resolve_links(self, tokens: list[Token], *, report: bool = True) -> None:
        line = self.offset + 1
        for token in tokens:
            if token.map:
                line = self.line(token)
            for child in token.children or ():
                if child.type in ("softbreak", "hardbreak"):
                    line += 1  # a link further down a paragraph is on a later line
                elif child.type == "link_open":
                    self._resolve_link(child, line if report else None)

    def inline(self, text: str) -> str:
        """Question or option text as HTML, with links to modules rewritten like the body's."""
        tokens = parser().parseInline(text, {})
        self.resolve_links(tokens, report=False)  # reported with the quiz's block tokens
        return render_tokens(tokens)

    def _resolve_link(self, token: Token, line: int | None) -> None:
        href = str(token.attrGet("href") or "")
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|^#", href):
            return
        target, _, fragment = href.partition("#")
        target = unquote(target)
        if not target.endswith(".md"):
            return
        stem = target.rsplit("/", 1)[-1][: -len(".md")]
        bare = re.sub(r"^\d+-", "", stem)
        if self.link_targets is None:
            slug: str | None = bare
        else:
            slug = self.link_targets.get(stem) or self.link_targets.get(bare)
        if slug is None:
            if line is not None:
                self.error(line, f"lenke til en modul som ikke finnes: «{target}»")
            return
        token.attrSet("href", self.module_href(slug) + (f"#{fragment}" if fragment else ""))

    # -- quiz -------------------------------------------------------------
    def quiz_questions(self, tokens: list[Token], start: int, end: int) -> list[Question]:
        questions: list[Question] = []
        current: dict[str, object] | None = None

        def finish() -> None:
            if current is not None:
                question = self._build_question(current)
                if question is not None:
                    questions.append(question)

        index = start + 1
        while index < end:
            token = tokens[index]
            close = _close_index(tokens, index)
            if token.type == QUIZ_OPEN:
                finish()
                current = None
                self.error(
                    token, "en quizblokk inne i en annen quizblokk: lukk den første med «:::»"
                )
                questions.extend(self.quiz_questions(tokens, index, close))
            elif token.type == "heading_open":
                finish()
                if token.tag != "h3":
                    self.error(token, "et quizspørsmål må være en overskrift på nivå 3 («###»)")
                current = {"heading": tokens[index + 1], "options": [], "explanation": "",
                           "details": [], "token": token}  # fmt: skip
            elif token.type in ("bullet_list_open", "ordered_list_open"):
                if current is None:
                    self.error(
                        token, "svaralternativ utenfor et spørsmål: start spørsmålet med «###»"
                    )
                else:
                    self._options(tokens, index, close, current)
            elif token.type == "blockquote_open":
                if current is None:
                    self.error(token, "forklaring utenfor et spørsmål: start spørsmålet med «###»")
                else:
                    current["explanation"] = str(current["explanation"]) + render_tokens(
                        tokens[index + 1 : close]
                    )
            elif current is None:
                self.error(
                    token, "tekst i en quiz må høre til et spørsmål: start spørsmålet med «###»"
                )
            else:
                details = current["details"]
                assert isinstance(details, list)
                details.extend(tokens[index : close + 1])
            index = close + 1
        finish()
        return questions

    def _options(
        self, tokens: list[Token], start: int, end: int, current: dict[str, object]
    ) -> None:
        options = current["options"]
        assert isinstance(options, list)
        index = start + 1
        while index < end:
            item_close = _close_index(tokens, index)
            item = tokens[index]
            inner = tokens[index + 1 : item_close]
            para = inner[1] if len(inner) > 1 and inner[0].type == "paragraph_open" else None
            content = para.content if para is not None else ""
            match = _OPTION_RE.match(content)
            if match is None:
                if _EMPTY_OPTION_RE.match(content):
                    self.error(item, "svaralternativet mangler tekst")
                else:
                    self.error(item, "et listepunkt i en quiz må være et svaralternativ: "
                               "«- [ ] tekst» eller «- [x] tekst»")  # fmt: skip
            else:
                feedback = ""
                pos = 3  # after paragraph_open, inline, paragraph_close
                while pos < len(inner):
                    sub_close = _close_index(inner, pos)
                    if inner[pos].type == "blockquote_open":
                        feedback += render_tokens(inner[pos + 1 : sub_close])
                    else:
                        self.error(inner[pos], "under et svaralternativ kan det bare stå et "
                                   "sitat med tilbakemelding («>»)")  # fmt: skip
                    pos = sub_close + 1
                options.append((match["text"].strip(), match["mark"] != " ", feedback, item))
            index = item_close + 1

    def _build_question(self, current: dict[str, object]) -> Question | None:
        heading = current["heading"]
        head_token = current["token"]
        options = current["options"]
        assert isinstance(heading, Token) and isinstance(head_token, Token)
        assert isinstance(options, list)
        self.questions_seen += 1
        if self.questions_seen > MAX_QUESTIONS:
            if self.questions_seen == MAX_QUESTIONS + 1:
                self.error(head_token, f"modulen har mer enn {MAX_QUESTIONS} quizspørsmål: "
                           "del quizen på flere moduler")  # fmt: skip
            return None  # not built: each question costs rendering
        text = heading.content
        explicit = explicit_id(text)
        if explicit:
            text, question_id = explicit
            if not VALID_ID_RE.match(question_id):
                self.error(head_token, f"ugyldig spørsmåls-id «{question_id}»: bruk bare a–z, "
                           "0–9, «-» og «_», begynn med en bokstav eller et siffer, og bruk "
                           "høyst 80 tegn")  # fmt: skip
                return None
        else:
            question_id = slugify(text)
        if not text:
            self.error(head_token, "spørsmålet mangler tekst")
            return None
        if not question_id:
            self.error(
                head_token,
                "kan ikke lage en spørsmåls-id av teksten: legg til «{#id}» "
                "til slutt i overskriften",
            )
            return None
        if not options:
            self.error(head_token, f"spørsmålet «{text}» har ingen svaralternativer")
            return None
        if len(options) > len(_OPTION_IDS):
            self.error(
                head_token, f"spørsmålet «{text}» har mer enn {len(_OPTION_IDS)} svaralternativer"
            )
            return None
        built = tuple(
            Option(
                id=_OPTION_IDS[i],
                text=option_text,
                html=self.inline(option_text),
                correct=correct,
                feedback_html=feedback or None,
            )
            for i, (option_text, correct, feedback, _) in enumerate(options)
        )
        correct_count = sum(o.correct for o in built)
        if correct_count == 0:
            self.error(
                head_token, f"spørsmålet «{text}» har ikke noe riktig svar (merk ett med «- [x]»)"
            )
            return None
        if not current["explanation"]:
            self.problems.append(Problem(self.path, self.line(head_token), f"spørsmålet «{text}» "
                                         "har ingen forklaring («>» etter svaralternativene)",
                                         Severity.WARNING))  # fmt: skip
        details = current["details"]
        assert isinstance(details, list)
        return Question(
            id=question_id,
            text=text,
            html=self.inline(text),
            kind="single" if correct_count == 1 else "multiple",
            options=built,
            explanation_html=str(current["explanation"]),
            details_html=render_tokens(details) if details else "",
            line=self.line(head_token),
        )


def compile_module(
    source: str,
    *,
    path: str,
    defaults: ModuleDefaults,
    link_targets: Mapping[str, str] | None = None,
    module_href: Callable[[str], str] = default_module_href,
) -> CompileResult:
    """Validate and render one module.

    Args:
        source: the module's Markdown, front matter included.
        path: the name used in problems (a file path or a module slug).
        defaults: slug, order and pass mark inherited from file name and course.
        link_targets: file stems and slugs of all modules, to check links
            between modules; ``None`` trusts every ``NN-slug.md`` link.
        module_href: builds the URL a module link is rewritten to.

    Returns:
        The module (``None`` when there are errors) and every problem found.
    """
    if len(source) > MAX_SOURCE_CHARS:
        # Checked before anything else: parsing costs in proportion to the length.
        message = (f"modulen er for lang: {number(len(source))} tegn, men en modul kan ha "
                   f"høyst {number(MAX_SOURCE_CHARS)} tegn: del den i flere moduler")  # fmt: skip
        return CompileResult(None, [Problem(path, 1, message)])
    if "\x00" in source:
        # No database stores text with NUL characters, and no Markdown needs one.
        line = source.count("\n", 0, source.index("\x00")) + 1
        message = "inneholder et NUL-tegn (tegnkode 0), som ikke er tillatt"
        return CompileResult(None, [Problem(path, line, message)])
    front = split_front_matter(source, path=path)
    problems = list(front.problems)
    compiler = _Compiler(
        path=path, line_offset=front.body_line, link_targets=link_targets, module_href=module_href
    )
    env: dict[str, object] = {}
    tokens = parser().parse(front.body, env)
    for line, message in limit_problems(env):
        compiler.error(front.body_line + line + 1, message)
    too_deep = _nesting_problem(tokens)
    if too_deep is not None:
        compiler.error(too_deep, "sitater, lister og quizblokker kan stå høyst "
                       f"{MAX_NESTING} nivåer inni hverandre")  # fmt: skip
    compiler.resolve_links(tokens)  # before the quiz is rendered: explanations have links too

    body_tokens: list[Token] = []
    questions: list[Question] = []
    steps: list[WorkbookStep] = []
    step_ids: list[tuple[str, int]] = []  # of every block, also those with other errors
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == WORKBOOK_OPEN:
            close = _close_index(tokens, index)
            if not token.meta.get("closed"):
                compiler.error(token, "oppgaveblokken er ikke lukket med «:::»")
            step = parse_step(tokens, index, close, report=compiler, render=render_tokens)
            written = opening_id(token)
            if written:
                step_ids.append((written, compiler.line(token)))
            if step is not None:
                steps.append(step)
            index = close + 1
            continue
        if token.type == QUIZ_OPEN:
            close = next(i for i in range(index, len(tokens)) if tokens[i].type == QUIZ_CLOSE
                         and tokens[i].level == token.level)  # fmt: skip
            if not token.meta.get("closed"):
                compiler.error(token, "quizblokken er ikke lukket med «:::»")
            questions.extend(compiler.quiz_questions(tokens, index, close))
            index = close + 1
            continue
        body_tokens.append(token)
        index += 1

    seen: dict[str, int] = {}
    for question in questions:
        if question.id in seen:
            compiler.error(question.line, f"spørsmåls-id «{question.id}» er allerede brukt på "
                           f"linje {seen[question.id]}: gi spørsmålet en annen id med "
                           "«{#id}»")  # fmt: skip
        else:
            seen[question.id] = question.line

    if len(steps) > MAX_STEPS:
        compiler.error(steps[MAX_STEPS].line, f"modulen har mer enn {MAX_STEPS} oppgaver: "
                       "del dem på flere moduler")  # fmt: skip
    seen.clear()
    for step_id, line in step_ids:
        if step_id in seen:
            compiler.error(line, f"oppgave-id «{step_id}» er allerede brukt på linje "
                           f"{seen[step_id]}: gi oppgaven en annen id")  # fmt: skip
        else:
            seen[step_id] = line

    words, has_text, toc = 0, False, []
    for position, token in enumerate(body_tokens):
        if token.type != "inline":
            continue
        words += len(token.content.split())
        opener = body_tokens[position - 1] if position else None
        if opener is not None and opener.type == "heading_open":
            if opener.tag in ("h2", "h3"):
                toc.append(Heading(int(opener.tag[1]), str(opener.attrGet("id") or ""),
                                   token.content))  # fmt: skip
        elif token.content.strip():
            has_text = True
        if opener is not None and opener.type == "paragraph_open":
            for row, text in enumerate(token.content.split("\n")):
                if _STRAY_FENCE_RE.match(text):
                    compiler.error(compiler.line(token) + row, STRAY_FENCE)
    if not has_text and front.closed:  # an unclosed front matter has swallowed the text
        compiler.error(front.body_line + 1, "modulen har ingen tekst utenfor quizen")

    problems.extend(compiler.problems)
    problems.sort(key=lambda p: p.line)
    meta = front.meta
    slug = (meta.slug if meta else None) or defaults.slug
    order = meta.order if meta and meta.order is not None else defaults.order
    fix = "gi filen navnet NN-slug.md, eller sett «{}» i front matter"
    if meta is not None and slug is None:
        problems.append(Problem(path, 1, "mangler slug: " + fix.format("slug")))
    if meta is not None and order is None:
        problems.append(Problem(path, 1, "mangler rekkefølge: " + fix.format("order")))
    if (
        meta is None
        or slug is None
        or order is None
        or any(p.severity is Severity.ERROR for p in problems)
    ):
        return CompileResult(None, problems, tuple(questions), tuple(steps))

    pass_mark = meta.pass_mark if meta.pass_mark is not None else defaults.pass_mark
    module = Module(
        slug=slug,
        title=meta.title,
        order=order,
        estimated_minutes=meta.estimated_minutes,
        required=meta.required,
        objectives=tuple(meta.objectives),
        html=render_tokens(body_tokens),
        toc=tuple(toc),
        quiz=Quiz(pass_mark, tuple(questions)) if questions else None,
        words=words,
        source=source,
        pass_mark=meta.pass_mark,
        workbook=tuple(steps),
    )
    return CompileResult(module, problems, tuple(questions), tuple(steps))
