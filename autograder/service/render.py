"""Server-rendered pages: the Jinja2 templates (autoescaped: nothing a student wrote becomes HTML), with what
every page shows (who is signed in, the CSRF token of its forms) and the filters for times and scores."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from autograder.service.auth import csrf_token
from autograder.service.models import utcnow

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "–"


def relative(value: dt.datetime | None) -> str:
    """'in 3 days', '2 hours ago': how far a time is from now, roughly."""
    if value is None:
        return ""
    seconds = (value - utcnow()).total_seconds()
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            count = int(size // length)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            break
    else:
        text = "less than a minute"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def points(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


TEMPLATES.env.filters.update(when=when, relative=relative, points=points)


def page(request: Request, name: str, status_code: int = 200, **context):
    """Template `name` with `context`, plus `who` (the signed-in person or None) and `csrf`."""
    return TEMPLATES.TemplateResponse(request, name, {"who": request.state.who, "csrf": csrf_token(request.session),
                                                      **context}, status_code=status_code)
