"""Similarity between submissions: a copied pair found under its disguise, independent work left alone, the
template counted for nothing, notebooks compared by their code, student code shown as inert text, bad input
named and skipped. Every class is built under tmp_path from hw2's reference and its independent solutions."""
from __future__ import annotations

import io
import json
import random
import re
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from copydetect import compare_files

from autograder import api
from autograder.authoring.boilerplate import starting_code
from autograder.authoring.notebooks import build_notebook
from autograder.authoring.stubs import strip_markers
from autograder.cli import main
from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.exitcodes import ExitCode
from autograder.reports import similarity as S
from autograder.reports.similarity_html import similarity_section
from tests.conftest import ROOT, load_module

BENCH = load_module(ROOT / "bench" / "similarity_bench.py", "similarity_bench")
INDEPENDENT = ROOT / "samples" / "independent" / "hw2"
STYLES = ("loops", "einsum", "helpers")


@pytest.fixture(autouse=True)
def this_course(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_COURSE", raising=False)  # hw2 of this repository's course


def reference() -> str:
    return strip_markers((ROOT / "reference" / "hw2" / "backprop.py").read_text("utf-8"))


def template() -> str:
    return (ROOT / "student_template" / "hw2" / "backprop.py").read_text("utf-8")


def independent(style: str) -> str:
    return (INDEPENDENT / f"{style}.py").read_text("utf-8")


def write_class(folder: Path, entries: dict[str, str | bytes]) -> Path:
    """A folder of submissions: file name (`<id>.py`, `<id>.ipynb`) -> its text or bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in entries.items():
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return folder


def notebook_of(source: str) -> str:
    return nbformat.writes(build_notebook(get_assignment("hw2"), source, "backprop.ipynb"))


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def pair(pairs: pd.DataFrame, a: str, b: str) -> pd.Series:
    a, b = sorted((a, b))
    return pairs[(pairs[S.STUDENT_A] == a) & (pairs[S.STUDENT_B] == b)].iloc[0]


def test_the_disguise_renames_reorders_and_rewrites_comments():
    original = reference()
    copy = BENCH.disguise(original, random.Random(3))
    names = lambda text: [n for n, _ in BENCH.split_functions(text)[1]]  # noqa: E731
    assert names(copy) != names(original) and sorted(names(copy)) == sorted(names(original))
    assert "grad_z2" in original and not re.search(r"\bgrad_z2\b", copy)  # a local variable renamed
    assert "# exp(1000) overflows to inf" in original and "# exp(1000) overflows to inf" not in copy
    assert "def backward(x, t, W1, b1, W2, b2):" in copy  # what the tests call keeps its name and parameters


def test_a_copied_pair_ranks_first_and_independent_solutions_stay_below_the_threshold(tmp_path):
    subs = write_class(tmp_path / "subs", {"ada.py": reference(), "bo.py": BENCH.disguise(reference(), random.Random(1)),
                                           **{f"{s}.py": independent(s) for s in STYLES}})
    result = api.similarity("hw2", subs, tmp_path / "out")
    pairs = result.pairs
    assert len(pairs) == 10 and (pairs[S.STUDENT_A] < pairs[S.STUDENT_B]).all()
    first = pairs.iloc[0]
    assert (first.student_a, first.student_b, first[S.RANK]) == ("ada", "bo", 1)
    assert first.similarity_a > 0.9 and first.similarity_b > 0.9
    assert first.similarity == max(first.similarity_a, first.similarity_b)
    assert (pairs[S.SIMILARITY].iloc[1:] < S.DEFAULT_THRESHOLD).all(), pairs  # independent work, and the reference
    assert pairs[S.RANK].is_monotonic_increasing and pairs[S.SIMILARITY].is_monotonic_decreasing
    written = pd.read_csv(tmp_path / "out" / "similarity.csv")
    assert list(written.columns) == S.COLUMNS and len(written) == 10
    assert written.iloc[0][[S.STUDENT_A, S.STUDENT_B]].tolist() == ["ada", "bo"]
    page = (tmp_path / "out" / "similarity.html").read_text("utf-8")
    assert page.count("class='sim-pair'") == 1 and "1 pair at or above 60%" in page


@pytest.mark.parametrize("style", STYLES)
def test_the_independent_solutions_are_correct(style):
    result = api.check("hw2", INDEPENDENT / f"{style}.py", hidden=True, isolated=False)
    assert result.graded and result.score == result.max_score == 30, [(o.name, o.message) for o in result.outcomes]


def test_stubs_count_for_nothing(tmp_path):
    subs = write_class(tmp_path / "subs", {"amy.py": template(), "ben.ipynb": notebook_of(template()),
                                           "cat.py": template().replace("# TODO:", "# my plan:"), "dan.py": reference()})
    pairs = api.similarity("hw2", subs, tmp_path / "out").pairs
    assert (pairs[S.SIMILARITY] == 0).all(), pairs  # every student was given the template
    page = (tmp_path / "out" / "similarity.html").read_text("utf-8")
    assert "No pair of submissions is 60% similar or more" in page and "class='sim-pair'" not in page


def test_without_the_template_left_out_the_stubs_would_pair_up():
    stubs = [S.Submitted("amy", "backprop.py", template()), S.Submitted("ben", "backprop.py", template())]
    assert S.similarity_frame(stubs, {})[S.SIMILARITY].iloc[0] == 1.0
    assert S.similarity_frame(stubs, starting_code(get_assignment("hw2")))[S.SIMILARITY].iloc[0] == 0.0


def test_a_notebook_and_a_py_file_of_the_same_code_pair_up(tmp_path):
    subs = write_class(tmp_path / "subs", {"nell.ipynb": notebook_of(independent("einsum")),
                                           "pat.py": independent("einsum"), "quin.py": independent("helpers")})
    pairs = api.similarity("hw2", subs, tmp_path / "out").pairs
    same = pair(pairs, "nell", "pat")
    assert same[S.RANK] == 1 and same.similarity_a > 0.95 and same.similarity_b > 0.95
    assert pair(pairs, "nell", "quin").similarity < S.DEFAULT_THRESHOLD
    assert "backprop.ipynb (code cells)" in (tmp_path / "out" / "similarity.html").read_text("utf-8")


def test_student_code_and_ids_are_inert_text_in_the_page(tmp_path):
    payload = '\nWARNING = """</pre><script>alert(1)</script>"""  # <script>steal()</script>\n'
    hostile = reference() + payload + "ACCESS = 'user\u202e \u2066// admin\u2069 \u2066'\n"
    evil_id = "<img src=x onerror=alert(2)>"
    subs = write_class(tmp_path / "subs", {"ok.py": hostile, f"{evil_id}.py": hostile})
    api.similarity("hw2", subs, tmp_path / "out")
    page = (tmp_path / "out" / "similarity.html").read_text("utf-8")
    assert "class='sim-pair'" in page  # the two are shown side by side
    assert "<script>" not in page and "<img" not in page and "</pre><script" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "\u202e" not in page and "\u2066" not in page and "&lt;U+202E&gt;" in page  # bidi shown, never applied
    csv = (tmp_path / "out" / "similarity.csv").read_text("utf-8")
    assert evil_id in csv  # the CSV keeps the id as it is (it starts no formula)


def test_nothing_runs_the_student_code(tmp_path):
    ran = tmp_path / "it-ran"
    trap = f"import pathlib\npathlib.Path({str(ran)!r}).write_text('ran')\n"
    subs = write_class(tmp_path / "subs", {"a.py": trap + reference(), "b.ipynb": notebook_of(trap + reference())})
    assert api.similarity("hw2", subs, tmp_path / "out").pairs.iloc[0].similarity > 0.9
    assert not ran.exists()


def test_the_section_is_a_self_contained_fragment():
    pairs = pd.DataFrame([(1, "a", "b", "backprop.py", 0.31, 0.3, 0.31, 200)], columns=S.COLUMNS)
    fragment = similarity_section(pairs)
    assert fragment.startswith("<section class='sim'>") and fragment.endswith("</section>")
    assert not re.search(r"<(html|head|body)\b", fragment)
    css = re.search(r"<style>(.*?)</style>", fragment, re.S).group(1)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", css) for s in rule.split(",")]
    assert selectors and all(s.startswith(".sim") for s in selectors), selectors
    assert all(c.startswith("sim") for c in re.findall(r"class='([^']+)'", fragment))
    assert "No pair of submissions is 60% similar or more. The most similar pair, a and b, is at 31%." in fragment
    assert "there is no pair" in similarity_section(pairs.iloc[:0])
    flagged = similarity_section(pairs, threshold=0.3)
    assert "1 pair at or above 30%" in flagged and "<td>a</td><td>b</td>" in flagged


def test_scores_are_copydetects_own(tmp_path):
    """The lookup table gives what copydetect's compare_files gives, for every pair of a varied class."""
    codes = [S.Submitted(f"s{i}", "backprop.py", text) for i, text in enumerate(
        [reference(), template(), BENCH.disguise(reference(), random.Random(2)), *map(independent, STYLES),
         BENCH.mixed(dict(zip(STYLES, map(independent, STYLES))), random.Random(5))])]
    fps = S.fingerprint_all(codes, starting_code(get_assignment("hw2")))
    pairs = S.pairs_frame(fps)
    assert len(pairs) == 21
    for row in pairs.itertuples():
        shared, (sim_a, sim_b), _ = compare_files(fps[(row.student_a, row.file)], fps[(row.student_b, row.file)])
        assert (row.similarity_a, row.similarity_b, row.shared_tokens) == (round(sim_a, 4), round(sim_b, 4), shared)


def test_unknown_assignment_missing_or_empty_folder_are_usage_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AutograderError, match="unknown assignment 'hw9'; known assignments: hw1"):
        api.similarity("hw9", tmp_path / "empty", tmp_path / "out")
    with pytest.raises(AutograderError, match="no submissions in it"):
        api.similarity("hw2", tmp_path / "empty", tmp_path / "out")
    with pytest.raises(AutograderError, match="no such folder"):
        api.similarity("hw2", tmp_path / "nowhere", tmp_path / "out")
    subs = write_class(tmp_path / "subs", {"a.py": reference()})
    with pytest.raises(AutograderError, match="inside the submissions folder"):
        api.similarity("hw2", subs, subs / "out")
    with pytest.raises(AutograderError, match="needs --roster"):
        api.similarity("hw2", tmp_path / "canvas.zip", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (subs / "out").exists()


def test_unreadable_submissions_are_skipped_with_a_reason_and_the_rest_compared(tmp_path):
    subs = write_class(tmp_path / "subs", {
        "ada.py": reference(), "bo.py": BENCH.disguise(reference(), random.Random(4)),
        "binary.py": b"import numpy\x00\x00\x01\x02" * 10, "latin.py": "r\u00e9sum\u00e9 = 1\n".encode("latin-1"),
        "huge.py": "x = 1\n" * 400_000, "broken.ipynb": "{not json", "empty.py": ""})
    before = snapshot(subs)
    result = CliRunner().invoke(main, ["similarity", "hw2", str(subs), "--out", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.NOT_GRADED, result.output
    skipped = dict(line.strip().split(": ", 1) for line in result.output.split("not compared:\n")[1].splitlines()
                   if line.startswith("  "))
    assert "holds NUL bytes: it is binary" in skipped["binary"]
    assert "not UTF-8 text" in skipped["latin"]
    assert "larger than 2000000 bytes" in skipped["huge"]
    assert "not a valid notebook: not JSON" in skipped["broken"]
    assert "empty" not in skipped  # an empty file is code too: it shares nothing
    assert "1. ada & bo" in result.output and "Wrote" in result.output
    pairs = pd.read_csv(tmp_path / "out" / "similarity.csv")
    assert set(pairs[S.STUDENT_A]) | set(pairs[S.STUDENT_B]) == {"ada", "bo", "empty"}
    page = (tmp_path / "out" / "similarity.html").read_text("utf-8")
    assert "Not compared (4)" in page and "holds NUL bytes" in page
    assert snapshot(subs) == before  # nothing written into the submissions, nothing changed


def test_the_threshold_and_the_out_folder_are_checked(tmp_path):
    subs = write_class(tmp_path / "subs", {"a.py": reference(), "b.py": reference()})
    for bad in ("0", "1.5", "-0.2"):
        result = CliRunner().invoke(main, ["similarity", "hw2", str(subs), "--out", str(tmp_path / "o"), "--threshold", bad])
        assert result.exit_code == ExitCode.USAGE and "--threshold" in result.output
    graded = tmp_path / "graded"
    (graded / ".results").mkdir(parents=True)
    (graded / ".results" / "assignment").write_text("hw3\n")
    with pytest.raises(AutograderError, match="holds grades of hw3, not hw2"):
        api.similarity("hw2", subs, graded)
    assert not (graded / "similarity.csv").exists()


def test_show_caps_the_pairs_side_by_side_and_the_table_keeps_them_all(tmp_path):
    subs = write_class(tmp_path / "subs", {f"s{i}.py": BENCH.disguise(reference(), random.Random(i)) for i in range(4)})
    result = CliRunner().invoke(main, ["similarity", "hw2", str(subs), "--out", str(tmp_path / "out"), "--show", "2"])
    assert result.exit_code == ExitCode.OK, result.output
    page = (tmp_path / "out" / "similarity.html").read_text("utf-8")
    assert "6 pairs at or above 60%; the first 2 side by side below" in page
    assert page.count("class='sim-pair'") == 2 and page.count("side by side</a>") == 2
    assert page.count("<td class='sim-num'>") == 6 * 5  # rank, three scores and shared tokens of every pair


def test_a_canvas_download_is_compared_by_roster_student(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name,last_name,email,canvas_user_id\n"
                      "s1,Ada,Example,ada@example.edu,1001\ns2,Bo,Sample,bo@example.edu,1002\n"
                      "s3,Cy,Other,cy@example.edu,1003\n", "utf-8")
    zip_path = tmp_path / "canvas.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("exampleada_1001_5001_backprop.py", reference())
        archive.writestr("samplebo_LATE_1002_5002_backprop-1.py", BENCH.disguise(reference(), random.Random(7)))
        archive.writestr("othercy_1003_5003_my_work.py", independent("loops"))
    result = api.similarity("hw2", zip_path, tmp_path / "out", roster=roster)
    first = result.pairs.iloc[0]
    assert (first.student_a, first.student_b) == ("s1", "s2") and first.similarity > 0.9
    assert set(result.pairs[S.STUDENT_A]) | set(result.pairs[S.STUDENT_B]) == {"s1", "s2", "s3"}


def test_the_benchmark_makes_its_class_and_reports_every_pair(tmp_path, capsys):
    assert BENCH.main(["--n", "8", "--keep", str(tmp_path)]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["submissions"] == 8 and figures["pairs"] == 28 and figures["wall_s"] > 0
    made = sorted(p.suffix for p in (tmp_path / "submissions").iterdir())
    assert len(made) == 8 and set(made) <= {".py", ".ipynb"}
    with io.open(tmp_path / "out0" / "similarity.csv", encoding="utf-8") as f:
        assert f.readline().strip() == ",".join(S.COLUMNS)


def test_grade_with_similarity_adds_the_pairs_to_the_report(tmp_path):
    """`grade --similarity`: the grades as without it, plus similarity.csv, similarity.html and a section of
    report.html whose table links to the side-by-side views on similarity.html (not repeated in the report)."""
    original = reference()
    subs = write_class(tmp_path / "subs", {"ann.py": original, "ben.py": BENCH.disguise(original, random.Random(5)),
                                           "cyd.py": independent("loops")})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", "hw2", str(subs), "--out", str(out), "--similarity",
                                       "--allow-partial-isolation"])
    assert result.exit_code == ExitCode.OK, result.output
    assert f"Similar pairs: {out / 'similarity.html'}" in result.output
    grades = pd.read_csv(out / "grades.csv")
    assert grades["score"].tolist() == [30.0, 30.0, 30.0]
    assert {"ann", "ben"} == set(pd.read_csv(out / "similarity.csv").iloc[0][["student_a", "student_b"]])
    report = (out / "report.html").read_text("utf-8")
    section = report[report.index("<div id='similar'>"):]
    assert "href='#similar'" in report and "ann" in section and "ben" in section
    assert "href='similarity.html#sim-pair-1'" in section
    assert "class='sim-side'" not in report and "class='sim-side'" in (out / "similarity.html").read_text("utf-8")
