"""Turn domain results into API schemas (never exposing correct answers before grading)."""

from __future__ import annotations

from api.core.config import Settings
from api.data.models import Certificate, CourseModule, ModuleRevision, User
from api.http.schemas import (
    AttemptResult,
    AttemptSummary,
    AuthoringModule,
    CertificateIssued,
    CertificateReissued,
    CourseOutline,
    HeadingPublic,
    ModuleOutline,
    ModuleProgressPublic,
    ModulePublic,
    OptionFeedback,
    OptionPublic,
    OptionWithAnswer,
    PreviewResult,
    ProblemPublic,
    ProgressPublic,
    ProgressSummary,
    QuestionPublic,
    QuestionResultPublic,
    QuestionWithAnswer,
    QuizPublic,
    QuizWithAnswers,
    ReadResult,
    RevisionSaved,
    RevisionSummary,
    UserPublic,
    Verification,
)
from api.services import user_municipality
from api.services.authoring import Saved
from api.services.content import LiveModule
from api.services.learning import ModuleHistory, Outline
from api.services.progress_writes import AttemptOutcome, ReadMark
from course.compile import CompileResult
from course.models import CourseInfo, Problem


def progress_summary(outline: Outline) -> ProgressSummary:
    p = outline.progress
    return ProgressSummary(
        completed_modules=p.completed_modules,
        total_modules=p.total_modules,
        percent=p.percent,
        optional_completed=p.optional_completed,
        optional_total=p.optional_total,
        completed_at=outline.completed_at,
    )


def course_outline(info: CourseInfo, outline: Outline) -> CourseOutline:
    return CourseOutline(
        title=info.title,
        slug=info.slug,
        version=info.version,
        description=info.description,
        estimated_hours=info.estimated_hours,
        modules=[
            ModuleOutline(
                slug=m.slug,
                title=m.content.title,
                estimated_minutes=m.content.estimated_minutes,
                required=m.content.required,
                has_quiz=m.content.quiz is not None,
                status=status,
            )
            for m, status in outline.modules
        ],
        progress=progress_summary(outline),
    )


def module_public(module: LiveModule) -> ModulePublic:
    content = module.content
    quiz = None
    if content.quiz is not None:
        quiz = QuizPublic(
            pass_mark=content.quiz.pass_mark,
            questions=[
                QuestionPublic(
                    id=q.id,
                    text=q.text,
                    html=q.html,
                    details_html=q.details_html,
                    kind=q.kind,
                    options=[OptionPublic(id=o.id, text=o.text, html=o.html) for o in q.options],
                )
                for q in content.quiz.questions
            ],
        )
    return ModulePublic(
        slug=content.slug,
        title=content.title,
        revision=module.revision,
        estimated_minutes=content.estimated_minutes,
        required=content.required,
        objectives=list(content.objectives),
        toc=[HeadingPublic(level=h.level, id=h.id, text=h.text) for h in content.toc],
        html=content.html,
        quiz=quiz,
    )


def module_json(module: LiveModule) -> bytes:
    return module_public(module).model_dump_json().encode()


def attempt_result(outcome: AttemptOutcome) -> AttemptResult:
    attempt = outcome.attempt
    return AttemptResult(
        id=attempt.id,
        score=attempt.score,
        passed=attempt.passed,
        revision=attempt.revision,
        created_at=attempt.created_at,
        module_completed=outcome.module_completed,
        course_completed=outcome.course_completed,
        questions=[
            QuestionResultPublic(
                id=q.id,
                correct=q.correct,
                selected=list(q.selected),
                explanation=q.explanation_html,
                feedback=[OptionFeedback(option_id=o, html=h) for o, h in q.feedback_html],
            )
            for q in outcome.result.questions
        ],
    )


def attempt_json(outcome: AttemptOutcome) -> bytes:
    return attempt_result(outcome).model_dump_json().encode()


def read_json(mark: ReadMark) -> bytes:
    return ReadResult(status=mark.status, read_at=mark.read_at).model_dump_json().encode()


