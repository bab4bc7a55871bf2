"""Gradescope: build an assignment's autograder zip, and run it inside Gradescope's container.

    autograder gradescope hw2 --out autograder.zip       # the instructor, once per assignment

The zip holds `setup.sh` (run once, as root, when Gradescope builds its image),
`run_autograder` (run for every submission), the engine's source and this
assignment's tests, metadata and probes; never a reference solution. For each
submission, `run` finds the student's file in `/autograder/submission`, grades
it through the same sandbox as `autograder grade`, and writes
`/autograder/results/results.json` in the format of Gradescope's "Autograder
Specifications" (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
Whatever happens, a results.json is written.

The root (`/autograder`) is `$AUTOGRADER_ROOT` when set: the tests simulate
the container's layout in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.core.course import Assignment, get_assignment
from autograder.core.errors import AutograderError
from autograder.core.outfolder import atomic_write
from autograder.core.status import Outcome, Status
from autograder.grading.collect import collect
from autograder.grading.one import grade_one, sandbox_for
from autograder.grading.oracles import STORE
from autograder.grading.protocol import InProcess
from autograder.grading.submissions import Prepared, read_entry
from autograder.reports.feedback import diagnosis_sentence

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = Path("/autograder")
CONFIG_FILE = "gradescope.json"
HIDDEN_VISIBILITIES = ("after_published", "after_due_date", "hidden")
# The same pin as the Makefile: installed first, so the engine's torch range adds nothing to it.
TORCH_REQUIREMENT = "torch==2.13.0"
BUNDLE_SKIPPED = {"__pycache__", "build", "dist", "node_modules"}  # and every dot-file, .egg-info, .pyc
MAX_PRINTED_CHARS = 4000
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed: the same course gives the same zip, byte for byte

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# Python >= 3.11 in a virtual environment of its own; torch pinned first, through
# pip's default configuration (the engine never needs a GPU); then the engine
# from the bundled source. Nothing here names a package host.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install "@TORCH@"
"$ROOT/venv/bin/python" -m pip install "$ROOT/source"
# Fail the image build now, not at the first submission, if the tests cannot be loaded.
"$ROOT/venv/bin/python" -m autograder.gradebooks.gradescope --check-install --root "$ROOT"
# Last: the hidden tests and stored oracle values readable by root only (submissions run as another user).
"$ROOT/venv/bin/python" -m autograder.gradebooks.gradescope --lock-down --root "$ROOT"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It always leaves results/results.json:
# the engine writes it, and if the engine could not even start, this script does.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if [ -x "$ROOT/venv/bin/python" ]; then PYTHON="$ROOT/venv/bin/python"; else PYTHON="$(command -v python3)"; fi
fi
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
cd "$ROOT" || exit 1
# -P: the working folder is not importable; the bundled engine comes first.
PYTHONPATH="$ROOT/source" "$PYTHON" -P -m autograder.gradebooks.gradescope --root "$ROOT"
if [ ! -s "$ROOT/results/results.json" ]; then
    cat > "$ROOT/results/results.json" <<'JSON'
@FALLBACK@
JSON
fi
exit 0
"""

GRADER_FAILED = ("The autograder failed before it could grade your submission. This is not your fault: "
                 "your instructor can see what went wrong. Resubmit later or tell your instructor.")
MISCONFIGURED = ("The autograder is misconfigured, so your submission was not graded. This is not your fault: "
                 "your instructor can see what went wrong. Resubmit later or tell your instructor.")


@dataclass(frozen=True)
class Bundle:
    """What `build_autograder_zip` wrote."""

    path: Path
    assignment: Assignment
    files: tuple[str, ...]
    tests: int


# -- building the zip ------------------------------------------------------------------------
def _files(top: Path, skipped: set[str]) -> list[Path]:
    """Regular files under `top` (no symlinks), leaving out dot-files and folders named in `skipped`."""
    def wanted(path: Path) -> bool:
        parts = path.relative_to(top).parts
        return path.is_file() and not path.is_symlink() and not any(
            part in skipped or part.startswith(".") or part.endswith(".egg-info") for part in parts)

    return [p for p in sorted(top.rglob("*")) if wanted(p)] if top.is_dir() else []


def _tree(top: Path, prefix: str) -> dict[str, Path]:
    return {f"{prefix}/{p.relative_to(top).as_posix()}": p for p in _files(top, BUNDLE_SKIPPED)
            if p.suffix not in (".pyc", ".pyo", ".zip")}


