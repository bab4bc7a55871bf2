"""Write 8 MB files (the largest allowed) into the work folder and /tmp until a write fails (or far past any
limit: then the limit did not hold), within a generous time."""
import json
import os
import time

TAG = "__TAG__"
block = b"\0" * (8 * 2**20)
report = {}
for label, folder, most_mb in (("workdir", os.getcwd(), 160), ("/tmp", "/tmp", 160)):
    written, error, end = 0, "", time.monotonic() + 0.9
    while 8 * written < most_mb and time.monotonic() < end and not error:
        try:
            with open(os.path.join(folder, f"{TAG}-{written}.bin"), "wb") as f:
                f.write(block)
            written += 1
        except OSError as exc:
            error = type(exc).__name__
    report[label] = {"written_mb": 8 * written, "error": error, "out_of_time": not error and 8 * written < most_mb}
print("FILL " + json.dumps(report))


def square(x):
    return x + 1


def grad(x):
    return x - 1
