"""Limits on a whole submission, all its processes together, where the kernel offers control groups.

Per-process limits (`confine`) cap each process's memory and the process count caps how many there
are; but 32 processes of 1 GB each are still 32 GB. Each slot gets a memory and a pids control group,
which its keeper joins before it forks any submission (`keeper.start`): together, a submission's
processes may hold `memory_mb` plus some slack (the pages it copies from the zygote, the files in its
folders) and no more than `nproc` tasks.

- cgroup v1 (separate `memory` and `pids` hierarchies, as on this project's machines): as root, a
  folder per run in each hierarchy and one per slot below it.
- cgroup v2 (one unified hierarchy, what current distributions have): as root, a folder per run below
  the root group; as an ordinary user, below the grader's own group when it is delegated to the user
  (`systemd-run --user --scope -p Delegate=yes autograder grade ...`). v2's rule that a group with
  processes cannot pass controllers down means the grader first moves itself into a leaf of its own.

Where neither can be used, `make_slot_groups` says why and the keeper watches the memory instead
(`keeper.Keeper._watch`). The v2 path is written from the kernel's documented interface
(Documentation/admin-guide/cgroup-v2.rst) and tested against a fake tree (`tests/test_cgroups.py`).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

MOUNT = Path("/sys/fs/cgroup")
SLACK_MB = 256  # beyond memory_mb: the interpreter pages a child copies, its tmpfs folders (at most 128 MB)
CONTROLLERS = ("memory", "pids")


@dataclass
class SlotGroups:
    """One memory and one pids group per slot (v1: two folders a slot; v2: one); `remove()` when done."""

    version: int
    dirs: list[list[Path]] = field(default_factory=list)  # per slot, the folders whose cgroup.procs to join
    run_dirs: list[Path] = field(default_factory=list)  # the run's own folders, removed last

    def procs_files(self, slot: int) -> list[str]:
        """The files a process writes its pid into to join the slot's groups."""
        return [str(folder / "cgroup.procs") for folder in self.dirs[slot]]

    def remove(self, wait_s: float = 5.0) -> None:
        """Remove every group (once their processes are gone: killed ones may take a moment to leave)."""
        folders = [folder for slot in self.dirs for folder in slot]
        for folder in folders:
            _write_if_there(folder / "cgroup.kill", "1")  # v2: anything left in it ends now
        end = time.monotonic() + wait_s
        for folder in [*folders, *self.run_dirs]:
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > end:
                        break
                    time.sleep(0.02)


def make_slot_groups(name: str, slots: int, memory_mb: int, nproc: int, *, mount: Path = MOUNT,
                     euid: int | None = None, self_cgroup: str | None = None,
                     pid: int | None = None) -> tuple[SlotGroups | None, str]:
    """The slot groups of a run called `name`, or (None, why there are none). The keyword arguments
    stand for the machine (tests pass a fake tree)."""
    euid = os.geteuid() if euid is None else euid
    limit = (memory_mb + SLACK_MB) * 2**20
    if (mount / "cgroup.controllers").is_file():
        if self_cgroup is None:
            self_cgroup = Path("/proc/self/cgroup").read_text()
        return _v2(name, slots, limit, nproc, mount, euid, self_cgroup, os.getpid() if pid is None else pid)
    return _v1(name, slots, limit, nproc, mount, euid)


def _v1(name: str, slots: int, limit: int, nproc: int, mount: Path, euid: int) -> tuple[SlotGroups | None, str]:
    memory, pids = mount / "memory", mount / "pids"
    if euid != 0:
        return None, "cgroup v1 groups can only be made by root"
    if not all(folder.is_dir() and os.access(folder, os.W_OK) for folder in (memory, pids)):
        return None, "no writable cgroup v1 memory and pids hierarchies"
    groups = SlotGroups(1, run_dirs=[memory / name, pids / name])
    try:
        for slot in range(slots):
            mem, pid_dir = memory / name / f"slot-{slot}", pids / name / f"slot-{slot}"
            for folder in (mem, pid_dir):
                folder.mkdir(parents=True, exist_ok=True)
            groups.dirs.append([mem, pid_dir])
            (mem / "memory.limit_in_bytes").write_text(str(limit))
            _write_if_there(mem / "memory.memsw.limit_in_bytes", str(limit))  # no swap around it
            (pid_dir / "pids.max").write_text(str(nproc))
    except OSError as exc:
        groups.remove(wait_s=0)
        return None, f"cgroup v1 groups could not be made ({exc})"
    return groups, ""


