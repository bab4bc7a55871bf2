"""Two pure ASGI middlewares: a cap on request bodies (a 413 before a large upload is read, whether it says its
length or not) and the security headers of every response."""
from __future__ import annotations

import json

DRAIN_BYTES = 256 << 20  # past this, a refused body is cut off (the client may then miss the 413)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link's token never leaves in a Referer
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
     b"form-action 'self'; base-uri 'none'"),
]


class TooLarge(Exception):
    """The body went past the cap while it was read (the app lets it through; `BodyLimit` answers 413)."""


def size_text(n: int) -> str:
    return f"{n / 1e6:.3g} MB" if n >= 1_000_000 else f"{n / 1e3:.3g} KB"


async def _drain(receive, budget: int) -> None:
    """Read and drop the rest of a refused body (up to `budget` bytes): a client still sending when the
    connection closes would lose the answer (the kernel resets a socket closed with unread data)."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return
        budget -= len(message.get("body", b""))


async def _refuse(receive, send, limit: int) -> None:
    await _drain(receive, DRAIN_BYTES)
    body = json.dumps({"detail": f"the request is larger than {size_text(limit)}"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Requests whose body is over `limit` bytes get 413 (said by Content-Length, or found while reading)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            return await _refuse(receive, send, self.limit)
        seen, started = 0, False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except TooLarge:
            if not started:
                await _refuse(receive, send, self.limit)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` (no sniffing, no framing, no referrer, scripts and styles from this site only)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((n, v) for n, v in SECURITY_HEADERS if n not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)
