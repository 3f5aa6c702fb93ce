"""Progress rules: when a module counts as started or completed, and the course as done."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ModuleStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


def module_complete(*, read: bool, has_quiz: bool, passed: bool) -> bool:
    """A module is complete when its text is read and, if it has a quiz, the quiz is passed."""
    return read and (passed or not has_quiz)


def module_status(*, completed: bool, read: bool, attempted: bool) -> ModuleStatus:
    """Completion is sticky: a completed module stays completed when its content changes."""
    if completed:
        return ModuleStatus.COMPLETED
    if read or attempted:
        return ModuleStatus.IN_PROGRESS
    return ModuleStatus.NOT_STARTED


@dataclass(frozen=True, slots=True)
class CourseProgress:
    completed_modules: int
    total_modules: int
    percent: int
    all_required_completed: bool


def course_progress(
    *, modules: Iterable[tuple[str, bool]], completed: Iterable[str]
) -> CourseProgress:
    """Summarise progress over ``(slug, required)`` pairs given the completed slugs.

    The course is complete when every required module is; a course whose
    modules are all optional needs all of them, and an empty course never completes.
    """
    done = set(completed)
    module_list = list(modules)
    completed_count = sum(slug in done for slug, _ in module_list)
    total = len(module_list)
    needed = [slug for slug, required in module_list if required] or [s for s, _ in module_list]
    return CourseProgress(
        completed_modules=completed_count,
        total_modules=total,
        percent=(completed_count * 100) // total if total else 0,
        all_required_completed=bool(needed) and all(slug in done for slug in needed),
    )
