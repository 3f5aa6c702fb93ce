"""The learner's pages: dashboard, module text, quiz and result, certificate, profile."""

from __future__ import annotations

import re

from fastapi import Request, Response
from sqlmodel import Session

from api.core.errors import StaleRevision, TooManyAttempts, UnprocessableError
from api.core.security import MIN_PASSWORD_LENGTH
from api.data.models import User
from api.http.deps import (
    CourseInfoDep,
    CurrentUser,
    LiveModules,
    PageLearner,
    RenderCacheDep,
    SessionDep,
    SettingsDep,
    client_address,
    get_course_info,
)
from api.http.xapi import get_statement_log
from api.services import (
    certificate_pdfs,
    content,
    email_preferences,
    learning,
    open_badges,
    org_units,
    own_account,
    privacy,
    project_review,
)
from api.services import certificates as certificate_service
from api.services.content import LiveModule
from api.services.login_throttle import LoginPolicy
from api.web import workbook as workbook_pages
from api.web.deps import SESSION_COOKIE, FormDep, form_text, page_router
from api.web.render import redirect, render
from course.grading import MISSING, Answers, answer_everything
from course.models import CourseInfo, Quiz

router = page_router()
_LEAD_HEADING = re.compile(r"^\s*(<h1\b[^>]*>.*?</h1>)\s*", re.DOTALL)


def _split_title(html: str) -> tuple[str, str]:
    """The module text's leading ``<h1>`` and the rest, so the page can put its facts between."""
    match = _LEAD_HEADING.match(html)
    return (match.group(1), html[match.end() :]) if match else ("", html)


def _neighbours(
    modules: list[LiveModule], module: LiveModule
) -> tuple[LiveModule | None, LiveModule | None]:
    index = next(i for i, m in enumerate(modules) if m.id == module.id)
    before = modules[index - 1] if index > 0 else None
    after = modules[index + 1] if index + 1 < len(modules) else None
    return before, after


