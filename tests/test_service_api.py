"""The service's JSON API over real HTTP: a server started here on a free port of 127.0.0.1, with SQLite, and the
same tests against PostgreSQL where one is reachable (skipped with the reason where not)."""
from __future__ import annotations

import hashlib
import re

import pytest

pytest.importorskip("fastapi", reason="the service's extra is not installed (pip install -e '.[service]')")
httpx = pytest.importorskip("httpx")

from servicekit import (  # noqa: E402
    ROOT, PostgresDatabase, Server, issue_tokens, postgres_admin, public_max, wait_for, write_roster)

REFERENCE = (ROOT / "reference/hw2/backprop.py").read_bytes()
NOTEBOOK = (ROOT / "reference/hw2/backprop.ipynb").read_bytes()
MISTAKE = (ROOT / "samples/hw2/mistake_update_sign_flipped.py").read_bytes()
PUBLIC_MAX = public_max("hw2")  # hw2's public tests' points
STUDENTS = [f"s{i:02d}" for i in range(12)]
RATE = 4  # the server's limit below: 4 submissions per 10 minutes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    db = None
    if request.param == "postgresql":
        db = PostgresDatabase(postgres_admin())
        request.addfinalizer(db.drop)
    data = tmp_path_factory.mktemp(f"service-{request.param}")
    roster = write_roster(data.parent / f"roster-{request.param}.csv", STUDENTS)
    tokens = issue_tokens(data, roster, db=db.url if db else None)
    srv = Server(data, db.url if db else None, ("--rate-limit", f"{RATE}/10m")).start()
    request.addfinalizer(srv.stop)
    srv.tokens = tokens
    return srv


def client(server, who: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.tokens[who]}"} if who else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def upload(http: httpx.Client, data: bytes, name: str = "backprop.py", assignment: str = "hw2") -> httpx.Response:
    return http.post(f"/api/v1/assignments/{assignment}/submissions", files={"file": (name, data)})


def verdict(http: httpx.Client, submission_id: str) -> dict:
    return wait_for(lambda: http.get(f"/api/v1/submissions/{submission_id}").json(),
                    lambda s: s["status"] not in ("queued", "running"))


def test_healthz_says_the_isolation(server):
    with client(server) as http:
        reply = http.get("/healthz")
    assert reply.status_code == 200 and reply.json()["status"] == "ok"
    assert reply.json()["isolation"].startswith("full")


def test_a_correct_submission_gets_every_public_test_in_seconds(server):
    with client(server, "s00") as http:
        reply = upload(http, REFERENCE)
        assert reply.status_code == 202, reply.text
        assert reply.json()["status"] == "queued"
        shown = verdict(http, reply.json()["id"])
    assert shown["status"] == "done" and shown["student_id"] == "s00" and shown["assignment"] == "hw2"
    assert shown["score"] == shown["max_score"] == PUBLIC_MAX
    assert {o["outcome"] for o in shown["outcomes"]} == {"passed"}
    assert {o["visibility"] for o in shown["outcomes"]} == {"public"}
    assert set(shown) >= {"id", "student_id", "assignment", "status", "submitted_at", "late", "outcomes", "score",
                          "max_score"}
    assert {"test", "outcome", "hint"} <= set(shown["outcomes"][0])


def test_a_mistake_loses_points_with_a_hint_and_never_the_expected_value(server):
    with client(server, "s01") as http:
        shown = verdict(http, upload(http, MISTAKE).json()["id"])
    failed = [o for o in shown["outcomes"] if o["outcome"] != "passed"]
    assert shown["status"] == "done" and shown["score"] < PUBLIC_MAX and failed
    assert all(o["hint"] for o in failed)


def test_a_notebook_is_graded_like_its_py_file(server):
    with client(server, "s02") as http:
        shown = verdict(http, upload(http, NOTEBOOK, "my work.ipynb").json()["id"])
    assert shown["status"] == "done" and shown["score"] == PUBLIC_MAX


