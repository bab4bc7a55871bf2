"""The warm process that every slot's keeper, and so every student process, is forked from.

Started once per grading run, fresh (`python -I -m autograder.isolation.zygote FD`), it
imports NumPy and torch and the small serving code (`child`, `keeper`,
`confine`, `wire`) and nothing else: no test, no reference, no expected
value, and never any submission's content. The grader asks it for one
keeper per slot (a socket of the grader's own rides on the request); the
keeper then serves that slot's submissions (see `keeper`).

    {"op": "hello"}                      -> {"ready": true, "pid": ..., "paths": [...]}  (sent unasked)
    {"op": "keeper", "config": {...}}    -> {"pid": ...}   + 1 fd: the keeper's socket
"""
from __future__ import annotations

import gc
import importlib
import os
import shutil
import signal
import socket
import sys

from autograder.isolation import child, confine, keeper, wire  # noqa: F401  (the serving code, warm too)

NO_TORCH = "--no-torch"


def _reap(children: set[int]) -> None:
    """Collect every ended child (a keeper's first process)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def _new_keeper(config: dict, fds: list[int]) -> int:
    (fd,) = fds
    # Everything alive now goes to the collector's permanent generation: the children's collections then
    # walk only what they make (not this heap, which would also copy its pages on write).
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # never returns
        keeper.start(config, socket.socket(fileno=fd))
    os.close(fd)
    return pid


def _warm_up(options: list[str]) -> None:
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


def main() -> None:
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    _warm_up(sys.argv[2:])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    children: set[int] = set()
    wire.send_message(ctrl, {"ready": True, "pid": os.getpid(), "paths": [p for p in sys.path if p]})
    reader = wire.FrameReader(ctrl, 1 << 24, max_fds=1)
    try:
        while True:
            request = wire.recv_message(reader)
            if request is None:
                break
            _reap(children)
            fds = reader.take_fds()
            if request.get("op") == "keeper" and len(fds) == 1:
                pid = _new_keeper(request["config"], fds)
                children.add(pid)
                wire.send_message(ctrl, {"pid": pid})
            else:
                for fd in fds:
                    os.close(fd)
                wire.send_message(ctrl, {"error": f"unknown request {request.get('op')!r}"})
    except (OSError, ValueError):  # the grader is gone (or spoke nonsense): leave
        pass
    # Keepers end when the grader closes their sockets (or dies): wait for them, then tidy up.
    for pid in list(children):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    here = os.getcwd()  # the sandbox's folder: if the grader was killed, nobody else will remove it
    if os.path.basename(here).startswith("autograder-"):
        shutil.rmtree(here, ignore_errors=True)
    os._exit(0)  # nothing is buffered; the interpreter's teardown of torch would cost the grader about 1 s


if __name__ == "__main__":
    main()
