"""Control groups per slot: v1 and v2, as root and (v2) as a user with a delegated subtree.

This machine has cgroup v1 for memory and pids only, and no systemd to delegate a v2 subtree: the v2
paths are checked against a fake tree laid out as the kernel's documentation describes it
(Documentation/admin-guide/cgroup-v2.rst: cgroup.controllers, cgroup.subtree_control, cgroup.procs,
memory.max, memory.swap.max, pids.max), and the v1 path on this machine where root can use it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.isolation import cgroups

PID = 4242
LIMIT = (512 + cgroups.SLACK_MB) * 2**20


def fake_v2(root: Path, own: str = "/", controllers: str = "cpu memory pids io", procs: str = "") -> Path:
    """A unified hierarchy at `root`, the grader in group `own`."""
    for folder in {root, root / own.lstrip("/")}:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cgroup.controllers").write_text(controllers + "\n")
        (folder / "cgroup.subtree_control").write_text("")
        (folder / "cgroup.procs").write_text("")
    (root / own.lstrip("/") / "cgroup.procs").write_text(procs)
    return root


def test_v2_as_root_makes_a_group_per_slot_below_the_root_group(tmp_path):
    mount = fake_v2(tmp_path / "cg")
    groups, why = cgroups.make_slot_groups("run", 2, 512, 32, mount=mount, euid=0, self_cgroup="0::/user.slice\n")
    assert why == "" and groups.version == 2
    assert (mount / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert (mount / "run" / "cgroup.subtree_control").read_text() == "+memory +pids"
    for slot in (0, 1):
        folder = mount / "run" / f"slot-{slot}"
        assert (folder / "memory.max").read_text() == str(LIMIT)
        assert (folder / "memory.swap.max").read_text() == "0"
        assert (folder / "pids.max").read_text() == "32"
        assert groups.procs_files(slot) == [str(folder / "cgroup.procs")]


def test_v2_as_a_user_moves_the_grader_into_a_leaf_of_its_delegated_group(tmp_path):
    own = "/user.slice/user-1000.slice/user@1000.service/app.slice/grade.scope"
    mount = fake_v2(tmp_path / "cg", own, procs=f"{PID}\n")
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=mount, euid=1000, self_cgroup=f"0::{own}\n",
                                           pid=PID)
    scope = mount / own.lstrip("/")
    assert why == "" and groups.version == 2
    assert (scope / "run-grader" / "cgroup.procs").read_text() == str(PID)  # out of the way of the controllers
    assert (scope / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert (scope / "run" / "slot-0" / "memory.max").read_text() == str(LIMIT)
    assert groups.procs_files(0) == [str(scope / "run" / "slot-0" / "cgroup.procs")]


def test_v2_as_a_user_needs_a_delegated_group_of_its_own(tmp_path):
    own = "/user.slice/user-1000.slice/session-3.scope"
    mount = fake_v2(tmp_path / "cg", own, procs=f"{PID}\n")
    (mount / own.lstrip("/") / "cgroup.subtree_control").chmod(0o444)
    if os.access(mount / own.lstrip("/") / "cgroup.subtree_control", os.W_OK):
        pytest.skip("root may write read-only files: delegation cannot be faked for root")
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=mount, euid=1000, self_cgroup=f"0::{own}\n",
                                           pid=PID)
    assert groups is None and "not delegated" in why and "systemd-run --user --scope -p Delegate=yes" in why


def test_v2_refuses_a_group_shared_with_other_processes(tmp_path):
    own = "/user.slice/user-1000.slice/user@1000.service/app.slice/shell.scope"
    mount = fake_v2(tmp_path / "cg", own, procs=f"{PID}\n777\n")
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=mount, euid=1000, self_cgroup=f"0::{own}\n",
                                           pid=PID)
    assert groups is None and "1 other process" in why
    assert not (mount / own.lstrip("/") / "run").exists()


def test_v2_without_the_memory_controller_says_so(tmp_path):
    mount = fake_v2(tmp_path / "cg", controllers="cpu io pids")
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=mount, euid=0, self_cgroup="0::/\n")
    assert groups is None and "memory controller" in why


def test_removing_kills_what_is_left_and_removes_every_folder(tmp_path, monkeypatch):
    mount = fake_v2(tmp_path / "cg")
    groups, _ = cgroups.make_slot_groups("run", 2, 512, 32, mount=mount, euid=0, self_cgroup="0::/\n")
    killed, real_rmdir = {}, Path.rmdir

    def kernel_rmdir(folder: Path):  # the kernel removes a group's interface files with it
        kill = folder / "cgroup.kill"
        killed[folder.name] = kill.read_text() if kill.exists() else None
        for item in folder.iterdir():
            if item.is_file():
                item.unlink()
        real_rmdir(folder)

    monkeypatch.setattr(Path, "rmdir", kernel_rmdir)
    groups.remove(wait_s=0)
    assert killed == {"slot-0": "1", "slot-1": "1", "run": None}
    assert not (mount / "run").exists()


def test_v1_is_for_root_only(tmp_path):
    for name in ("memory", "pids"):
        (tmp_path / name).mkdir()
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=tmp_path, euid=1000)
    assert groups is None and "only be made by root" in why


def test_v1_as_root_in_a_fake_tree(tmp_path):
    for name in ("memory", "pids"):
        (tmp_path / name).mkdir()
    groups, why = cgroups.make_slot_groups("run", 1, 512, 32, mount=tmp_path, euid=0)
    assert why == "" and groups.version == 1
    assert (tmp_path / "memory" / "run" / "slot-0" / "memory.limit_in_bytes").read_text() == str(LIMIT)
    assert (tmp_path / "pids" / "run" / "slot-0" / "pids.max").read_text() == "32"


def test_this_machines_groups_hold_what_they_say(tmp_path):
    """Where this machine offers slot groups (as root, on cgroup v1 or v2), they are real and removable."""
    groups, why = cgroups.make_slot_groups(f"autograder-test-{os.getpid()}", 1, 64, 8)
    if groups is None:
        assert why, "no groups must come with a reason"
        return
    try:
        files = groups.procs_files(0)
        assert all(Path(f).parent.is_dir() for f in files)
        limits = [Path(f).parent / n for f in files for n in ("memory.limit_in_bytes", "memory.max", "pids.max")]
        assert any(p.is_file() for p in limits)
    finally:
        groups.remove()
    assert not any(Path(f).parent.exists() for f in files)