def test_code_that_cannot_be_imported_is_not_graded_and_says_why(server):
    with client(server, "s03") as http:
        shown = verdict(http, upload(http, b"def forward(:\n").json()["id"])
    assert shown["status"] == "not_graded" and shown["result"] == "load_error"
    assert "SyntaxError" in shown["message"] and shown["score"] == 0


def test_without_a_valid_token_nothing_is_taken(server):
    with client(server) as http:
        missing = upload(http, REFERENCE)
        wrong = http.post("/api/v1/assignments/hw2/submissions", files={"file": ("backprop.py", REFERENCE)},
                          headers={"Authorization": "Bearer not-a-token"})
        read = http.get("/api/v1/submissions/anything")
    assert missing.status_code == wrong.status_code == read.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"


def test_an_unknown_assignment_is_404(server):
    with client(server, "s04") as http:
        reply = upload(http, REFERENCE, assignment="hw9")
    assert reply.status_code == 404 and "hw9" in reply.json()["detail"]


@pytest.mark.parametrize("name,data,words", [
    ("backprop.txt", REFERENCE, "backprop.py or backprop.ipynb"),
    ("backprop.py", b"", "empty"),
    ("backprop.py", b"\xff\xfe not utf-8 \x80", "UTF-8"),
    ("backprop.ipynb", b"{not json", "notebook"),
])
def test_a_file_that_cannot_be_a_submission_is_400_with_a_message(server, name, data, words):
    with client(server, "s05") as http:
        reply = upload(http, data, name)
    assert reply.status_code == 400, reply.text
    assert words.lower() in reply.json()["detail"].lower()


def test_a_request_without_the_file_field_is_400(server):
    with client(server, "s05") as http:
        no_field = http.post("/api/v1/assignments/hw2/submissions", files={"other": ("backprop.py", REFERENCE)})
        not_a_form = http.post("/api/v1/assignments/hw2/submissions", content=b"x = 1",
                               headers={"Content-Type": "text/plain"})
    assert no_field.status_code == not_a_form.status_code == 400
    assert "file" in no_field.json()["detail"]


