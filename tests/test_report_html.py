"""report.html as an instructor reads it: the run first, pass rates among graded entries (worst first), who
needs help and why (flags), a student × test grid, links to the feedback, numbers rounded, strings escaped."""
import re

import pytest

from autograder.core.course import get_assignment
from autograder.core.results import SubmissionResult, TestOutcome
from autograder.core.status import Outcome
from autograder.reports.write import write_outputs

TESTS = {"test_square_shape": 1.0, "test_square_values": 2.0, "test_cube_values": 1.0}


def _result(sid, status="graded", earned=None, messages=None, output="", message=""):
    """A toy row: `earned` points per test (default: full), messages per test."""
    earned, messages = earned or {}, messages or {}
    outcomes = []
    for test, points in TESTS.items():
        got = earned.get(test, points)
        outcome = "passed" if got == points else "partial" if got else "failed"
        outcomes.append(TestOutcome(test, "hidden", got, points, outcome, messages.get(test, ""), 0.01))
    return SubmissionResult(sid, status, message, tuple(outcomes), 0.5, output, "d" * 16)


def _report(results, tmp_path, **run) -> str:
    kwargs = {}
    if run:
        from autograder.reports.html import RunInfo
        kwargs["run"] = RunInfo(**run)
    write_outputs(get_assignment("toy"), results, tmp_path / "out", **kwargs)
    return (tmp_path / "out" / "report.html").read_text()


def _rate_rows(report: str) -> list[tuple[str, str]]:
    """(test, pass rate) of each row of the pass-rate table, in page order."""
    return re.findall(r'<tr data-test="([^"]+)">.*?<em>(\d+%)</em>', report)


def test_pass_rates_count_graded_entries_only_worst_first(toy_course, tmp_path):
    results = [_result("amy"), _result("bo", earned={"test_cube_values": 0.0}),
               _result("cy", earned={"test_square_values": 1.0, "test_cube_values": 0.0}),
               _result("dee", "load_error", earned=dict.fromkeys(TESTS, 0.0), message="SyntaxError"),
               _result("eve", "invalid", earned=dict.fromkeys(TESTS, 0.0), message="not UTF-8")]
    report = _report(results, tmp_path)
    # among the 3 graded (not the 5 entries): cube 1 of 3, square_values 2 of 3 (cy partly), shape 3 of 3
    assert _rate_rows(report) == [("test_cube_values", "33%"), ("test_square_values", "67%"),
                                  ("test_square_shape", "100%")]
    assert "among the 3 graded entries" in report
    assert report.count("<figure><svg") == 1, "one pass-rate view: the table, no second chart of the same"


def test_the_run_comes_first(toy_course, tmp_path):
    from autograder import __version__
    from autograder.isolation.sandbox import Limits

    report = _report([_result("amy")], tmp_path, when="2026-12-01 10:00 UTC", version=__version__, limits=Limits(call_timeout_s=3),
                     graded_now=1, unchanged=4, warning="", notes=("tests <changed> since",))
    run = report[:report.index("<h2")]
    for expected in ("2026-12-01 10:00 UTC", __version__, "3 s a call", "1024 MB memory",
                     "1 graded now, 4 unchanged", "tests &lt;changed&gt; since", "toy (4 points)"):
        assert expected in run, expected


def test_flags_say_who_needs_help_and_why(toy_course, tmp_path):
    from autograder.isolation.channel import TRUNCATED
    from autograder.reports import frames as R

    late = "[case five] `cube` did not finish within 3 s\nWhat this test checks: cubes"
    ended = "the process running your code ended during `cube` (os._exit, a crash, or the CPU or memory limit)"
    results = [
        _result("amy"),
        _result("late", earned={"test_cube_values": 0.0}, messages={"test_cube_values": late}),
        _result("gone", earned={"test_cube_values": 0.0}, messages={"test_cube_values": ended}),
        _result("rest", earned={"test_cube_values": 0.0},
                messages={"test_cube_values": "not run: the submission used up its total time limit"}),
        _result("noisy", output="x" * 10 + "\n" + TRUNCATED),
        _result("torch", "forbidden_import", earned=dict.fromkeys(TESTS, 0.0), message="imports torch"),
        _result("liar", earned={"test_cube_values": 0.0},  # a student's own words, after the first line
                messages={"test_cube_values": "expected 8\n`cube` did not finish within 3 s"}),
    ]
    flags = dict(zip(*R.flags_frame(results).to_dict("list").values()))
    assert flags == {"amy": (), "late": ("timed out",), "gone": ("crashed",), "rest": ("tests not run",),
                     "noisy": ("output cut",), "torch": ("not graded", "forbidden import"), "liar": ()}
    report = _report(results, tmp_path)
    helped = report[report.index("id='help'"):report.index("id='scores'")]
    for sid in ("late", "gone", "rest", "noisy", "torch"):
        assert f">{sid}</a>" in helped, sid
    assert ">amy</a>" not in helped, "full marks and nothing flagged: not in the list"
    assert helped.index(">torch</a>") < helped.index(">late</a>"), "not graded first"
    assert "test_cube_values: [case five] `cube` did not finish within 3 s<" in helped, "why, when the row says nothing"
    assert "imports torch<" in helped


def test_students_link_to_their_feedback_and_stay_escaped(toy_course, tmp_path):
    evil = "o'neil<script>x</script>"
    report = _report([_result("amy"), _result(evil, earned={"test_cube_values": 0.5})], tmp_path)
    assert "<a href='feedback/amy.md'>amy</a>" in report
    assert "href='feedback/o%27neil%3Cscript%3Ex%3C%2Fscript%3E.md'" in report
    assert "<script>" not in report and "o&#x27;neil&lt;script&gt;" in report


def test_every_student_has_a_row_of_the_grid_and_numbers_are_rounded(toy_course, tmp_path):
    odd = {"test_square_values": 2 / 3, "test_cube_values": 1 / 3}  # 2.0 of 4 and thirds of a point
    results = [_result(f"s{i:03d}", earned=odd if i % 3 else None) for i in range(200)]
    results.append(_result("zz_bad", "invalid", earned=dict.fromkeys(TESTS, 0.0), message="not UTF-8"))
    report = _report(results, tmp_path)
    grid = report[report.index("id='grid'"):]
    rows = re.findall(r"<tr><th><a href='feedback/([^']+)\.md'>", grid)
    assert rows == [r.student_id for r in results]
    cells = re.findall(r"<td class='cell o-(\w+)'", grid)
    assert len(cells) == 3 * len(results) and cells[-3:] == ["not_graded"] * 3, "no test of an invalid entry ran"
    assert "0.6666" not in report and "0.3333" not in report and ">0.67<" in grid and ">2<" in grid


def test_every_outcome_shows_by_its_label(toy_course, tmp_path):
    """A status module's new outcome (such as "not run") appears in the legend and grid with no change here."""
    from autograder.reports.html import outcome_label

    report = _report([_result("amy")], tmp_path)
    legend = report[report.index("class='legend'"):report.index("class='scroll grid'")]
    for outcome in Outcome:
        assert outcome_label(outcome.value) in outcome.label and f"o-{outcome.value}" in legend
        assert outcome_label(outcome.value) in legend
    assert outcome_label("not graded") == "not graded"


@pytest.mark.parametrize("value,shown", [(24.666667, "24.67"), (30.0, "30"), (0.5, "0.5"), (float("nan"), "–")])
def test_numbers_as_people_write_them(value, shown):
    from autograder.reports.html import num

    assert num(value) == shown
