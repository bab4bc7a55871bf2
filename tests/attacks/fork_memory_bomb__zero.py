"""Seven processes of 150 MB each: every one under its own memory limit, together far more than one
submission may hold. Each child says when all its pages are resident; once none is still getting there,
those still alive are what the submission holds within its bound (a control group, or the keeper's watch)."""
import json
import os
import select
import time

BLOCK, CHILDREN = 150 * 2**20, 7


def square(x):
    read_end, write_end = os.pipe()
    children = []
    for _ in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(BLOCK)
                for page in range(0, BLOCK, 4096):  # every page touched: resident
                    block[page] = 1
                os.write(write_end, b"+")
                time.sleep(30)
            finally:
                os._exit(0)
        children.append(pid)
    os.close(write_end)
    complete, end = 0, time.monotonic() + 1.2
    while time.monotonic() < end:  # until no child is still getting there (or time is up)
        ready, _, _ = select.select([read_end], [], [], min(0.3, max(0.0, end - time.monotonic())))
        chunk = os.read(read_end, 64) if ready else b""
        if not chunk:
            break
        complete += len(chunk)
    # What they hold together now: the children that got all their pages and are still alive.
    alive = [pid for pid in children if os.waitpid(pid, os.WNOHANG) == (0, 0)]
    held = min(complete, len(alive)) * BLOCK // 2**20
    print("FORKMEM " + json.dumps({"forked": len(children), "complete": complete, "held_mb": held}), flush=True)
    return x + 1


def grad(x):
    return x - 1
