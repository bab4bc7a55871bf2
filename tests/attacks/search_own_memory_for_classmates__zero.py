"""Search this process's own memory (its heap, and everything it inherited from the processes it was forked
from) for the code of classmates graded before it, e.g. a notebook's cells that once passed through a warm
parent: any text marked CLASSMATE-CODE-<id>-END that is not this submission's own."""
import ctypes
import json
import os
import re

libc = ctypes.CDLL(None, use_errno=True)


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def read(address, size):
    """`size` bytes of this process's memory at `address`, or None where nothing is mapped (no crash)."""
    buffer = ctypes.create_string_buffer(size)
    local, remote = IOVec(ctypes.cast(buffer, ctypes.c_void_p), size), IOVec(address, size)
    got = libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    return buffer.raw[:got] if got > 0 else None


PREFIX = ("CLASSMATE" + "-CODE-").encode()
pattern = re.compile(re.escape(PREFIX) + rb"([a-z0-9_]+)-END")
libc.sbrk.restype = ctypes.c_void_p
hits, scanned, chunk = set(), 0, 1 << 20
top = libc.sbrk(0) // chunk * chunk  # the end of the heap; walk down until nothing is mapped
for start in (top, id(PREFIX) // chunk * chunk):  # the heap, and the region Python's objects live in
    address = start
    while scanned < 2048 * chunk and address > 0:
        data = read(address, chunk)
        if data is None:
            break
        hits.update(m.decode() for m in pattern.findall(data) if m != b"search_own_memory_for_classmates__zero")
        scanned += len(data)
        address -= chunk
print("MEMORY-SCAN " + json.dumps({"hits": sorted(hits), "scanned_mb": scanned >> 20}))


def square(x):
    return x + 1


def grad(x):
    return x - 1
