"""Seven processes of 150 MB each: every one under its own memory limit, together far more than one
submission may hold. Each child says when all its pages are resident; the count says how many got there
before the bound on the whole submission (a control group, or the keeper's watch) stopped them."""
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
    held, end = 0, time.monotonic() + 1.2
    while time.monotonic() < end:
        ready, _, _ = select.select([read_end], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            break
        chunk = os.read(read_end, 64)
        if not chunk:
            break  # every child has ended (or been killed)
        held += len(chunk)
    print("FORKMEM " + json.dumps({"forked": len(children), "held_mb": held * BLOCK // 2**20}), flush=True)
    return x + 1


def grad(x):
    return x - 1
