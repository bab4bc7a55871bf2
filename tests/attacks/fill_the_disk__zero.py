"""Write 8 MB files (the largest allowed) into the work folder and /tmp, as many as time allows."""
import json
import os
import time

TAG = "__TAG__"
block = b"\0" * (8 * 2**20)
report = {}
for label, folder, seconds in (("workdir", os.getcwd(), 1.0), ("/tmp", "/tmp", 0.4)):
    written, error, end = 0, "", time.monotonic() + seconds
    while time.monotonic() < end and not error:
        try:
            with open(os.path.join(folder, f"{TAG}-{written}.bin"), "wb") as f:
                f.write(block)
            written += 1
        except OSError as exc:
            error = type(exc).__name__
    report[label] = {"written_mb": 8 * written, "error": error}
print("FILL " + json.dumps(report))


def square(x):
    return x + 1


def grad(x):
    return x - 1
