"""os.kill(-1, SIGKILL): every process this user may signal, at import (beside two helpers of its own, so that
there is something to hit) and again in a call."""
import os
import signal
import time

helpers = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    helpers.append(pid)
try:
    os.kill(-1, signal.SIGKILL)
except OSError as exc:  # ESRCH: nothing this process may signal
    print(f"kill(-1): {type(exc).__name__}")
print("KILLED -1 and still here")


def square(x):
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    return x + 1


def grad(x):
    return x - 1
