"""Feedback pages: the learner's submission on "Mitt prosjekt", the reviewer's list and
decision form (``/vurderinger``), and the units' portfolio (``/mine-enheter/prosjekter``).
They call the same services as ``api/routes/project_review.py``."""

from __future__ import annotations

from fastapi import Request, Response

from api.core.errors import DomainError, ReviewNotFound
from api.data.models import ReviewerKind, ReviewStatus
from api.http.deps import ActorDep, CourseInfoDep, LiveModules, PeopleReader, SessionDep
from api.http.downloads import XLSX, attachment
from api.services import project_portfolio, project_review
from api.web.deps import FormDep, form_text, page_router
from api.web.render import redirect, render

router = page_router()


@router.post("/mitt-prosjekt/send-inn")
def submit(
    request: Request, session: SessionDep, actor: ActorDep, modules: LiveModules, form: FormDep
) -> Response:
    """Submit the plan to the leader or the instructors, then back to the plan."""
    to = form_text(form, "til", limit=20)
    if to not in (ReviewerKind.LEADER, ReviewerKind.INSTRUCTOR):
        return redirect(request, "/mitt-prosjekt?sendt=0#vurdering")
    try:
        project_review.submit(session=session, actor=actor, modules=modules, to=ReviewerKind(to))
    except DomainError as error:  # nothing written yet, or no leader: said on the page
        if error.status_code != 422:
            raise
        return redirect(request, f"/mitt-prosjekt?feil={error.code}#vurdering")
    return redirect(request, "/mitt-prosjekt?sendt=1#vurdering")


@router.get("/vurderinger")
def reviews(
    request: Request, session: SessionDep, actor: ActorDep, modules: LiveModules
) -> Response:
    """The submissions the visitor may review."""
    items = project_review.review_queue(session=session, actor=actor, modules=modules)
    return render(request, "pages/reviews.html", {"items": items})


def _review_id(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2_000_000_000:
        raise ReviewNotFound()
    return int(value)


@router.get("/vurderinger/{review_id}")
def review(
    review_id: str, request: Request, session: SessionDep, actor: ActorDep, modules: LiveModules
) -> Response:
    """One submission: the plan, a comment field per step and the decision."""
    item = project_review.review_detail(
        session=session, actor=actor, review_id=_review_id(review_id), modules=modules
    )
    return render(
        request, "pages/review.html", {"item": item, "labels": project_review.STATUS_LABELS}
    )


@router.post("/vurderinger/{review_id}")
def decide(
    review_id: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    modules: LiveModules,
    info: CourseInfoDep,
    form: FormDep,
) -> Response:
    """Record the decision and the comments, then back to the submission."""
    number = _review_id(review_id)
    status = form_text(form, "vurdering", limit=20)
    if status not in (ReviewStatus.APPROVED, ReviewStatus.NEEDS_WORK):
        item = project_review.review_detail(
            session=session, actor=actor, review_id=number, modules=modules
        )
        context = {"item": item, "labels": project_review.STATUS_LABELS, "error": True}
        return render(request, "pages/review.html", context, status_code=422)
    comments = {
        str(key)[len("kommentar.") :]: form_text(form, str(key), limit=project_review.MAX_COMMENT)
        for key in form
        if str(key).startswith("kommentar.")
    }
    project_review.decide(
        session=session,
        actor=actor,
        review_id=number,
        status=ReviewStatus(status),
        comments={k: v for k, v in comments.items() if v.strip()},
        modules=modules,
        info=info,
    )
    return redirect(request, f"/vurderinger/{number}?lagret=1")


@router.get("/mine-enheter/prosjekter")
def portfolio(
    request: Request,
    session: SessionDep,
    actor: PeopleReader,
    modules: LiveModules,
    info: CourseInfoDep,
) -> Response:
    """The projects of the units the visitor leads or administers."""
    rows = project_portfolio.portfolio(session=session, actor=actor, modules=modules, info=info)
    return render(request, "pages/portfolio.html", {"rows": rows})


@router.get("/mine-enheter/prosjekter.xlsx")
def portfolio_xlsx(
    session: SessionDep, actor: PeopleReader, modules: LiveModules, info: CourseInfoDep
) -> Response:
    """The portfolio as an Excel workbook."""
    data = project_portfolio.export(session=session, actor=actor, modules=modules, info=info)
    return attachment(data, media_type=XLSX, filename="prosjekter.xlsx")
