"""The package's layers, as pyproject.toml's import-linter contract writes them down: no import runs upwards.

cli > api > gradebooks | mutation > authoring > reports > grading > isolation > core. A module that imports
one of a higher layer (or of its sibling) fails this test, with import-linter's account of the chain.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_no_import_runs_up_the_layers():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.fail("import-linter is not installed: `pip install -e '.[test]'` installs it")
    ran = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "1 kept, 0 broken" in ran.stdout