def fallback_results() -> dict:
    """The results.json `run_autograder` writes when the engine could not start at all."""
    return {"score": 0.0, "execution_time": 0.0, "output": GRADER_FAILED, "output_format": "text",
            "stdout_visibility": "hidden", "tests": [], "extra_data": {"status": "grader_error"}}


def bundle_contents(assignment: Assignment, hidden_visibility: str) -> dict[str, Path | str]:
    """Name in the zip -> file to copy (Path) or text: scripts, config, engine, this assignment only."""
    engine = Path(__file__).resolve().parents[1]  # the whole package, not only gradebooks/
    project = engine.parent
    if not (project / "pyproject.toml").is_file():
        raise AutograderError(f"{project}: no pyproject.toml; build the zip from a checkout of the project")
    readme = project / "README.md"
    config = {"assignment": assignment.name, "hidden_visibility": hidden_visibility}
    contents: dict[str, Path | str] = {
        "setup.sh": SETUP_SH.replace("@TORCH@", TORCH_REQUIREMENT),
        "run_autograder": RUN_AUTOGRADER.replace("@FALLBACK@", json.dumps(fallback_results())),
        CONFIG_FILE: json.dumps(config, indent=2) + "\n",
        "pyproject.toml": project / "pyproject.toml",
        # pyproject.toml names a readme: without one, the engine would not install.
        "README.md": readme if readme.is_file() else "# backprop-autograder\n\nThe engine, bundled for Gradescope.\n",
    }
    contents.update(_tree(engine, "autograder"))
    contents.update(_tree(assignment.root, f"assignments/{assignment.name}"))
    return contents


def _entry(name: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_autograder_zip(assignment: str | Assignment, out_path: Path,
                         hidden_visibility: str = "after_published") -> Bundle:
    """Write the Gradescope autograder zip of one assignment to `out_path`; checks its tests load first."""
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise AutograderError(f"hidden tests' visibility must be one of {', '.join(HIDDEN_VISIBILITIES)}, "
                              f"not {hidden_visibility!r}")
    assignment = get_assignment(assignment) if isinstance(assignment, str) else assignment
    specs = collect(assignment)  # a broken test file fails here, not on Gradescope
    contents = bundle_contents(assignment, hidden_visibility)
    out_path = Path(out_path)
    if out_path.exists() and out_path.is_dir():
        raise AutograderError(f"--out {out_path} is a folder; give a file name such as autograder.zip")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for name, source in sorted(contents.items()):
                data = source.read_bytes() if isinstance(source, Path) else source.encode("utf-8")
                zf.writestr(_entry(name, name in ("setup.sh", "run_autograder")), data)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return Bundle(out_path, assignment, tuple(sorted(contents)), len(specs))


# -- results.json ----------------------------------------------------------------------------
HIDDEN_NOTE = {
    "after_published": "Hidden tests: their results, and your total, appear when your instructor publishes the grades.",
    "after_due_date": "Hidden tests: their results, and your total, appear after the due date.",
    "hidden": "Hidden tests: their results are for your instructor only.",
}


def _test_entry(outcome, hint: str, hidden_visibility: str) -> dict:
    passed = outcome.outcome == Outcome.PASSED
    return {
        "name": outcome.test,
        "score": outcome.points,
        "max_score": outcome.max_points,
        "status": "passed" if passed else "failed",
        "visibility": "visible" if outcome.visibility == "public" else hidden_visibility,
        "output": f"What this test checks: {hint}" if passed else "\n".join(
            [outcome.message, *([diagnosis_sentence(outcome.diagnosis)] if outcome.diagnosis else [])]),
        "tags": [outcome.visibility],
    }


def _summary(assignment: Assignment, result, hidden_visibility: str, notes: list[str]) -> str:
    """The text shown above the tests: what was graded, never a score (hidden tests' points stay hidden), and
    nothing of how the grader is confined (that would tell an attacker what a submission can reach)."""

    lines = []
    if result.graded:
        lines.append(f"{assignment.title} ({assignment.name}): your {', '.join(assignment.files)} was tested.")
        if any(o.visibility != "public" for o in result.outcomes):
            lines.append(HIDDEN_NOTE[hidden_visibility])
    else:
        lines += [f"Status: {Status(result.status).explanation}.", result.message]
    if assignment.questions:
        lines.append(f"Written answers ({assignment.manual_points:g} points) are graded separately, by a person.")
    lines += [f"Note: {n}" for n in notes]
    if result.output.strip():
        printed = result.output.rstrip()
        cut = printed[:MAX_PRINTED_CHARS] + ("\n[...]" if len(printed) > MAX_PRINTED_CHARS else "")
        lines += ["", "What your code printed (all tests together):", cut]
    return "\n".join(lines)


def results_json(assignment: Assignment, specs, result, *, hidden_visibility: str = "after_published",
                 notes: tuple[str, ...] | list[str] = (), warning: str = "", elapsed_s: float = 0.0, isolated: bool = False) -> dict:
    """Gradescope's results.json for one graded (or ungradable) submission. The isolation `warning` goes to
    `extra_data`, which students do not see, never to the text they see."""
    hints = {s.name: s.hint for s in specs}
    notes = [*notes, *result.extra.get("notes", [])]
    return {
        "score": result.score,
        "execution_time": round(elapsed_s, 3),
        "output": _summary(assignment, result, hidden_visibility, notes),
        "output_format": "text",  # what a student's code printed is never rendered as HTML
        "stdout_visibility": "hidden",  # the grader's log, for instructors
        "tests": [_test_entry(o, hints.get(o.test, ""), hidden_visibility) for o in result.outcomes],
        "extra_data": {"assignment": assignment.name, "status": result.status, "digest": result.digest,
                       "isolated": isolated, **({"isolation_warning": warning} if warning else {})},
    }


def grader_failed(message: str, elapsed_s: float, output: str = GRADER_FAILED) -> dict:
    """results.json when the grader itself failed: zero, and a message that says it is not the student's doing."""
    data = fallback_results()
    data["execution_time"] = round(elapsed_s, 3)
    data["output"] = output
    data["extra_data"]["error"] = message
    return data


# -- running inside the container -----------------------------------------------------------
def root_dir(root: Path | None = None) -> Path:
    return Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT)


