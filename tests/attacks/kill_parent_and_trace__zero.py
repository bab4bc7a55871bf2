"""Kill the parent (the warm zygote), its group, init; attach a debugger to it; then hand in garbage."""
import ctypes
import json
import os
import signal

PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
libc = ctypes.CDLL(None, use_errno=True)
parent, report = os.getppid(), {}
for name, action in (("kill parent", lambda: os.kill(parent, signal.SIGKILL)),
                     ("kill parent's group", lambda: os.killpg(os.getpgid(parent), signal.SIGKILL)),
                     ("kill init", lambda: os.kill(1, signal.SIGKILL)),
                     ("stop parent", lambda: os.kill(parent, signal.SIGSTOP))):
    try:
        action()
        report[name] = "DONE"
    except OSError as exc:
        report[name] = type(exc).__name__
for name, request in (("ptrace attach", PTRACE_ATTACH), ("ptrace seize", PTRACE_SEIZE)):
    result = libc.ptrace(request, parent, None, None)
    report[name] = "DONE" if result == 0 else os.strerror(ctypes.get_errno())
print("KILL " + json.dumps(report))


def square(x):
    return x + 1


def grad(x):
    return x - 1
