"""The JSON API, `/api/v1/...` (documented in README.md, "The grading service"); the pages use the same
functions. Errors are `{"detail": message}` with the status the README lists."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from autograder.service.auth import Principal
from autograder.service.deps import instructor, service_of, signed_in
from autograder.service.intake import Refused
from autograder.service.middleware import TooLarge
from autograder.service.models import GradeRun, Submission
from autograder.service.present import iso, submission_json
from autograder.service.runs import RunRefused

router = APIRouter(prefix="/api/v1")


def refusal(refused: Refused | RunRefused) -> JSONResponse:
    headers = {"Retry-After": str(refused.retry_after_s)} if getattr(refused, "retry_after_s", None) else None
    return JSONResponse({"detail": refused.message}, status_code=refused.status, headers=headers)


def known_assignment(request: Request, name: str):
    assignment = service_of(request).assignment(name)
    if assignment is None:
        raise HTTPException(404, f"no assignment {name!r}")
    return assignment


async def read_upload(request: Request) -> tuple[str | None, bytes] | Refused:
    """The multipart field `file`: (the client's file name, its bytes), read up to the cap (BodyLimit)."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except TooLarge:
        raise
    except Exception:  # noqa: BLE001 (whatever the parser says: not a form)
        return Refused(400, "send the file as multipart/form-data, in a field named `file`")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return Refused(400, "send the file as multipart/form-data, in a field named `file`")
    return upload.filename, await upload.read()


async def accept(request: Request, who: Principal, name: str):
    """An upload by `who` for assignment `name`: the `Accepted` row, or a `Refused`."""
    assignment = known_assignment(request, name)
    if who.is_instructor:
        return Refused(403, "the instructor's token hands nothing in: use a student's")
    upload = await read_upload(request)
    if isinstance(upload, Refused):
        return upload
    service = service_of(request)
    outcome = await run_in_threadpool(service.intake.submit, who.student_id, assignment, *upload)
    if not isinstance(outcome, Refused):
        service.queue(outcome.submission)
    return outcome


@router.post("/assignments/{assignment}/submissions", status_code=202)
async def submit(request: Request, assignment: str, who: Principal = Depends(signed_in)):
    outcome = await accept(request, who, assignment)
    if isinstance(outcome, Refused):
        return refusal(outcome)
    return JSONResponse({"id": outcome.submission.id, "status": outcome.submission.status}, status_code=202)


def _submission(request: Request, who: Principal, submission_id: str) -> dict:
    with service_of(request).sessions() as session:
        row = session.get(Submission, submission_id)
        if row is None or not who.may_see(row.student_id):
            raise HTTPException(404, "no such submission")
        return submission_json(session, row)


@router.get("/submissions/{submission_id}")
async def get_submission(request: Request, submission_id: str, who: Principal = Depends(signed_in)):
    return await run_in_threadpool(_submission, request, who, submission_id)


@router.post("/assignments/{assignment}/grade", status_code=202)
async def grade(request: Request, assignment: str, who: Principal = Depends(instructor)):
    known_assignment(request, assignment)
    run = await run_in_threadpool(service_of(request).runs.request, assignment)
    if isinstance(run, RunRefused):
        return refusal(run)
    return JSONResponse({"run": run.id, "assignment": run.assignment, "status": run.status}, status_code=202)


@router.get("/assignments/{assignment}/runs/{run_id}")
async def run_status(request: Request, assignment: str, run_id: int, who: Principal = Depends(instructor)):
    with service_of(request).sessions() as session:
        run = session.get(GradeRun, run_id)
        if run is None or run.assignment != assignment:
            raise HTTPException(404, "no such grading run")
        return {"run": run.id, "assignment": run.assignment, "status": run.status, "message": run.message,
                "created_at": iso(run.created_at), "finished_at": iso(run.finished_at)}


@router.post("/assignments/{assignment}/regrade", status_code=202)
async def regrade(request: Request, assignment: str, who: Principal = Depends(instructor)):
    """Every student's latest submission checked again with the public tests as they are now."""
    known_assignment(request, assignment)
    queued = await run_in_threadpool(service_of(request).regrade, assignment)
    return JSONResponse({"assignment": assignment, "queued": queued}, status_code=202)


@router.get("/assignments/{assignment}/grades.csv")
async def grades_csv(request: Request, assignment: str, who: Principal = Depends(instructor)):
    known_assignment(request, assignment)
    found = await run_in_threadpool(service_of(request).runs.grades_file, assignment)
    if isinstance(found, RunRefused):
        return refusal(found)
    return FileResponse(found, media_type="text/csv", filename=f"{assignment}_grades.csv")


@router.post("/assignments/{assignment}/release")
async def release(request: Request, assignment: str, who: Principal = Depends(instructor)):
    known_assignment(request, assignment)
    released = await run_in_threadpool(service_of(request).runs.release, assignment)
    if isinstance(released, RunRefused):
        return refusal(released)
    return {"assignment": assignment, "run": released.run_id, "released_at": iso(released.released_at)}


@router.get("/assignments/{assignment}/export/{platform}")
async def export(request: Request, assignment: str, platform: str, platform_id: str | None = None,
                 who: Principal = Depends(instructor)):
    known_assignment(request, assignment)
    found = await run_in_threadpool(service_of(request).runs.export, assignment, platform, platform_id)
    if isinstance(found, RunRefused):
        return refusal(found)
    return FileResponse(found, media_type="text/csv", filename=found.name)
