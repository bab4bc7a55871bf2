"""Close every inherited descriptor while being imported, channel included."""
import os

for fd in range(3, 64):
    try:
        os.close(fd)
    except OSError:
        pass


def square(x):
    return x * x


def grad(x):
    return 3 * x ** 2