def progress_public(outline: Outline, histories: list[ModuleHistory]) -> ProgressPublic:
    return ProgressPublic(
        progress=progress_summary(outline),
        modules=[
            ModuleProgressPublic(
                slug=h.module.slug,
                title=h.module.content.title,
                status=h.status,
                read_at=h.row.read_at if h.row else None,
                completed_at=h.row.completed_at if h.row else None,
                best_score=h.row.best_score if h.row else None,
                attempts=[
                    AttemptSummary(
                        id=a.id or 0,
                        revision=a.revision,
                        score=a.score,
                        passed=a.passed,
                        created_at=a.created_at,
                    )
                    for a in h.attempts
                ],
            )
            for h in histories
        ],
    )


def certificate_issued(certificate: Certificate, settings: Settings) -> CertificateIssued:
    return CertificateIssued(
        code=certificate.code,
        verify_url=f"{settings.base_url}/verify/{certificate.code}",
        pdf_url=f"{settings.base_url}/api/v1/certificate.pdf",
        issued_at=certificate.issued_at,
    )


def certificate_reissued(
    certificate: Certificate, replaces: Certificate, settings: Settings
) -> CertificateReissued:
    return CertificateReissued(
        code=certificate.code,
        replaces=replaces.code,
        holder_name=certificate.holder_name,
        verify_url=f"{settings.base_url}/verify/{certificate.code}",
        issued_at=certificate.issued_at,
    )


def verification(certificate: Certificate) -> Verification:
    return Verification(
        valid=certificate.revoked_at is None and certificate.holder_erased_at is None,
        code=certificate.code,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        completed_at=certificate.completed_at,
        issued_at=certificate.issued_at,
        revoked=certificate.revoked_at is not None,
        revoked_at=certificate.revoked_at,
        erased=certificate.holder_erased_at is not None,
    )


def problem_public(problem: Problem) -> ProblemPublic:
    return ProblemPublic(
        line=problem.line,
        message=problem.message,
        severity="warning" if problem.severity == "warning" else "error",
    )


def revision_saved(saved: Saved) -> RevisionSaved:
    return RevisionSaved(
        slug=saved.module.slug,
        revision=saved.revision.number,
        warnings=[problem_public(p) for p in saved.warnings],
    )


def revision_summary(revision: ModuleRevision, author: str | None) -> RevisionSummary:
    return RevisionSummary(
        number=revision.number,
        title=revision.title,
        summary=revision.summary,
        author=author,
        created_at=revision.created_at,
    )


def authoring_module(module: CourseModule, current: ModuleRevision) -> AuthoringModule:
    return AuthoringModule(
        slug=module.slug,
        title=current.title,
        position=module.position,
        revision=current.number,
        updated_at=current.created_at,
        archived_at=module.archived_at,
    )


def preview_result(result: CompileResult) -> PreviewResult:
    module = result.module
    quiz = None
    if module is not None and module.quiz is not None:
        quiz = QuizWithAnswers(
            pass_mark=module.quiz.pass_mark,
            questions=[
                QuestionWithAnswer(
                    id=q.id,
                    text=q.text,
                    html=q.html,
                    details_html=q.details_html,
                    kind=q.kind,
                    explanation_html=q.explanation_html,
                    options=[
                        OptionWithAnswer(
                            id=o.id,
                            text=o.text,
                            html=o.html,
                            correct=o.correct,
                            feedback_html=o.feedback_html,
                        )
                        for o in q.options
                    ],
                )
                for q in module.quiz.questions
            ],
        )
    return PreviewResult(
        html=module.html if module else None,
        title=module.title if module else None,
        quiz=quiz,
        errors=[problem_public(p) for p in result.problems],
    )


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        unit_id=user.unit_id,
        department_unmatched=user.department_unmatched,
        is_active=user.is_active,
        created_at=user.created_at,
        **user_municipality.account_fields(user),
    )
