"""A GIFT reader for the question types the course has: single and multiple choice.

Other types (true/false, short answer, numerical, matching, essay, description,
answers inside the text) are reported with their line as not supported yet, and so
is anything malformed: the caller imports nothing unless the problem list is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.gift.escape import find, split, unescape
from course.gift.model import GiftOption, GiftProblem, GiftQuestion

_FORMAT_RE = re.compile(r"^\[(markdown|plain|html|moodle)\]", re.IGNORECASE)
_TRUE_FALSE_RE = re.compile(r"^(T|F|TRUE|FALSE)\s*(#|$)", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:[.,]\d+)?)%")
_CATEGORY = "$CATEGORY:"
UNSUPPORTED = "Spørsmålstypen «{kind}» støttes ikke ennå (linje {line})"


@dataclass(frozen=True, slots=True)
class _Chunk:
    text: str
    line: int  # 1-based line of its first character


def _chunks(text: str) -> list[_Chunk]:
    """The file cut at blank lines outside ``{…}``, without ``//`` comment lines."""
    chunks: list[_Chunk] = []
    rows: list[str] = []
    first = 0
    depth = 0
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.rstrip()
        if depth == 0 and line.lstrip().startswith("//"):
            continue
        if not line.strip() and depth == 0:
            if rows:
                chunks.append(_Chunk("\n".join(rows), first))
                rows = []
            continue
        if not rows:
            first = number
        rows.append(line)
        depth = max(0, depth + _braces(line))
    if rows:
        chunks.append(_Chunk("\n".join(rows), first))
    return chunks


def _braces(line: str) -> int:
    depth, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(line[index], 0)
        index += 1
    return depth


def _line_at(chunk: _Chunk, index: int) -> int:
    return chunk.line + chunk.text.count("\n", 0, index)


def _text(raw: str) -> str:
    """One line of text: a question or an option is a single line in the course's syntax."""
    lines = " ".join(unescape(part.strip()) for part in raw.strip().split("\n"))
    return " ".join(lines.split("\n")).strip()


def _block_text(raw: str) -> str:
    return unescape("\n".join(part.strip() for part in raw.strip().split("\n"))).strip()


class _Reader:
    def __init__(self) -> None:
        self.questions: list[GiftQuestion] = []
        self.problems: list[GiftProblem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(GiftProblem(line, message))

    def unsupported(self, line: int, kind: str) -> None:
        self.problem(line, UNSUPPORTED.format(kind=kind, line=line))

    def chunk(self, chunk: _Chunk) -> None:
        text = chunk.text
        if text.lstrip().startswith(_CATEGORY):
            _, _, rest = text.partition("\n")
            if not rest.strip():
                return
            chunk = _Chunk(rest, chunk.line + 1)
            text = rest
        start = len(text) - len(text.lstrip())
        name = ""
        if text.startswith("::", start):
            end = find(text, "::", start + 2)
            if end < 0:
                self.problem(chunk.line, "navnet på spørsmålet mangler avsluttende «::»")
                return
            name = _text(text[start + 2 : end])
            start = end + 2
        open_at = find(text, "{", start)
        if open_at < 0:
            self.unsupported(chunk.line, "beskrivelse (tekst uten svar)")
            return
        close_at = find(text, "}", open_at + 1)
        if close_at < 0:
            self.problem(_line_at(chunk, open_at), "svarene mangler avsluttende «}»")
            return
        stem = _FORMAT_RE.sub("", text[start:open_at].strip(), count=1)
        if text[close_at + 1 :].strip():
            self.unsupported(chunk.line, "svar inne i teksten")
            return
        self.answers(chunk, name, _text(stem), text[open_at + 1 : close_at])

    def answers(self, chunk: _Chunk, name: str, stem: str, body: str) -> None:
        line = chunk.line
        answer = body.strip()
        if not answer:
            self.unsupported(line, "langsvar (essay)")
            return
        if _TRUE_FALSE_RE.match(answer):
            self.unsupported(line, "sant/usant")
            return
        if answer.startswith("#"):
            self.unsupported(line, "tallsvar")
            return
        general_at = find(answer, "####")
        explanation = ""
        if general_at >= 0:
            explanation = _block_text(answer[general_at + 4 :])
            answer = answer[:general_at]
        parts = split(answer, "=~")
        if parts[0][1].strip():
            self.problem(
                line, "tekst foran det første svaret: hvert svar begynner med «=» eller «~»"
            )
            return
        choices = parts[1:]
        if all(kind == "=" for kind, _ in choices):
            kind = "sammenkobling" if any(find(c, "->") >= 0 for _, c in choices) else "kortsvar"
            self.unsupported(line, kind)
            return
        options = [self.option(line, kind, raw) for kind, raw in choices]
        if any(o is None for o in options):
            return
        built = tuple(o for o in options if o is not None)
        if not stem:
            self.problem(line, "spørsmålet mangler tekst")
        elif not any(o.correct for o in built):
            self.problem(line, f"spørsmålet «{stem}» har ikke noe riktig svar")
        else:
            self.questions.append(GiftQuestion(name, stem, built, explanation, line))

    def option(self, line: int, kind: str, raw: str) -> GiftOption | None:
        raw = raw.strip()
        correct = kind == "="
        weight = _WEIGHT_RE.match(raw)
        if weight:
            correct = float(weight[1].replace(",", ".")) > 0
            raw = raw[weight.end() :]
        feedback_at = find(raw, "#")
        feedback = ""
        if feedback_at >= 0:
            feedback = _block_text(raw[feedback_at + 1 :])
            raw = raw[:feedback_at]
        text = _text(raw)
        if not text:
            self.problem(line, "et svaralternativ mangler tekst")
            return None
        return GiftOption(text, correct, feedback)


def parse_gift(text: str) -> tuple[list[GiftQuestion], list[GiftProblem]]:
    """The single- and multiple-choice questions of a GIFT file, and every problem by line."""
    reader = _Reader()
    for chunk in _chunks(text):
        reader.chunk(chunk)
    if not reader.questions and not reader.problems:
        reader.problem(1, "filen har ingen spørsmål")
    return reader.questions, reader.problems