def load_config(root: Path) -> tuple[Assignment, str]:
    """The bundled assignment and the hidden tests' visibility, from `source/gradescope.json`."""
    path = root / "source" / CONFIG_FILE
    try:
        config = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise AutograderError(f"{path}: unreadable ({exc}); rebuild the zip with `autograder gradescope`") from None
    visibility = config.get("hidden_visibility", "after_published")
    if visibility not in HIDDEN_VISIBILITIES:
        raise AutograderError(f"{path}: hidden_visibility {visibility!r} is not one of {HIDDEN_VISIBILITIES}")
    return get_assignment(str(config.get("assignment", "")), root / "source"), visibility


def _grade(assignment: Assignment, specs, prepared: Prepared, log):
    """(result, isolation warning, isolated?) of the uploaded submission, through the sandbox."""
    if not prepared.ok:
        return grade_one(assignment, specs, prepared, InProcess()), "", False  # nothing of it runs
    # Without namespaces (Docker's default), a root grader still runs the submission as a user of its own, and
    # `run` has checked that the hidden tests and oracle values are closed to such users: partial is allowed then.
    with sandbox_for(assignment, notebooks=prepared.cells is not None, allow_partial=os.geteuid() == 0) as sandbox:
        log(f"isolation: {sandbox.label} {sandbox.warning}".rstrip())
        return grade_one(assignment, specs, prepared, sandbox), sandbox.warning, sandbox.isolated


def run(root: Path | None = None, log=print) -> dict:
    """Grade `ROOT/submission` and write `ROOT/results/results.json`; returns what was written. Never raises
    for the submission's sake or the grader's: a failure becomes a results.json that says so."""
    root, start = root_dir(root), time.perf_counter()
    try:
        assignment, visibility = load_config(root)
        log(f"engine: {Path(__file__).resolve().parents[1]}\nassignment: {assignment.name} ({assignment.root})")
        _close_run_folders(root)
        exposed = exposed_secrets(root)
        if exposed:
            raise Misconfigured(f"readable by other users, so by a submission: {', '.join(exposed)}; setup.sh "
                                f"must end with `python -m autograder.gradebooks.gradescope --lock-down` (rebuild the zip)")
        specs = collect(assignment)
        # The upload is read as any entry is (grading.resolve's rules: any names, any folders, never a link).
        prepared = read_entry(assignment, "submission", root / "submission")
        log(f"files: {sorted(prepared.files) or prepared.message}")
        result, warning, isolated = _grade(assignment, specs, prepared, log)
        data = results_json(assignment, specs, result, hidden_visibility=visibility,
                            warning=warning, elapsed_s=time.perf_counter() - start, isolated=isolated)
        log(f"status: {result.status}; score {result.score:g}/{result.max_score:g}; {data['execution_time']} s")
    except Exception as exc:  # the grader's own failure: still a results.json, and the traceback for instructors
        log(traceback.format_exc())
        data = grader_failed(f"{type(exc).__name__}: {exc}", time.perf_counter() - start,
                             MISCONFIGURED if isinstance(exc, Misconfigured) else GRADER_FAILED)
    atomic_write(root / "results" / "results.json", json.dumps(data, indent=2) + "\n")
    return data


