"""Which backend the sandbox takes, what it says about it, and when it refuses to grade."""
from __future__ import annotations

import html
import os
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.core.errors import AutograderError
from autograder.isolation import backends as isolation
from autograder.isolation import confine, uids
from autograder.isolation.sandbox import Sandbox
from tests.conftest import write_class

ROOT = os.geteuid() == 0


def _works(command: list[str]) -> bool:
    """Whether this user may run `command` (the util-linux `unshare` tells what the kernel allows)."""
    if shutil.which(command[0]) is None:
        return False
    return subprocess.run(command, capture_output=True, timeout=30).returncode == 0


def expected_backend() -> str | None:
    """What this machine offers this user, found with the system's own tool (None: neither)."""
    if ROOT and _works(["unshare", "--mount", "--net", "--ipc", "--uts", "--pid", "--fork", "true"]):
        return confine.ROOT_NAMESPACES
    if _works(["unshare", "--user", "--map-current-user", "--mount", "--net", "--pid", "--fork", "true"]):
        return confine.USER_NAMESPACES
    return None


def test_the_sandbox_takes_the_strongest_backend_this_machine_allows(toy_course):
    """Probed, not guessed from the uid: as root its namespaces; as anyone else, a user namespace."""
    expected = expected_backend()
    if expected is None:
        with pytest.raises(AutograderError, match="full isolation is not available"):
            with Sandbox(torch=False):
                pass
        return
    with Sandbox(torch=False) as box:
        assert box.backend == expected and box.isolated and box.warning == ""
        assert box.label == isolation.label(expected) and box.label.startswith("full")


def test_the_backend_is_named_in_the_summary_the_report_and_every_row(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference", "bob": "@template"})
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=1, allow_partial=True)
    backend = batch.results[0].isolation
    assert backend and all(r.isolation == backend for r in batch.results)
    assert f"isolation: {isolation.label(backend)}" in batch.notes
    assert set(pd.read_csv(tmp_path / "out" / "grades.csv")["isolation"]) == {backend}
    report = (tmp_path / "out" / "report.html").read_text()
    assert f"<tr><th>isolation</th><td>{html.escape(isolation.label(backend))}</td></tr>" in report


@pytest.fixture
def no_namespaces(monkeypatch):
    """A machine where every namespace backend is refused (the probe says so, as a kernel would)."""
    monkeypatch.setattr(Sandbox, "_probe", lambda self, backend: "PermissionError: [Errno 1] unshare: not permitted")


def test_without_full_isolation_nothing_is_graded_and_the_fix_is_named(toy_course, tmp_path, no_namespaces):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    with pytest.raises(AutograderError) as raised:
        grade_batch("toy", subs, tmp_path / "out", jobs=1)
    message = str(raised.value)
    assert "full isolation is not available" in message and "nothing was graded" in message
    assert "user-namespaces: PermissionError" in message and isolation.ALLOW_FLAG in message
    assert "To allow it:" in message
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_cli_refuses_with_exit_2_and_grades_trusted_code_when_told(toy_course, tmp_path, no_namespaces):
    from click.testing import CliRunner

    from autograder.cli import main

    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    refused = CliRunner().invoke(main, ["grade", "toy", str(subs), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert refused.exit_code == 2 and "full isolation is not available" in refused.output
    allowed = CliRunner().invoke(main, ["grade", "toy", str(subs), "--out", str(tmp_path / "out"), "--jobs", "1",
                                        isolation.ALLOW_FLAG])
    assert allowed.exit_code == 0, allowed.output
    partial = confine.UID_ONLY if ROOT else confine.PROCESS_ONLY
    assert f"warning: partial isolation ({partial})" in allowed.output
    for can in (["read every world-readable file", "reach the network"] if ROOT else
                ["read and change every file you can", "signal and kill your processes",
                 "leave processes running after grading", "reach the network"]):
        assert can in allowed.output
    assert pd.read_csv(tmp_path / "out" / "grades.csv").loc[0, "score"] == 4


def test_a_students_own_check_runs_with_what_the_machine_allows(toy_course, tmp_path, no_namespaces):
    """A student's self-test is their own code on their own machine: never refused."""
    from autograder import api

    path = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"}) / "amy.py"
    result = api.check("toy", path)
    assert result.status == "graded" and result.isolation in (confine.UID_ONLY, confine.PROCESS_ONLY)


@pytest.mark.parametrize("setting, value, hint", [
    ("kernel/apparmor_restrict_unprivileged_userns", "1", "kernel.apparmor_restrict_unprivileged_userns=0"),
    ("kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone=1"),
    ("user/max_user_namespaces", "0", "user.max_user_namespaces=15000"),
])
def test_the_hint_names_the_setting_that_blocks_user_namespaces(tmp_path, setting, value, hint):
    sysctl = tmp_path / "sys"
    (sysctl / setting).parent.mkdir(parents=True)
    (sysctl / setting).write_text(value + "\n")
    assert hint in isolation.fix_hint(1000, sysctl, tmp_path)


def test_the_hint_in_a_container_and_elsewhere(tmp_path):
    (tmp_path / ".dockerenv").write_text("")
    assert "seccomp=unconfined" in isolation.fix_hint(1000, tmp_path / "none", tmp_path)
    assert "SYS_ADMIN" in isolation.fix_hint(0, tmp_path / "none", tmp_path)
    assert "grade as root" in isolation.fix_hint(1000, tmp_path / "none", tmp_path / "bare")


# -- root's uid locks ---------------------------------------------------------------------------------------------
needs_root = pytest.mark.skipif(not ROOT, reason="root's uid-block locks: only a root run takes them")


@needs_root
def test_the_uid_lock_folder_is_made_root_only(tmp_path, monkeypatch):
    folder = tmp_path / "locks"
    monkeypatch.setattr(uids, "UID_LOCK_FOLDERS", (folder,))
    fd, base = uids.lock_uid_block()
    os.close(fd)
    st = os.lstat(folder)
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o700
    assert base >= uids.UID_BASE


@needs_root
def test_a_lock_folder_that_is_a_link_or_someone_elses_is_never_used(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o777)
    os.chown(theirs, 12345, 12345)
    monkeypatch.setattr(uids, "UID_LOCK_FOLDERS", (link, theirs))
    with pytest.raises(AutograderError, match="no safe folder for the sandbox's uid locks"):
        uids.lock_uid_block()
    assert list(elsewhere.iterdir()) == [] and list(theirs.iterdir()) == []


@pytest.mark.skipif(ROOT, reason="run as an ordinary user (.ci/run does): root takes uid locks")
def test_an_ordinary_users_run_takes_no_uid_lock(toy_course, tmp_path, monkeypatch):
    """A run as root leaves its lock folder behind; an ordinary user's run never looks at one."""
    monkeypatch.setattr(uids, "UID_LOCK_FOLDERS", (tmp_path / "root-only",))
    (tmp_path / "root-only").mkdir(mode=0o000)
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference"})
    batch = grade_batch("toy", subs, tmp_path / "out", jobs=1)
    assert batch.results[0].score == 4


def test_the_zygote_is_started_by_this_python(toy_course):
    """The grader starts its zygote with its own interpreter, in isolated mode: no user site, no PYTHONPATH."""
    with Sandbox(torch=False) as box:
        cmdline = open(f"/proc/{box._proc.pid}/cmdline", "rb").read().split(b"\0")
    assert cmdline[0].decode() == sys.executable and cmdline[1] == b"-I"
