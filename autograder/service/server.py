"""`autograder serve`: open the service (migrate the database, check isolation), bind the socket, say where it
listens, and run uvicorn until stopped. One process: the grading pool lives in it."""
from __future__ import annotations

import logging
import re
import socket
from pathlib import Path
from typing import Callable

from autograder.core.errors import AutograderError
from autograder.service.config import Settings, data_folder, parse_rate_limit

_TOKEN = re.compile(r"(token=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    """Access-log lines never hold a sign-in token (the link's `?token=...`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (port 0: a free one), or a usage error saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise AutograderError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(512)
    return sock


def run(data: Path, host: str, port: int, db: str | None, on_ready: Callable[[str], None] | None = None,
        **options) -> None:
    import uvicorn  # noqa: PLC0415

    from autograder.service.app import create_app  # noqa: PLC0415
    from autograder.service.state import Service  # noqa: PLC0415

    options = {k: v for k, v in options.items() if v is not None}
    if isinstance(options.get("rate_limit"), str):
        options["rate_limit"] = parse_rate_limit(options["rate_limit"])
    data_folder(data)
    settings = Settings(data=data, db=db, **options)
    service = Service.open(settings)
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = settings.public_url or f"http://{shown_host}:{bound}"
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    config = uvicorn.Config(create_app(service), log_level="info", proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", timeout_graceful_shutdown=5)
    if on_ready:
        on_ready(f"{url} (isolation: {service.isolation}; data: {data}; database: "
                 f"{'SQLite' if settings.database_url.startswith('sqlite') else 'PostgreSQL'})")
    uvicorn.Server(config).run(sockets=[sock])
