"""Kill the parent (the process that started this one), its group, init; attach a debugger to it; then
hand in garbage. In a PID namespace of its own the parent is not even visible (pid 0) and "init" is the
submission itself: those attempts are recorded as such, never sent to pid 0 (its own group)."""
import ctypes
import json
import os
import signal

PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
libc = ctypes.CDLL(None, use_errno=True)
parent, report = os.getppid(), {}
actions = [("kill parent", lambda: os.kill(parent, signal.SIGKILL)),
           ("kill parent's group", lambda: os.killpg(os.getpgid(parent), signal.SIGKILL)),
           ("stop parent", lambda: os.kill(parent, signal.SIGSTOP))]
if os.getpid() != 1:
    actions.append(("kill init", lambda: os.kill(1, signal.SIGKILL)))
else:
    report["kill init"] = "init is this process (a PID namespace of its own)"
for name, action in actions:
    if parent == 0:
        report[name] = "no parent visible (a PID namespace of its own)"
        continue
    try:
        action()
        report[name] = "DONE"
    except OSError as exc:
        report[name] = type(exc).__name__
for name, request in (("ptrace attach", PTRACE_ATTACH), ("ptrace seize", PTRACE_SEIZE)):
    if parent == 0:
        report[name] = "no parent visible (a PID namespace of its own)"
        continue
    result = libc.ptrace(request, parent, None, None)
    report[name] = "DONE" if result == 0 else os.strerror(ctypes.get_errno())
print("KILL " + json.dumps(report))


def square(x):
    return x + 1


def grad(x):
    return x - 1
