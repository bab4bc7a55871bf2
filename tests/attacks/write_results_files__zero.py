"""Write forged results wherever a grader might look: cwd, .., /, /tmp, the out folder, the course, $HOME, argv."""
import json
import os
import sys

TAG, OUT, COURSE, SUBMISSIONS = "__TAG__", "__OUT__", "__COURSE__", "__SUBMISSIONS__"
fake = {"student_id": "write_results_files__zero", "score": 5.0, "max_score": 5.0, "status": "graded",
        "outcomes": [], "digest": "", "tests_key": ""}
folders = [os.getcwd(), "..", "/", "/tmp", OUT, f"{OUT}/.results", f"{OUT}/feedback", COURSE, SUBMISSIONS,
           os.path.expanduser("~"), *[os.path.dirname(a) for a in sys.argv if a.startswith("/")],
           *[v for v in os.environ.values() if v.startswith("/") and os.path.isdir(v)]]
wrote = []
for folder in folders:
    for name in (f"{TAG}.json", f"{TAG}.csv", f"{TAG}.md"):
        path = os.path.join(folder, name)
        try:
            with open(path, "w") as f:
                json.dump(fake, f)
            wrote.append(os.path.abspath(path))
        except OSError:
            pass
for name in ("results.json", "grades.csv", "report.json"):  # in our own folder: harmless, and ignored
    with open(name, "w") as f:
        json.dump(fake, f)
print("WROTE " + json.dumps(wrote))


def square(x):
    return x + 1


def grad(x):
    return x - 1