@router.get("/")
def dashboard(
    request: Request,
    session: SessionDep,
    learner: PageLearner,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The course with a progress bar and every module's status."""
    outline = learning.outline(session=session, user_id=learner.id, modules=modules)
    return render(request, "pages/dashboard.html", {"info": info, "outline": outline})


@router.get("/moduler/{slug}")
def module_page(
    slug: str, request: Request, session: SessionDep, learner: PageLearner, modules: LiveModules
) -> Response:
    """A module's text with its table of contents and 'mark as read'."""
    module = content.pick(modules, slug)
    before, after = _neighbours(modules, module)
    heading, body = _split_title(module.content.html)
    context = {
        "module": module,
        "heading": heading,
        "body": body,
        "state": learning.module_state(session=session, user_id=learner.id, module=module),
        "before": before,
        "after": after,
        "just_read": request.query_params.get("lest") == "1",
        "workbook": workbook_pages.module_forms(
            session=session,
            learner_id=learner.id,
            modules=modules,
            module=module,
            saved=request.query_params.get("lagret"),
        ),
    }
    if module.content.workbook:  # the feedback each step has had (project_review)
        context["feedback"] = project_review.feedback(
            session=session, user_id=learner.id, modules=modules
        )
    return render(request, "pages/module.html", context)


@router.post("/moduler/{slug}/lest")
def mark_read(
    slug: str, request: Request, session: SessionDep, learner: PageLearner, modules: LiveModules
) -> Response:
    """Mark the module's text as read, then back to the module."""
    module = content.pick(modules, slug)
    learning.mark_read(
        session=session,
        user_id=learner.id,
        module=module,
        modules=modules,
        xapi=get_statement_log(request),
        require_approved_plan=get_course_info(request).require_approved_plan,
    )
    return redirect(request, f"/moduler/{module.slug}?lest=1#status")


def _quiz_page(
    request: Request,
    module: LiveModule,
    *,
    message: str | None = None,
    status_code: int = 200,
    chosen: Answers | None = None,
    unanswered: frozenset[str] = frozenset(),
) -> Response:
    """The quiz form; after a refused submission with the learner's choices ticked again."""
    if module.content.quiz is None:
        raise learning.QuizNotFound()
    context = {
        "module": module,
        "quiz": module.content.quiz,
        "message": message,
        "chosen": chosen or {},
        "unanswered": unanswered,
    }
    return render(request, "pages/quiz.html", context, status_code=status_code)


@router.get("/moduler/{slug}/quiz")
def quiz_page(slug: str, request: Request, learner: PageLearner, modules: LiveModules) -> Response:
    """The module's quiz as a form (no answers in the page)."""
    return _quiz_page(request, content.pick(modules, slug))


def _answers(form: FormDep, quiz: Quiz) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for question in quiz.questions:
        chosen = [v for v in form.getlist(f"q-{question.id}") if isinstance(v, str)]
        if chosen:
            answers[question.id] = chosen[:26]
    return answers


@router.post("/moduler/{slug}/quiz")
def submit_quiz(
    slug: str,
    request: Request,
    form: FormDep,
    session: SessionDep,
    learner: PageLearner,
    modules: LiveModules,
) -> Response:
    """Grade the answers on the server and show the result page."""
    module = content.pick(modules, slug)
    if module.content.quiz is None:
        raise learning.QuizNotFound()
    revision = form_text(form, "revision", limit=12)
    answers = _answers(form, module.content.quiz)
    try:
        outcome = learning.submit_attempt(
            session=session,
            user_id=learner.id,
            module=module,
            answers=answers,
            revision=int(revision) if revision.isdigit() else None,
            modules=modules,
            xapi=get_statement_log(request),
            require_approved_plan=get_course_info(request).require_approved_plan,
        )
    except StaleRevision:
        message = (
            "Quizen er endret siden du åpnet den, så svarene dine ble ikke levert. "
            "Her er den nye utgaven: svar på nytt."
        )
        return _quiz_page(request, module, message=message, status_code=409)
    except UnprocessableError as exc:
        unanswered = frozenset(str(e["loc"][-1]) for e in exc.errors if e["type"] == MISSING)
        if len(unanswered) == len(exc.errors):
            numbers = [
                number
                for number, question in enumerate(module.content.quiz.questions, start=1)
                if question.id in unanswered
            ]
            message = answer_everything(numbers)
        else:
            # Answers the form cannot send (two choices on a radio question, an unknown
            # option): the grader's reasons are field messages for API clients, so say it here.
            message = (
                "Noen av svarene passer ikke til spørsmålene, for eksempel flere valg på et "
                "spørsmål der du skal velge ett. Svar på nytt."
            )
        return _quiz_page(
            request,
            module,
            message=message,
            status_code=422,
            chosen=answers,
            unanswered=unanswered,
        )
    return redirect(request, f"/moduler/{module.slug}/forsok/{outcome.attempt.id}")


@router.get("/moduler/{slug}/forsok/{attempt_id:id}")
def attempt_page(
    slug: str,
    attempt_id: int,
    request: Request,
    session: SessionDep,
    learner: PageLearner,
    info: CourseInfoDep,
    cache: RenderCacheDep,
    modules: LiveModules,
) -> Response:
    """An attempt's result: score, each question right or wrong, explanations, try again."""
    module = content.pick(modules, slug)
    attempt, result = learning.graded_attempt(
        session=session,
        user_id=learner.id,
        module=module,
        attempt_id=attempt_id,
        info=info,
        cache=cache,
    )
    quiz = content.revision_content(
        session=session, module=module, number=attempt.revision, info=info, cache=cache
    ).quiz
    _, after = _neighbours(modules, module)
    outline = learning.outline(session=session, user_id=learner.id, modules=modules)
    context = {
        "module": module,
        "attempt": attempt,
        "result": result,
        "questions": quiz.questions if quiz else (),
        "state": learning.module_state(session=session, user_id=learner.id, module=module),
        "after": after,
        "outline": outline,
    }
    return render(request, "pages/attempt.html", context)


@router.get("/kursbevis")
def certificate_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The certificate: how far there is to go, issue and download it, or why it was revoked."""
    outline = learning.outline(session=session, user_id=user.id or 0, modules=modules)
    state = certificate_service.holder_state(session=session, user=user, info=info)
    context = {"outline": outline, "state": state, "info": info}
    return render(request, "pages/certificate.html", context)


@router.post("/kursbevis")
def issue_certificate(
    request: Request, session: SessionDep, user: CurrentUser, info: CourseInfoDep
) -> Response:
    """Issue the certificate once the course is completed (409 page before that, or if revoked)."""
    certificate_service.issue(session=session, user=user, info=info)
    return redirect(request, "/kursbevis")


@router.get("/kursbevis.pdf")
def certificate_pdf(
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    settings: SettingsDep,
    modules: LiveModules,
) -> Response:
    """The certificate as a PDF download (an error page if none was issued or it was revoked)."""
    pdf = certificate_pdfs.certificate_pdf(
        session=session, user=user, info=info, settings=settings, modules=modules
    )
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{pdf.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/kursbevis/open-badge.png")
def open_badge_png(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, settings: SettingsDep
) -> Response:
    """The certificate as an Open Badge: the badge image with the signed credential in it."""
    badge = open_badges.holder_badge(session=session, user=user, info=info, settings=settings)
    return Response(
        open_badges.badge_png(badge),
        media_type="image/png",
        headers={
            "Content-Disposition": f'attachment; filename="open-badge-{badge.code}.png"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/kursbevis/open-badge.json")
def open_badge_json(
    session: SessionDep, user: CurrentUser, info: CourseInfoDep, settings: SettingsDep
) -> Response:
    """The certificate as an Open Badge: the signed credential alone, as JSON."""
    badge = open_badges.holder_badge(session=session, user=user, info=info, settings=settings)
    return Response(
        badge.json,
        media_type="application/ld+json",
        headers={
            "Content-Disposition": f'attachment; filename="open-badge-{badge.code}.json"',
            "Cache-Control": "no-store",
        },
    )


def _profile(
    request: Request,
    *,
    session: Session,
    user: User,
    info: CourseInfo,
    modules: list[LiveModule],
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    """The profile page, with ``errors`` (form field -> message) shown at their fields."""
    outline = learning.outline(session=session, user_id=user.id or 0, modules=modules)
    state = certificate_service.holder_state(session=session, user=user, info=info)
    unit = org_units.label(session=session, unit_id=user.unit_id)
    sessions = own_account.list_sessions(
        session=session, user=user, token=request.cookies.get(SESSION_COOKIE)
    )
    context = {
        "account": user,
        "unit": unit,
        "outline": outline,
        "state": state,
        "sessions": sessions,
        "errors": errors or {},
        "notice": notice,
        "min_length": MIN_PASSWORD_LENGTH,
        "email_preferences": email_preferences.of(session=session, user=user),
    }
    return render(request, "pages/profile.html", context, status_code=status_code)


@router.get("/profil")
def profile_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    modules: LiveModules,
) -> Response:
    """The user's own account, sessions, progress and the data export."""
    notice = _PROFILE_NOTICES.get(request.query_params.get("endret", ""))
    return _profile(request, session=session, user=user, info=info, modules=modules, notice=notice)


_PROFILE_NOTICES = {
    "passord": "Passordet er endret. Du er logget ut alle andre steder.",
    "innlogginger": "Du er logget ut alle andre steder.",
    "varsler": "E-postvarslene er lagret.",
}
# The API's field names -> the form's (errors are shown at the form's fields).
_PASSWORD_FIELDS = {"current_password": "passord_na", "new_password": "passord_nytt"}


@router.post("/profil/passord")
def change_password_form(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    info: CourseInfoDep,
    modules: LiveModules,
    settings: SettingsDep,
) -> Response:
    """The profile's password form: change it, or show what is wrong at the fields."""
    current = form_text(form, "passord_na", limit=200)
    new = form_text(form, "passord_nytt", limit=200)
    errors: dict[str, str] = {}
    if not current:
        errors["passord_na"] = "Skriv inn passordet du bruker i dag."
    if new != form_text(form, "passord_igjen", limit=200):
        errors["passord_igjen"] = "Passordene er ikke like."
    if not errors:
        try:
            own_account.change_password(
                session=session,
                user=user,
                current_password=current,
                new_password=new,
                token=request.cookies.get(SESSION_COOKIE),
                client=client_address(request),
                policy=LoginPolicy.from_settings(settings),
            )
        except UnprocessableError as exc:
            errors = {_PASSWORD_FIELDS[str(e["loc"][-1])]: str(e["msg"]) for e in exc.errors}
        except TooManyAttempts as exc:
            minutes = round(exc.retry_after / 60)
            wait = f"{minutes} minutter" if minutes > 1 else f"{exc.retry_after} sekunder"
            errors = {"passord_na": f"For mange feil passord. Vent {wait} og prøv igjen."}
    if errors:
        return _profile(
            request,
            session=session,
            user=user,
            info=info,
            modules=modules,
            errors=errors,
            status_code=422,
        )
    return redirect(request, "/profil?endret=passord")


@router.post("/profil/logg-ut-andre")
def logout_others_form(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """End every session of the account except this browser's."""
    own_account.end_other_sessions(
        session=session, user=user, token=request.cookies.get(SESSION_COOKIE)
    )
    return redirect(request, "/profil?endret=innlogginger")


@router.post("/profil/varsler")
def email_preferences_form(
    request: Request, form: FormDep, session: SessionDep, user: CurrentUser
) -> Response:
    """The profile's e-mail form: deadline reminders and, for leaders, completion notices."""
    current = email_preferences.of(session=session, user=user)
    email_preferences.update(
        session=session,
        user=user,
        reminders=form_text(form, "paminnelser", limit=10) == "ja",
        unit_completion_notices=(form_text(form, "fullfort_varsel", limit=10) == "ja")
        if current.is_leader
        else None,
    )
    return redirect(request, "/profil?endret=varsler#varsler")


@router.get("/profil/eksport")
def profile_export(session: SessionDep, user: CurrentUser) -> Response:
    """Everything held about the user, as a JSON download."""
    export = privacy.export_personal_data(session=session, user=user)
    return Response(
        export.model_dump_json(indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="mine-data-innostudy.json"',
            "Cache-Control": "no-store",
        },
    )
