"""The instructor's pages: the course at a glance, the class page of each assignment (the grade report, live),
each student's history, and the buttons: grade with the hidden tests, release, check everyone again."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from autograder.service.auth import Principal
from autograder.service.classview import class_view, history, overview
from autograder.service.deps import form_with_csrf, principal, service_of
from autograder.service.pages import SignInFirst, see_other
from autograder.service.render import page
from autograder.service.routes_api import known_assignment
from autograder.service.runs import EXPORT_SUFFIX, RunRefused

router = APIRouter(prefix="/instructor")
NEEDS_ID = ("canvas", "blackboard")  # their import files name the assignment's column by the platform's id


async def teacher(request: Request) -> Principal:
    who = request.state.who = await principal(request)
    if who is None:
        raise SignInFirst
    if not who.is_instructor:
        raise HTTPException(403, "only the instructor may see this page")
    return who


@router.get("")
async def course(request: Request, who: Principal = Depends(teacher)):
    service = service_of(request)

    def build():
        with service.sessions() as session:
            return page(request, "instructor_home.html", items=overview(session, service.assignments()),
                        isolation=service.isolation, waiting=service.pool.waiting())
    return await run_in_threadpool(build)


def _class_page(request: Request, name: str, fragment: bool, notice: str = "", status_code: int = 200):
    service = service_of(request)
    assignment = known_assignment(request, name)
    with service.sessions() as session:
        view = class_view(session, assignment, service.roster().students)
    return page(request, "class_rows.html" if fragment else "class.html", status_code, view=view,
                platforms=list(EXPORT_SUFFIX), needs_id=NEEDS_ID, notice=notice)


@router.get("/assignments/{name}")
async def class_page(request: Request, name: str, fragment: bool = False, notice: str = "",
                     who: Principal = Depends(teacher)):
    return await run_in_threadpool(_class_page, request, name, fragment, notice)


async def _action(request: Request, name: str, act) -> object:
    await form_with_csrf(request)
    known_assignment(request, name)
    outcome = await run_in_threadpool(act, name)
    if isinstance(outcome, RunRefused):
        return await run_in_threadpool(_class_page, request, name, False, outcome.message, outcome.status)
    return see_other(f"/instructor/assignments/{name}")


@router.post("/assignments/{name}/grade")
async def grade(request: Request, name: str, who: Principal = Depends(teacher)):
    return await _action(request, name, service_of(request).runs.request)


@router.post("/assignments/{name}/release")
async def release(request: Request, name: str, who: Principal = Depends(teacher)):
    return await _action(request, name, service_of(request).runs.release)


@router.post("/assignments/{name}/regrade")
async def regrade(request: Request, name: str, who: Principal = Depends(teacher)):
    return await _action(request, name, service_of(request).regrade)


@router.get("/assignments/{name}/export/{platform}")
async def export(request: Request, name: str, platform: str, platform_id: str = "",
                 who: Principal = Depends(teacher)):
    """A gradebook file to download; when it cannot be made (a platform id missing), the class page says why."""
    known_assignment(request, name)
    found = await run_in_threadpool(service_of(request).runs.export, name, platform, platform_id.strip() or None)
    if isinstance(found, RunRefused):
        return await run_in_threadpool(_class_page, request, name, False, found.message, found.status)
    return FileResponse(found, media_type="text/csv", filename=found.name)


@router.get("/assignments/{name}/report.html")
async def report(request: Request, name: str, who: Principal = Depends(teacher)):
    known_assignment(request, name)
    found = await run_in_threadpool(service_of(request).runs.report_file, name)
    if isinstance(found, RunRefused):
        raise HTTPException(found.status, found.message)
    # The batch's own report: self-contained, with inline styles; shown with no script and no form at all.
    return FileResponse(found, media_type="text/html",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                            "img-src data:; sandbox"})


@router.get("/students/{student_id}")
async def student_history(request: Request, student_id: str, who: Principal = Depends(teacher)):
    service = service_of(request)

    def build():
        with service.sessions() as session:
            rows = history(session, student_id)
        person = service.roster().by_id().get(student_id)
        if person is None and not rows:
            raise HTTPException(404, f"no student {student_id!r}")
        return page(request, "student_history.html", student_id=student_id, person=person, rows=rows)
    return await run_in_threadpool(build)
