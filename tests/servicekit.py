"""What the service's tests share: a server started for real (`python -m autograder serve` on a free port of
127.0.0.1), a roster and its tokens under tmp_path, a PostgreSQL database of its own where one is reachable."""
from __future__ import annotations

import csv
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ENV = "AUTOGRADER_TEST_POSTGRES"
POSTGRES_DEFAULT = "postgresql://autograder:autograder@127.0.0.1:5432/postgres"
READY = re.compile(r"Serving the course at (http://\S+)")


def write_roster(path: Path, ids: list[str]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "first_name", "last_name", "email", "section", "canvas_user_id"])
        for i, sid in enumerate(ids):
            writer.writerow([sid, f"First{i}", f"Last{i}", f"{sid}@example.edu", "A", str(900000 + i)])
    return path


def read_tokens(path: Path) -> dict[str, str]:
    """student_id (or 'instructor') -> token, from the file `autograder tokens` wrote."""
    with path.open() as f:
        return {(row["student_id"] or row["role"]): row["token"] for row in csv.DictReader(f)}


@dataclass
class Server:
    """`autograder serve` in a process of its own; `url` once it listens."""

    data: Path
    db: str | None = None
    args: tuple[str, ...] = ()
    url: str = ""
    proc: subprocess.Popen | None = None
    lines: list[str] = field(default_factory=list)

    def start(self, timeout: float = 90.0) -> "Server":
        command = [sys.executable, "-m", "autograder", "serve", "--data", str(self.data), "--port", "0", *self.args]
        if self.db:
            command += ["--db", self.db]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL)
        ready = threading.Event()

        def drain():
            for line in self.proc.stdout:
                self.lines.append(line)
                match = READY.search(line)
                if match and not ready.is_set():
                    self.url = match[1]
                    ready.set()

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the server did not start:\n" + "".join(self.lines[-40:]))
        return self

    def kill(self) -> None:
        """SIGKILL: a crash, nothing cleaned up."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def log(self) -> str:
        return "".join(self.lines)


def issue_tokens(data: Path, roster: Path, db: str | None = None) -> dict[str, str]:
    from autograder.service import issue_tokens as issue

    out = data / "tokens.csv"
    issue(data, roster, out, db=db)
    return read_tokens(out)


def postgres_admin() -> str:
    """A reachable PostgreSQL server's URL (a role that may create databases), or skip saying why not."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[service]')")
    url = os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)
    try:
        psycopg.connect(url, connect_timeout=3, autocommit=True).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL reachable at {url} ({str(exc).strip()[:120]}); set {POSTGRES_ENV} to a URL of a "
                    f"role with CREATEDB (.ci/run starts one)")
    return url


class PostgresDatabase:
    """A database of its own on the server at `admin` (dropped at the end)."""

    def __init__(self, admin: str):
        import psycopg

        self.psycopg, self.admin = psycopg, admin
        self.name = f"autograder_test_{secrets.token_hex(4)}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        base, _, _ = admin.rpartition("/")
        self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        with self.psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def wait_for(fetch, done, timeout: float = 60.0, every: float = 0.1):
    """`fetch()` again until `done(value)`; the last value (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {timeout} s: {value!r}")
        time.sleep(every)


def public_max(name: str) -> float:
    """An assignment's public tests' points, as the reference's own public check counts them."""
    from autograder import api
    from autograder.core.course import get_assignment

    return api.check(name, get_assignment(name).reference_dir, isolated=False).max_score
