"""The ASGI application: the JSON API, the pages, the static files and `/healthz`, behind a body cap, the
security headers and the signed session cookie; the grading pool and runs start and stop with it."""
from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from autograder.service import instructor, pages, routes_api
from autograder.service.middleware import BodyLimit, SecurityHeaders
from autograder.service.render import page
from autograder.service.state import Service, session_secret

SESSION_COOKIE = "autograder_session"
SESSION_DAYS = 14
FORM_SLACK = 64 * 1024  # a multipart body's boundaries and fields, beyond the file itself


def create_app(service: Service) -> FastAPI:
    settings = service.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        service.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="backprop-autograder", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.service = service
    app.add_middleware(SessionMiddleware, secret_key=session_secret(settings.data), session_cookie=SESSION_COOKIE,
                       max_age=SESSION_DAYS * 86400, same_site="lax", https_only=settings.secure_cookies)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_SLACK)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")
    app.include_router(routes_api.router)
    app.include_router(pages.router)
    app.include_router(instructor.router)

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok", "isolation": service.isolation, "queued": service.pool.waiting()}

    @app.exception_handler(pages.SignInFirst)
    async def sign_in_first(request: Request, exc: pages.SignInFirst):
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        """JSON for the API; a page for a person."""
        if request.url.path.startswith("/api/") or not hasattr(request.state, "who"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html", exc.status_code, message=exc.detail)

    return app
