"""GIFT, Moodle's question text format: export of the course's quizzes, import into a module."""

from course.gift.export import export_gift
from course.gift.markdown import quiz_markdown, replace_quiz
from course.gift.model import GiftOption, GiftProblem, GiftQuestion
from course.gift.parse import parse_gift
from course.gift.source import module_questions

__all__ = [
    "GiftOption",
    "GiftProblem",
    "GiftQuestion",
    "export_gift",
    "module_questions",
    "parse_gift",
    "quiz_markdown",
    "replace_quiz",
]
