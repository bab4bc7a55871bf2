"""Notebooks end to end: generated from the reference, graded like .py files, answers collected."""
import json
import shutil

import nbformat
import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.authoring.notebooks import notebook_texts
from autograder.core.course import get_assignment, list_assignments
from autograder.core.errors import AutograderError
from autograder.grading.notebooks import ANSWER_KEY, read_submitted
from autograder.isolation.sandbox import Limits

LIMITS = Limits(call_timeout_s=5, submission_timeout_s=20, cpu_s=20, memory_mb=1024)


def notebook(*cells, answers=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    for qid, text in (answers or {}).items():
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata[ANSWER_KEY] = qid
        nb.cells.append(cell)
    return nbformat.writes(nb)


def test_generated_notebook_is_valid_deterministic_and_complete(toy_course):
    a = get_assignment("toy")
    texts = notebook_texts(a)
    assert texts == notebook_texts(a)
    nb = nbformat.reads(texts["student_template/toy/toy.ipynb"], 4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[0] == "import numpy as np" and code[1].startswith("def square(x):")
    assert "raise NotImplementedError('return x squared, elementwise')" in code[1]
    answer_cells = [c for c in nb.cells if c.metadata.get(ANSWER_KEY)]
    assert [c.metadata[ANSWER_KEY] for c in answer_cells] == ["q1"]
    assert code[-1].endswith("check('toy')")  # no file name: it checks the notebook it runs in
    solved = nbformat.reads(texts["reference/toy/toy.ipynb"], 4)
    assert any("return x * x" in c.source for c in solved.cells)


def test_magics_failing_cells_plots_and_answers(toy_course, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    ref = (toy_course / "reference" / "toy" / "toy.py").read_text()
    (subs / "full_with_magics.ipynb").write_text(notebook(
        "%matplotlib inline\n!pip install numpy\nimport numpy as np", ref,
        "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.title('loss')\nplt.show()",
        "undefined_name + 1", "raise SystemExit(0)",
        answers={"q1": "Because squares are positive."}))
    (subs / "partial_cube_cell_fails.ipynb").write_text(notebook(
        "import numpy as np\ndef square(x):\n    return x * x", "1 / 0\ndef cube(x):\n    return x ** 3"))
    batch = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    rows = {r.student_id: r for r in batch.results}
    full = rows["full_with_magics"]
    assert full.status == "graded" and full.score == 4
    notes = "\n".join(full.extra["notes"])
    assert "skipped `%matplotlib inline`" in notes and "skipped `!pip install numpy`" in notes
    assert "notebook cell 4 `undefined_name + 1` raised NameError" in notes
    assert "notebook cell 5 `raise SystemExit(0)` raised SystemExit" in notes
    assert full.extra["answers"] == {"q1": "Because squares are positive."}
    assert rows["partial_cube_cell_fails"].score == 3  # the cube cell failed before defining cube
    feedback = (tmp_path / "out" / "feedback" / "full_with_magics.md").read_text()
    assert "Notes on your notebook" in feedback and "IPython magic or shell command" in feedback


@pytest.mark.parametrize("content, problem", [
    (b"{not json", "not a valid notebook: not JSON"),
    (json.dumps({"nbformat": 3, "worksheets": []}).encode(), "not an nbformat 4 notebook (nbformat: 3)"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_broken_notebooks_get_a_clear_status_and_the_batch_goes_on(toy_course, tmp_path, content, problem):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "broken.ipynb").write_bytes(content)
    shutil.copy(toy_course / "reference" / "toy" / "toy.ipynb", subs / "fine.ipynb")
    batch = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    rows = {r.student_id: r for r in batch.results}
    assert rows["broken"].status == "invalid" and problem in rows["broken"].message
    assert rows["fine"].score == 4


def test_a_notebook_with_huge_outputs_is_graded_without_them(toy_course, tmp_path):
    nb = nbformat.reads((toy_course / "reference" / "toy" / "toy.ipynb").read_text(), 4)
    blob = "A" * (200 << 20)  # 200 MB of base64 "image" in one output
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": blob})]
    path = tmp_path / "big.ipynb"
    path.write_text(nbformat.writes(nb, version=4))
    del blob
    read = read_submitted(path.read_bytes(), "big.ipynb")
    assert any("def square" in c for c in read.cells)
    assert sum(len(c) for c in read.cells) < 10_000


@pytest.mark.parametrize("assignment", list_assignments(), ids=lambda a: a.name)
def test_notebook_and_py_twins_score_the_same_on_every_test(assignment, tmp_path):
    """Reference notebook: full marks; template notebook: zero; .py and .ipynb: the same per test."""
    subs = tmp_path / "subs"
    stem = assignment.files[0].rsplit(".", 1)[0]
    for label, folder in (("ref", assignment.reference_dir), ("tpl", assignment.template_dir)):
        (subs / f"{label}_py").mkdir(parents=True)
        shutil.copy(folder / assignment.files[0], subs / f"{label}_py" / assignment.files[0])
        shutil.copy(folder / f"{stem}.ipynb", subs / f"{label}_nb.ipynb")
    batch = grade_batch(assignment.name, subs, tmp_path / "out", limits=LIMITS)
    grades = pd.read_csv(tmp_path / "out" / "grades.csv").set_index("student_id")
    tests = list(assignment.points)
    assert grades.loc["ref_nb", "score"] == assignment.max_score, batch.results
    assert grades.loc["tpl_nb", "score"] == 0
    pd.testing.assert_series_equal(grades.loc["ref_py", tests], grades.loc["ref_nb", tests], check_names=False)
    pd.testing.assert_series_equal(grades.loc["tpl_py", tests], grades.loc["tpl_nb", tests], check_names=False)


def test_self_check_from_a_notebook_cell_prints_what_the_command_prints(toy_course, capsys, monkeypatch):
    import autograder
    from autograder.reports.text import format_check

    folder = toy_course / "student_template" / "toy"
    monkeypatch.chdir(folder)  # Jupyter runs a notebook in its own folder
    checked = autograder.check("toy", "toy.ipynb")
    printed, result = capsys.readouterr().out, checked.result
    assert result.status == "graded" and result.score == 0
    assert repr(checked) == "<check of toy.ipynb: 0/1 public tests passed>"  # what a cell shows: one line
    assert "Checking toy.ipynb, saved at " in printed and format_check(result) in printed
    assert "FAIL  test_square_shape  (0/1)" in printed and "test_square_values" not in printed  # public only
    assert autograder.check() is not None  # no arguments: the one assignment file in the folder
    missing = autograder.check("toy", "nope.ipynb")
    assert missing is None and "no such file (save the notebook first)" in capsys.readouterr().out


def test_of_a_py_and_its_notebook_the_one_the_student_changed_is_graded(toy_course, tmp_path):
    """Worked in the notebook, the untouched .py left beside it (or the other way round): that work is graded, by
    `grade` and `check` alike, and the feedback says which file; both changed: never a silent pick."""
    from autograder import api

    template, reference = toy_course / "student_template" / "toy", toy_course / "reference" / "toy"
    ran = json.loads((template / "toy.ipynb").read_text())  # opened, run and saved in Jupyter: still the template
    for number, cell in enumerate(c for c in ran["cells"] if c["cell_type"] == "code"):
        cell.update(execution_count=number + 1, outputs=[{"output_type": "stream", "name": "stdout", "text": "x"}])
    other = (reference / "toy.ipynb").read_text().replace("return x * x", "return x ** 2")  # other work
    subs = tmp_path / "subs"
    for sid, py, nb in (("notebook_worker", template / "toy.py", (reference / "toy.ipynb").read_text()),
                        ("script_worker", reference / "toy.py", json.dumps(ran)),
                        ("same_in_both", reference / "toy.py", (reference / "toy.ipynb").read_text()),
                        ("both_changed", reference / "toy.py", other)):
        (subs / sid).mkdir(parents=True)
        shutil.copy(py, subs / sid / "toy.py")
        (subs / sid / "toy.ipynb").write_text(nb)
    batch = grade_batch("toy", subs, tmp_path / "out", limits=LIMITS)
    rows = {r.student_id: r for r in batch.results}
    assert rows["notebook_worker"].score == rows["script_worker"].score == 4.0
    assert rows["notebook_worker"].extra["files"] == ["toy.ipynb"] and rows["script_worker"].extra["files"] == ["toy.py"]
    assert "File graded: `toy.ipynb`" in (tmp_path / "out" / "feedback" / "notebook_worker.md").read_text()
    assert "toy.py was not used (it is the template as handed out, unchanged)" in rows["notebook_worker"].extra["notes"][0]
    assert rows["same_in_both"].score == 4.0 and rows["same_in_both"].extra["files"] == ["toy.py"]
    assert "toy.ipynb was not used (it defines the same functions, the same way)" in rows["same_in_both"].extra["notes"][0]
    assert rows["both_changed"].status == "invalid"
    assert "both toy.py and toy.ipynb differ from the assignment's template" in rows["both_changed"].message
    checked = api.check("toy", subs / "notebook_worker", isolated=False)
    assert checked.score == 1.0 and checked.extra["files"] == ["toy.ipynb"]
    with pytest.raises(AutograderError, match="both toy.py and toy.ipynb differ"):
        api.check("toy", subs / "both_changed", isolated=False)


def test_cells_are_named_by_their_place_among_all_cells_and_their_first_line(toy_course, tmp_path):
    """As a student finds them in Jupyter: Markdown cells count, and every message names a cell the same way."""
    from autograder import api

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Toy"), nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_markdown_cell("Squares:"), nbformat.v4.new_code_cell("1 / 0"),
                nbformat.v4.new_code_cell("\ndef square(x):\n    raise ValueError('not yet')"),
                nbformat.v4.new_code_cell("%time square(1)")]
    (tmp_path / "toy.ipynb").write_text(nbformat.writes(nb))
    result = api.check("toy", tmp_path / "toy.ipynb", isolated=False)
    notes = "\n".join(result.extra["notes"])
    assert "notebook cell 4 `1 / 0` raised ZeroDivisionError" in notes, notes
    assert "cell 6 `%time square(1)`: skipped `%time square(1)`" in notes, notes
    failed = next(o for o in result.outcomes if o.test == "test_square_shape")
    assert "`square` (notebook cell 5 `def square(x):`, line 3) raised ValueError" in failed.message, failed.message


RUN_ALL = """
import ast, json, sys
import matplotlib
matplotlib.use("Agg")
ns = {"__name__": "__main__"}
for number, cell in enumerate(json.load(open(sys.argv[1]))["cells"], 1):
    if cell["cell_type"] != "code":
        continue
    tree = ast.parse("".join(cell["source"]))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, f"<cell {number}>", "exec"), ns)  # an error stops Run All, as in Jupyter
    if last is not None:
        value = eval(compile(ast.Expression(last.value), f"<cell {number}>", "eval"), ns)
        if value is not None:
            print("Out:", repr(value))
print("RUN ALL DONE")
"""


def test_run_all_of_a_fresh_notebook_reaches_its_self_check_which_checks_that_notebook(tmp_path, monkeypatch):
    """hw2's template notebook, renamed, in an unpacked bundle, run as Jupyter's Run All does (the kernel told its
    notebook's path by $JPY_SESSION_NAME): the plot cell says what is missing instead of stopping the run, and the
    self-check tests this notebook and shows one short line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from autograder import api

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("AUTOGRADER_COURSE", str(repo))
    api.bundle("hw2", tmp_path / "bundle")
    work = tmp_path / "bundle" / "hw2"
    shutil.copy(work / "backprop.ipynb", work / "my copy.ipynb")
    (tmp_path / "run_all.py").write_text(RUN_ALL)
    env = {**{k: v for k, v in os.environ.items() if k != "AUTOGRADER_COURSE"},
           "JPY_SESSION_NAME": str(work / "my copy.ipynb")}
    run = subprocess.run([sys.executable, str(tmp_path / "run_all.py"), "my copy.ipynb"], capture_output=True,
                         text=True, cwd=work, env=env, timeout=300)
    assert "RUN ALL DONE" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    assert "Not plotted yet: `forward` is not implemented" in run.stdout
    assert "Checking my copy.ipynb (this notebook), saved at " in run.stdout
    assert "Tested: my copy.ipynb" in run.stdout
    out = [line for line in run.stdout.splitlines() if line.startswith("Out:")]
    assert out == ["Out: <check of my copy.ipynb: 0/19 public tests passed>"]


def test_the_self_check_finds_its_notebook_from_ipykernels_session_variable(tmp_path, monkeypatch):
    """Recent ipykernel puts the notebook's path in the kernel's `__session__`; with neither it nor
    $JPY_SESSION_NAME, no notebook is assumed."""
    import sys
    from types import SimpleNamespace

    from autograder.selfcheck import SESSION_ENV, session_notebook

    monkeypatch.delenv(SESSION_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "renamed.ipynb").write_text("{}")
    shell = SimpleNamespace(user_ns={"__session__": "course/hw2/renamed.ipynb"})  # relative to Jupyter's root
    monkeypatch.setitem(sys.modules, "IPython", SimpleNamespace(get_ipython=lambda: shell))
    assert session_notebook() == tmp_path / "renamed.ipynb"
    shell.user_ns = {}
    assert session_notebook() is None
