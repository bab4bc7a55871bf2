"""The warm process that every student process is forked from.

Started once per grading run, fresh (`python -I -m autograder.zygote FD`), it
imports NumPy and torch and the small serving code (`child`, `wire`) and
nothing else: no test, no reference, no expected value, no other student.
For each submission the grader sends a request over the control socket
with two file descriptors (the channel and the output file); the zygote
forks, and the child confines itself (`confine`) and serves the tests'
calls until the channel closes. The zygote also kills, on request, what a
finished submission left behind.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import shutil
import signal
import socket
import sys

from . import child, confine, wire  # the serving code, warm too; wire also frames the control messages

HEADER = wire.HEADER
NO_TORCH = "--no-torch"


def _recv_request(ctrl: socket.socket):
    header, fds, _, _ = socket.recv_fds(ctrl, HEADER.size, 2)
    if len(header) < HEADER.size:
        return None, []
    (size,) = HEADER.unpack(header)
    body = b""
    while len(body) < size:
        chunk = ctrl.recv(size - len(body))
        if not chunk:
            return None, fds
        body += chunk
    return json.loads(body), fds


def _reply(ctrl: socket.socket, message: dict) -> None:
    ctrl.sendall(wire.dumps(message))


def _reap(sweepers: dict) -> None:
    """Collect every ended child; a sweeper that ended is forgotten (its pid may be reused from now on)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        for sweeper in sweepers.values():
            if sweeper.pid == pid:
                sweeper.pid = 0


def _spawn(request: dict, fds: list[int]) -> int:
    child.probes_code(request["load"].get("probes") or "")  # compiled once, here: every child inherits it
    # Everything alive now goes to the collector's permanent generation: the child's collections then
    # walk only what the child makes (not the zygote's heap, which would also copy its pages on write).
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the student's process: never returns
        code = 70
        try:
            chan_fd, out_fd = fds
            confine.enter(request, chan_fd, out_fd)
            child.serve(chan_fd, request["workdir_inside"], request["load"])
            code = 0
        except BaseException as exc:  # noqa: BLE001 (nothing may escape into the zygote's loop)
            code = 71
            try:
                os.write(2, f"autograder: the process serving your code failed: {type(exc).__name__}: {exc}\n".encode())
            except OSError:
                pass
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    return pid


def _kill(request: dict, children: set[int], sweepers: dict) -> None:
    pid = request["pid"]
    if pid in children:  # never signal a pid we no longer own: it may have been reused
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    uid = request.get("uid")
    if uid:  # what escaped the process group: every process of the slot's own user
        if uid not in sweepers:
            sweepers[uid] = _Sweeper(uid)
        sweepers[uid].sweep()


def _kill_all_of_my_user() -> None:
    """kill(-1) as the slot's user: every process of that user but this one, until none is left (at most 50 rounds)."""
    for _ in range(50):
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:  # ESRCH: none left
            return


class _Sweeper:
    """A process of one slot's user that kills every other process of that user when asked.

    Forking a sweeper for every submission cost the zygote a fork each time; this one is forked once per
    slot. It keeps no descriptor but its socket and is not dumpable. A student (same user) may kill or
    stop it: then the zygote kills it, starts another, and as a last resort sweeps with a fresh fork.
    """

    TIMEOUT_S = 2.0

    def __init__(self, uid: int):
        self.uid, self.pid, self.sock = uid, 0, None

    def _start(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                confine.become_sweeper(self.uid, theirs.fileno())
                while theirs.recv(1):
                    _kill_all_of_my_user()
                    theirs.sendall(b"k")
            except BaseException:  # noqa: BLE001 (the zygote sees the socket close and sweeps another way)
                pass
            os._exit(0)
        theirs.close()
        mine.settimeout(self.TIMEOUT_S)
        self.pid, self.sock = pid, mine

    def sweep(self) -> None:
        for _ in range(2):
            if self.sock is None or not self.pid:
                self.stop()
                self._start()
            try:
                self.sock.sendall(b"k")
                if self.sock.recv(1) == b"k":
                    return
            except OSError:
                pass
            self.stop()
        _sweep_by_fork(self.uid)

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.pid:  # not reaped yet (only the zygote reaps): the pid is still this sweeper's
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = 0


def _sweep_by_fork(uid: int) -> None:
    sweeper = os.fork()
    if sweeper == 0:
        try:
            confine.drop_privileges(uid)
            _kill_all_of_my_user()
        except OSError:
            pass
        os._exit(0)
    os.waitpid(sweeper, 0)


def main() -> None:
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    options = sys.argv[2:]
    import numpy  # noqa: F401  (warm: paid once, not per submission)
    import numpy.random  # noqa: F401  (NumPy loads it lazily: about 10 ms in every child otherwise)
    # An assignment that forbids torch gets a zygote without it: its children would only delete it from
    # sys.modules again, and a small zygote starts in 0.1 s instead of 2 s and forks and exits faster.
    if NO_TORCH not in options:
        import torch

        torch.set_num_threads(1)
        x = torch.ones(3, dtype=torch.float64, requires_grad=True)
        (x * x).sum().backward()  # page in autograd
        # torch.optim imports torch._dynamo on first use (about 1 s): pay it here, once, not in every child.
        torch.optim.SGD([x], lr=0.1).step()
        torch.nn.Linear(2, 2)
    for name in options:  # e.g. matplotlib.pyplot for notebooks: its font cache is built once, here
        if name != NO_TORCH:
            importlib.import_module(name)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    children: set[int] = set()
    sweepers: dict[int, _Sweeper] = {}
    _reply(ctrl, {"ready": True, "pid": os.getpid(), "paths": [p for p in sys.path if p]})
    try:
        _serve(ctrl, children, sweepers)
    except (OSError, ValueError):  # the grader is gone (or spoke nonsense): clean up and leave
        pass
    for pid in list(children):  # leave nothing of any student behind
        _kill({"pid": pid}, children, sweepers)
    for uid in list(sweepers):
        _kill({"pid": 0, "uid": uid}, set(), sweepers)
        sweepers[uid].stop()
    here = os.getcwd()  # the sandbox's folder: if the grader was killed, nobody else will remove it
    if os.path.basename(here).startswith("autograder-"):
        shutil.rmtree(here, ignore_errors=True)
    os._exit(0)  # nothing is buffered; the interpreter's teardown of torch would cost the grader about 1 s


def _serve(ctrl: socket.socket, children: set[int], sweepers: dict) -> None:
    while True:
        request, fds = _recv_request(ctrl)
        if request is None:
            return
        _reap(sweepers)
        try:
            if request["op"] == "spawn":
                pid = _spawn(request, fds)
                children.add(pid)
                if request.get("uid") and request["uid"] not in sweepers:
                    sweepers[request["uid"]] = _Sweeper(request["uid"])  # started at the first sweep
                _reply(ctrl, {"pid": pid})
            elif request["op"] == "kill":
                _kill(request, children, sweepers)
                children.discard(request["pid"])
                sweeper = sweepers.get(request.get("uid"))
                _reply(ctrl, {"killed": True, "sweeper": sweeper.pid if sweeper else 0})
            elif request["op"] == "probe":
                _reply(ctrl, {"result": confine.probe(request)})
        except Exception as exc:  # report, keep serving
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            _reply(ctrl, {"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
