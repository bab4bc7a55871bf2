"""The bundled sample class (samples/hw2, the README's first command) grades as its names say."""
from pathlib import Path

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.isolation.sandbox import Limits

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "hw2"


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-class")
    batch = grade_batch("hw2", SAMPLES, out, jobs=2,
                        limits=Limits(call_timeout_s=2, submission_timeout_s=8, cpu_s=10, memory_mb=512))
    return batch, pd.read_csv(out / "grades.csv").set_index("student_id")


def test_sample_class_is_what_make_class_writes(tmp_path):
    """samples/ follows the reference and its notebook: `python samples/make_class.py` regenerates it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_class", SAMPLES.parent / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path / "hw2")
    fresh = {p.relative_to(tmp_path / "hw2"): p.read_bytes() for p in (tmp_path / "hw2").rglob("*") if p.is_file()}
    committed = {p.relative_to(SAMPLES): p.read_bytes() for p in SAMPLES.rglob("*") if p.is_file()}
    assert fresh == committed


def test_sample_class_is_large_and_varied():
    ids = [p.stem for p in SAMPLES.iterdir()]
    assert len(ids) >= 30
    for kind in ("full_", "mistake_", "partial_", "zero_", "bad_", "timeout_", "attack_"):
        assert any(i.startswith(kind) for i in ids), kind


def test_every_sample_scores_as_its_name_says(grades):
    batch, table = grades
    top = batch.assignment.max_score
    for sid, row in table.iterrows():
        kind = sid.split("_")[0]
        if kind == "full":
            assert row["score"] == top and row["status"] == "graded", sid
        elif kind in ("mistake", "partial"):
            assert 0 < row["score"] < top and row["status"] == "graded", sid
        elif kind in ("zero", "bad", "attack"):
            assert row["score"] == 0, sid
        elif kind == "timeout":
            assert row["score"] < top, sid
    assert table.loc["timeout_infinite_loop_at_import", "status"] == "timeout"
    assert table.loc["bad_imports_torch", "status"] == "forbidden_import"
    assert table.loc["bad_two_versions", "status"] == "invalid"
    assert "more than one file could be your backprop.py" in table.loc["bad_two_versions", "message"]
    notes = {r.student_id: r.extra.get("notes", []) for r in batch.results}
    assert "graded backprop_final_v2.py as your backprop.py" in notes["full_renamed_file"]


def test_the_attackers_left_the_class_untouched(grades):
    batch, table = grades
    assert (SAMPLES / "full_reference_copy.py").read_text().startswith('"""hw2:')
    assert not Path("/tmp/results.json").exists() or Path("/tmp/results.json").stat().st_uid == 0
    assert len(table) == len(list(SAMPLES.iterdir()))
