"""What every route needs: the service, who is asking (bearer token or session), and the checks on it (401,
403, CSRF for the pages' unsafe requests)."""
from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from autograder.service.auth import CSRF_FIELD, CSRF_HEADER, Principal, bearer, by_session, by_token, csrf_ok
from autograder.service.state import Service

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def service_of(request: Request) -> Service:
    return request.app.state.service


def _lookup(service: Service, token: str | None, cookie: dict) -> Principal | None:
    with service.sessions() as session:
        if token is not None:
            return by_token(session, token)
        return by_session(session, cookie)


async def principal(request: Request) -> Principal | None:
    """The bearer token's holder, else the session's, else None (an invalid bearer token is never the session)."""
    token = bearer(request.headers.get("authorization"))
    return await run_in_threadpool(_lookup, service_of(request), token, request.session)


async def signed_in(request: Request) -> Principal:
    """The caller, or 401; a session's unsafe request also needs its CSRF token (header `X-CSRF-Token`)."""
    who = await principal(request)
    if who is None:
        raise HTTPException(401, "sign in: send `Authorization: Bearer TOKEN` (your token from the instructor)",
                            headers={"WWW-Authenticate": "Bearer"})
    if who.via_session and request.method not in SAFE_METHODS:
        if not csrf_ok(request.session, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, "missing or wrong CSRF token")
    return who


async def instructor(request: Request) -> Principal:
    who = await signed_in(request)
    if not who.is_instructor:
        raise HTTPException(403, "only the instructor may do this")
    return who


async def form_with_csrf(request: Request):
    """A page's posted form, after its CSRF field is checked (403 otherwise)."""
    form = await request.form(max_files=1, max_fields=10)
    if not csrf_ok(request.session, form.get(CSRF_FIELD)):
        raise HTTPException(403, "this form has expired: reload the page and try again")
    return form
