"""The benchmark (bench/grade_bench.py) runs on a tiny course through the public API, as a user runs it: a
subprocess, with the course in AUTOGRADER_COURSE; its last line is the JSON the README's figures come from."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, write_course

BENCH = ROOT / "bench" / "grade_bench.py"
FIELDS = ("batch_wall_s", "torch_import_s", "ratio_to_torch_import", "grading_ms_per_submission",
          "peak_pss_sum_mb", "peak_rss_sum_mb", "floor_s", "phases_s", "submission_ms", "isolation", "full_marks")


def run_bench(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_COURSE": str(course), "PYTHONDONTWRITEBYTECODE": "1"}  # nothing in the repo
    return subprocess.run([sys.executable, str(BENCH), "--assignment", "toy", *args],
                          env=env, capture_output=True, text=True, timeout=300)


def json_line(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def test_bench_grades_a_tiny_class_and_prints_its_figures(tmp_path):
    course = write_course(tmp_path / "course")
    ran = run_bench(course, "--n", "3", "--repeat", "1", "--jobs", "2", "--torch-runs", "1", "--profile",
                    "--json", str(tmp_path / "bench.json"))
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    line = json_line(ran.stdout)
    assert set(FIELDS) <= set(line), sorted(set(FIELDS) - set(line))
    assert line["full_marks"] is True and line["n"] == 3 and line["jobs"] == 2 and line["tests"] == 3
    assert line["batch_wall_s"] > 0 and line["torch_import_s"] > 0 and line["floor_s"] > 0
    assert abs(line["ratio_to_torch_import"] - line["batch_wall_s"] / line["torch_import_s"]) < 1e-3
    assert line["grading_ms_per_submission"] > 0 and line["peak_rss_sum_mb"] > 0
    assert line["phases_s"]["grading"] <= line["batch_wall_s"]
    if Path("/proc/self/smaps_rollup").is_file():  # PSS where this kernel reports it
        assert line["peak_pss_sum_mb"] > 0
    saved = json.loads((tmp_path / "bench.json").read_text())
    assert [s["assignment"] for s in saved["summaries"]] == ["toy"] and saved["skipped"] == []
    profile = saved["summaries"][0]["profile"]  # serial runs through the API, a channel's life, cProfile
    assert profile["n"] == 3 and profile["wrong"] == []
    assert profile["serial"]["steady"]["wall_ms"] > 0 and profile["serial"]["submission_ms"] > 0
    assert profile["channel"]["all_loaded"] and profile["channel"]["load"] > 0
    assert profile["calls"]["requests"] == 6  # the toy's 5 cases and the load
    assert any("api.py" in row["function"] and "grade_batch" in row["function"]
               for row in profile["cprofile"]["by_cumulative"])
    assert "per submission, serial (one slot), 3 submissions" in ran.stdout
    assert re.search(r"every submission full marks +yes", ran.stdout), ran.stdout


def test_bench_exits_1_when_a_submission_is_not_full_marks(tmp_path):
    course = write_course(tmp_path / "course")
    reference = course / "reference" / "toy" / "toy.py"
    reference.write_text(reference.read_text().replace("return x * square(x)", "return x * x"))  # a wrong cube
    ran = run_bench(course, "--n", "1", "--jobs", "1", "--no-floor", "--torch-runs", "0")  # no yardstick: faster
    assert ran.returncode == 1, ran.stdout[-3000:] + ran.stderr[-3000:]
    line = json_line(ran.stdout)
    assert line["full_marks"] is False and line["ratio_to_torch_import"] is None and line["target_met"] is False
    assert re.search(r"every submission full marks +NO: s0000 \(graded: 3/4\)", ran.stdout), ran.stdout
    assert "not every submission got full marks" in ran.stderr
