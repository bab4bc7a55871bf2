"""The service's parts on their own: the store, the tokens, the fair queue, what an upload must be, the late
flag, the schema, the student bundle, and the refusal to start without full isolation."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import os
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service's extra is not installed (pip install -e '.[service]')")

from servicekit import ROOT, read_tokens, write_roster  # noqa: E402

from autograder.core.course import get_assignment  # noqa: E402
from autograder.core.errors import AutograderError  # noqa: E402
from autograder.core.latepolicy import LatePolicy  # noqa: E402
from autograder.service import intake, tokens  # noqa: E402
from autograder.service.config import RateLimit, parse_rate_limit  # noqa: E402
from autograder.service.pool import FairQueue  # noqa: E402
from autograder.service.server import RedactTokens  # noqa: E402
from autograder.service.storage import BlobStore  # noqa: E402

HW2 = get_assignment("hw2")
REFERENCE = (ROOT / "reference/hw2/backprop.py").read_bytes()


def test_the_store_keeps_a_file_under_its_hash_and_finds_corruption(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(b"print(1)\n")
    assert digest == hashlib.sha256(b"print(1)\n").hexdigest()
    assert store.put(b"print(1)\n") == digest and store.get(digest) == b"print(1)\n"
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [digest]  # no temporary left
    assert stat.S_IMODE(store.path(digest).stat().st_mode) == 0o600
    store.path(digest).write_bytes(b"print(2)\n")
    with pytest.raises(ValueError, match="does not match"):
        store.get(digest)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


def test_the_queue_serves_students_in_turn(tmp_path):
    queue = FairQueue()
    for item in ("a1", "a2", "a3"):
        queue.put("a", item)
    queue.put("b", "b1")
    queue.put("c", "c1")
    assert [queue.get() for _ in range(5)] == ["a1", "b1", "c1", "a2", "a3"]
    queue.close()
    assert queue.get() is None


@pytest.mark.parametrize("text,expected", [("20/10m", RateLimit(20, 600)), ("5/30s", RateLimit(5, 30)),
                                           ("100/1h", RateLimit(100, 3600)), ("3/90", RateLimit(3, 90))])
def test_rate_limits_are_read(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["", "20", "0/10m", "20/0m", "a/b", "20/10d"])
def test_a_wrong_rate_limit_is_a_usage_error(text):
    with pytest.raises(AutograderError, match="COUNT/WINDOW"):
        parse_rate_limit(text)


@pytest.mark.parametrize("name,kind", [("backprop.py", "py"), ("Backprop.PY", "py"), ("x.ipynb", "ipynb"),
                                       ("..\\..\\evil.py", "py"), ("backprop.py.txt", None), ("backprop", None),
                                       (None, None)])
def test_only_the_suffix_of_a_client_file_name_is_used(name, kind):
    assert intake.kind_of(name) == kind


def test_an_upload_is_read_by_the_engines_own_rules():
    limit = 16 << 20
    assert intake.check_file(HW2, "backprop.py", REFERENCE, limit) == "py"
    refused = intake.check_file(HW2, "backprop.py", b"x" * 2_000_001, limit)
    assert refused.status == 413 and "2 MB" in refused.message
    assert intake.check_file(HW2, "backprop.ipynb", b"[]" * 20, 10).status == 413
    assert intake.check_file(HW2, "backprop.py", b"\xff\xfe", limit).status == 400
    assert "UTF-8" in intake.check_file(HW2, "backprop.py", b"\xff\xfe", limit).message
    several = replace(HW2, files=("a.py", "b.py"))
    assert "several files" in intake.check_file(several, "a.py", REFERENCE, limit).message


def test_late_is_past_the_due_date_and_its_grace():
    due = dt.datetime(2026, 10, 2, 23, 59, tzinfo=dt.timezone.utc)
    graced = replace(HW2, due=due, late_policy=LatePolicy(grace_minutes=30, percent_per_day=10))
    assert intake.lateness(graced, due - dt.timedelta(minutes=1)) == 0
    assert intake.lateness(graced, due + dt.timedelta(minutes=20)) == 0
    assert intake.lateness(graced, due + dt.timedelta(hours=2)) == 1
    assert intake.lateness(graced, due + dt.timedelta(days=2, minutes=1)) == 3
    assert intake.lateness(replace(HW2, due=None), due + dt.timedelta(days=9)) == 0


def test_tokens_are_written_once_stored_hashed_and_kept(tmp_path):
    data, out = tmp_path / "data", tmp_path / "tokens.csv"
    roster = write_roster(tmp_path / "roster.csv", ["a1", "b2", "c3"])
    first = tokens.issue(data, roster, out)
    issued = read_tokens(out)
    assert first.new == 4 and set(issued) == {"instructor", "a1", "b2", "c3"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and stat.S_IMODE(data.stat().st_mode) == 0o700
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["role"] for r in rows] == ["instructor", "student", "student", "student"]
    assert all(r["url"] == f"http://127.0.0.1:8000/signin?token={r['token']}" for r in rows)
    stored = (data / "service.db").read_bytes() + b"".join(p.read_bytes() for p in data.glob("service.db-*"))
    assert not any(t.encode() in stored for t in issued.values())
    assert all(hashlib.sha256(t.encode()).hexdigest().encode() in stored for t in issued.values())

    again = tokens.issue(data, write_roster(roster, ["a1", "b2", "d4"]), out)
    kept = read_tokens(out)
    assert again.new == 1 and again.shown_again == 3 and again.signed_out == ("c3",)
    assert {k: kept[k] for k in ("instructor", "a1", "b2")} == {k: issued[k] for k in ("instructor", "a1", "b2")}
    assert kept["d4"] and "c3" not in kept

    elsewhere = tokens.issue(data, roster, tmp_path / "other.csv")
    assert len(elsewhere.not_shown) == 4 and set(read_tokens(tmp_path / "other.csv").values()) == {""}

    rotated = tokens.issue(data, roster, out, rotate=True)
    fresh = read_tokens(out)
    assert rotated.new == 4 and not set(fresh.values()) & set(kept.values())


def test_tokens_check_their_lookup(tmp_path):
    from autograder.service.auth import by_token
    from autograder.service.config import Settings
    from autograder.service.db import open_database

    data, out = tmp_path / "data", tmp_path / "tokens.csv"
    tokens.issue(data, write_roster(tmp_path / "roster.csv", ["a1", "b2"]), out)
    issued = read_tokens(out)
    with open_database(Settings(data=data).database_url)() as session:
        assert by_token(session, issued["a1"]).student_id == "a1"
        assert by_token(session, issued["instructor"]).is_instructor
        assert by_token(session, issued["a1"][:-1] + "x") is None and by_token(session, "") is None
    tokens.issue(data, write_roster(tmp_path / "roster.csv", ["b2"]), out)
    with open_database(Settings(data=data).database_url)() as session:
        assert by_token(session, issued["a1"]) is None  # out of the roster: signed out


def test_a_roster_id_that_cannot_name_a_file_is_refused(tmp_path):
    roster = write_roster(tmp_path / "roster.csv", ["ok-1", "../up"])
    with pytest.raises(AutograderError, match="'../up'"):
        tokens.issue(tmp_path / "data", roster, tmp_path / "tokens.csv")
    assert not (tmp_path / "tokens.csv").exists()


def test_the_migrations_make_the_models_schema(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from autograder.service.db import open_database
    from autograder.service.models import Base

    sessions = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with sessions.kw["bind"].connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    open_database(f"sqlite:///{tmp_path / 'fresh.db'}")  # again: already at the head, nothing to do


def test_a_database_that_cannot_be_opened_is_a_usage_error(tmp_path):
    from autograder.service.db import open_database

    with pytest.raises(AutograderError, match="not a database URL"):
        open_database("no such thing")
    with pytest.raises(AutograderError, match="not supported"):
        open_database("mysql://localhost/x")
    with pytest.raises(AutograderError, match="cannot open the database"):
        open_database(f"sqlite:///{tmp_path}/missing/folder/x.db")


def test_the_download_is_the_student_bundle_never_the_reference_or_hidden_tests():
    """What a student downloads from the service is `autograder bundle`'s zip (tests/test_bundle.py checks its
    contents line by line): the work folder, the public tests, the marker `check` looks for."""
    from io import BytesIO

    from autograder import api

    archive = zipfile.ZipFile(BytesIO(api.bundle_zip("hw2")))
    names = set(archive.namelist())
    assert {"hw2-bundle/hw2/backprop.py", "hw2-bundle/hw2/backprop.ipynb", "hw2-bundle/hw2/answers.md",
            "hw2-bundle/assignments/hw2/public/test_public.py", "hw2-bundle/autograder-course.txt",
            "hw2-bundle/README.md"} <= names
    hidden = {p.name for p in HW2.hidden_dir.glob("test_*.py")}
    assert hidden and not any(Path(n).name in hidden for n in names)
    reference = (ROOT / "reference/hw2/backprop.py").read_bytes()
    assert archive.read("hw2-bundle/hw2/backprop.py") != reference


def test_the_access_log_filter_drops_tokens():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/signin?token=abcDEF_12-x&next=/", "1.1", 303), None)
    RedactTokens().filter(record)
    assert "abcDEF" not in record.getMessage() and "token=[redacted]&next=/" in record.getMessage()


def test_serve_refuses_where_isolation_is_only_partial(tmp_path, monkeypatch):
    """The sandbox's own probe is made to fail (as on a machine without namespaces): `serve` stops with the
    sandbox's refusal, exit code 2, before it opens the database or listens."""
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.isolation.sandbox import Sandbox

    data = tmp_path / "data"
    tokens.issue(data, write_roster(tmp_path / "roster.csv", ["a1"]), tmp_path / "tokens.csv")
    monkeypatch.setattr(Sandbox, "_probe", lambda self, backend: "namespaces are refused here")
    ran = CliRunner().invoke(main, ["serve", "--data", str(data), "--port", "0"])
    assert ran.exit_code == 2, ran.output
    assert "full isolation is not available" in ran.output and "namespaces are refused here" in ran.output
    assert "the service does not start" in ran.output and "--allow-partial-isolation" not in ran.output
    assert "Serving" not in ran.output
    assert not (data / "blobs").exists() and not (data / "session.key").exists()


