"""A setsid daemon, then SIGSTOP to every process this user may signal (a cleaner of the same user among
them, if there is one). The cleanup must still kill the daemon, and the next student be graded."""
import os
import signal
import time

first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(0.05)
    os._exit(0)
os.waitpid(first, 0)
for _ in range(3):
    try:
        os.kill(-1, signal.SIGSTOP)
    except OSError:
        pass


def square(x):
    return x + 1


def grad(x):
    return x - 1
