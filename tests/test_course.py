"""The course as a whole, through the real sandbox: full marks for each reference, zero for each template,
and zero for submissions that only return garbage (no test may pass on work that was not done)."""
import re
import shutil

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.core.course import list_assignments
from autograder.grading.collect import PUBLIC, collect
from autograder.grading.one import grade_one
from autograder.grading.protocol import InProcess
from autograder.grading.submissions import read_entry
from autograder.isolation.sandbox import Limits, Sandbox, _installed_paths

LIMITS = Limits(call_timeout_s=10, submission_timeout_s=60, cpu_s=60)
GARBAGE = {  # a module __getattr__ answers for every name, probes' classes included
    "zero_returns_zero": "def __getattr__(name):\n    return lambda *args, **kwargs: 0.0\n",
    "zero_returns_none": "def __getattr__(name):\n    return lambda *args, **kwargs: None\n",
    "zero_echoes_first_argument": "def __getattr__(name):\n    return lambda *args, **kwargs: args[0] if args else None\n",
    "zero_returns_empty_dict": "def __getattr__(name):\n    return lambda *args, **kwargs: {}\n",
}


@pytest.mark.parametrize("assignment", list_assignments(), ids=lambda a: a.name)
def test_reference_full_template_zero_garbage_zero(assignment, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copytree(assignment.reference_dir, subs / "full_reference")
    shutil.copytree(assignment.template_dir, subs / "zero_template")
    for sid, text in GARBAGE.items():
        (subs / f"{sid}.py").write_text(text)
    reference = (assignment.reference_dir / assignment.files[0]).read_text()
    for module in assignment.forbid_imports:
        (subs / f"zero_imports_{module}.py").write_text(f"import {module}\n{reference}")
    batch = grade_batch(assignment.name, subs, tmp_path / "out", limits=LIMITS)
    grades = pd.read_csv(tmp_path / "out" / "grades.csv").set_index("student_id")
    assert grades.loc["full_reference", "score"] == assignment.max_score, batch.results[0]
    assert (grades.loc["full_reference", "status"], grades.loc["zero_template", "status"]) == ("graded", "graded")
    earned = {sid: {t: grades.loc[sid, t] for t in assignment.points if grades.loc[sid, t] > 0}
              for sid in ["zero_template", *GARBAGE]}
    assert earned == {sid: {} for sid in earned}, "tests that pass on work not done"
    for module in assignment.forbid_imports:
        row = grades.loc[f"zero_imports_{module}"]
        assert (row["status"], row["score"]) == ("forbidden_import", 0), module


FORBIDDEN = [(a, m) for a in list_assignments() for m in a.forbid_imports]


@pytest.mark.parametrize("assignment, module", FORBIDDEN, ids=[f"{a.name}-{m}" for a, m in FORBIDDEN])
@pytest.mark.parametrize("form", ["import {m}", "from {m} import grad", "import {m}.nn as nn",
                                  "x = __import__('{m}')", "import importlib\nx = importlib.import_module('{m}')"])
def test_forbidden_imports_are_refused_before_any_code_runs(assignment, module, form, tmp_path):
    entry = tmp_path / "entry"
    entry.mkdir()
    name = assignment.files[0]
    marker = tmp_path / "ran"
    (entry / name).write_text(f"open({str(marker)!r}, 'w').close()\n" + form.format(m=module) + "\n"
                              + (assignment.reference_dir / name).read_text())
    result = grade_one(assignment, collect(assignment, (PUBLIC,)), read_entry(assignment, "student", entry), InProcess())
    assert (result.status, result.score) == ("forbidden_import", 0)
    assert re.search(rf"{name}:[23] imports {module}\b", result.message) and "forbids" in result.message
    assert not marker.exists(), "the file ran before its forbidden import was refused"


BYPASS = '''
import importlib, json, sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_Blocker"]  # take the blocker out
for name in [m for m in list(sys.modules) if m.split(".")[0] == {m!r}]:
    del sys.modules[name]
try:
    importlib.import_module("".join({parts!r}))  # no literal name for the static check to see
    print("BYPASS " + json.dumps("IMPORTED"))
except BaseException as exc:
    print("BYPASS " + json.dumps(type(exc).__name__ + ": " + str(exc)))
'''


INSTALLED = [(a, m) for a, m in FORBIDDEN if _installed_paths((m,))]  # torch, here: the others are not installed


@pytest.mark.parametrize("assignment, module", INSTALLED, ids=[f"{a.name}-{m}" for a, m in INSTALLED])
def test_a_forbidden_module_cannot_be_imported_even_without_the_blocker(assignment, module, tmp_path):
    """The import blocker can be removed by the student's code; the module's files are not there either."""
    entry = tmp_path / "entry"
    entry.mkdir()
    name = assignment.files[0]
    (entry / name).write_text(BYPASS.format(m=module, parts=list(module)) + (assignment.reference_dir / name).read_text())
    with Sandbox(LIMITS, isolate=True, course_root=assignment.course_root, torch=False) as sandbox:
        result = grade_one(assignment, collect(assignment, (PUBLIC,)), read_entry(assignment, "student", entry), sandbox)
    line = [x for x in result.output.splitlines() if x.startswith("BYPASS ")]
    assert line == ['BYPASS "ImportError: this module is not available in this assignment (it forbids it)"'], \
        result.output[:2000]