def _own_v2_path(self_cgroup: str) -> str | None:
    for line in self_cgroup.splitlines():
        if line.startswith("0::"):
            return line[3:].strip()
    return None


def _v2(name: str, slots: int, limit: int, nproc: int, mount: Path, euid: int, self_cgroup: str,
        pid: int) -> tuple[SlotGroups | None, str]:
    if euid == 0:
        parent = mount  # the root group: exempt from the rule against processes beside controllers
    else:
        own = _own_v2_path(self_cgroup)
        if own is None:
            return None, "this process is in no cgroup v2 group"
        parent = mount / own.lstrip("/")
        problem = _delegated(parent, pid)
        if problem:
            return None, problem
    available = set((parent / "cgroup.controllers").read_text().split()) if (parent / "cgroup.controllers").is_file() \
        else set()
    missing = [c for c in CONTROLLERS if c not in available]
    if missing:
        return None, f"the cgroup v2 group {parent} does not offer the {' and '.join(missing)} controller"
    run = parent / name
    groups = SlotGroups(2, run_dirs=[run])
    try:
        if euid != 0:
            _move_into_leaf(parent, name, pid, groups)
        _enable(parent)
        run.mkdir(exist_ok=True)
        _enable(run)
        for slot in range(slots):
            folder = run / f"slot-{slot}"
            folder.mkdir(exist_ok=True)
            groups.dirs.append([folder])
            (folder / "memory.max").write_text(str(limit))
            _write_if_there(folder / "memory.swap.max", "0")  # no swap around it
            (folder / "pids.max").write_text(str(nproc))
    except OSError as exc:
        groups.remove(wait_s=0)
        return None, f"cgroup v2 groups could not be made below {parent} ({exc})"
    return groups, ""


def _delegated(parent: Path, pid: int) -> str:
    """'' when an ordinary user may make groups below `parent` (its own, delegated group), else why not."""
    files = [parent / "cgroup.subtree_control", parent / "cgroup.procs"]
    if not (os.access(parent, os.W_OK) and all(os.access(f, os.W_OK) for f in files)):
        return (f"the grader's cgroup v2 group {parent} is not delegated to this user (run it in a scope of its "
                "own: systemd-run --user --scope -p Delegate=yes autograder grade ...)")
    others = [p for p in (parent / "cgroup.procs").read_text().split() if int(p) != pid]
    if others:
        return (f"the grader's cgroup v2 group {parent} holds {len(others)} other process(es); run the grader in a "
                "scope of its own (systemd-run --user --scope -p Delegate=yes autograder grade ...)")
    return ""


def _move_into_leaf(parent: Path, name: str, pid: int, groups: SlotGroups) -> None:
    """v2 passes controllers down only from groups without processes: the grader moves into a leaf of its own."""
    leaf = parent / f"{name}-grader"
    leaf.mkdir(exist_ok=True)
    (leaf / "cgroup.procs").write_text(str(pid))
    groups.run_dirs.append(leaf)  # removable once the grader has left it (it ends with the grader's scope)


def _enable(folder: Path) -> None:
    """Pass the memory and pids controllers down to `folder`'s children (if not already passed)."""
    control = folder / "cgroup.subtree_control"
    enabled = set(control.read_text().split()) if control.is_file() else set()
    wanted = [c for c in CONTROLLERS if c not in enabled]
    if wanted:
        control.write_text(" ".join(f"+{c}" for c in wanted))


def _write_if_there(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError:
        pass  # not offered by this kernel (no swap accounting, say): the main limit holds
