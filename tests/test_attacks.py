"""The adversarial battery: one submission per attack, graded once with the real sandbox.

Every file in `tests/attacks/` is a submission named for its attack and the
score it should get (`<attack>__<score>.py`: zero, one_test = square only,
grad_only, full). The whole class, two honest students included, is graded
in ONE `grade_batch` run with short limits and full isolation; then one test
per attack checks that the attacker earned nothing it did not solve, that
the honest rows are exactly what grading them alone gives, that nothing was
harmed (no process of the run's slot uids left, the out folder holding only
the report, the submissions and the course unchanged, no file planted outside
tmp_path, no connection reached the grader's listening sockets) and that the
row says clearly what happened.

The attacks run as root's students: the battery refuses to run without full
isolation (`kill(-1)` by an unconfined root process would end the machine's
processes). The degraded mode (`isolate=False`) is tested apart, with the
harmless attacks only.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import socket
import sys
import textwrap
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.core.course import COURSE_ENV, get_assignment
from autograder.core.outfolder import RESULTS_DIR
from autograder.core.results import SubmissionResult
from autograder.grading import batch as grading
from autograder.grading import one
from autograder.grading.collect import collect
from autograder.grading.one import grade_one
from autograder.grading.submissions import read_entry
from autograder.isolation import channel as sandbox_module
from autograder.isolation.sandbox import Limits, Sandbox

ATTACKS = Path(__file__).resolve().parent / "attacks"
REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "adversary"
ISOLATE = True  # the battery's attacks are only safe inside the full sandbox
LIMITS = Limits(call_timeout_s=2.0, submission_timeout_s=6.0, cpu_s=10, memory_mb=256, max_reply_mb=8)
MAX_SCORE = 5.0
SCORES = {"zero": 0.0, "one_test": 2.0, "grad_only": 3.0, "full": 5.0}  # square is 2 points, grad 3
HONEST = ("honest__full", "partial__one_test")
TOLERANCE = 1e-9

TOML = """
title = "Squares and gradients, under attack"
due = "2026-09-01T23:59:00+00:00"
files = ["solution.py"]
[tests]
test_square_values = 2
test_grad_values = 3
[[questions]]
id = "q1"
prompt = "Why is the gradient of sum(x**3) equal to 3 x**2?"
points = 1
"""

PUBLIC = '''
import numpy as np
import pytest
from autograder.testing import as_array, close


@pytest.mark.parametrize("n", [1, 4])
def test_square_values(submission, n):
    """square(x) squares each element of an array."""
    x = np.random.default_rng(n).normal(size=n)
    assert close(as_array(submission.square(x), shape=(n,)), x * x), "square is off"
'''

HIDDEN = '''
import numpy as np
import pytest
from autograder.testing import as_array, close


@pytest.mark.parametrize("n", [3, 5])
def test_grad_values(submission, n):
    """grad(x) is the gradient of sum(x**3) with respect to x."""
    x = np.random.default_rng(10 + n).normal(size=n)
    want = 3.0 * x ** 2
    assert close(as_array(submission.grad(x), shape=(n,)), want), "grad is off"
'''

REFERENCE = '''
import numpy as np


def square(x):
    """Elementwise square of an array."""
    # BEGIN SOLUTION: return x squared, elementwise
    return np.asarray(x) ** 2
    # END SOLUTION


def grad(x):
    """The gradient of sum(x**3) with respect to x."""
    # BEGIN SOLUTION: return the derivative of sum(x**3), elementwise
    return 3.0 * np.asarray(x) ** 2
    # END SOLUTION
'''


def write_course(root: Path) -> Path:
    """The one-assignment course the attacks are graded against."""
    a = root / "assignments" / ASSIGNMENT
    (a / "public").mkdir(parents=True)
    (a / "hidden").mkdir()
    (a / "assignment.toml").write_text(TOML)
    (a / "public" / "test_public.py").write_text(textwrap.dedent(PUBLIC))
    (a / "hidden" / "test_hidden.py").write_text(textwrap.dedent(HIDDEN))
    (root / "reference" / ASSIGNMENT).mkdir(parents=True)
    (root / "reference" / ASSIGNMENT / "solution.py").write_text(REFERENCE)
    return root


def expected_score(student_id: str) -> float:
    return SCORES[student_id.rsplit("__", 1)[1]]


ATTACK_IDS = sorted(p.stem for p in ATTACKS.glob("*.py") if p.stem not in HONEST)


# -- observing the machine ------------------------------------------------------------------------------------------
def hash_tree(root: Path) -> dict[str, str]:
    """Every file and folder under `root`: relative path -> mode and content hash."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        out[str(path.relative_to(root))] = f"{st.st_mode:o} {digest}"
    return out


