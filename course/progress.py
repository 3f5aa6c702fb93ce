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


def progress_percent(completed: int, total: int) -> int:
    """The percent shown beside progress, rounded down; 0 for nothing to complete."""
    return (completed * 100) // total if total else 0


def counted_slugs(modules: Iterable[tuple[str, bool]]) -> list[str]:
    """The modules that count towards completing the course, of ``(slug, required)`` pairs.

    The required ones; in a course whose modules are all optional, all of them.
    Every progress figure (pages, API, roster, certificate) counts these, so
    that "100 %" and "course completed" always go together.
    """
    pairs = list(modules)
    return [slug for slug, required in pairs if required] or [slug for slug, _ in pairs]


@dataclass(frozen=True, slots=True)
class CourseProgress:
    """Progress over the modules that count (``counted_slugs``), optional ones apart.

    ``completed_modules``/``total_modules`` and ``percent`` are over the counted
    modules; ``optional_completed``/``optional_total`` over the others.
    """

    completed_modules: int
    total_modules: int
    percent: int
    all_required_completed: bool
    optional_completed: int = 0
    optional_total: int = 0


def course_progress(
    *, modules: Iterable[tuple[str, bool]], completed: Iterable[str]
) -> CourseProgress:
    """Summarise progress over ``(slug, required)`` pairs given the completed slugs.

    The course is complete when every required module is; a course whose
    modules are all optional needs all of them, and an empty course never completes.
    """
    done = set(completed)
    module_list = list(modules)
    needed = counted_slugs(module_list)
    counted = set(needed)
    optional = [slug for slug, _ in module_list if slug not in counted]
    needed_done = sum(slug in done for slug in needed)
    return CourseProgress(
        completed_modules=needed_done,
        total_modules=len(needed),
        percent=progress_percent(needed_done, len(needed)),
        all_required_completed=bool(needed) and needed_done == len(needed),
        optional_completed=sum(slug in done for slug in optional),
        optional_total=len(optional),
    )


def course_complete(
    progress: CourseProgress, *, require_approved_plan: bool, plan_approved: bool
) -> bool:
    """The course is complete when every counted module is and, if the course says so
    (``[completion] require_approved_plan``), the learner's project plan is approved."""
    return progress.all_required_completed and (plan_approved or not require_approved_plan)
