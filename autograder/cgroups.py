"""Limits on a whole submission, all its processes together, where the kernel offers control groups.

Per-process limits (`confine`) cap each process's memory, and the process count
caps how many there are; but 32 processes of 1 GB each are still 32 GB. As
root, each slot gets a memory and a pids control group, and the slot's student
process joins them before it is confined: together, its processes may hold
`memory_mb` plus some slack (the pages it copies from the zygote, the files in
its folders) and no more than `nproc` tasks. This uses cgroup v1 (a writable
`memory` and `pids` hierarchy, as on this project's machines); elsewhere (a
cgroup v2-only system, no root) `available()` says why not and each process
keeps its own limits only.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

V1 = {"memory": Path("/sys/fs/cgroup/memory"), "pids": Path("/sys/fs/cgroup/pids")}
SLACK_MB = 256  # beyond memory_mb: the interpreter pages a child copies, its tmpfs folders (at most 128 MB)


def available() -> str:
    """'' when slot groups can be made here, else why not."""
    if os.geteuid() != 0:
        return "not running as root"
    if all(os.access(root, os.W_OK) for root in V1.values()):
        return ""
    return "no writable cgroup v1 memory and pids hierarchies"


class SlotGroups:
    """One memory and one pids group per slot, under a folder named for the run; `remove()` when done."""

    def __init__(self, name: str, slots: int, memory_mb: int, nproc: int):
        self.dirs: list[list[Path]] = []
        limit = (memory_mb + SLACK_MB) * 2**20
        for slot in range(slots):
            memory, pids = V1["memory"] / name / f"slot-{slot}", V1["pids"] / name / f"slot-{slot}"
            for folder in (memory, pids):
                folder.mkdir(parents=True, exist_ok=True)
            (memory / "memory.limit_in_bytes").write_text(str(limit))
            _write_if_there(memory / "memory.memsw.limit_in_bytes", str(limit))  # no swap around it
            (pids / "pids.max").write_text(str(nproc))
            self.dirs.append([memory, pids])

    def procs_files(self, slot: int) -> list[str]:
        """The files a process writes its pid into to join the slot's groups."""
        return [str(folder / "cgroup.procs") for folder in self.dirs[slot]]

    def remove(self, wait_s: float = 5.0) -> None:
        """Remove every group (once their processes are gone: killed ones may take a moment to leave)."""
        folders = [folder for slot in self.dirs for folder in slot]
        parents = {folder.parent for folder in folders}
        end = time.monotonic() + wait_s
        for folder in [*folders, *parents]:
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


def _write_if_there(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError:
        pass  # not offered by this kernel (no swap accounting, say): the main limit holds
