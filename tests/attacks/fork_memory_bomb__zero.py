"""Seven processes of 150 MB each: every one under its own memory limit, together far more than one
submission may hold (the slot's memory control group stops them; the count says how many got there)."""
import json
import os
import time

BLOCK = 150 * 2**20


def square(x):
    children = []
    for _ in range(7):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(BLOCK)
                block[::4096] = b"\x01" * len(range(0, BLOCK, 4096))  # every page touched: resident
                time.sleep(30)
            finally:
                os._exit(0)
        children.append(pid)
    time.sleep(1.5)  # each has its 150 MB by now, or was killed for it
    alive = [pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)]
    print("FORKMEM " + json.dumps({"held_mb": len(alive) * BLOCK // 2**20}), flush=True)
    return x + 1


def grad(x):
    return x - 1
