"""Progress rules: module completion and status, and when the course is complete."""

from __future__ import annotations

import pytest

from course.progress import ModuleStatus, course_progress, module_complete, module_status


@pytest.mark.parametrize(
    ("read", "has_quiz", "passed", "complete"),
    [
        (True, False, False, True),
        (True, True, True, True),
        (True, True, False, False),
        (False, True, True, False),
        (False, False, False, False),
    ],
    ids=["read-no-quiz", "read-and-passed", "read-not-passed", "passed-not-read", "nothing"],
)
def test_module_is_complete_when_read_and_quiz_passed(
    read: bool, has_quiz: bool, passed: bool, complete: bool
) -> None:
    assert module_complete(read=read, has_quiz=has_quiz, passed=passed) is complete


@pytest.mark.parametrize(
    ("completed", "read", "attempted", "status"),
    [
        (False, False, False, ModuleStatus.NOT_STARTED),
        (False, True, False, ModuleStatus.IN_PROGRESS),
        (False, False, True, ModuleStatus.IN_PROGRESS),
        (True, True, True, ModuleStatus.COMPLETED),
        # Sticky: completed stays completed even if the new revision is unread and unpassed.
        (True, False, False, ModuleStatus.COMPLETED),
    ],
)
def test_module_status(completed: bool, read: bool, attempted: bool, status: ModuleStatus) -> None:
    assert module_status(completed=completed, read=read, attempted=attempted) is status


def test_status_values_are_stable_strings() -> None:
    assert [s.value for s in ModuleStatus] == ["not_started", "in_progress", "completed"]


MODULES = [("intro", True), ("prosess", True), ("valgfri", False)]


def test_course_progress_counts_completed_modules() -> None:
    progress = course_progress(modules=MODULES, completed=["intro"])
    assert (progress.completed_modules, progress.total_modules, progress.percent) == (1, 2, 50)
    assert (progress.optional_completed, progress.optional_total) == (0, 1)
    assert not progress.all_required_completed


def test_course_is_complete_when_every_required_module_is_and_shows_100_percent() -> None:
    # Defect 8: a finished learner saw "2 av 3 moduler (66 %)" beside "course completed".
    progress = course_progress(modules=MODULES, completed=["prosess", "intro"])
    assert progress.all_required_completed and progress.percent == 100
    assert (progress.completed_modules, progress.total_modules) == (2, 2)
    assert (progress.optional_completed, progress.optional_total) == (0, 1)


def test_optional_modules_are_counted_apart_from_the_percent() -> None:
    progress = course_progress(modules=MODULES, completed=["intro", "valgfri"])
    assert (progress.percent, progress.optional_completed) == (50, 1)


def test_percent_is_100_exactly_when_the_course_is_complete() -> None:
    import itertools

    for done in itertools.chain.from_iterable(
        itertools.combinations([s for s, _ in MODULES], n) for n in range(4)
    ):
        progress = course_progress(modules=MODULES, completed=done)
        assert (progress.percent == 100) == progress.all_required_completed


def test_completed_modules_no_longer_in_the_course_do_not_count() -> None:
    progress = course_progress(modules=MODULES, completed=["fjernet", "intro", "intro"])
    assert (progress.completed_modules, progress.all_required_completed) == (1, False)


def test_course_without_modules_never_completes() -> None:
    progress = course_progress(modules=[], completed=["intro"])
    assert not progress.all_required_completed
    assert (progress.completed_modules, progress.total_modules) == (0, 0)


def test_modules_may_be_any_iterable() -> None:
    progress = course_progress(modules=iter(MODULES), completed=iter(["intro", "prosess"]))
    assert progress.total_modules == 2 and progress.all_required_completed


def test_a_course_of_only_optional_modules_needs_all_of_them() -> None:
    modules = [("a", False), ("b", False)]
    assert not course_progress(modules=modules, completed=[]).all_required_completed
    assert not course_progress(modules=modules, completed=["a"]).all_required_completed
    assert course_progress(modules=modules, completed=["a", "b"]).all_required_completed


def test_an_empty_course_shows_zero_percent() -> None:
    assert course_progress(modules=[], completed=[]).percent == 0
