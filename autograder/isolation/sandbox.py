"""Isolation, owned in one place: a warm zygote, a keeper per slot, one confined process per submission.

    with Sandbox(limits, jobs=2) as sandbox:
        with sandbox.channel(files, load_request, slot=0) as channel:
            reply = channel.request({"op": "functions"})

The sandbox only opens channels: the tests run in the grader (`grading.one`), each submission's code in
a process forked by its slot's keeper (see `zygote`, `keeper`, `confine`), reached through a
`SandboxChannel`. Which backend this machine allows is probed at start-up, not guessed from the user
id; where only partial isolation is possible the sandbox refuses, unless told that the code is trusted
(`allow_partial`). Whatever happens in there (timeout, crash, flood, bomb), a channel's end leaves no
process and no file behind; a failure on the grader's own side (a keeper or the zygote ends) raises
`GraderFailed`, and `recover` starts again what ended.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
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
from typing import Iterator

from autograder.core.course import default_course_root
from autograder.core.errors import AutograderError, GraderFailed
from autograder.isolation import backends, cgroups, confine
from autograder.isolation.channel import ASK_TIMEOUT_S, Peer, SandboxChannel, read_head
from autograder.isolation.uids import UID_BLOCK, lock_uid_block

WORKDIR_INSIDE = "/submission"
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


class _Gate:
    """Submissions are graded side by side (shared); a submission graded again after a failure, alone."""

    def __init__(self):
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._owner = 0  # the thread that holds it exclusively: its own shared use passes through

    @contextlib.contextmanager
    def shared(self):
        if self._owner == threading.get_ident():
            yield
            return
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self):
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            self._cond.wait_for(lambda: self._shared == 0)
            self._owner = threading.get_ident()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive, self._owner = False, 0
                self._cond.notify_all()


class Sandbox:
    """A zygote, its keepers and the isolation this machine allows; use it as a context manager.

    `isolate`: None takes the strongest backend the machine allows, True demands full isolation,
    False turns the namespaces off (tests and trusted code). Without full isolation the sandbox
    refuses to start unless `allow_partial` (or `isolate=False`): then `warning` says what a
    submission can do.
    """

    def __init__(self, limits: Limits = Limits(), jobs: int = 1, isolate: bool | None = None,
                 course_root: Path | None = None, preload: tuple[str, ...] = (), torch: bool = True,
                 allow_partial: bool = False):
        if not 1 <= jobs <= UID_BLOCK:
            raise AutograderError(f"jobs must be between 1 and {UID_BLOCK}")
        self.limits, self.jobs, self.base_uid = limits, jobs, 0
        self.preload, self.torch = preload, torch  # torch False: the zygote does not hold it
        self.course_root = Path(course_root or default_course_root()).resolve()
        self._want_isolation, self.allow_partial = isolate, allow_partial
        self.backend = ""
        self.isolated = False
        self.warning = ""  # what a submission can do, when isolation is partial
        self.notes: list[str] = []  # for the instructor: how the limits hold here
        self.unavailable: dict[str, str] = {}  # backends tried and why they could not be used
        self._uid_lock: int | None = None
        self._ready = False
        self._counter = 0
        self._lock = threading.Lock()
        self._gate = _Gate()
        self._proc: subprocess.Popen | None = None
        self._zygote: Peer | None = None
        self._keepers: dict[int, Peer] = {}
        self._tmp: Path | None = None
        self._groups: cgroups.SlotGroups | None = None

    # -- life cycle ---------------------------------------------------------------------------------------------
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
        (self._tmp / "probe").mkdir(mode=0o755)
        if os.geteuid() == 0:
            self._uid_lock, self.base_uid = lock_uid_block()
        self._start_zygote()

    def _start_zygote(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(self._tmp / "mpl")}
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "autograder.isolation.zygote", str(child.fileno()), *self.preload,
             *(() if self.torch else ("--no-torch",))],
            pass_fds=[child.fileno()], cwd=self._tmp, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
        child.close()
        self._zygote = Peer(parent, self._proc.pid)
        self._zygote_ready = False

    def _await_zygote(self) -> None:
        if not self._zygote_ready:
            self._zygote_paths = self._zygote.answer(ASK_TIMEOUT_S).get("paths", [])
            self._zygote_ready = True

    def _await_ready(self) -> None:
        self._await_zygote()
        self._ready = True
        self._bind_paths = self._binds()
        self._choose_backend()

    def close(self) -> None:
        """Stop the keepers (each kills its submission's processes), the zygote, and remove every file made."""
        for keeper in self._keepers.values():
            keeper.close()
        self._keepers.clear()
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
        if self._proc is not None:
            if not self._ready:  # launched, never used: it has no keeper to wait for
                self._proc.kill()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._groups is not None:  # empty now: the keepers ended every process in them
            self._groups.remove()
            self._groups = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    # -- the backend ----------------------------------------------------------------------------------------------
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

    def _config(self, backend: str, slot: int, groups: bool = True) -> dict:
        """What a slot's keeper needs to know for the whole run (see `keeper`, `confine`)."""
        root_user = os.geteuid() == 0
        watch = not self._groups and groups
        return {"backend": backend, "slot_uid": self._slot_uid(slot),
                "become_uid": self._slot_uid(slot) if root_user and backend == confine.USER_NAMESPACES else None,
                "root_dir": str(self._tmp / "root"), "probe_dir": str(self._tmp / "probe"),
                "binds": self._bind_paths, "submounts": _submounts(self._bind_paths),
                "workdir_inside": WORKDIR_INSIDE if backend in confine.FULL else "",
                "cgroups": self._groups.procs_files(slot) if self._groups and groups else [],
                "limits": dataclasses.asdict(self.limits),
                "watch_mb": self.limits.memory_mb + cgroups.SLACK_MB if watch else 0}

    def _new_keeper(self, config: dict) -> Peer:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                pid = self._zygote.ask({"op": "keeper", "config": config}, fds=[theirs.fileno()])["pid"]
        finally:
            theirs.close()
        keeper = Peer(mine, pid)
        try:
            keeper.pid = keeper.answer()["pid"]  # its first word: ready (or why not)
        except GraderFailed:
            keeper.close()
            raise
        return keeper

    def _probe(self, backend: str) -> str:
        """'' if `backend` works here (a keeper of it confines one process), else why not."""
        try:
            keeper = self._new_keeper(self._config(backend, 0, groups=False))
        except GraderFailed as exc:
            return str(exc).removeprefix("the sandbox failed: ")
        try:
            return keeper.ask({"op": "probe"})["result"]
        except GraderFailed as exc:
            return str(exc)
        finally:
            keeper.close()

    def _choose_backend(self) -> None:
        root_user = os.geteuid() == 0
        partial = confine.UID_ONLY if root_user else confine.PROCESS_ONLY
        if self._want_isolation is False:
            self.backend = partial
        else:
            for backend in ((confine.ROOT_NAMESPACES,) if root_user else ()) + (confine.USER_NAMESPACES,):
                reason = self._probe(backend)
                if not reason:
                    self.backend = backend
                    break
                self.unavailable[backend] = reason
            else:
                self.backend = partial
                if self._want_isolation is True or not self.allow_partial:
                    raise AutograderError(backends.refusal(self.unavailable, os.geteuid()))
        self.isolated = self.backend in confine.FULL
        self.warning = "" if self.isolated else f"partial isolation ({self.backend}): {backends.partial_rights(self.backend)}"
        self._make_groups()

    def _make_groups(self) -> None:
        if self.backend == confine.PROCESS_ONLY:
            groups, why = None, "the submissions run as the grader's own user"
        else:
            groups, why = cgroups.make_slot_groups(f"autograder-{os.getpid()}-{self.base_uid}", self.jobs,
                                                   self.limits.memory_mb, self.limits.nproc)
        self._groups = groups
        bound = self.limits.memory_mb + cgroups.SLACK_MB
        if groups is None:
            self.notes.append(f"a submission's processes together are held to {bound} MB by a watch every "
                              f"few milliseconds, not by a control group ({why})")

    @property
    def label(self) -> str:
        """The backend and what it amounts to, for the summary, the report and each result."""
        return backends.label(self.backend)

    def keeper(self, slot: int) -> Peer:
        """The slot's keeper, started on first use."""
        keeper = self._keepers.get(slot)
        if keeper is None:
            keeper = self._keepers[slot] = self._new_keeper(self._config(self.backend, slot))
        return keeper

    # -- channels ---------------------------------------------------------------------------------------------
    @property
    def isolation(self) -> str:
        """The backend's name (see `confine`), recorded in each result."""
        return self.backend

    @contextlib.contextmanager
    def channel(self, files: dict[str, str], load: dict, slot: int = 0, plan=None) -> Iterator["SandboxChannel"]:
        """A channel to a new confined process for one submission, whose own folder holds `files` (all of its
        code that ever travels); `load` is its load request (see `child`), `plan` the calls to send ahead.
        On exit the process and everything it started are gone, and the channel's `output` holds what it
        printed. A failure on the grader's side raises `GraderFailed` (see `recover`)."""
        with self._gate.shared():
            with self._lock:
                self._counter += 1
                number = self._counter
            workdir = self._tmp / f"work-{slot}-{number}"
            output_path = self._tmp / f"out-{slot}-{number}.txt"
            channel = None
            try:
                self._write_workdir(workdir, files, slot)
                spawn = {"op": "spawn", "workdir": str(workdir), "load": load,
                         "hide": _installed_paths(tuple(load.get("forbid") or ())) if self.isolated else []}
                channel = SandboxChannel(self, slot, spawn, output_path,
                                         time.monotonic() + self.limits.submission_timeout_s, plan)
                yield channel
            finally:
                if channel is not None:
                    channel.close(quiet=True)
                    channel.output = read_head(output_path, self.limits.max_output_kb * 1024)
                shutil.rmtree(workdir, ignore_errors=True)
                output_path.unlink(missing_ok=True)

    def alone(self):
        """While it is held, no other submission is graded (a submission graded again after a failure)."""
        return self._gate.exclusive()

    def recover(self, slot: int) -> None:
        """After a failure on the grader's side: a new keeper for the slot (and a new zygote, if it ended)."""
        old = self._keepers.pop(slot, None)
        if old is not None:
            old.close()
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
                self._zygote.close()
                self._start_zygote()
                self._await_zygote()

    def _write_workdir(self, workdir: Path, files: dict[str, str], slot: int) -> None:
        workdir.mkdir(mode=0o700)
        for name, text in files.items():
            (workdir / name).write_text(text, "utf-8")
        uid = self._slot_uid(slot)
        if uid is not None:
            for path in (workdir, *workdir.iterdir()):
                os.chown(path, uid, uid)


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


@functools.lru_cache(maxsize=4)
def _mount_points() -> tuple[str, ...]:
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ()
    return tuple(line.split()[4].replace("\\040", " ") for line in lines if len(line.split()) > 4)


def _submounts(binds: list[str]) -> list[str]:
    """The mount points below the bound paths: each is made read-only too."""
    return sorted({m for m in _mount_points() for b in binds if m.startswith(b.rstrip("/") + "/")})


