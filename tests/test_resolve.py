"""The one set of rules that matches uploaded files to an assignment's (folders, downloads, Gradescope)."""
import pytest

from autograder.grading.resolve import resolve

ONE = ("backprop.py",)


@pytest.mark.parametrize("paths, graded, note", [
    (["backprop.py"], {"backprop.py": "backprop.py"}, ""),
    (["deep/er/backprop.py", "backprop.ipynb"], {"backprop.ipynb": "backprop.ipynb"},
     "deep/er/backprop.py was not used"),
    (["HW2/Backprop.py"], {"backprop.py": "HW2/Backprop.py"}, "graded HW2/Backprop.py as your backprop.py"),
    (["my_hw2_final.py", "README.txt"], {"backprop.py": "my_hw2_final.py"},
     "graded my_hw2_final.py as your backprop.py"),
    (["__MACOSX/backprop.py", "sub/backprop.py", "._backprop.py"], {"backprop.py": "sub/backprop.py"}, ""),
    (["build/backprop.py", ".ipynb_checkpoints/backprop-checkpoint.ipynb"], {"backprop.py": "build/backprop.py"}, ""),
    (["backprop-1.py", "helper.py"], {"backprop.py": "backprop-1.py"}, "graded backprop-1.py as your backprop.py"),
    (["backprop.py", "old/backprop-2.py"], {"backprop.py": "backprop.py"}, "old/backprop-2.py was not used"),
    (["homework.py", "notes.md"], {"backprop.py": "homework.py", "answers.md": "notes.md"}, "graded homework.py"),
    (["hw/backprop.py", "hw/answers.md", "answers.md"], {"backprop.py": "hw/backprop.py", "answers.md": "hw/answers.md"},
     ""),
])
def test_what_is_graded(paths, graded, note):
    resolved = resolve(ONE, paths)
    assert resolved.problem == "" and resolved.files == graded
    assert (note in " ".join(resolved.notes)) if note else resolved.notes == ()


@pytest.mark.parametrize("paths, problem", [
    ([], "missing backprop.py (or its notebook backprop.ipynb; found: nothing)"),
    (["a.py", "b.py"], "more than one file could be your backprop.py (a.py, b.py)"),
    (["v1/backprop.py", "v2/backprop.py"], "more than one file could be your backprop.py (v1/backprop.py, v2/"),
    (["backprop.py", "backprop-1.py"], "more than one file could be your backprop.py (backprop-1.py, backprop.py)"),
    (["backprop.txt"], "missing backprop.py (or its notebook backprop.ipynb; found: backprop.txt)"),
    (["hw2.zip", "a/b.txt"], "missing backprop.py (or its notebook backprop.ipynb; found: hw2.zip, a/b.txt)"),
])
def test_what_cannot_be_told(paths, problem):
    resolved = resolve(ONE, paths)
    assert problem in resolved.problem and resolved.files == {}


@pytest.mark.parametrize("unchanged, graded", [
    ({"backprop.py"}, "backprop.ipynb"),  # worked in the notebook, the untouched .py left beside it
    ({"backprop.ipynb"}, "backprop.py"),
    ({"backprop.py", "backprop.ipynb"}, "backprop.py"),  # nothing done: either scores nothing
])
def test_of_a_py_and_its_notebook_the_one_changed_from_the_template_is_graded(unchanged, graded):
    resolved = resolve(ONE, ["backprop.ipynb", "backprop.py"], unchanged=frozenset(unchanged))
    other = ({"backprop.py", "backprop.ipynb"} - {graded}).pop()
    assert resolved.problem == "" and list(resolved.files.values()) == [graded]
    assert f"{other} was not used" in " ".join(resolved.notes)
    if other in unchanged and graded not in unchanged:
        assert "(it is the template as handed out, unchanged)" in " ".join(resolved.notes)


@pytest.mark.parametrize("unchanged", [set(), {"old/backprop.py"}])
def test_a_py_and_its_notebook_both_changed_are_never_guessed_between(unchanged):
    resolved = resolve(ONE, ["backprop.ipynb", "backprop.py", "old/backprop.py"], unchanged=frozenset(unchanged))
    assert resolved.files == {}
    assert resolved.problem.startswith("both backprop.py and backprop.ipynb differ from the assignment's template")
    assert "hand in only the one you worked on" in resolved.problem


def test_a_notebook_holding_the_py_files_very_code_gives_way_to_it():
    resolved = resolve(ONE, ["backprop.ipynb", "backprop.py"], mirrors=frozenset({"backprop.ipynb"}))
    assert resolved.files == {"backprop.py": "backprop.py"}
    assert "backprop.ipynb was not used (it defines the same functions, the same way)" in resolved.notes[0]


def test_a_template_left_at_the_top_gives_way_to_the_work_deeper_down():
    resolved = resolve(ONE, ["backprop.py", "work/backprop.py"], unchanged=frozenset({"backprop.py"}))
    assert resolved.files == {"backprop.py": "work/backprop.py"}


def test_an_assignment_of_several_files_never_takes_a_lone_file():
    assert resolve(("a.py", "b.py"), ["a.py", "mine.py"]).problem.startswith("missing b.py")
    resolved = resolve(("a.py", "b.py"), ["x/A.py", "b.py"])
    assert resolved.files == {"a.py": "x/A.py", "b.py": "b.py"} and "graded x/A.py as your a.py" in resolved.notes


def test_a_bare_entry_named_for_the_student_needs_no_note():
    assert resolve(ONE, ["s0001.py"], named_by_entry=True).notes == ()
    assert resolve(ONE, ["s0001.ipynb"], named_by_entry=True).files == {"backprop.ipynb": "s0001.ipynb"}
