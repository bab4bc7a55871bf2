"""The grader's ends of the sandbox's sockets: a request and its answer (`Peer`, to the zygote and each keeper),
and the channel to one submission's process (`SandboxChannel`), with its calls sent ahead (see `planning`)."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.core.errors import CallTimeout, GraderFailed, SubmissionCrashed, SubmissionTimeout, TimeUsedUp
from autograder.isolation import wire

if TYPE_CHECKING:  # the sandbox opens channels; a channel asks its sandbox for its slot's keeper
    from autograder.isolation.sandbox import Sandbox

ASK_TIMEOUT_S = 60.0  # a keeper's or the zygote's answer (forking a warm torch process can take a while)
# What the messages of a call that ran out of time, was not run or lost its process say (after the call's
# name), and the mark where a submission's output was cut: the report's flags look for them.
LATE, NOT_RUN, ENDED = "did not finish", "not run", "the process running your code ended"
TRUNCATED = "[... output truncated ...]"


class Peer:
    """One end of the grader's talk with the zygote or a keeper: a request, then its answer."""

    def __init__(self, sock: socket.socket, pid: int = 0):
        self.sock, self.pid = sock, pid
        self.reader = wire.FrameReader(sock, 1 << 24)
        self.lock = threading.Lock()

    def ask(self, message: dict, fds: list[int] = (), timeout: float = ASK_TIMEOUT_S) -> dict:
        """The answer to `message`; `GraderFailed` if the peer is gone, silent or says it failed."""
        with self.lock:
            try:
                wire.send_message(self.sock, message, fds)
                return self.answer(timeout)
            except (OSError, wire.WireError) as exc:
                raise GraderFailed(f"the sandbox's {message.get('op')} failed: {type(exc).__name__}: {exc}") from None

    def answer(self, timeout: float = ASK_TIMEOUT_S) -> dict:
        reply = wire.recv_message(self.reader, time.monotonic() + timeout)
        if type(reply) is not dict:
            raise GraderFailed("a process of the sandbox ended")
        if "error" in reply:
            raise GraderFailed(f"the sandbox failed: {reply['error']}")
        return reply

    def close(self) -> None:
        self.sock.close()


class SandboxChannel:
    """Requests to one submission's confined process; (re)starts it on demand, kills it on any trouble.

    With a `plan` (see `planning`), the first planned call sends the whole plan; the process then
    answers every planned call in order, and each request reads its answer from the stream (answers
    of calls a test no longer asks for are kept aside). A request the plan does not have, or any
    trouble with an answer it did not ask for, ends the plan: from there on, one call at a time.
    """

    def __init__(self, sandbox: Sandbox, slot: int, spawn: dict, output_path: Path, deadline: float, plan=None):
        self._sandbox, self._slot, self._spawn = sandbox, slot, spawn
        self._output_path, self._deadline = output_path, deadline
        self.deadline, self.output = deadline, ""  # what it printed: set once it is closed
        self._sock: socket.socket | None = None
        self._reader: wire.FrameReader | None = None
        self._plan, self._sent, self._next = plan, False, 0
        self._spare: dict[bytes, list[dict]] = {}  # answers read ahead that no test has asked for yet

    def _start(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_fd = os.open(self._output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            self._sandbox.keeper(self._slot).ask(self._spawn, fds=[theirs.fileno(), out_fd])
        finally:
            theirs.close()
            os.close(out_fd)
        self._sock = mine
        self._reader = wire.FrameReader(mine, self._sandbox.limits.max_reply_mb * 2**20)

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        what = _what(message)
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeUsedUp(f"{NOT_RUN}: the time for all your tests together "
                             f"({self._sandbox.limits.submission_timeout_s:.3g} s) was used up")
        frame = frame or wire.dumps(message)
        if self._spare.get(frame):
            return self._spare[frame].pop(0)
        if self._plan is not None and (self._sent or message.get("op") != "functions"):
            reply = self._from_plan(frame, what)
            if reply is not None:
                return reply
        if self._sock is None:
            self._start()
        end = self._end(time.monotonic())  # for the whole reply: a trickle of bytes must not extend it
        try:
            self._sock.settimeout(max(0.001, end - time.monotonic()))
            self._sock.sendall(frame)
        except OSError:
            pass  # the process is gone, or not reading: reading the answer says which
        return self._read(what, end)

    def _end(self, start: float) -> float:
        """When an answer asked for at `start` is late: the call time limit later, or the submission's end."""
        return min(self._deadline, start + self._sandbox.limits.call_timeout_s)

    def _late(self, what: str, end: float) -> SubmissionTimeout:
        if end >= self._deadline:
            return SubmissionTimeout(f"{what} {LATE}: the time for all your tests together "
                                     f"({self._sandbox.limits.submission_timeout_s:.3g} s) was used up")
        return CallTimeout(f"{what} {LATE} within {self._sandbox.limits.call_timeout_s:.3g} s")

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
        reply = self._read(what, self._end(max(time.monotonic(), self._last)))
        self._next += 1
        self._last = time.monotonic()
        return reply

    def _read(self, what: str, end: float) -> dict:
        """The next answer on the channel, by the monotonic time `end`; the process is killed on any trouble.

        A process that ended is blamed on the submission only once its keeper confirms it is alive and has
        cleaned up: if the keeper is gone too, the grader failed (`GraderFailed`), not the student."""
        try:
            body = self._reader.read(end)
        except wire.FrameTooBig:
            self.close()
            raise SubmissionCrashed(f"{what} sent back more than {self._sandbox.limits.max_reply_mb} MB") from None
        except socket.timeout:
            self.close()
            raise self._late(what, end) from None
        except (EOFError, ConnectionError, OSError):
            self.close()
            raise SubmissionCrashed(f"{ENDED} during {what} "
                                    "(os._exit, a crash, or the CPU or memory limit)") from None
        try:
            return wire.loads(body)
        except ValueError as exc:  # WireError, and what json itself raises (an integer of 5000 digits)
            self.close()
            raise SubmissionCrashed(f"{what} sent back malformed data ({exc})") from None

    def close(self, quiet: bool = False) -> None:
        """Have the keeper end the process and everything it started; safe to call twice. `GraderFailed` if
        the keeper is gone (unless `quiet`: the results are in, and the next use starts a new keeper)."""
        if self._sock is None:
            return
        self._sock.close()
        self._sock = self._reader = None
        self._plan = None  # a new process starts without it: one call at a time
        try:
            self._sandbox.keeper(self._slot).ask({"op": "kill"})
        except GraderFailed:
            if not quiet:
                raise
            self._sandbox._keepers.pop(self._slot, None)


def _what(message: dict) -> str:
    """What a request runs, in the student's words: their function, their code (for a probe), their file."""
    if message.get("op") == "call":
        return f"`{message.get('name')}`"
    return "your code (as this test uses it)" if message.get("op") == "probe" else "importing your file"


def read_head(path: Path, limit: int) -> str:
    """What a submission printed: at most `limit` bytes of its output file, and a mark where it was cut."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        return ""
    text = data[:limit].decode("utf-8", "replace")
    return text + (f"\n{TRUNCATED}" if len(data) > limit else "")
