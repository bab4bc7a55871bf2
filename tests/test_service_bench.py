"""The deadline-rush benchmark runs end to end at a small size: every student gets a full-marks verdict, nothing is
lost, and it says so on its summary line and in its JSON (its figures are for a quiet machine, not asserted)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service's extra is not installed (pip install -e '.[service]')")
pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parent.parent


def test_a_small_rush_gets_every_verdict(tmp_path):
    out = tmp_path / "rush.json"
    ran = subprocess.run([sys.executable, "bench/service_rush.py", "--students", "4", "--window", "2",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    summary = json.loads(out.read_text())
    assert summary["students"] == 4 and summary["errors"] == 0 and summary["lost"] == 0
    assert 0 < summary["p50_s"] <= summary["p95_s"] <= summary["max_s"]
    assert "4 students handed in hw2 within 2 s" in ran.stdout and "0 errors, 0 lost" in ran.stdout
