"""The engine installs without the course: its wheel holds the `autograder` package only, and, installed beside
an unpacked bundle, checks a student's work from the bundle alone."""
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder import api
from autograder.core.course import COURSE_ENV
from autograder.exitcodes import ExitCode

REPO = Path(__file__).resolve().parents[1]
COURSE_DATA = ("assignments", "reference", "student_template", "samples")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of its sources (the build writes nothing into the repo)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "out", "*.egg-info",
                                                              "__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            str(src), "-w", str(tmp / "dist")], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (found,) = (tmp / "dist").glob("backprop_autograder-*.whl")
    return found


def test_the_wheel_holds_the_engine_and_no_course_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"autograder", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    assert "autograder/cli.py" in names and "autograder/authoring/bundle.py" in names
    assert not [n for n in names if any(f"/{part}/" in f"/{n}" for part in COURSE_DATA)]
    assert not [n for n in names if n.endswith((".ipynb", ".toml")) or "oracles.json" in n or "/hidden/" in n]


def test_the_installed_engine_checks_work_in_a_bundle_without_the_course(wheel, tmp_path, monkeypatch):
    """What a student does: the wheel installed (here unpacked on PYTHONPATH, before the project's own copy), the
    bundle unpacked somewhere else, `autograder check hw2` in its work folder."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    monkeypatch.setenv(COURSE_ENV, str(REPO))
    api.bundle("hw2", tmp_path / "bundle")
    env = {**{k: v for k, v in os.environ.items() if k != COURSE_ENV}, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "check", "hw2"], capture_output=True, text=True,
                         env=env, cwd=tmp_path / "bundle" / "hw2", timeout=300)
    assert run.returncode == ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "0/19 tests passed" in run.stdout
    outside = subprocess.run([sys.executable, "-m", "autograder.cli", "list"], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=60)
    assert outside.returncode == ExitCode.USAGE and "no assignments folder" in outside.stderr


def test_the_sdist_holds_the_engine_and_no_course_data(tmp_path):
    """The source distribution too: the package, pyproject.toml and the README, never the course or the tests."""
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "out", "*.egg-info",
                                                              "__pycache__"))
    built = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_sdist(sys.argv[1]))", str(tmp_path / "dist")],
                           capture_output=True, text=True, cwd=src, timeout=300)
    assert built.returncode == 0, built.stderr
    with tarfile.open(tmp_path / "dist" / built.stdout.split()[-1]) as archive:
        tops = {Path(name).parts[1] for name in archive.getnames() if len(Path(name).parts) > 1}
    assert "autograder" in tops and "pyproject.toml" in tops
    assert not tops & {*COURSE_DATA, "tests", "bench"}, tops
