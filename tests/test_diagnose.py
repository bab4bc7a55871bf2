"""Feedback that names the misconception: a failed test's answers against those of named mistakes.

The measurement grades every typical mistake of samples/mistakes/<hwN>/ as a student's submission is
graded (in this process, as tests/test_blame.py does: isolation is not what is measured here), with
the store `autograder release` recorded (`hidden/mistakes.json`). A mistake is correctly named when
some failed test's diagnosis is its own description and no test's diagnosis is another's. Per
assignment at least 80% must be named, none named wrongly, and no correct submission (the references,
samples/hw2's full-marks entries) gets a diagnosis. The README's table comes from

    .venv/bin/python -m pytest tests/test_diagnose.py -k named -s
"""
import json
import re
import tempfile
from pathlib import Path

import pytest

from autograder.authoring.mistakes import read_manifest, manifest_path
from autograder.core.course import get_assignment, load_assignment
from autograder.core.results import SubmissionResult
from autograder.grading import diagnosis
from autograder.grading.collect import HIDDEN, PUBLIC, collect
from autograder.grading.protocol import ChannelWrapper, InProcess
from autograder.grading.reference import prepared, run_reference
from autograder.grading.submissions import read_entry
from autograder.reports.feedback import feedback_markdown
from autograder.reports import frames

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = ROOT / "samples" / "mistakes"
SAMPLES = ROOT / "samples" / "hw2"
ASSIGNMENTS = ("hw1", "hw2", "hw3", "hw4", "hw5")
MIN_NAMED = 0.80
NUMBER = re.compile(r"\d")


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(name, files or None, id) -> its SubmissionResult, graded in this process (once each)."""
    done, specs = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("diagnose")))

        def run(name: str, entry=None, key: str = "reference") -> SubmissionResult:
            if (name, key) not in done:
                assignment = get_assignment(name)
                specs.setdefault(name, collect(assignment, (PUBLIC, HIDDEN)))
                done[name, key] = run_reference(assignment, specs[name], entry)
            return done[name, key]

        yield run


def _mistake(grade, name: str, mistake: str) -> SubmissionResult:
    assignment = get_assignment(name)
    text = (MISTAKES / name / f"{mistake}.py").read_text("utf-8")
    return grade(name, prepared(assignment, {assignment.files[0]: text}, mistake), mistake)


def test_every_assignment_has_a_current_store():
    """Each of the five assignments ships its named mistakes' answers, recorded from the files as they are."""
    for name in ASSIGNMENTS:
        assert diagnosis.load_store(get_assignment(name)) is not None, f"{name}: run `autograder release {name}`"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_typical_mistakes_are_named(grade, name):
    """At least 80% of an assignment's typical mistakes are named by their own words, and none by another's."""
    entries = read_manifest(manifest_path(get_assignment(name)))
    named, wrong = [], []
    for mistake, entry in entries.items():
        result = _mistake(grade, name, mistake)
        given = {o.diagnosis for o in result.outcomes if o.diagnosis}
        assert all(o.outcome != "passed" for o in result.outcomes if o.diagnosis), mistake
        if given - {entry["description"].strip()}:
            wrong.append(mistake)
        elif given:
            named.append(mistake)
    share = len(named) / len(entries)
    print(f"\n{name}: {len(named)} of {len(entries)} typical mistakes named ({share:.0%}), {len(wrong)} named wrongly"
          + (f"; not named: {', '.join(sorted(set(entries) - set(named) - set(wrong)))}" if share < 1 else ""))
    assert wrong == []
    assert share >= MIN_NAMED


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_reference_gets_no_diagnosis(grade, name):
    result = grade(name)
    assert result.score == result.max_score
    assert [o.test for o in result.outcomes if o.diagnosis] == []


@pytest.mark.parametrize("entry", sorted(p.name for p in SAMPLES.glob("full_*")))
def test_full_marks_samples_get_no_diagnosis(grade, entry):
    assignment = get_assignment("hw2")
    result = grade("hw2", read_entry(assignment, Path(entry).stem, SAMPLES / entry), entry)
    assert result.score == result.max_score, result.message
    assert [o.test for o in result.outcomes if o.diagnosis] == []