# -- keeping the hidden tests from the submission ---------------------------------------------------
class Misconfigured(Exception):
    """The autograder's installation lets a submission read what it must not: nothing is graded."""


def _secrets(root: Path) -> tuple[list[Path], list[Path]]:
    """(each bundled assignment's `hidden/` folder, what no submission may read: all that these hold, and every
    stored oracle values file, `oracles.json`, public ones too)."""
    assignments = root / "source" / "assignments"
    hidden = sorted(p for p in assignments.glob("*/hidden") if p.is_dir() and not p.is_symlink())
    inside = {p for folder in hidden for p in folder.rglob("*")}
    return hidden, sorted(inside | set(assignments.rglob(STORE)))


def exposed_secrets(root: Path) -> list[str]:
    """The secret paths (relative to `root`) that users other than their owner may reach. A `hidden/` folder
    closed to them protects all it holds; an `oracles.json` elsewhere must be closed itself."""
    hidden, secrets = _secrets(root)
    loose = [*hidden, *(p for p in secrets if not any(folder in p.parents for folder in hidden))]
    return [p.relative_to(root).as_posix() for p in loose if os.lstat(p).st_mode & 0o077]


def _close_run_folders(root: Path) -> None:
    """The student's upload and the results folder: writable by their owner only (root on Gradescope), so that
    a submission can neither change its upload nor plant a file or a link where results.json is written."""
    for folder in (root / "submission", root / "results"):
        if folder.is_dir() and not folder.is_symlink():
            os.chmod(folder, os.lstat(folder).st_mode & 0o7755)


def lock_down(root: Path | None = None) -> int:
    """For setup.sh, once installed: the hidden tests and oracle values readable by root (their owner) only,
    the run's folders closed to others' writes. 0, or 1 and why (which fails the image's build)."""
    root = root_dir(root)
    hidden, secrets = _secrets(root)
    if not hidden:
        print(f"the autograder cannot be locked down: no assignments/*/hidden under {root / 'source'}",
              file=sys.stderr)
        return 1
    as_root = os.geteuid() == 0
    for path in [*hidden, *secrets]:
        if not path.is_symlink():
            if as_root:
                os.chown(path, 0, 0, follow_symlinks=False)
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    _close_run_folders(root)
    print(f"locked down: {len(hidden)} hidden folder(s) and {len(secrets)} file(s) in them or of oracle values, "
          f"readable by {'root' if as_root else 'their owner'} only")
    return 0


def check_install(root: Path | None = None) -> int:
    """For setup.sh: the bundled assignment and its tests load in this environment (0), or not (1)."""
    try:
        assignment, _ = load_config(root_dir(root))
        print(f"{assignment.name}: {len(collect(assignment))} tests load; ready to grade")
    except Exception as exc:
        print(f"the autograder cannot grade here: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m autograder.gradebooks.gradescope [--root ROOT] [--check-install | --lock-down]`: what `run_autograder` and
    `setup.sh` call."""
    parser = argparse.ArgumentParser(prog="python -m autograder.gradebooks.gradescope", description=main.__doc__)
    parser.add_argument("--root", type=Path, default=None, help=f"default: ${ROOT_ENV}, else {DEFAULT_ROOT}")
    parser.add_argument("--check-install", action="store_true", help="only check that the tests load")
    parser.add_argument("--lock-down", action="store_true",
                        help="make the hidden tests and oracle values readable by root only (setup.sh, last)")
    args = parser.parse_args(argv)
    if args.check_install:
        return check_install(args.root)
    if args.lock_down:
        return lock_down(args.root)
    run(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
