"""The service's settings: where its data lives, who may send how much, how many submissions run at once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import AutograderError
from autograder.isolation.sandbox import Limits

DEFAULT_PORT = 8000
DATABASE_FILE = "service.db"
ROSTER_FILE = "roster.csv"
_UNITS = {"s": 1, "m": 60, "h": 3600}


def data_folder(path: Path) -> Path:
    """The service's folder, made readable by its owner only (it holds students' code and the session key)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class RateLimit:
    """At most `count` submissions per student in any `window_s` seconds."""

    count: int = 20
    window_s: float = 600.0

    def describe(self) -> str:
        minutes = self.window_s / 60
        return f"{self.count} submissions per {minutes:g} minute{'s' if minutes != 1 else ''}"


def parse_rate_limit(text: str) -> RateLimit:
    """`20/10m` (or `/600s`, `/1h`, `/600`): count per window; a usage error otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text or "")
    if not match or int(match[1]) < 1 or float(match[2]) <= 0:
        raise AutograderError(f"--rate-limit {text!r}: write it as COUNT/WINDOW, e.g. 20/10m (20 per 10 minutes)")
    return RateLimit(int(match[1]), float(match[2]) * _UNITS[match[3] or "s"])


@dataclass(frozen=True)
class Settings:
    """Everything `autograder serve` is told. `db`: a SQLAlchemy URL (default: SQLite in `data`)."""

    data: Path
    db: str | None = None
    rate_limit: RateLimit = RateLimit()
    slots: int = 2  # submissions of one assignment graded at once (one warm sandbox per assignment)
    grade_jobs: int = 2  # slots of a class's grading run
    max_upload_mb: float = 16.0  # a notebook's limit; a .py file has the engine's (2 MB)
    public_url: str = ""  # how students reach it (behind a proxy: https://...); default http://HOST:PORT
    check_limits: Limits = field(default_factory=lambda: Limits(call_timeout_s=10.0, submission_timeout_s=30.0,
                                                                cpu_s=31))
    grade_limits: Limits = Limits()

    @property
    def database_url(self) -> str:
        return self.db or f"sqlite:///{(self.data / DATABASE_FILE).resolve()}"

    @property
    def roster_path(self) -> Path:
        return self.data / ROSTER_FILE

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")
