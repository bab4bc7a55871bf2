"""Isolation, owned in one place: a warm zygote, one confined process per submission, cleanup on every path.

    with Sandbox(limits, jobs=2) as sandbox:
        result = sandbox.grade(assignment, specs, prepared, slot=0)

The tests run here, in the grader; each submission's code runs in a process
forked from the zygote (see `zygote`, `confine`) and is reached through a
`SandboxChannel`. Whatever happens in there (timeout, crash, flood, bomb),
`grade` returns a `SubmissionResult` and leaves no process and no file behind.
"""
from __future__ import annotations

import dataclasses
import fcntl
import functools
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import cgroups, wire
from .api import finish, load_request, unrunnable
from .collect import TestSpec
from .course import Assignment
from .errors import AutograderError, SubmissionCrashed, SubmissionTimeout
from .planning import Plan
from .protocol import Submission
from .runner import SubmissionResult, not_run, run_tests
from .submissions import Prepared

WORKDIR_INSIDE = "/submission"
UID_BASE, UID_BLOCK, UID_BLOCKS = 1_900_000_000, 64, 4096
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times in seconds, sizes in MB unless named otherwise."""

    call_timeout_s: float = 10.0
    submission_timeout_s: float = 60.0
    cpu_s: int = 60
    memory_mb: int = 1024
    nproc: int = 32
    fsize_mb: int = 16
    nofile: int = 64
    max_reply_mb: int = 64
    max_output_kb: int = 64


class Sandbox:
    """A zygote and the isolation this machine allows; use it as a context manager."""

    def __init__(self, limits: Limits = Limits(), jobs: int = 1, isolate: bool | None = None,
                 course_root: Path | None = None, preload: tuple[str, ...] = (), torch: bool = True):
        from .course import default_course_root

        if not 1 <= jobs <= UID_BLOCK:
            raise AutograderError(f"jobs must be between 1 and {UID_BLOCK}")
        self.limits, self.jobs, self.base_uid = limits, jobs, 0
        self._uid_lock: int | None = None
        self.preload = preload
        self.torch = torch  # False: the submissions may not import torch, so the zygote does not hold it
        self._ready = False
        self.course_root = Path(course_root or default_course_root()).resolve()
        self._want_isolation = isolate
        self.isolated = False
        self.warning = ""
        self._lock = threading.Lock()
        self._counter = 0
        self._proc: subprocess.Popen | None = None
        self._ctrl: socket.socket | None = None
        self._tmp: Path | None = None
        self._groups: cgroups.SlotGroups | None = None  # all of a slot's processes together (full isolation)
        self.groups_note = ""  # why not, when they are missing

    # -- life cycle ---------------------------------------------------------------
    def __enter__(self) -> "Sandbox":
        try:
            self.launch()
            self._await_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def launch(self) -> None:
        """Start the zygote without waiting for its warm-up (`with` waits): the caller works meanwhile."""
        if self._proc is not None:
            return
        self._tmp = Path(tempfile.mkdtemp(prefix="autograder-"))
        os.chmod(self._tmp, 0o711)  # slot users may traverse to their own folder, not list
        (self._tmp / "root").mkdir(mode=0o755)
        self._uid_lock, self.base_uid = _lock_uid_block()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(self._tmp / "mpl")}
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "autograder.zygote", str(child.fileno()), *self.preload,
             *(() if self.torch else ("--no-torch",))],
            # The zygote inherits the uid lock: the block stays ours until its last sweep is done.
            pass_fds=[child.fileno(), self._uid_lock], cwd=self._tmp, env=env, stdin=subprocess.DEVNULL,
            start_new_session=True)
        child.close()
        self._ctrl = parent

    def _await_ready(self) -> None:
        ready = self._ask({"op": "hello"}, expect_ready=True)
        self._ready = True
        self._zygote_paths = ready.get("paths", [])
        self._bind_paths = self._binds()
        self._choose_isolation()

    def close(self) -> None:
        """Stop the zygote (it kills every student process left) and remove every file made."""
        if self._ctrl is not None:
            self._ctrl.close()
            self._ctrl = None
        if self._proc is not None:
            if not self._ready:  # launched, never used: it has no student to clean up after
                self._proc.kill()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._groups is not None:  # empty now: the zygote killed every process in them
            self._groups.remove()
            self._groups = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    # -- talking to the zygote -------------------------------------------------------
    def _ask(self, message: dict, fds: list[int] = (), expect_ready: bool = False) -> dict:
        with self._lock:
            if not expect_ready:
                body = json.dumps(message).encode()
                socket.send_fds(self._ctrl, [wire.HEADER.pack(len(body))], list(fds))
                self._ctrl.sendall(body)
            header = _recv_exact(self._ctrl, wire.HEADER.size)
            (size,) = wire.HEADER.unpack(header)
            reply = json.loads(_recv_exact(self._ctrl, size))
        if "error" in reply:
            raise AutograderError(f"the sandbox could not {message.get('op')}: {reply['error']}")
        return reply

    def _binds(self) -> list[str]:
        """Paths the student's root may show: the Python install and system libraries, never the course."""
        candidates = set(SYSTEM_PATHS) | {sys.base_prefix, sys.prefix, sys.exec_prefix, *self._zygote_paths}
        venv = Path(sys.prefix).resolve()
        keep = []
        for raw in sorted(candidates):
            path = Path(raw)
            if not raw or not path.exists() or str(path) == "/":
                continue
            real = path.resolve()
            inside_course = real == self.course_root or self.course_root in real.parents
            if inside_course and not (real == venv or venv in real.parents):
                continue
            if real == self.course_root or real in self.course_root.parents:
                continue  # an ancestor of the course would show it all
            if self._tmp in real.parents or real in self._tmp.parents:
                continue
            keep.append(str(path))
        return [p for p in keep if not any(Path(q) in Path(p).parents for q in keep)]

    def _slot_uid(self, slot: int) -> int | None:
        """The unprivileged uid a slot's processes run as when the grader is root; None otherwise."""
        return self.base_uid + slot if os.geteuid() == 0 else None

    def _spawn_request(self, workdir: Path, slot: int, load: dict, isolate: bool | None = None) -> dict:
        limits = dataclasses.asdict(self.limits)
        isolate = self.isolated if isolate is None else isolate
        return {"op": "spawn", "isolate": isolate, "uid": self._slot_uid(slot),
                "root_dir": str(self._tmp / "root"), "binds": self._bind_paths, "workdir": str(workdir),
                "hide": _installed_paths(tuple(load.get("forbid") or ())),
                "cgroups": self._groups.procs_files(slot) if self._groups and isolate else [],
                "workdir_inside": WORKDIR_INSIDE if isolate else str(workdir),
                "limits": limits, "load": load}

    def _choose_isolation(self) -> None:
        want = self._want_isolation
        if want is False:
            self.isolated, self.warning = False, "isolation turned off: " + self._partial_rights()
            return
        if os.geteuid() != 0:
            reason = "not running as root"
        else:
            probe_dir = self._tmp / "probe"
            probe_dir.mkdir()
            request = self._spawn_request(probe_dir, 0, {}, isolate=True)
            reason = self._ask({**request, "op": "probe"})["result"]
            probe_dir.rmdir()
        if not reason:
            self.isolated = True
            self.groups_note = cgroups.available()
            if not self.groups_note:
                self._groups = cgroups.SlotGroups(f"autograder-{self.base_uid}", self.jobs,
                                                  self.limits.memory_mb, self.limits.nproc)
            return
        if want is True:
            raise AutograderError(f"full isolation is not available here: {reason}")
        self.warning = (f"partial isolation only ({reason}): each submission still runs in its own process with "
                        f"time, memory, process and file limits, but {self._partial_rights()} "
                        "Run as root (for example in a container) for full isolation.")

    @staticmethod
    def _partial_rights() -> str:
        if os.geteuid() == 0:
            return ("it runs as an unprivileged user of its own, yet it can read every world-readable file "
                    "(the hidden tests among them) and reach the network.")
        return "it runs with your user's rights: it can read what you can read and reach the network."

    # -- grading ----------------------------------------------------------------------
    def grade(self, assignment: Assignment, specs: list[TestSpec], prepared: Prepared,
              slot: int = 0, plan: Plan | None = None) -> SubmissionResult:
        """Run every test against one submission in its own confined process; never raises for the student's sake.

        `plan`: the tests' calls to send ahead (see `planning`), recorded for these very `specs`."""
        if prepared.status != "ok":
            return unrunnable(prepared, specs)
        start = time.perf_counter()
        with self._lock:
            self._counter += 1
            number = self._counter
        workdir = self._tmp / f"work-{slot}-{number}"
        output_path = self._tmp / f"out-{slot}-{number}.txt"
        channel = None
        try:
            workdir.mkdir(mode=0o700)
            for name, text in prepared.files.items():
                (workdir / name).write_text(text, "utf-8")
            uid = self._slot_uid(slot)
            if uid is not None:
                for path in (workdir, *workdir.iterdir()):
                    os.chown(path, uid, uid)
            deadline = time.monotonic() + self.limits.submission_timeout_s
            channel = SandboxChannel(self, self._spawn_request(workdir, slot, load_request(assignment, prepared)),
                                     output_path, deadline, plan)
            result = run_tests(specs, Submission(channel, assignment.files), prepared.student_id, deadline)
        except Exception as exc:  # the grader's own failure: a row that says so, never a crashed batch
            result = SubmissionResult(prepared.student_id, "grader_error", f"{type(exc).__name__}: {exc}",
                                      not_run(specs, "not graded: the grader failed; tell your instructor"), 0.0)
        finally:
            if channel is not None:
                channel.close()
            output = _read_head(output_path, self.limits.max_output_kb * 1024)
            shutil.rmtree(workdir, ignore_errors=True)
            output_path.unlink(missing_ok=True)
        return finish(result, prepared, output=output, duration_s=round(time.perf_counter() - start, 6))


