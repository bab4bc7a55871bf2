"""What each sandbox backend guarantees, in words for the people who run the grader.

The backends themselves are `confine`'s; `sandbox` probes which one this machine allows. This module
only says what the choice means: the line the summary and the report show, what a submission can do
when isolation is partial, and, when full isolation is refused, what is missing and how to allow it.
"""
from __future__ import annotations

import getpass
import os
from pathlib import Path

from autograder.isolation.confine import FULL, PROCESS_ONLY, ROOT_NAMESPACES, UID_ONLY, USER_NAMESPACES

ALLOW_FLAG = "--allow-partial-isolation"

LABELS = {
    ROOT_NAMESPACES: "full (root: namespaces, a PID namespace per submission, an unprivileged uid per slot)",
    USER_NAMESPACES: "full (rootless: an unprivileged user namespace per slot, a PID namespace per submission)",
    UID_ONLY: "partial (root without namespaces: an unprivileged uid per slot)",
    PROCESS_ONLY: "partial (none: submissions run as the grader's own user)",
}


def label(backend: str) -> str:
    """One line for the summary, the report and each result: the backend and what it amounts to."""
    return LABELS.get(backend, backend)


def partial_rights(backend: str) -> str:
    """What a submission can do where isolation is partial ('' where it is full)."""
    if backend in FULL:
        return ""
    if backend == UID_ONLY:
        return ("each submission runs as an unprivileged user of its own, with time, memory and process limits, "
                "but it can read every world-readable file on this machine (hidden tests included, unless only "
                "root can read them) and reach the network.")
    return (f"submissions run as you ({_user()}): they can read and change every file you can (the hidden tests, "
            "the reference, the output folder), signal and kill your processes, leave processes running after "
            "grading, and reach the network. Grade only trusted code (your own solutions) this way.")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def refusal(tried: dict[str, str], euid: int, sysctl: Path = Path("/proc/sys"), root: Path = Path("/")) -> str:
    """Why nothing is graded: each backend tried and why it failed, the one thing to change, the way out."""
    lines = ["full isolation is not available on this machine, so nothing was graded."]
    lines += [f"  {backend}: {reason}" for backend, reason in tried.items()]
    lines.append(f"To allow it: {fix_hint(euid, sysctl, root)}")
    partial = UID_ONLY if euid == 0 else PROCESS_ONLY
    lines.append(f"To grade trusted code anyway (your own solutions), pass {ALLOW_FLAG}: then {partial_rights(partial)}")
    return "\n".join(lines)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def fix_hint(euid: int, sysctl: Path = Path("/proc/sys"), root: Path = Path("/")) -> str:
    """The setting or command that lets this machine isolate submissions (`sysctl` and `root` are for tests)."""
    in_container = (root / ".dockerenv").exists() or (root / "run/.containerenv").exists()
    container = ("in a container, start it with `--security-opt seccomp=unconfined --security-opt "
                 "apparmor=unconfined` (Docker, Podman), or give root in it CAP_SYS_ADMIN (`--cap-add SYS_ADMIN`)")
    if euid == 0:
        return container if in_container else ("the kernel refused namespaces to root; " + container)
    if _read(sysctl / "kernel/apparmor_restrict_unprivileged_userns") == "1":
        return ("this system's AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later): "
                "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile that "
                "allows `userns` for this Python, or grade as root")
    if _read(sysctl / "kernel/unprivileged_userns_clone") == "0":
        return "`sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian's switch for user namespaces), or grade as root"
    if _read(sysctl / "user/max_user_namespaces") == "0":
        return "`sudo sysctl -w user.max_user_namespaces=15000` (user namespaces are turned off), or grade as root"
    if in_container:
        return container + ", or grade as root in it"
    return "grade as root (for example with sudo, or in a container), where the grader uses root's namespaces"