def _status(pid: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)


OWN_PID_DEPTH = len(_status("self")["NSpid"].split())  # how many PID namespaces this process is nested in


def all_pids() -> frozenset:
    return frozenset(int(entry) for entry in os.listdir("/proc") if entry.isdigit())


def live_processes(uids: set[int], cwd_under: str | None = None, exclude: frozenset = frozenset(),
                   since: frozenset | None = None) -> list[str]:
    """Processes (not zombies) running as one of `uids`, working under `cwd_under`, or (with `since`: the pids
    alive before) started since in a PID namespace below this process's: where every submission runs."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            fields = _status(entry)
            cwd = os.readlink(f"/proc/{entry}/cwd") if cwd_under else ""
        except OSError:
            continue  # gone meanwhile
        if fields.get("State", "").split()[:1] in (["Z"], ["X"]):
            continue
        ids = {int(u) for u in fields.get("Uid", "").split()}
        nested = since is not None and int(entry) not in since and len(fields.get("NSpid", "").split()) > OWN_PID_DEPTH
        if ids & uids or (cwd_under and cwd.startswith(cwd_under)) or nested:
            found.append(f"pid {entry} ({fields.get('Name', '').strip()}, uids {sorted(ids)}, cwd {cwd!r})")
    return found


def settled_processes(uids: set[int], cwd_under: str | None = None, wait_s: float = 3.0,
                      exclude: frozenset = frozenset(), since: frozenset | None = None) -> list[str]:
    """`live_processes`, after giving killed processes a moment to disappear."""
    end = time.monotonic() + wait_s
    while True:
        found = live_processes(uids, cwd_under, exclude, since)
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.05)


def below(pid: int) -> list[int]:
    """Every process below `pid` (children, their children...)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            for tid in os.listdir(f"/proc/{current}/task"):
                todo += [int(c) for c in Path(f"/proc/{current}/task/{tid}/children").read_text().split()]
        except OSError:
            continue
        if current != pid:
            found.append(current)
    return found


def planted_files(marker: str, folders: list[Path], trees: list[Path]) -> list[str]:
    """Files whose name carries `marker`: directly in `folders`, anywhere in `trees`."""
    hits = []
    for folder in folders:
        with contextlib.suppress(OSError):
            hits += [str(folder / name) for name in os.listdir(folder) if marker in name]
    for tree in trees:
        hits += [str(p) for p in tree.rglob(f"*{marker}*")]
    return hits


def outside_fences(markdown: str) -> list[str]:
    """The lines of a Markdown text that are not inside a fenced block."""
    lines, fence = [], None
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None and re.fullmatch(r"`{3,}", stripped):
            fence = stripped
        elif fence is not None and stripped == fence:
            fence = None
        elif fence is None:
            lines.append(line)
    return lines


def report_line(result: SubmissionResult, label: str, last: bool = False):
    """The JSON an attack printed after `label ` (how attacks report what they managed to do): the first such
    line, or with `last` the last one (an attack that goes on reporting as it works)."""
    lines = [line for line in result.output.splitlines() if line.startswith(label + " ")]
    if lines:
        return json.loads(lines[-1 if last else 0][len(label) + 1:])
    raise AssertionError(f"{result.student_id} printed no {label} line; its output was:\n{result.output[:2000]}")


def row(result: SubmissionResult) -> dict:
    """A result without its timings: what must not depend on who else is graded alongside."""
    data = dataclasses.asdict(result)
    data.pop("duration_s")
    for test in data["outcomes"]:
        test.pop("duration_s")
    return data


@contextlib.contextmanager
def course_env(root: Path):
    before = os.environ.get(COURSE_ENV)
    os.environ[COURSE_ENV] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(COURSE_ENV, None)
        else:
            os.environ[COURSE_ENV] = before