def test_serve_without_tokens_says_what_to_run_first(tmp_path):
    from click.testing import CliRunner

    from autograder.cli import main

    ran = CliRunner().invoke(main, ["serve", "--data", str(tmp_path / "empty"), "--port", "0"])
    assert ran.exit_code == 2 and "autograder tokens" in ran.output
    assert os.listdir(tmp_path / "empty") == []


def test_a_released_verdict_names_the_mistake_its_answers_show(tmp_path):
    """The service shows a failed test's diagnosis as the feedback file does; a correct submission has none."""
    from autograder import api
    from autograder.service.checking import outcomes_json

    mistake = tmp_path / "backprop.py"
    mistake.write_bytes((ROOT / "samples/mistakes/hw2/update_sign_flipped.py").read_bytes())
    shown = outcomes_json(api.check("hw2", mistake, hidden=True, isolated=False))
    named = [o for o in shown if o["diagnosis"]]
    assert named and all(o["outcome"] != "passed" for o in named)
    assert any("adds lr times the gradient" in o["diagnosis"] for o in named)
    assert all(o["diagnosis"].startswith("Your answers to this test are what a solution gives") for o in named)
    correct = outcomes_json(api.check("hw2", ROOT / "reference/hw2/backprop.py", hidden=True, isolated=False))
    assert not any(o["diagnosis"] for o in correct)
