"""A double-forked, setsid daemon that would keep running for a minute after the grader is done."""
import os
import time

first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(64):
            try:
                os.close(fd)
            except OSError:
                pass
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(0.05)
    os._exit(0)
os.waitpid(first, 0)


def square(x):
    return x + 1


def grad(x):
    return x - 1