@contextlib.contextmanager
def recording_sandboxes(seen: list[dict]):
    """Let `grade_batch` build its sandbox as usual, and note its slot uids and work folder."""

    class Recorded(Sandbox):
        def __enter__(self):
            entered = super().__enter__()
            slot_uids = {self.base_uid + slot for slot in range(self.jobs)} if os.geteuid() == 0 else set()
            seen.append({"uids": slot_uids, "tmp": str(self._tmp), "isolated": self.isolated,
                         "warning": self.warning, "backend": self.backend})
            return entered

    original = one.Sandbox
    one.Sandbox = Recorded
    try:
        yield
    finally:
        one.Sandbox = original


def listeners(folder: Path, tag: str) -> dict[str, socket.socket]:
    """Loopback sockets on the grader's side for the network attack to aim at."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", tcp.getsockname()[1]))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(str(folder / "grader.sock"))
    unix.listen(8)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + tag)
    abstract.listen(8)
    for s in (tcp, udp, unix, abstract):
        s.setblocking(False)
    return {"tcp": tcp, "udp": udp, "unix": unix, "abstract": abstract}


def reached(sockets: dict[str, socket.socket]) -> list[str]:
    """Which listeners got a connection or a datagram."""
    hits = []
    for name, s in sockets.items():
        try:
            if s.type == socket.SOCK_DGRAM:
                data, sender = s.recvfrom(4096)
                hits.append(f"{name}: datagram {data[:40]!r} from {sender}")
            else:
                conn, peer = s.accept()
                conn.close()
                hits.append(f"{name}: connection from {peer!r}")
        except BlockingIOError:
            pass
    return hits


# -- the run ----------------------------------------------------------------------------------------------------------
@dataclass(repr=False)
class Battery:
    course: Path
    submissions: Path
    out: Path
    batch: grading.BatchResult
    alone: grading.BatchResult
    seconds: float
    sandbox: dict
    results: dict[str, SubmissionResult]
    leftover_processes: list[str]
    planted: list[str]
    network_hits: list[str]
    course_changes: list[str]
    submission_changes: list[str]
    out_files: set[str]
    sandbox_tmp_left: bool
    rewritten_later: list[str]


def diff(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def prepare_class(folder: Path, names: list[str], values: dict[str, str]) -> Path:
    """Copy the named submissions, with the placeholders that point attacks at the real paths filled in."""
    folder.mkdir(parents=True)
    for name in names:
        text = (ATTACKS / f"{name}.py").read_text()
        for key, value in {**values, "__TAG__": f"{values['__TAG__']}-{name}"}.items():
            text = text.replace(key, value)
        (folder / f"{name}.py").write_text(text)
    return folder


@pytest.fixture(scope="session")
def battery(tmp_path_factory) -> Battery:
    base = tmp_path_factory.mktemp("attacks")
    course = write_course(base / "course")
    session_tag = f"pwned-{uuid.uuid4().hex[:12]}"
    values = {"__COURSE__": str(course), "__ASSIGNMENT__": ASSIGNMENT, "__SUBMISSIONS__": str(base / "class"),
              "__OUT__": str(base / "out"), "__TAG__": session_tag, "__UNIX_SOCKET__": str(base / "grader.sock"),
              "__ABSTRACT__": f"autograder-{session_tag}"}
    sockets = listeners(base, values["__ABSTRACT__"])
    values["__PORT__"] = str(sockets["tcp"].getsockname()[1])
    with course_env(course):
        alone = grade_batch(ASSIGNMENT, prepare_class(base / "honest", list(HONEST), values), base / "out-honest",
                            jobs=2, limits=LIMITS, isolate=ISOLATE)
        subs = prepare_class(base / "class", list(HONEST) + ATTACK_IDS, values)
        course_before, subs_before = hash_tree(course), hash_tree(subs)  # after the first run's bytecode caches
        seen: list[dict] = []
        pids_before = all_pids()
        start = time.perf_counter()
        with recording_sandboxes(seen):
            batch = grade_batch(ASSIGNMENT, subs, base / "out", jobs=2, limits=LIMITS, isolate=ISOLATE)
        seconds = time.perf_counter() - start
    (box,) = seen
    out = base / "out"
    watched = [out / "grades.csv", out / RESULTS_DIR / "honest__full.json"]
    right_after = {str(p): p.read_bytes() for p in watched}
    site_packages = [Path(p) for p in sys.path if p.endswith("site-packages")]
    battery = Battery(
        course=course, submissions=subs, out=out, batch=batch, alone=alone, seconds=seconds, sandbox=box,
        results={r.student_id: r for r in batch.results},
        leftover_processes=settled_processes(box["uids"], box["tmp"], since=pids_before),
        planted=planted_files(session_tag, [Path("/tmp"), Path("/"), Path.home(), Path.cwd(), REPO,
                                            Path(os.__file__).parent, *site_packages, base],
                              [course, subs, out]),
        network_hits=reached(sockets),
        course_changes=diff(course_before, hash_tree(course)),
        submission_changes=diff(subs_before, hash_tree(subs)),
        out_files={str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()},
        sandbox_tmp_left=Path(box["tmp"]).exists(),
        rewritten_later=[])
    time.sleep(max(0.0, start + seconds + 3.5 - time.perf_counter()))  # a daemon's wake-up time has passed
    battery.rewritten_later = [p for p, data in right_after.items() if Path(p).read_bytes() != data]
    for s in sockets.values():
        s.close()
    return battery


def assert_nothing_harmed(b: Battery) -> None:
    assert b.sandbox["isolated"], "the battery must run fully isolated"
    assert b.leftover_processes == [], "processes of the run's students are still alive"
    assert b.planted == [], "attacks planted files outside their sandbox"
    assert b.network_hits == [], "an attack reached the grader's sockets"
    assert b.course_changes == [], "the course folder changed"
    assert b.submission_changes == [], "the submissions folder changed"
    expected = expected_out_files(b.out.parent / "out-honest", list(b.results))
    assert b.out_files == expected, f"unexpected files in the out folder: {sorted(b.out_files ^ expected)}"
    assert not b.sandbox_tmp_left, "the sandbox's work folder was left behind"
    assert b.rewritten_later == [], "files of the report changed after the run"


def expected_out_files(honest_out: Path, ids: list[str]) -> set[str]:
    """The out folder's files for `ids`, patterned on the honest run's: the report, and each per-student file."""
    patterns = set()
    for path in honest_out.rglob("*"):
        if path.is_file():
            name = str(path.relative_to(honest_out))
            for sid in HONEST:
                name = name.replace(sid, "{sid}")
            patterns.add(name)
    return {p.format(sid=sid) for p in patterns for sid in ids}


def assert_honest_unaffected(b: Battery) -> None:
    alone = {r.student_id: r for r in b.alone.results}
    for sid in HONEST:
        assert row(b.results[sid]) == row(alone[sid]), f"{sid} was graded differently beside the attacks"
        feedback = (b.out / "feedback" / f"{sid}.md").read_text()
        assert feedback == (b.out.parent / "out-honest" / "feedback" / f"{sid}.md").read_text()


def outcome(result: SubmissionResult, test: str):
    return next(o for o in result.outcomes if o.test == test)


# -- what each attack's row must say --------------------------------------------------------------------------------
def says(result: SubmissionResult, test: str, *phrases: str) -> None:
    """The test's message says one of `phrases`; where in the file it happened, `(solution.py, line 8)`, aside."""
    message = re.sub(r" \([^()]*, line \d+\)", "", outcome(result, test).message)
    assert any(p in message for p in phrases), f"{test}: {message!r} should say one of {phrases}"


