"""Nothing acknowledged is lost: the server is killed with SIGKILL during a burst of uploads and started again;
every upload it answered 202 is there, byte for byte, and those not yet checked are checked."""
from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest

pytest.importorskip("fastapi", reason="the service's extra is not installed (pip install -e '.[service]')")
httpx = pytest.importorskip("httpx")

from servicekit import ROOT, Server, issue_tokens, wait_for, write_roster  # noqa: E402

REFERENCE = (ROOT / "reference/hw2/backprop.py").read_bytes()
STUDENTS = [f"u{i:02d}" for i in range(12)]


def burst(server: Server, tokens: dict[str, str], acknowledged: dict[str, bytes], stop: threading.Event) -> None:
    """Each student uploads distinct files until the server goes away; every 202's id and bytes are kept."""
    def student(sid: str) -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens[sid]}"}, timeout=10) as http:
            for n in range(1000):
                data = REFERENCE + f"\n# {sid} upload {n}\n".encode()
                try:
                    reply = http.post("/api/v1/assignments/hw2/submissions", files={"file": ("backprop.py", data)})
                except httpx.HTTPError:
                    return  # the server is gone: this upload was never acknowledged
                if reply.status_code == 202:
                    acknowledged[reply.json()["id"]] = data
                if stop.is_set():
                    return

    threads = [threading.Thread(target=student, args=(sid,)) for sid in STUDENTS]
    for thread in threads:
        thread.start()
    return threads


def test_kill_9_during_a_burst_loses_no_acknowledged_upload(tmp_path):
    data = tmp_path / "data"
    tokens = issue_tokens(data, write_roster(tmp_path / "roster.csv", STUDENTS))
    server = Server(data, args=("--rate-limit", "1000/10m")).start()
    acknowledged: dict[str, bytes] = {}
    stop = threading.Event()
    try:
        threads = burst(server, tokens, acknowledged, stop)
        wait_for(lambda: len(acknowledged), lambda n: n >= 40, timeout=120, every=0.01)
        server.kill()  # mid-burst: uploads in flight, checks queued and running
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    with sqlite3.connect(data / "service.db") as db:
        rows = dict(db.execute("SELECT id, blob FROM submissions").fetchall())
        pending = db.execute("SELECT count(*) FROM submissions WHERE status IN ('queued', 'running')").fetchone()[0]
    assert set(acknowledged) <= set(rows)
    for submission_id, content in acknowledged.items():
        digest = rows[submission_id]
        assert digest == hashlib.sha256(content).hexdigest()
        assert (data / "blobs" / digest[:2] / digest).read_bytes() == content
    assert pending > 0, "the kill came after every check had finished: the restart below would test nothing"

    again = Server(data).start()
    try:
        with httpx.Client(base_url=again.url, headers={"Authorization": f"Bearer {tokens['instructor']}"},
                          timeout=30) as http:
            def statuses():
                return [http.get(f"/api/v1/submissions/{sid}").json()["status"] for sid in acknowledged]
            final = wait_for(statuses, lambda s: not {"queued", "running"} & set(s), timeout=240, every=1)
    finally:
        again.stop()
    assert set(final) == {"done"}
