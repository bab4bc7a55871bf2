"""The report's SVG charts: numpy's binning, test order, escaping, degenerate inputs, no matplotlib."""
import math
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder.reports.plots import histogram_svg

SVG = "{http://www.w3.org/2000/svg}"
NAN = float("nan")


def rects(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f"{SVG}rect")


def texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("scores,max_score,bins", [
    ([0, 0, 1.5, 3, 4.5, 6, 29.99, 30, 30], 30, 20),  # on bin edges and both ends
    (list(np.random.default_rng(0).uniform(0, 7.5, 500)), 7.5, 17),
    ([0.1, 0.2, 0.3, 0.7, 1.0], 0, 5),  # max_score 0: the range is [0, 1]
    ([-1, 5, 10.5, 2], 10, 5),  # outside the range: left out, as numpy does
])
def test_histogram_counts_are_numpys(scores, max_score, bins):
    bars = rects(histogram_svg(scores, max_score, bins, "Score distribution", "score"))
    expected, edges = np.histogram(scores, bins=bins, range=(0, max_score or 1))
    assert [int(r.get("data-count")) for r in bars] == expected.tolist()
    assert [float(r.get("data-lo")) for r in bars] == pytest.approx(edges[:-1].tolist())
    heights = [float(r.get("height")) for r in bars]
    assert heights.index(max(heights)) == expected.argmax()


def test_histogram_skips_nan_and_labels_its_axes():
    svg = histogram_svg([NAN, 3, 3, NAN, 0], 4, 4, "Score distribution", "score (out of 4)")
    assert [int(r.get("data-count")) for r in rects(svg)] == [1, 0, 0, 2]
    assert {"Score distribution", "score (out of 4)", "students"} <= set(texts(svg))


@pytest.mark.parametrize("students", [0, 1, 3, 7, 88, 1234])
def test_students_axis_has_integer_ticks(students):
    svg = histogram_svg([1.0] * students, 10, 5, "t", "s")
    ticks = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks[0] == "0" and all(t.isdigit() for t in ticks) and len(ticks) >= 2
    assert int(ticks[-1]) > students, "room above the tallest bar for its count"


def test_every_text_is_escaped():
    evil = "<script>alert(1)</script>"
    svg = histogram_svg([1.0], 2, 5, evil, evil)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert evil in texts(svg)  # shown as text, exactly


@pytest.mark.parametrize("svg", [
    histogram_svg([], 30, 5, "Score distribution", "s"),
    histogram_svg([30.0] * 9, 30, 5, "Score distribution", "s"),
    histogram_svg([0.0, NAN], 0, 5, "Score distribution", "s"),
    histogram_svg([NAN], 10, 5, "Score distribution", "s"),
], ids=["empty", "all-equal", "max-0", "all-nan"])
def test_degenerate_inputs_give_valid_scalable_accessible_svg(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    assert root.find(f"{SVG}title").text == "Score distribution"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and width > 0 and height > 0
    for element in root.iter():
        for name in ("x", "y", "width", "height"):
            if element.get(name) is not None:
                assert math.isfinite(float(element.get(name))), ET.tostring(element)
    assert all(0 <= float(r.get("width")) <= width and float(r.get("height")) >= 0 for r in root.findall(f"{SVG}rect"))


def test_counts_of_an_all_equal_class_go_in_the_last_bin():
    assert [int(r.get("data-count")) for r in rects(histogram_svg([30.0] * 9, 30, 5, "t", "s"))] == [0, 0, 0, 0, 9]


def test_report_embeds_svg_without_importing_matplotlib(toy_course, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from autograder.core.course import get_assignment
        from autograder.reports.write import write_outputs
        from autograder.core.results import SubmissionResult, TestOutcome
        a = get_assignment("toy")
        results = [SubmissionResult(f"s{{i}}", "graded", "", tuple(
            TestOutcome(t, "public", p * (i % 2), p, "passed" if i % 2 else "failed", "", 0.0)
            for t, p in a.points.items()), 0.1) for i in range(6)]
        write_outputs(a, results, Path({str(tmp_path / "out")!r}))
        print("matplotlib" in sys.modules)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
    report = (tmp_path / "out" / "report.html").read_text()
    assert report.count("<figure><svg") == 1 and "data:image/png" not in report
    assert 'data-test="test_cube_values"' in report


def test_no_students_no_plots(toy_course):
    from autograder.core.course import get_assignment
    from autograder.reports import frames as R
    from autograder.reports.html import html_report

    a = get_assignment("toy")
    report = html_report(a, R.grades_frame(a, []), R.tests_frame([]))
    assert "<svg" not in report and "Pass rate per test" not in report