def test_a_diagnosis_is_words_in_the_feedback_and_tests_csv(grade):
    """The diagnosis reaches the student's Markdown and tests.csv as the course's words, with no number."""
    assignment = get_assignment("hw2")
    result = _mistake(grade, "hw2", "update_sign_flipped")
    diagnosed = [o for o in result.outcomes if o.diagnosis]
    assert diagnosed, "the sign of the update is a typical mistake the store names"
    for o in diagnosed:
        assert not NUMBER.search(o.diagnosis), o.diagnosis
    text = feedback_markdown(assignment, result)
    assert f"The mistake your answers show:** Your answers to this test are what a solution gives in which " \
           f"{diagnosed[0].diagnosis.rstrip('.')}." in text
    frame = frames.tests_frame([result]).set_index("test")
    assert frame.loc[diagnosed[0].test, "diagnosis"] == diagnosed[0].diagnosis
    assert set(frame.loc[frame["outcome"] == "passed", "diagnosis"]) <= {""}


class _Sent(ChannelWrapper):
    """Records every frame the grader sends the student's process."""

    sent: list

    def request(self, message, frame=None):
        type(self).sent.append((message.get("op"), frame))
        return self.inner.request(message, frame)


def test_nothing_new_reaches_the_students_process(grade, monkeypatch, tmp_path):
    """With or without the store, the student's process is sent exactly the same requests."""
    assignment = get_assignment("hw2")
    specs = collect(assignment, (PUBLIC, HIDDEN))
    text = (MISTAKES / "hw2" / "update_sign_flipped.py").read_text("utf-8")
    entry = prepared(assignment, {assignment.files[0]: text}, "s")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sent = {}
    for with_store in (True, False):
        _Sent.sent = []
        if not with_store:
            monkeypatch.setattr("autograder.grading.one.load_store", lambda a: None)
        from autograder.grading.reference import restored_state
        from autograder.grading.one import grade_one
        with restored_state(assignment.files):
            result = grade_one(assignment, specs, entry, InProcess(_Sent))
        sent[with_store] = (_Sent.sent, [o.diagnosis for o in result.outcomes])
    assert sent[True][0] == sent[False][0]
    assert any(sent[True][1]) and not any(sent[False][1])


