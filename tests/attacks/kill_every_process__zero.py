"""os.kill(-1, SIGKILL): every process this user may signal, at import and again in a call."""
import os
import signal

os.kill(-1, signal.SIGKILL)
print("KILLED -1 and still here")


def square(x):
    os.kill(-1, signal.SIGKILL)
    return x + 1


def grad(x):
    return x - 1
