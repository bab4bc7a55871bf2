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


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _spawn(request: dict, fds: list[int]) -> int:
    child.probes_code(request["load"].get("probes") or "")  # compiled once, here: every child inherits it
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


def _kill(request: dict, children: set[int]) -> None:
    pid = request["pid"]
    if pid in children:  # never signal a pid we no longer own: it may have been reused
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    uid = request.get("uid")
    if uid:  # what escaped the process group: every process of the slot's own user
        sweeper = os.fork()
        if sweeper == 0:
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                for _ in range(50):
                    os.kill(-1, signal.SIGKILL)
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
    uids: set[int] = set()
    _reply(ctrl, {"ready": True, "pid": os.getpid(), "paths": [p for p in sys.path if p]})
    try:
        _serve(ctrl, children, uids)
    except (OSError, ValueError):  # the grader is gone (or spoke nonsense): clean up and leave
        pass
    for pid in list(children):  # leave nothing of any student behind
        _kill({"pid": pid}, children)
    for uid in uids:
        _kill({"pid": 0, "uid": uid}, set())
    here = os.getcwd()  # the sandbox's folder: if the grader was killed, nobody else will remove it
    if os.path.basename(here).startswith("autograder-"):
        shutil.rmtree(here, ignore_errors=True)
    os._exit(0)  # nothing is buffered; the interpreter's teardown of torch would cost the grader about 1 s


def _serve(ctrl: socket.socket, children: set[int], uids: set[int]) -> None:
    while True:
        request, fds = _recv_request(ctrl)
        if request is None:
            return
        _reap()
        try:
            if request["op"] == "spawn":
                pid = _spawn(request, fds)
                children.add(pid)
                if request.get("uid"):
                    uids.add(request["uid"])
                _reply(ctrl, {"pid": pid})
            elif request["op"] == "kill":
                _kill(request, children)
                children.discard(request["pid"])
                _reply(ctrl, {"killed": True})
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