def check_timeout_at_import(r, b):
    assert r.status == "timeout" and "importing your file did not finish within 2 s" in r.message


def check_square_times_out(r, b):
    says(r, "test_square_values", "`square` did not finish within 2 s")


def check_grad_times_out(r, b):
    says(r, "test_grad_values", "`grad` did not finish within 2 s")


def check_memory(r, b):
    # which limit ends the hoarding loop first depends on how busy the machine is: the memory limit (MemoryError)
    # or, on a loaded machine, the call's time limit; the 16 GB array fails at once either way
    says(r, "test_square_values", "`square` raised MemoryError", "`square` did not finish within")
    says(r, "test_grad_values", "`grad` raised MemoryError")


def check_output_flood(r, b):
    limit = LIMITS.max_output_kb * 1024
    assert len(r.output) <= limit + 100 and r.output.endswith("[... output truncated ...]")
    assert (b.out / "feedback" / f"{r.student_id}.md").stat().st_size < limit + 10_000
    assert sum(p.stat().st_size for p in b.out.rglob("*") if p.is_file()) < 10 * 2**20
    says(r, "test_square_values", "`square` raised OSError: [Errno 27] File too large")


def check_crash_at_import(r, b):
    assert r.status == "crashed" and "ended during importing your file" in r.message


