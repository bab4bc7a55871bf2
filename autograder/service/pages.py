"""The students' pages (and signing in, for everyone): their assignments, each with its deadline, late policy,
bundle, upload form and history, and a submission's verdict as it arrives (the page polls the JSON API)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from autograder import api
from autograder.service.auth import Principal, by_token, sign_in
from autograder.service.deps import form_with_csrf, principal, service_of
from autograder.service.intake import Refused
from autograder.service.models import Submission
from autograder.service.present import submission_json
from autograder.service.render import page
from autograder.service.routes_api import accept, known_assignment

router = APIRouter()


class SignInFirst(Exception):
    """A page asked for without a session: the sign-in page instead."""


async def visitor(request: Request) -> Principal | None:
    request.state.who = await principal(request)
    return request.state.who


async def student(request: Request) -> Principal:
    who = await visitor(request)
    if who is None:
        raise SignInFirst
    if who.is_instructor:
        raise HTTPException(403, "this page is a student's: the instructor's pages are at /instructor")
    return who


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
async def home(request: Request, who: Principal | None = Depends(visitor)):
    if who is None:
        return page(request, "signin.html")
    if who.is_instructor:
        return see_other("/instructor")
    return page(request, "student_home.html", assignments=await run_in_threadpool(_latest, request, who))


def _latest(request: Request, who: Principal) -> list[tuple]:
    """Each assignment with the student's latest submission of it (or None)."""
    service = service_of(request)
    with service.sessions() as session:
        rows = session.scalars(select(Submission).where(Submission.student_id == who.student_id)
                               .order_by(Submission.submitted_at)).all()
    latest = {row.assignment: row for row in rows}
    return [(a, latest.get(a.name)) for a in service.assignments()]


def _sign_in(request: Request, token: str):
    with service_of(request).sessions() as session:
        who = by_token(session, token)
    if who is None:
        request.state.who = None
        return page(request, "signin.html", 401, error="This sign-in link or token is not valid (or no longer: ask "
                                                       "your instructor for a new one).")
    sign_in(request.session, who)
    return see_other("/")


@router.get("/signin")
async def signin_link(request: Request, token: str | None = None):
    """The link of the tokens file: signs in and drops the token from the address at once."""
    if token is None:
        request.state.who = await principal(request)
        return page(request, "signin.html")
    return await run_in_threadpool(_sign_in, request, token)


@router.post("/signin")
async def signin_form(request: Request):
    form = await form_with_csrf(request)
    return await run_in_threadpool(_sign_in, request, str(form.get("token") or "").strip())


@router.post("/signout")
async def signout(request: Request):
    await form_with_csrf(request)
    request.session.clear()
    return see_other("/")


def _history(request: Request, who: Principal, name: str) -> list[Submission]:
    with service_of(request).sessions() as session:
        return session.scalars(select(Submission).where(Submission.student_id == who.student_id,
                                                        Submission.assignment == name)
                               .order_by(Submission.submitted_at.desc())).all()


def _assignment_page(request: Request, who: Principal, name: str, error: str = "", status_code: int = 200):
    assignment = known_assignment(request, name)
    service = service_of(request)
    return page(request, "student_assignment.html", status_code, assignment=assignment, error=error,
                history=_history(request, who, name), rate=service.settings.rate_limit)


@router.get("/assignments/{name}")
async def assignment_page(request: Request, name: str, who: Principal = Depends(student)):
    return await run_in_threadpool(_assignment_page, request, who, name)


@router.post("/assignments/{name}/upload")
async def upload(request: Request, name: str, who: Principal = Depends(student)):
    await form_with_csrf(request)
    outcome = await accept(request, who, name)
    if isinstance(outcome, Refused):
        return await run_in_threadpool(_assignment_page, request, who, name, outcome.message, outcome.status)
    return see_other(f"/submissions/{outcome.submission.id}")


@router.get("/assignments/{name}/bundle.zip")
async def bundle_zip(request: Request, name: str, who: Principal = Depends(visitor)):
    if who is None:
        raise SignInFirst
    assignment = known_assignment(request, name)
    data = await run_in_threadpool(api.bundle_zip, assignment.name)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{assignment.name}-bundle.zip"'})


def _verdict(request: Request, who: Principal, submission_id: str):
    service = service_of(request)
    with service.sessions() as session:
        row = session.get(Submission, submission_id)
        if row is None or not who.may_see(row.student_id):
            raise HTTPException(404, "no such submission")
        shown = submission_json(session, row)
    return page(request, "submission.html", row=row, shown=shown, assignment=service.assignment(row.assignment))


@router.get("/submissions/{submission_id}")
async def verdict(request: Request, submission_id: str, who: Principal | None = Depends(visitor)):
    if who is None:
        raise SignInFirst
    return await run_in_threadpool(_verdict, request, who, submission_id)