class SandboxChannel:
    """Requests to one submission's confined process; (re)starts it on demand, kills it on any trouble.

    With a `plan` (see `planning`), the first planned call sends the whole plan; the process then
    answers every planned call in order, and each request reads its answer from the stream (answers
    of calls a test no longer asks for are kept aside). A request the plan does not have, or any
    trouble with an answer it did not ask for, ends the plan: from there on, one call at a time.
    """

    def __init__(self, sandbox: Sandbox, spawn: dict, output_path: Path, deadline: float, plan: Plan | None = None):
        self._sandbox, self._spawn, self._output_path, self._deadline = sandbox, spawn, output_path, deadline
        self._sock: socket.socket | None = None
        self._reader: _FrameReader | None = None
        self._pid = 0
        self._plan, self._sent, self._next = plan, False, 0
        self._spare: dict[bytes, list[dict]] = {}  # answers read ahead that no test has asked for yet

    def _start(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_fd = os.open(self._output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            self._pid = self._sandbox._ask(self._spawn, fds=[theirs.fileno(), out_fd])["pid"]
        finally:
            theirs.close()
            os.close(out_fd)
        self._sock = mine
        self._reader = _FrameReader(mine, self._sandbox.limits.max_reply_mb * 2**20)

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        what = f"`{message['name']}`" if "name" in message else "importing your file"
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise SubmissionTimeout(f"{what} was not run: the submission used up its total time limit")
        frame = frame or wire.dumps(message)
        if self._spare.get(frame):
            return self._spare[frame].pop(0)
        if self._plan is not None and (self._sent or message.get("op") != "functions"):
            reply = self._from_plan(frame, what)
            if reply is not None:
                return reply
        timeout = min(self._sandbox.limits.call_timeout_s, remaining)
        if self._sock is None:
            self._start()
        end = time.monotonic() + timeout  # for the whole reply: a trickle of bytes must not extend it
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(frame)
        except OSError:
            pass  # the process is gone, or not reading: reading the answer says which
        return self._read(what, end, timeout)

    def _from_plan(self, frame: bytes, what: str) -> dict | None:
        """The answer to `frame` from the plan's stream; None when the plan cannot give it (then it is over)."""
        plan = self._plan
        target = next((i for i in plan.positions.get(frame, ()) if i >= self._next), None)
        if self._sock is None:
            self._start()
        if not self._sent:
            self._sent, self._last = True, time.monotonic()
            try:
                self._sock.sendall(plan.message)
            except OSError:
                pass
        try:
            while self._next < (len(plan) if target is None else target):
                skipped = plan.frames[self._next]
                self._spare.setdefault(skipped, []).append(self._read_planned("a call sent ahead"))
        except (SubmissionTimeout, SubmissionCrashed):
            self._plan = None  # closed by _read: this request runs again, alone, in a fresh process
            return None
        if target is None:
            self._plan = None  # every planned answer is read: the process waits for the next request
            return None
        try:
            return self._read_planned(what)
        finally:
            if self._sock is None or self._next == len(plan):
                self._plan = None

    def _read_planned(self, what: str) -> dict:
        """The next planned answer: each gets the call time limit from when the one before it arrived."""
        start = max(time.monotonic(), self._last)
        end = min(self._deadline, start + self._sandbox.limits.call_timeout_s)
        reply = self._read(what, end, end - start)
        self._next += 1
        self._last = time.monotonic()
        return reply

    def _read(self, what: str, end: float, limit_s: float) -> dict:
        """The next answer on the channel, by the monotonic time `end`; the process is killed on any trouble."""
        try:
            body = self._reader.read(end)
        except _TooBig:
            self.close()
            raise SubmissionCrashed(f"{what} sent back more than {self._sandbox.limits.max_reply_mb} MB") from None
        except socket.timeout:
            self.close()
            raise SubmissionTimeout(f"{what} did not finish within {limit_s:.3g} s") from None
        except (EOFError, ConnectionError, OSError):
            self.close()
            raise SubmissionCrashed(f"the process running your code ended during {what} "
                                    "(os._exit, a crash, or the CPU or memory limit)") from None
        try:
            return wire.loads(body)
        except ValueError as exc:  # WireError, and what json itself raises (an integer of 5000 digits)
            self.close()
            raise SubmissionCrashed(f"{what} sent back malformed data ({exc})") from None

    def close(self) -> None:
        """Kill the process group and everything of the slot's user; safe to call twice."""
        if self._sock is None:
            return
        self._sock.close()
        self._sock = self._reader = None
        self._plan = None  # a new process starts without it: one call at a time
        try:
            self._sandbox._ask({"op": "kill", "pid": self._pid, "uid": self._spawn["uid"]})
        except (OSError, AutograderError):
            pass


class _TooBig(Exception):
    pass


class _FrameReader:
    """Length-prefixed frames from a socket, read in large chunks (answers sent ahead arrive back to back)."""

    def __init__(self, sock: socket.socket, max_size: int):
        self.sock, self.max_size = sock, max_size
        self.buffer = bytearray()

    def read(self, end: float) -> bytes:
        """One frame's body by the monotonic time `end` (`socket.timeout` otherwise, `EOFError` at the end)."""
        size = None
        while True:
            if size is None and len(self.buffer) >= wire.HEADER.size:
                (size,) = wire.HEADER.unpack_from(self.buffer)
                if size > self.max_size:
                    raise _TooBig()
            if size is not None and len(self.buffer) >= wire.HEADER.size + size:
                body = bytes(self.buffer[wire.HEADER.size:wire.HEADER.size + size])
                del self.buffer[:wire.HEADER.size + size]
                return body
            left = end - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            self.sock.settimeout(left)
            want = 1 << 16 if size is None else max(1 << 16, wire.HEADER.size + size - len(self.buffer))
            chunk = self.sock.recv(min(want, 1 << 22))
            if not chunk:
                raise EOFError
            self.buffer += chunk


@functools.lru_cache(maxsize=8)
def _installed_paths(modules: tuple[str, ...]) -> list[str]:
    """Where the forbidden modules are installed (package folders, module files): hidden in the student's root,
    so that a student who takes the import blocker out still finds nothing to import."""
    paths = []
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)  # locates a top-level module without importing it
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        paths += list(spec.submodule_search_locations or ()) or ([spec.origin] if spec.has_location else [])
    found = [p for p in paths if p and os.path.exists(p)]
    return sorted({*found, *(str(Path(p).resolve()) for p in found)})  # as bound (maybe via a link) and real


def _lock_uid_block() -> tuple[int, int]:
    """A block of user ids no other grading run on this machine uses: (lock fd, first uid).

    Each slot's processes run as their own uid, and cleanup kills every process
    of that uid: two runs sharing a uid would kill each other's students.
    """
    folder = Path(tempfile.gettempdir()) / "autograder-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    for block in range(UID_BLOCKS):
        fd = os.open(folder / f"{block}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd, UID_BASE + block * UID_BLOCK
    raise AutograderError(f"all {UID_BLOCKS} sandbox uid blocks are in use on this machine")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    """`size` bytes from the zygote's control socket (the students' channels go through `_FrameReader`)."""
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(min(size - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_head(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        return ""
    text = data[:limit].decode("utf-8", "replace")
    return text + ("\n[... output truncated ...]" if len(data) > limit else "")
