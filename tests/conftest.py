"""Shared fixtures: a small throwaway course built under tmp_path, never in the repo."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TOML = """
title = "Toy: squares"
due = "2026-09-01T23:59:00+00:00"
files = ["toy.py"]
forbid_imports = ["torch"]
[tests]
test_square_shape = 1
test_square_values = 2
test_cube_values = 1
[[questions]]
id = "q1"
prompt = "Why square?"
points = 2
"""

PUBLIC = '''
import numpy as np
import pytest
from autograder.testing import as_array

@pytest.mark.parametrize("n", [1, 3])
def test_square_shape(submission, n):
    """square(x) returns an array of x's shape."""
    as_array(submission.square(np.ones(n)), shape=(n,))
'''

HIDDEN = '''
import numpy as np
import pytest
from autograder.testing import close

@pytest.mark.parametrize("seed,n", [(0, 2), pytest.param(1, 5, id="five")])
def test_square_values(submission, seed, n):
    """square(x) squares each element."""
    x = np.random.default_rng(seed).normal(size=n)
    assert close(submission.square(x), x**2), "square gives wrong values for random inputs"

def test_cube_values(submission):
    """cube(x) multiplies x by its square."""
    x = np.arange(4.0)
    assert close(submission.cube(x), x**3)
'''

REFERENCE = '''
import numpy as np


def square(x):
    """Elementwise square."""
    # BEGIN SOLUTION: return x squared, elementwise
    return x * x
    # END SOLUTION


def cube(x):
    """Elementwise cube."""
    # BEGIN SOLUTION: return x cubed, elementwise
    return x * square(x)
    # END SOLUTION
'''


def write_course(root: Path) -> Path:
    """A one-assignment course ("toy") at `root`, with its student files generated."""
    from autograder.authoring.release import write_release
    from autograder.core.course import load_assignment

    a = root / "assignments" / "toy"
    (a / "public").mkdir(parents=True)
    (a / "hidden").mkdir()
    (a / "assignment.toml").write_text(TOML)
    (a / "public" / "test_public.py").write_text(textwrap.dedent(PUBLIC))
    (a / "hidden" / "test_hidden.py").write_text(textwrap.dedent(HIDDEN))
    ref = root / "reference" / "toy"
    ref.mkdir(parents=True)
    (ref / "toy.py").write_text(REFERENCE)
    write_release(load_assignment(a, root))
    return root


@pytest.fixture
def toy_course(tmp_path, monkeypatch) -> Path:
    root = write_course(tmp_path / "course")
    monkeypatch.setenv("AUTOGRADER_COURSE", str(root))
    return root


def write_class(folder: Path, course: Path, students: dict[str, str]) -> Path:
    """A submissions folder: student id -> file text ("@reference" / "@template" copy those)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sid, text in students.items():
        if text == "@reference":
            text = (course / "reference" / "toy" / "toy.py").read_text()
        elif text == "@template":
            text = (course / "student_template" / "toy" / "toy.py").read_text()
        (folder / f"{sid}.py").write_text(text)
    return folder


ROOT = Path(__file__).resolve().parent.parent


def load_module(path: Path, name: str):
    """The module at `path`, imported afresh under `name`, writing no bytecode into the repo."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    written = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = written
    return module


def reference_module(assignment: str):
    """The reference solution of one of this course's assignments, as a module (the curriculum tests' `ref`)."""
    from autograder.core.course import get_assignment

    a = get_assignment(assignment, ROOT)
    return load_module(a.reference_dir / a.files[0], f"{assignment}_reference_{Path(a.files[0]).stem}")
