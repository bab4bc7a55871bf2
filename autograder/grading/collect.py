"""Find an assignment's test functions, the way pytest would, without a pytest session.

Tests are ordinary pytest functions (`def test_x(submission): ...`, with
`@pytest.mark.parametrize` as needed) in `public/test_*.py` and
`hidden/test_*.py`. They are imported once per grading run, on the grader's
side only, and their points come from the assignment's metadata.
"""
from __future__ import annotations

import importlib.util
import inspect
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.core.course import Assignment
from autograder.core.errors import AutograderError

PUBLIC, HIDDEN = "public", "hidden"


@dataclass(frozen=True)
class Case:
    """One call of a test function: its parameters and a readable id."""

    id: str
    params: dict


@dataclass(frozen=True)
class TestSpec:
    """A test function with its points, visibility, hint and parameter cases."""

    __test__ = False  # not a pytest test class, whatever its name

    name: str
    func: object
    points: float
    visibility: str
    hint: str
    cases: tuple[Case, ...]
    skip: str | None = None


def _parametrize(func) -> tuple[Case, ...]:
    """The cases of stacked `pytest.mark.parametrize` marks (a cartesian product)."""
    marks = [m for m in getattr(func, "pytestmark", []) if m.name == "parametrize"]
    axes = []
    for mark in reversed(marks):  # decorators apply bottom-up; pytest ids read bottom-up too
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        ids = mark.kwargs.get("ids")
        axis = []
        for i, value in enumerate(values):
            label = None
            if type(value).__name__ == "ParameterSet":  # pytest.param(..., id=...)
                label, vals = value.id, tuple(value.values)
            else:
                vals = (value,) if len(names) == 1 else tuple(value)
            if label is None and isinstance(ids, (list, tuple)):
                label = ids[i]
            label = label or "-".join(_label(v, f"{n}{i}") for n, v in zip(names, vals))
            axis.append((dict(zip(names, vals)), label))
        axes.append(axis)
    if not axes:
        return (Case(id="", params={}),)
    cases = []
    for combo in itertools.product(*axes):
        params, labels = {}, []
        for p, label in combo:
            params.update(p)
            labels.append(label)
        cases.append(Case(id="-".join(labels), params=params))
    return tuple(cases)


def _label(value, fallback: str) -> str:
    if isinstance(value, (int, float, str, bool)):
        text = str(value)
        return text if len(text) <= 20 else text[:17] + "..."
    return fallback


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise AutograderError(f"{path}: cannot import test file: {type(exc).__name__}: {exc}") from exc
    return module


def collect(assignment: Assignment, visibilities=(PUBLIC, HIDDEN)) -> list[TestSpec]:
    """Every test of the assignment, in file and definition order; checks points and fixtures."""
    specs: list[TestSpec] = []
    for visibility in visibilities:
        folder = assignment.public_dir if visibility == PUBLIC else assignment.hidden_dir
        for path in sorted(folder.glob("test_*.py")):
            module = _import(path, f"autograder_tests.{assignment.name}.{visibility}.{path.stem}")
            for name, func in vars(module).items():
                if name.startswith("test") and inspect.isfunction(func) and func.__module__ == module.__name__:
                    specs.append(_spec(assignment, visibility, path, name, func))
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise AutograderError(f"{assignment.name}: test names must be unique across files: {', '.join(dupes)}")
    if visibilities == (PUBLIC, HIDDEN):
        stale = sorted(set(assignment.points) - set(names))
        if stale:
            raise AutograderError(f"{assignment.name}: assignment.toml gives points to unknown tests: {', '.join(stale)}")
    return specs


def _spec(assignment: Assignment, visibility: str, path: Path, name: str, func) -> TestSpec:
    if name not in assignment.points:
        raise AutograderError(f"{path}: {name} has no points in assignment.toml [tests]")
    hint = inspect.getdoc(func) or ""
    if not hint:
        raise AutograderError(f"{path}: {name} needs a docstring: it is the hint a student sees on failure")
    cases = _parametrize(func)
    wanted = set(inspect.signature(func).parameters)
    unknown = wanted - {"submission"} - set(cases[0].params)
    if unknown:
        raise AutograderError(f"{path}: {name} asks for unsupported fixtures: {', '.join(sorted(unknown))}")
    skip = next((m.kwargs.get("reason", "skipped") for m in getattr(func, "pytestmark", []) if m.name == "skip"), None)
    return TestSpec(name=name, func=func, points=assignment.points[name], visibility=visibility,
                    hint=hint, cases=cases, skip=skip)
