"""Quiz rules checked when content is validated, not when a stored revision is rendered.

``compile_module`` decides whether a module can be shown at all; these rules are
about how a course is written. They run in ``load_course`` (``innostudy validate``,
``content sync``, server start) and, per module, when a module is saved on the
site, but never when a revision stored before a rule existed is rendered again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from course.models import Problem, Question

ANSWER_HINT = "Velg alle som stemmer"
_ANSWER_HINT_RE = re.compile(r"velg\s+alle\s+som\s+stemmer", re.IGNORECASE)


def has_answer_hint(text: str) -> bool:
    return _ANSWER_HINT_RE.search(text) is not None


def answer_hint_problems(questions: Sequence[Question], *, path: str) -> list[Problem]:
    """A question with several correct options says so in its heading; one with one does not."""
    problems: list[Problem] = []
    for question in questions:
        correct = len(question.correct_option_ids)
        hinted = has_answer_hint(question.text)
        if correct > 1 and not hinted:
            problems.append(Problem(path, question.line, f"spørsmålet «{question.text}» har "
                                    f"{correct} riktige svar: skriv «({ANSWER_HINT}.)» til slutt "
                                    "i overskriften, så deltakeren vet at flere svar skal "
                                    "velges"))  # fmt: skip
        elif correct == 1 and hinted:
            problems.append(Problem(path, question.line, f"spørsmålet «{question.text}» har bare "
                                    f"ett riktig svar, men overskriften sier «{ANSWER_HINT}»: "
                                    "fjern det fra overskriften, eller merk flere svar som "
                                    "riktige"))  # fmt: skip
    return problems


def duplicate_id_problems(modules: Sequence[tuple[str, Sequence[Question]]]) -> list[Problem]:
    """A question id used in an earlier module, reported at its later use.

    ``modules`` are (path, questions) in the order the course is read. A repeat
    inside one module is the compiler's to report (``compile_module``).
    """
    first: dict[str, tuple[str, int]] = {}  # id -> (path, line) of its first use
    problems: list[Problem] = []
    for path, questions in modules:
        for question in questions:
            seen = first.get(question.id)
            if seen is None:
                first[question.id] = (path, question.line)
            elif seen[0] != path:
                other = Path(seen[0]).name
                problems.append(Problem(path, question.line, f"spørsmåls-id «{question.id}» er "
                                        f"allerede brukt i modulen {other} (linje {seen[1]}): "
                                        "id-ene må være unike i hele kurset, så gi spørsmålet en "
                                        "annen id med «{#id}»"))  # fmt: skip
    return problems