def check_square_crash(r, b):
    says(r, "test_square_values", "the process running your code ended during `square`")


def check_exit_at_import(r, b):
    assert r.status == "load_error" and "SystemExit" in r.message


def check_exit_in_grad(r, b):
    says(r, "test_grad_values", "`grad` raised SystemExit")


def check_base_exceptions(r, b):
    says(r, "test_square_values", "`square` raised KeyboardInterrupt")
    says(r, "test_grad_values", "`grad` raised Escape")


def check_comparisons_unpatched(r, b):
    assert r.status == "graded"
    says(r, "test_square_values", "square is off")
    says(r, "test_grad_values", "grad is off")


def check_builtins(r, b):
    check_comparisons_unpatched(r, b)
    assert "refused float.__eq__" in r.output


def check_not_plain_data(r, b):
    says(r, "test_square_values", "`square` returned something that is not plain data")
    says(r, "test_grad_values", "`grad` returned something that is not plain data")


def check_fake_markers(r, b):
    visible = "\n".join(outside_fences((b.out / "feedback" / f"{r.student_id}.md").read_text()))
    assert "**Score: 0 / 5**" in visible
    assert "5 / 5" not in visible and "PASSED" not in visible and "passed in" not in visible
    grades = pd.read_csv(b.out / "grades.csv").set_index("student_id")
    assert abs(grades.loc[r.student_id, "score"]) < TOLERANCE


def check_wrote_only_inside(r, b):
    wrote = report_line(r, "WROTE")
    assert wrote, "the attack should at least write into its own folder"
    assert all(p.startswith(("/submission/", "/tmp/")) for p in wrote), wrote


def check_read_nothing(r, b):
    assert report_line(r, "FOUND") == []
    assert str(b.course) not in report_line(r, "LISTED")


def check_walk(r, b):
    walk = report_line(r, "WALK", last=True)  # it walks on in every call until the walk is complete
    assert walk["found"] == [] and walk["complete"] and walk["visited"] > 1000, walk


def check_changed_nothing(r, b):
    assert report_line(r, "CHANGED") == []


def check_parent_untouchable(r, b):
    kill = report_line(r, "KILL")
    assert len(kill) == 6 and not any(v == "DONE" for v in kill.values()), kill
    hurt = [x.student_id for x in b.batch.results if x.status == "grader_error"]
    assert hurt == [], "the warm zygote (or the grader) failed for these students"


def check_kill_all(r, b):
    assert "KILLED -1 and still here" in r.output and r.status == "graded"
    assert len(b.batch.results) == len(ATTACK_IDS) + len(HONEST)


def check_network(r, b):
    network = report_line(r, "NETWORK")
    assert len(network) == 7 and "CONNECTED" not in network.values(), network


def check_gigantic(r, b):
    says(r, "test_square_values", f"`square` sent back more than {LIMITS.max_reply_mb} MB")
    says(r, "test_grad_values", "`grad` raised MemoryError")


def check_nested(r, b):
    says(r, "test_square_values", "nested too deeply")
    says(r, "test_grad_values", "nested too deeply")


def check_recursion(r, b):
    for test, name in (("test_square_values", "square"), ("test_grad_values", "grad")):
        says(r, test, f"`{name}` did not finish", f"ended during `{name}`", f"`{name}` raised RecursionError",
             f"`{name}` raised MemoryError")


def check_forged(r, b):
    assert r.status in ("graded", "crashed")
    assert all(o.outcome == ("failed" if r.status == "graded" else "not_run") for o in r.outcomes)


def check_drip(r, b):
    check_square_times_out(r, b)
    check_grad_times_out(r, b)
    assert r.duration_s < LIMITS.submission_timeout_s + 2, "a trickling reply outlasted the time limits"


def check_injection(r, b):
    grades = pd.read_csv(b.out / "grades.csv")
    assert sorted(grades["student_id"]) == sorted(b.results)
    by_id = grades.set_index("student_id")
    assert abs(by_id.loc[r.student_id, "score"]) < TOLERANCE
    assert abs(by_id.loc["honest__full", "score"] - MAX_SCORE) < TOLERANCE
    assert "<script>" not in (b.out / "report.html").read_text()
    visible = "\n".join(outside_fences((b.out / "feedback" / f"{r.student_id}.md").read_text()))
    assert "5 / 5" not in visible and "<script>" not in visible