def test_over_the_size_limit_is_413_said_or_streamed(server):
    big = b"#" * 2_000_001  # one byte over the engine's limit of a .py file
    huge = b"#" * (17 << 20)  # past the service's cap on any request

    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"backprop.ipynb\"\r\n\r\n"
        for _ in range(18):
            yield b" " * (1 << 20)

    with client(server, "s06") as http:
        over_py = upload(http, big)
        over_all = upload(http, huge, "backprop.ipynb")
        streamed = http.post("/api/v1/assignments/hw2/submissions", content=chunks(),
                             headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert over_py.status_code == over_all.status_code == streamed.status_code == 413
    assert "2 MB" in over_py.json()["detail"]


def test_another_student_gets_404_the_instructor_sees_it(server):
    with client(server, "s07") as owner:
        submission_id = upload(owner, REFERENCE).json()["id"]
        assert owner.get(f"/api/v1/submissions/{submission_id}").status_code == 200
    with client(server, "s08") as other:
        assert other.get(f"/api/v1/submissions/{submission_id}").status_code == 404
    with client(server, "instructor") as teacher:
        seen = teacher.get(f"/api/v1/submissions/{submission_id}")
    assert seen.status_code == 200 and seen.json()["student_id"] == "s07"


def test_the_client_file_name_never_becomes_a_path(server, tmp_path):
    target = tmp_path / "planted.py"
    name = "../" * 12 + str(target).lstrip("/")
    with client(server, "s09") as http:
        reply = upload(http, REFERENCE + b"\n# planted\n", name)
        assert reply.status_code == 202, reply.text
        assert verdict(http, reply.json()["id"])["score"] == PUBLIC_MAX
    assert not target.exists()
    digest = hashlib.sha256(REFERENCE + b"\n# planted\n").hexdigest()
    assert (server.data / "blobs" / digest[:2] / digest).is_file()
    assert not [p for p in server.data.rglob("*planted*")]


def test_the_rate_limit_is_429_with_retry_after(server):
    with client(server, "s10") as http:
        codes = [upload(http, REFERENCE).status_code for _ in range(RATE)]
        over = upload(http, REFERENCE)
    assert codes == [202] * RATE
    assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
    assert f"{RATE} submissions per 10 minutes" in over.json()["detail"]


def test_students_get_403_from_the_instructors_endpoints(server):
    with client(server, "s00") as http:
        replies = [http.post("/api/v1/assignments/hw2/grade"), http.get("/api/v1/assignments/hw2/grades.csv"),
                   http.post("/api/v1/assignments/hw2/release"), http.post("/api/v1/assignments/hw2/regrade"),
                   http.get("/api/v1/assignments/hw2/export/csv")]
    assert [r.status_code for r in replies] == [403] * 5


def test_grade_then_release_shows_the_hidden_results_of_the_final_submission(server):
    with client(server, "s11") as student, client(server, "instructor") as teacher:
        first = verdict(student, upload(student, MISTAKE).json()["id"])
        final = verdict(student, upload(student, REFERENCE).json()["id"])
        assert teacher.get("/api/v1/assignments/hw1/grades.csv").status_code == 404
        assert teacher.post("/api/v1/assignments/hw1/release").status_code == 409
        started = teacher.post("/api/v1/assignments/hw2/grade")
        assert started.status_code == 202, started.text
        run = started.json()["run"]
        done = wait_for(lambda: teacher.get(f"/api/v1/assignments/hw2/runs/{run}").json(),
                        lambda r: r["status"] in ("done", "failed"), timeout=180)
        assert done["status"] == "done", done
        grades = teacher.get("/api/v1/assignments/hw2/grades.csv")
        assert grades.status_code == 200
        header, *rows = grades.text.splitlines()
        assert header.startswith("student_id,score,max_score,status,") and "test_zero_inputs" in header
        mine = next(r for r in rows if r.startswith("s11,"))
        assert mine.split(",")[1:4] == ["30.0", "30.0", "graded"]
        before = student.get(f"/api/v1/submissions/{final['id']}").json()
        assert {o["visibility"] for o in before["outcomes"]} == {"public"} and not before["hidden_released"]
        assert teacher.post("/api/v1/assignments/hw2/release").status_code == 200
        after = student.get(f"/api/v1/submissions/{final['id']}").json()
        earlier = student.get(f"/api/v1/submissions/{first['id']}").json()
        export = teacher.get("/api/v1/assignments/hw2/export/csv")
    assert after["hidden_released"] and {o["visibility"] for o in after["outcomes"]} == {"public", "hidden"}
    assert after["score"] == after["max_score"] == 30.0
    assert not earlier["hidden_released"] and {o["visibility"] for o in earlier["outcomes"]} == {"public"}
    assert export.status_code == 200 and re.search(r"^s11,.*,30,", export.text, re.M)


def test_a_session_needs_its_csrf_token_for_an_upload(server):
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        signed = browser.get("/signin", params={"token": server.tokens["s04"]})
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        page = browser.get("/assignments/hw2")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        refused = browser.post("/api/v1/assignments/hw2/submissions", files={"file": ("backprop.py", REFERENCE)})
        taken = browser.post("/api/v1/assignments/hw2/submissions", files={"file": ("backprop.py", REFERENCE)},
                             headers={"X-CSRF-Token": csrf})
        form = browser.post("/assignments/hw2/upload", files={"file": ("backprop.py", REFERENCE)},
                            data={"csrf": "wrong"})
    assert refused.status_code == 403 and taken.status_code == 202 and form.status_code == 403


def test_a_bad_sign_in_link_is_401_and_signs_nobody_in(server):
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        reply = browser.get("/signin", params={"token": "forged"})
        home = browser.get("/")
    assert reply.status_code == 401 and "not valid" in reply.text
    assert "Sign in" in home.text and "My assignments" not in home.text


def test_the_access_log_never_holds_a_token(server):
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        assert browser.get("/signin", params={"token": server.tokens["s03"]}).status_code == 303
    wait_for(lambda: server.log, lambda log: "/signin?token=" in log, timeout=10)
    assert server.tokens["s03"] not in server.log
    assert "token=[redacted]" in server.log
