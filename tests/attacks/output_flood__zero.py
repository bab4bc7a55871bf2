"""Print gigabytes (stdout, stderr and the raw descriptors), then hand in garbage."""
import os
import sys

chunk = "x" * 2**20 + "\n"
for _ in range(512):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.write(chunk)
        except OSError:
            pass
for _ in range(2048):
    for fd in (1, 2):
        try:
            os.write(fd, chunk.encode())
        except OSError:
            pass


def square(x):
    print("y" * 10**7)
    return x


def grad(x):
    return x
