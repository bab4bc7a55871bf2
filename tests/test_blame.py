"""Hidden tests that blame the right thing: each typical mistake loses the tests of its concept and no others.

samples/mistakes/<hwN>/ holds a class of typical mistakes per assignment, each the reference with one
edit, and `reference/<hwN>/mistakes.toml` says per mistake which tests it should lose (see make_mistakes.py). Every
mistake is graded here with the public and hidden tests, in this process. A mistake that loses a test
outside its list, or keeps one inside it, fails; and per assignment the blame precision, the points
lost inside the listed tests over all points lost, must be at least 95%. The README's table comes from

    .venv/bin/python -m pytest tests/test_blame.py -k precision -s
"""
import importlib.util
import tempfile
from pathlib import Path

import pytest

from autograder.core.course import get_assignment
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.reference import prepared, run_reference

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "samples" / "mistakes"
MIN_MISTAKES, MIN_PRECISION = 8, 0.95


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_mistakes", FOLDER / "make_mistakes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _load_maker()
MANIFESTS = MAKER.manifests()
CASES = [(name, mistake) for name, mistakes in MANIFESTS.items() for mistake in mistakes]


@pytest.fixture(scope="module")
def lost(tmp_path_factory):
    """lost(name, mistake) -> {test: points lost} for that mistake's file, graded in this process (once each)."""
    done, specs = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("blame")))

        def grade(name, mistake):
            if (name, mistake) not in done:
                assignment = get_assignment(name)
                specs.setdefault(name, collect(assignment, (PUBLIC, HIDDEN)))
                text = (FOLDER / name / f"{mistake}.py").read_text("utf-8")
                result = run_reference(assignment, specs[name], prepared(assignment, {assignment.files[0]: text}, mistake))
                assert result.status == "graded", f"{name}/{mistake}: {result.message}"
                done[name, mistake] = {o.test: o.max_points - o.points for o in result.outcomes if o.points < o.max_points}
            return done[name, mistake]

        yield grade


def test_mistake_files_are_what_the_manifests_make():
    """Every mistake file is its reference with the manifest's one edit: `python samples/mistakes/make_mistakes.py`."""
    made = MAKER.mistake_files()
    committed = {path: path.read_text("utf-8") for path in FOLDER.glob("*/*.py")}
    assert made == committed


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_each_class_is_a_class(name):
    """At least 8 mistakes, each with a concept, a description and tests to lose that the assignment has."""
    mistakes, tests = MANIFESTS[name], set(get_assignment(name).points)
    assert len(mistakes) >= MIN_MISTAKES
    for mistake, entry in mistakes.items():
        assert entry["concept"].strip() and entry["description"].strip(), mistake
        assert entry["loses"] and set(entry["loses"]) <= tests, f"{mistake}: {set(entry['loses']) - tests}"
        assert len(set(entry["loses"])) == len(entry["loses"]), mistake


@pytest.mark.parametrize("name, mistake", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_mistake_loses_exactly_its_tests(lost, name, mistake):
    """A mistake costs the tests of its concept (and those built on it, whose hints say so) and no others."""
    got, listed = lost(name, mistake), set(MANIFESTS[name][mistake]["loses"])
    assert sorted(set(got) - listed) == [], "lost outside its list"
    assert sorted(listed - set(got)) == [], "kept, though listed"


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_blame_precision(lost, name):
    """Points lost inside each mistake's listed tests over all points the class lost: at least 95%."""
    inside = total = 0.0
    for mistake, entry in MANIFESTS[name].items():
        for test, points in lost(name, mistake).items():
            total += points
            inside += points if test in entry["loses"] else 0.0
    precision = inside / total
    print(f"\n{name}: {len(MANIFESTS[name])} mistakes, blame precision {precision:.1%} "
          f"({inside:.2f} of {total:.2f} points lost inside the listed tests)")
    assert precision >= MIN_PRECISION
