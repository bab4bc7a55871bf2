"""Announce a reply, then send it one byte a second: a call must not outlast its time limit this way."""
import os
import stat
import time


def _channel():
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass


def _drip(seconds=30):
    fd = _channel()
    os.write(fd, (10_000).to_bytes(4, "big"))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        os.write(fd, b" ")
        time.sleep(0.5)
    os._exit(0)


def square(x):
    _drip()


def grad(x):
    _drip()