def check_malformed(r, b):
    says(r, "test_square_values", "`square` sent back malformed data")
    assert r.status != "grader_error"


def check_malformed_at_import(r, b):
    assert r.status == "crashed", f"a malformed first reply must be the submission's fault, not {r.status!r}"


def check_escape(r, b):
    escape = report_line(r, "ESCAPE")
    assert len(escape) == 13 and not [k for k, v in escape.items() if v.startswith("ESCAPED")], escape
    # Only the system's libraries, the student's folders, and the way down to the Python installation.
    python = {Path(p).resolve().parts[1] for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    allowed = {"bin", "dev", "lib", "lib32", "lib64", "sbin", "usr", "tmp", "submission"} | python
    assert set(report_line(r, "ROOT")) <= allowed and not {"proc", "sys", "etc", "var"} & set(report_line(r, "ROOT"))


def check_memory_inspection(r, b):
    assert report_line(r, "MEMORY")["hits"] == []


def check_fill(r, b):
    fill = report_line(r, "FILL")
    for folder, limit_mb in (("workdir", 4 * LIMITS.fsize_mb), ("/tmp", 64)):
        # The limit holds; a write failed there (or, on a slow machine, time ran out before it: still within it).
        assert fill[folder]["written_mb"] <= limit_mb and (fill[folder]["error"] or fill[folder]["out_of_time"]), fill


def check_fork_memory(r, b):
    from autograder.isolation.cgroups import SLACK_MB

    bound = LIMITS.memory_mb + SLACK_MB
    if any("by a watch" in note for note in b.batch.notes):
        # No control group here: the keeper's watch stops the largest process (or the submission) once they
        # together hold more than the bound. It looks every few milliseconds, so they may get a little past it.
        assert f"more than the {bound} MB a submission may use" in r.output, r.output
        if "FORKMEM" in r.output:
            report = report_line(r, "FORKMEM")
            assert report["forked"] == 7 and report["held_mb"] < 7 * 150, report
        return
    report = report_line(r, "FORKMEM")
    assert report["forked"] == 7, report  # the attack ran: seven processes, 1050 MB wanted
    assert report["held_mb"] <= bound, f"the submission's processes held {report} together"


def check_course_not_found(r, b):
    report = report_line(r, "COURSE")
    assert report["found"] == [] and "TEXT OF" not in r.output, report
    hidden_line = "def test_grad_values(submission, n):"
    for path in [b.out / "tests.csv", b.out / "grades.csv", *(b.out / "feedback").glob("*.md")]:
        assert hidden_line not in path.read_text(), f"the hidden tests' text reached {path}"


def check_no_pth(r, b):
    assert report_line(r, "PTH") == []


def check_memory_scan(r, b):
    report = report_line(r, "MEMORY-SCAN")
    assert report["hits"] == [] and report["scanned_mb"] > 0, report


def check_nothing_more(r, b):
    pass  # what this attack tries is covered by the harm checks


CHECKS = {
    "always_equal_objects__zero": check_not_plain_data,
    "array_and_tensor_subclasses__zero": check_not_plain_data,
    "close_channel_at_import__zero": check_crash_at_import,
    "daemon_outlives_submission__zero": check_nothing_more,
    "daemon_rewrites_results_later__zero": check_nothing_more,  # the harm checks look again after it woke
    "find_the_course_through_modules_and_proc__zero": check_course_not_found,
    "plant_a_pth_in_the_venv__zero": check_no_pth,
    "search_own_memory_for_classmates__zero": check_memory_scan,
    "stop_every_process__zero": check_nothing_more,
    "deep_recursion__zero": check_recursion,
    "deeply_nested_return__zero": check_nested,
    "escape_the_sandbox__zero": check_escape,
    "fake_pass_markers__zero": check_fake_markers,
    "fill_the_disk__zero": check_fill,
    "forged_reply_frame__zero": check_forged,
    "fork_bomb__zero": check_square_times_out,
    "fork_memory_bomb__zero": check_fork_memory,
    "gigantic_return__zero": check_gigantic,
    "impossible_array_at_import__zero": check_malformed_at_import,
    "infinite_loop_at_import__zero": check_timeout_at_import,
    "infinite_loop_in_square__grad_only": check_square_times_out,
    "injection_in_messages__zero": check_injection,
    "inspect_inherited_memory__zero": check_memory_inspection,
    "keyboard_interrupt_and_base_exception__zero": check_base_exceptions,
    "kill_every_process__zero": check_kill_all,
    "kill_parent_and_trace__zero": check_parent_untouchable,
    "malformed_reply_frames__zero": check_malformed,
    "memory_bomb__zero": check_memory,
    "monkeypatch_builtins__zero": check_builtins,
    "monkeypatch_numpy_and_pytest__zero": check_comparisons_unpatched,
    "network_connection__zero": check_network,
    "os_exit_at_import__zero": check_crash_at_import,
    "os_exit_in_square__grad_only": check_square_crash,
    "output_flood__zero": check_output_flood,
    "overwrite_other_submissions__zero": check_changed_nothing,
    "read_hidden_tests_and_reference__zero": check_read_nothing,
    "sleep_in_grad__one_test": check_grad_times_out,
    "slow_drip_reply__zero": check_drip,
    "sys_exit_at_import__zero": check_exit_at_import,
    "sys_exit_in_grad__one_test": check_exit_in_grad,
    "walk_filesystem_for_tests__zero": check_walk,
    "write_results_files__zero": check_wrote_only_inside,
}


# -- the tests ---------------------------------------------------------------------------------------------------------
def test_every_attack_file_is_named_for_its_score_and_checked():
    names = sorted(p.stem for p in ATTACKS.glob("*.py"))
    assert all(re.fullmatch(r"[a-z0-9_]+__(zero|one_test|grad_only|full)", n) for n in names), names
    assert sorted(CHECKS) == ATTACK_IDS and set(HONEST) <= set(names)


def test_the_battery_ran_fully_isolated_in_one_short_run(battery):
    assert battery.sandbox["isolated"] and battery.batch.isolation_warning == ""
    assert sorted(battery.results) == sorted(ATTACK_IDS + list(HONEST))
    assert battery.seconds < 90, f"the battery took {battery.seconds:.1f} s"


def test_honest_students_get_their_marks_beside_the_attacks(battery):
    assert abs(battery.results["honest__full"].score - MAX_SCORE) < TOLERANCE
    assert abs(battery.results["partial__one_test"].score - SCORES["one_test"]) < TOLERANCE
    assert_honest_unaffected(battery)


@pytest.mark.parametrize("attack", ATTACK_IDS)
def test_attack(battery, attack):
    """The attacker earns exactly its honest work, harms nothing, and its row says what happened."""
    result = battery.results[attack]
    assert abs(result.score - expected_score(attack)) < TOLERANCE, (result.status, result.message, result.outcomes)
    saved = json.loads((battery.out / RESULTS_DIR / f"{attack}.json").read_text())
    assert abs(sum(o["points"] for o in saved["outcomes"]) - result.score) < TOLERANCE
    CHECKS[attack](result, battery)
    assert_nothing_harmed(battery)
    assert_honest_unaffected(battery)


@pytest.mark.parametrize("attack", ["daemon_outlives_submission__zero", "stop_every_process__zero"])
def test_a_daemon_dies_when_its_own_submission_ends(tmp_path, monkeypatch, attack):
    """Not only when the run ends: when its submission is done, nothing it started is left below the slot's
    keeper, even after it stopped every process it could signal, and the next student is graded in full."""
    course = write_course(tmp_path / "course")
    monkeypatch.setenv(COURSE_ENV, str(course))
    assignment = get_assignment(ASSIGNMENT)
    honest = read_entry(assignment, "honest", ATTACKS / "honest__full.py")
    prepared = read_entry(assignment, "daemon", ATTACKS / f"{attack}.py")
    seen = {"before": [], "after": []}
    original_close = sandbox_module.SandboxChannel.close

    def close_and_look(channel, *args, **kwargs):
        keeper = channel._sandbox.keeper(channel._slot).pid
        seen["before"].append(below(keeper))
        original_close(channel, *args, **kwargs)
        seen["after"].append(below(keeper))

    monkeypatch.setattr(sandbox_module.SandboxChannel, "close", close_and_look)
    pids_before = all_pids()
    with Sandbox(LIMITS, jobs=1, isolate=True, course_root=course) as box:
        specs = collect(assignment)
        first = grade_one(assignment, specs, honest, box, slot=0)
        result = grade_one(assignment, specs, prepared, box, slot=0)
        after = grade_one(assignment, specs, honest, box, slot=0)
        work, uids = Path(box._tmp), {box.base_uid} if os.geteuid() == 0 else set()
    assert first.score == after.score == first.max_score
    assert abs(result.score) < TOLERANCE
    assert len(seen["before"][1]) >= 2, f"the daemon should have been running: {seen['before']}"
    assert all(found == [] for found in seen["after"]), seen
    assert settled_processes(uids, since=pids_before) == [], "the run is over: nothing of it may be left"
    assert not work.exists()


# -- degraded mode ----------------------------------------------------------------------------------------------------
DEGRADED = ["honest__full", "partial__one_test", "infinite_loop_at_import__zero", "memory_bomb__zero",
            "sleep_in_grad__one_test", "sys_exit_in_grad__one_test"]


@pytest.fixture(scope="session")
def degraded(tmp_path_factory):
    base = tmp_path_factory.mktemp("degraded")
    course = write_course(base / "course")
    subs = prepare_class(base / "class", DEGRADED, {"__TAG__": "unused"})
    seen: list[dict] = []
    with course_env(course), recording_sandboxes(seen):
        batch = grade_batch(ASSIGNMENT, subs, base / "out", jobs=2, limits=LIMITS, isolate=False)
    (box,) = seen
    leftovers = settled_processes(box["uids"], box["tmp"])  # processes of its slot uids, or working in its folder
    if Path(box["tmp"]).exists():
        leftovers.append(f"the sandbox folder {box['tmp']}")
    return batch, box, leftovers


def test_degraded_mode_warns_clearly(degraded):
    batch, box, _ = degraded
    assert not box["isolated"]
    assert "isolation" in batch.isolation_warning


def test_degraded_mode_still_grades_and_holds_the_limits(degraded):
    batch, _, leftovers = degraded
    results = {r.student_id: r for r in batch.results}
    for sid in DEGRADED:
        assert abs(results[sid].score - expected_score(sid)) < TOLERANCE, (sid, results[sid].outcomes)
    assert results["honest__full"].status == "graded" and results["honest__full"].output == ""
    says(results["partial__one_test"], "test_grad_values", "grad is off")
    check_timeout_at_import(results["infinite_loop_at_import__zero"], None)
    check_memory(results["memory_bomb__zero"], None)
    check_grad_times_out(results["sleep_in_grad__one_test"], None)
    check_exit_in_grad(results["sys_exit_in_grad__one_test"], None)
    assert leftovers == []


# -- nothing of one student reaches another ---------------------------------------------------------------------------
def notebook_of(code: str) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    return nbformat.writes(nb)


def test_no_process_holds_a_classmates_notebook_code(tmp_path, monkeypatch):
    """Notebooks graded before it, in the same slot: the submission's own memory, all it inherited included,
    holds no text of theirs (their cells reach only their own process, through their own folder)."""
    course = write_course(tmp_path / "course")
    monkeypatch.setenv(COURSE_ENV, str(course))
    subs = tmp_path / "class"
    subs.mkdir()
    honest = (ATTACKS / "honest__full.py").read_text()
    for sid in ("alice", "bob", "carol"):
        marked = f"# CLASSMATE-CODE-{sid}-END\n" + honest + f"\nMARK = 'CLASSMATE-CODE-{sid}-END'\n"
        (subs / f"{sid}.ipynb").write_text(notebook_of(marked))
    attack = "search_own_memory_for_classmates__zero"
    (subs / f"zz_{attack}.py").write_text((ATTACKS / f"{attack}.py").read_text())
    scan_time = dataclasses.replace(LIMITS, call_timeout_s=30.0, submission_timeout_s=60.0)  # ~1 GB read at import
    batch = grade_batch(ASSIGNMENT, subs, tmp_path / "out", jobs=1, limits=scan_time, isolate=ISOLATE)
    results = {r.student_id: r for r in batch.results}
    assert all(abs(results[sid].score - MAX_SCORE) < TOLERANCE for sid in ("alice", "bob", "carol"))
    report = report_line(results[f"zz_{attack}"], "MEMORY-SCAN")
    assert report["hits"] == [] and report["scanned_mb"] > 0, report
