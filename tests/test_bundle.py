"""`autograder bundle`: what a student gets holds the stubs and public tests, never a line of the answers, and
`autograder check` works inside it on its own."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import api
from autograder.cli import main
from autograder.core.course import COURSE_ENV, default_course_root, get_assignment
from autograder.core.errors import AutograderError
from autograder.exitcodes import ExitCode
from autograder.grading.collect import PUBLIC, collect

REPO = Path(__file__).resolve().parents[1]
NAMES = [p.name for p in sorted((REPO / "assignments").iterdir()) if (p / "assignment.toml").is_file()]


@pytest.fixture()
def real_course(monkeypatch):
    """The repo's own course, whatever the other tests set."""
    monkeypatch.setenv(COURSE_ENV, str(REPO))


def lines_of(name: str, text: str) -> set[str]:
    """The stripped lines of a file; of a notebook, of its cells' sources (as a student reads them)."""
    if name.endswith(".ipynb"):
        text = "\n".join(cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                         for cell in json.loads(text)["cells"])
    return {line.strip() for line in text.splitlines()}


def file_lines(paths) -> set[str]:
    return {line for p in paths if p.is_file() for line in lines_of(p.name, p.read_text("utf-8"))}


def secret_lines(name: str) -> set[str]:
    """Lines of the hidden tests, the reference and the hidden tests' stored values that nothing public holds
    (a line such as `import numpy as np` or a stub's signature is in the template as well)."""
    assignment = get_assignment(name, REPO)
    secret = [*assignment.hidden_dir.rglob("*.py"), *assignment.hidden_dir.rglob("oracles.json"),
              *assignment.reference_dir.iterdir()]
    public = [*assignment.template_dir.iterdir(), *assignment.public_dir.rglob("*.py"), assignment.probes_path]
    return {line for line in file_lines(secret) - file_lines(public) if len(line) >= 16}


def public_tests(name: str) -> set[str]:
    return {spec.name for spec in collect(get_assignment(name, REPO), (PUBLIC,))}


def bundle_texts(out: Path) -> dict[str, str]:
    if out.suffix == ".zip":
        with zipfile.ZipFile(out) as archive:
            return {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    return {p.relative_to(out).as_posix(): p.read_text("utf-8") for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["folder", "bundle.zip"])
def test_no_line_of_the_answers_is_in_a_bundle(real_course, tmp_path, name, form):
    """Neither the hidden tests (nor their names), their stored values nor the reference: in a folder or a zip."""
    out = tmp_path / form
    api.bundle(name, out)
    texts = bundle_texts(out)
    everything = "\n".join(texts.values())
    shown = {line for rel, text in texts.items() for line in lines_of(rel, text)}
    leaked = sorted(secret_lines(name) & shown)
    assert leaked == [], f"{len(leaked)} secret lines in the bundle, e.g. {leaked[:3]}"
    hidden_tests = set(get_assignment(name, REPO).points) - public_tests(name)
    assert hidden_tests and sorted(t for t in hidden_tests if t in everything) == []
    assert not any("hidden" in path or "reference" in path or path.endswith("oracles.json") for path in texts)
    paths = {Path(p).name for p in texts}
    assert {"README.md", "assignment.toml", *get_assignment(name, REPO).files} <= paths


def test_a_leaked_line_would_be_found(real_course, tmp_path):
    """The check above can fail: a hidden test's line copied into the bundle is caught."""
    out = tmp_path / "folder"
    api.bundle("hw2", out)
    line = sorted(secret_lines("hw2"))[0]
    (out / "hw2" / "notes.py").write_text(f"{line}\n")
    assert line in {shown for rel, text in bundle_texts(out).items() for shown in lines_of(rel, text)}


def test_check_works_inside_an_unpacked_bundle_and_cannot_run_hidden_tests(real_course, tmp_path, monkeypatch):
    """The course is found from the bundle's marker file, upward from the current folder; `--hidden` finds none
    there and is not in `check --help`."""
    zip_path = tmp_path / "hw2.zip"
    api.bundle("hw2", zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked" / "hw2-bundle"
    readme = (root / "README.md").read_text()
    assert "pip install backprop-autograder" in readme and "`autograder check hw2`" in readme  # the two commands
    env = {k: v for k, v in os.environ.items() if k != COURSE_ENV}
    monkeypatch.delenv(COURSE_ENV)
    monkeypatch.chdir(root / "hw2")
    assert default_course_root() == root.resolve()
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "check", "hw2"], capture_output=True, text=True,
                         env=env, cwd=root / "hw2", timeout=300)
    assert run.returncode == ExitCode.TESTS_FAILED, run.stderr
    assert "0/19 tests passed" in run.stdout and "test_sigmoid_block" in run.stdout
    assert "test_weights_are_not_transposed" not in run.stdout  # a hidden test of hw2
    (root / "hw2" / "backprop.py").write_bytes((REPO / "reference" / "hw2" / "backprop.py").read_bytes())
    solved = subprocess.run([sys.executable, "-m", "autograder.cli", "check", "hw2", "hw2/"], capture_output=True,
                            text=True, env=env, cwd=root, timeout=300)
    assert solved.returncode == ExitCode.OK, solved.stdout + solved.stderr
    with pytest.raises(AutograderError, match="no hidden tests here"):
        api.check("hw2", root / "hw2", hidden=True, isolated=False)
    assert "--hidden" not in CliRunner().invoke(main, ["check", "--help"]).output


def test_bundle_refuses_a_folder_that_holds_files_and_an_existing_zip(real_course, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("mine")
    with pytest.raises(AutograderError, match="not an empty folder"):
        api.bundle("hw2", tmp_path / "full")
    (tmp_path / "b.zip").write_text("old")
    with pytest.raises(AutograderError, match="exists already"):
        api.bundle("hw2", tmp_path / "b.zip")
    assert (tmp_path / "full" / "x.txt").read_text() == "mine" and (tmp_path / "b.zip").read_text() == "old"


def test_the_bundles_metadata_keeps_all_but_the_hidden_tests(real_course, tmp_path):
    out = tmp_path / "b"
    api.bundle("hw3", out)
    bundled = get_assignment("hw3", out)
    full = get_assignment("hw3", REPO)
    assert set(bundled.points) == public_tests("hw3")
    assert bundled.questions == full.questions and bundled.files == full.files and bundled.due == full.due