def _copy_course(tmp_path: Path, name: str) -> Path:
    """The assignment and its reference under tmp_path, as a course of their own."""
    import shutil
    for part in (f"assignments/{name}", f"reference/{name}"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_a_store_from_other_files_is_not_used(tmp_path):
    """Edit a hidden test after release: the store is no longer trusted, so nothing is diagnosed from it."""
    course = _copy_course(tmp_path, "hw2")
    assignment = load_assignment(course / "assignments" / "hw2", course)
    assert diagnosis.load_store(assignment) is not None
    hidden = assignment.hidden_dir / "test_hidden.py"
    hidden.write_text(hidden.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert diagnosis.load_store(assignment) is None
    (assignment.hidden_dir / diagnosis.STORE).write_text("not json", "utf-8")
    assert diagnosis.load_store(assignment) is None


def test_stores_agree_across_the_last_bits_of_floats_only():
    """`release --check` on another CPU: a float's last bit differs (agrees), a real change does not."""
    text = diagnosis.store_path(get_assignment("hw2")).read_text("utf-8")
    data = json.loads(text)
    test, entry = next((t, e) for t, e in data["tests"].items()
                       if any(isinstance(r.get("ok"), float) and r["ok"] for *_, rs in e["calls"] for r in rs))
    k, j = next((k, j) for k, (*_, rs) in enumerate(entry["calls"]) for j, r in enumerate(rs)
                if isinstance(r.get("ok"), float) and r["ok"])

    def with_value(value) -> str:
        changed = json.loads(text)
        changed["tests"][test]["calls"][k][3][j] = {"ok": value}
        return json.dumps(changed)

    value = entry["calls"][k][3][j]["ok"]
    assert diagnosis.stores_agree(text, with_value(value * (1 + 1e-15)))
    assert not diagnosis.stores_agree(text, with_value(value * 1.01 + 1.0))


def test_diagnose_names_one_description_or_nothing():
    """Matches of one description name it; of two different ones, or of none, say nothing."""
    ok = lambda v: {"ok": v}  # noqa: E731  (floats travel as themselves on the wire)
    entry = {"calls": [["c", "d", 0, [ok(0.5), ok(0.25), ok(0.75)]]], "answers": {"0": [1], "1": [1], "2": [2]}}
    same = diagnosis.Store({"mistakes": [["a", "x"], ["b", "x"], ["c", "y"]], "tests": {"t": entry}})
    assert same.diagnose("t", {"t": {("c", "d", 0): ok(0.25)}}) == "x"
    assert same.diagnose("t", {"t": {("c", "d", 0): ok(0.75)}}) == "y"
    assert same.diagnose("t", {"t": {("c", "d", 0): ok(0.125)}}) == ""
    assert same.diagnose("t", {}) == ""
    two = diagnosis.Store({"mistakes": [["a", "x"], ["c", "y"]], "tests": {"t": {**entry, "answers": {"0": [1], "1": [1]}}}})
    assert two.diagnose("t", {"t": {("c", "d", 0): ok(0.25)}}) == ""


def test_of_several_matches_the_one_the_other_tests_bear_out_is_named():
    """Two mistakes answer test t alike; only b also fails u: the student's replies to u decide."""
    ok = lambda v: {"ok": v}  # noqa: E731
    t = {"calls": [["c", "d", 0, [ok(0.5), ok(0.25)]]], "answers": {"0": [1], "1": [1]}}
    u = {"calls": [["c", "e", 0, [ok(1.5), ok(2.5)]]], "answers": {"1": [1]}}
    store = diagnosis.Store({"mistakes": [["a", "x"], ["b", "y"]], "tests": {"t": t, "u": u}})
    student = {("c", "d", 0): ok(0.25)}
    assert store.diagnose("t", {"t": student, "u": {("c", "e", 0): ok(1.5)}}) == "x"
    assert store.diagnose("t", {"t": student, "u": {("c", "e", 0): ok(2.5)}}) == ""  # x has no say on u: both stand
    assert store.diagnose("t", {"t": student}) == "x"  # b was sent u's call, the student was not


def test_a_mistake_is_matched_only_on_the_calls_it_was_sent():
    """A mistake that was not sent a call (its test stopped earlier) does not match a student who was."""
    ok = lambda v: {"ok": v}  # noqa: E731
    calls = [["c", "d", 0, [ok(0.5), ok(0.25)]], ["c", "e", 0, [ok(1.5)]]]
    store = diagnosis.Store({"mistakes": [["a", "x"]], "tests": {"t": {"calls": calls, "answers": {"0": [1, -1]}}}})
    assert store.diagnose("t", {"t": {("c", "d", 0): ok(0.25)}}) == "x"
    assert store.diagnose("t", {"t": {("c", "d", 0): ok(0.25), ("c", "e", 0): ok(1.5)}}) == ""


def test_telling_answers_are_fractions_non_finite_values_and_shapes():
    """Evidence is a number that is not whole, an inf or nan where the reference is finite, or another shape;
    never an error, a flag or a whole number alone."""
    import numpy as np
    from autograder.isolation import wire
    ok = lambda v: {"ok": wire.to_wire(v)}  # noqa: E731
    reference = ok(np.array([1.0, 2.0]))
    assert diagnosis.informative(ok(np.array([1.5, 2.0])), reference)
    assert diagnosis.informative(ok(np.array([np.nan, 2.0])), reference)
    assert diagnosis.informative(ok(np.ones((2, 2))), reference)
    assert not diagnosis.informative(ok(np.array([3.0, 2.0])), reference)
    assert not diagnosis.informative(ok(True), ok(False))
    assert not diagnosis.informative({"error": {"kind": "raised", "type": "ValueError"}}, reference)


def test_an_error_names_a_typical_mistake_only_where_the_student_fails_exactly_its_tests():
    """Weak evidence (here an error where the reference returns a value) names a typical mistake only when the
    student fails the very tests it fails; a mutant (no failed tests kept) is never named on it."""
    raised = {"error": {"kind": "raised", "type": "ValueError"}}
    calls = [["c", "d", 0, [{"ok": 1.0}, raised]]]
    store = diagnosis.Store({"mistakes": [["a", "x", ["t", "u"]], ["m", "y"]],
                             "tests": {"t": {"calls": calls, "answers": {"0": [1]}},
                                       "u": {"calls": [["c", "e", 0, [{"ok": 1.0}, raised]]], "answers": {"1": [1]}}}})
    seen = {"t": {("c", "d", 0): raised}, "u": {("c", "e", 0): raised}}
    assert store.diagnose("t", seen, frozenset({"t", "u"})) == "x"
    assert store.diagnose("t", seen, frozenset({"t"})) == ""
    assert store.diagnose("u", seen, frozenset({"t", "u"})) == ""


TOY_MISTAKES = '''
[square_adds]
concept = "squaring"
description = "square adds x to itself instead of multiplying it by itself"
loses = ["test_square_values", "test_cube_values"]
old = "return x * x"
new = "return x + x"
'''


def test_a_course_ships_its_own_mistakes_from_release_to_feedback(toy_course, tmp_path):
    """A course's own `mistakes.toml`: `release --check` wants the store, `release` records it, and a sandboxed
    grading names the mistake in tests.csv and the feedback; another wrong answer gets nothing."""
    import pandas as pd
    from click.testing import CliRunner

    from autograder.cli import main
    from conftest import write_class

    (toy_course / "reference" / "toy" / "mistakes.toml").write_text(TOY_MISTAKES)
    store = toy_course / "assignments" / "toy" / "hidden" / diagnosis.STORE
    checked = CliRunner().invoke(main, ["release", "--check"])
    assert checked.exit_code == 1 and f"stale: {store}" in checked.output
    assert CliRunner().invoke(main, ["release", "toy"]).exit_code == 0 and store.is_file()
    assert CliRunner().invoke(main, ["release", "--check"]).exit_code == 0
    reference = (toy_course / "reference" / "toy" / "toy.py").read_text()
    folder = write_class(tmp_path / "class", toy_course, {
        "adds": reference.replace("return x * x", "return x + x"),
        "cubes": reference.replace("return x * x", "return x * x * x"),
        "right": "@reference"})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["grade", "toy", str(folder), "--out", str(out)]).exit_code == 0
    tests = pd.read_csv(out / "tests.csv", keep_default_na=False)
    named = tests[tests["diagnosis"] != ""]
    assert set(named["student_id"]) == {"adds"}
    assert set(named["diagnosis"]) == {"square adds x to itself instead of multiplying it by itself"}
    assert set(named["outcome"]) <= {"failed", "partial"}
    assert "in which square adds x to itself instead of multiplying it by itself." in (out / "feedback" / "adds.md").read_text()
    assert "The mistake your answers show" not in (out / "feedback" / "cubes.md").read_text()


def test_whether_an_answer_informs_does_not_hang_on_a_floats_last_bits():
    """3.0 on one CPU, 3.0000000000000004 on another: neither is a fraction (release --check stays portable)."""
    from autograder.isolation import wire
    ok = lambda v: {"ok": wire.to_wire(v)}  # noqa: E731
    assert not diagnosis.informative(ok(3.0000000000000004), ok(2.0))
    assert diagnosis.informative(ok(3.001), ok(2.0))


def test_a_reply_the_comparison_cannot_read_costs_the_diagnosis_only():
    """A student's reply that breaks the comparison leaves the test undiagnosed; the grading goes on."""
    from autograder.core.results import TestOutcome

    class Broken:
        def diagnose(self, *args):
            raise ValueError("a reply no comparison expected")

    watch = diagnosis.Watch(None, diagnosis.Store({"mistakes": [], "tests": {}}))
    watch.store = Broken()
    outcome = TestOutcome("t", "hidden", 0.0, 1.0, "failed", "off", 0.0)
    assert watch.diagnosed((outcome,)) == (outcome,)
