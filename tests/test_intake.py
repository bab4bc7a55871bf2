"""Submission files are data, never links: attack entries in a folder of submissions, each refused in a row of its own.

Every attack entry is named for the score it must get. The batch also holds
honest students, graded as usual, and a file outside the submissions whose
text (SECRET) must reach no output.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from autograder.api import grade_batch
from autograder.core.course import get_assignment
from autograder.core.safefiles import RefusedFile, read_regular_file
from autograder.grading.submissions import read_entry
from autograder.isolation.sandbox import Limits
from tests.conftest import write_class

LIMITS = Limits(call_timeout_s=3, submission_timeout_s=8, cpu_s=8, memory_mb=512)
SECRET = "TOPSECRET-7f3a91"
SPARSE_BYTES = 3 * 2**30


def _secret_solution(course: Path) -> str:
    return (course / "reference" / "toy" / "toy.py").read_text() + f"\n# {SECRET}\n"


def build_attacks(subs: Path, course: Path, outside: Path) -> dict[str, str]:
    """Make the attack entries in `subs`; student id -> what its message must say."""
    outside.mkdir()
    (outside / "secret.py").write_text(_secret_solution(course))  # would score full marks if read
    (outside / "answers.md").write_text(f"## q1\n{SECRET}\n")
    reference = course / "reference" / "toy" / "toy.py"
    expect = {}

    def link(name: str, target: Path | str, why: str = "is a symbolic link") -> None:
        (subs / name).symlink_to(target)
        expect[Path(name).stem] = why

    link("symlink_to_classmate__zero.py", subs / "classmate__full.py")
    link("symlink_outside__zero.py", outside / "secret.py")
    link("symlink_to_reference__zero.py", reference)
    link("symlink_to_etc_shadow__zero.py", "/etc/shadow")
    link("symlink_to_pagemap__zero.py", "/proc/self/pagemap")
    link("symlinked_entry_into_hidden__zero", course / "assignments" / "toy" / "hidden")
    link("symlinked_entry_into_reference__zero", course / "reference" / "toy")
    os.link(outside / "secret.py", subs / "hard_link_outside__zero.py")
    expect["hard_link_outside__zero"] = "is a hard link (the same file has 2 names"
    for name in ("file_symlink_in_folder__zero", "answers_symlink_in_folder__zero"):
        (subs / name).mkdir()
    (subs / "file_symlink_in_folder__zero" / "toy.py").symlink_to(outside / "secret.py")
    expect["file_symlink_in_folder__zero"] = "file_symlink_in_folder__zero/toy.py is a symbolic link"
    (subs / "answers_symlink_in_folder__zero" / "toy.py").write_text(reference.read_text())
    (subs / "answers_symlink_in_folder__zero" / "answers.md").symlink_to(outside / "answers.md")
    expect["answers_symlink_in_folder__zero"] = "answers_symlink_in_folder__zero/answers.md is a symbolic link"
    os.mkfifo(subs / "named_pipe__zero.py")
    expect["named_pipe__zero"] = "named_pipe__zero.py is a named pipe, not a regular file"
    with open(subs / "sparse_file__zero.py", "wb") as f:
        f.truncate(SPARSE_BYTES)
    expect["sparse_file__zero"] = "sparse_file__zero.py is larger than 2000000 bytes"
    (subs / "deep_notebook__zero.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    expect["deep_notebook__zero"] = "deep_notebook__zero.ipynb is not a valid notebook: its JSON is nested too deeply"
    (subs / "notebook_cell_not_a_cell__zero.ipynb").write_text(json.dumps({"nbformat": 4, "cells": [[1]]}))
    expect["notebook_cell_not_a_cell__zero"] = "its cell 1 is not a cell"
    (subs / "not_utf8__zero.py").write_bytes(b"def square(x):\n    return x * x  # \xff\xfe\n")
    expect["not_utf8__zero"] = "is not UTF-8 text"
    return expect


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    from tests.conftest import write_course

    base = tmp_path_factory.mktemp("intake")
    course = write_course(base / "course")
    os.environ["AUTOGRADER_COURSE"] = str(course)
    try:
        subs = write_class(base / "subs", course, {"classmate__full": "@reference", "honest__full": "@reference",
                                                   "template__zero": "@template"})
        expect = build_attacks(subs, course, base / "outside")
        batch = grade_batch("toy", subs, base / "out", jobs=2, limits=LIMITS)
    finally:
        del os.environ["AUTOGRADER_COURSE"]
    return batch, expect, base


def test_every_attack_entry_gets_its_own_invalid_row_with_a_clear_message(attacked):
    batch, expect, base = attacked
    rows = {r.student_id: r for r in batch.results}
    for sid, phrase in expect.items():
        row = rows[sid]
        assert (row.status, row.score) == ("invalid", 0), (sid, row.status, row.message)
        assert phrase in row.message, (sid, row.message)
        for elsewhere in (str(base), "/etc", "/proc", "test_hidden", "oracles"):
            assert elsewhere not in row.message, (sid, row.message)


def test_honest_students_in_the_same_batch_are_graded_and_the_report_is_written(attacked):
    batch, expect, base = attacked
    rows = {r.student_id: r for r in batch.results}
    assert rows["classmate__full"].score == rows["honest__full"].score == 4
    assert rows["template__zero"].status == "graded" and rows["template__zero"].score == 0
    assert len(batch.results) == len(expect) + 3
    grades = pd.read_csv(base / "out" / "grades.csv").set_index("student_id")
    assert (grades.loc[list(expect), "status"] == "invalid").all()
    assert (base / "out" / "report.html").is_file()


def test_nothing_of_a_linked_file_reaches_any_output(attacked):
    _, expect, base = attacked
    out = base / "out"
    texts = [(out / "grades.csv").read_text(), (out / "tests.csv").read_text()]
    texts += [p.read_text() for p in (out / "feedback").glob("*.md")]
    texts += [p.read_text() for p in out.glob("review.*")]
    for text in texts:
        assert SECRET not in text
        assert "test_hidden.py" not in text and "toy.ipynb" not in text  # the linked folders' file names
    assert sorted(p.stem for p in (out / "feedback").glob("*.md")) == sorted([*expect, "classmate__full",
                                                                             "honest__full", "template__zero"])


def read_in_a_child(course: Path, entry: Path, setup: str) -> str:
    """'status message' of `read_entry` on `entry`, in a fresh process that first runs `setup` (a limit that
    would turn a careless read into a crash, which must not take the test run down with it)."""
    code = ("import resource, sys; from pathlib import Path\n"
            "from autograder.core.course import get_assignment\nfrom autograder.grading.submissions import read_entry\n"
            f"{setup}\n"
            "p = read_entry(get_assignment('toy'), Path(sys.argv[1]).stem, Path(sys.argv[1]))\n"
            "print(p.status, p.message)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(entry)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "AUTOGRADER_COURSE": str(course)})
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    return proc.stdout.strip()


def test_a_sparse_file_of_gigabytes_is_refused_before_it_is_read(toy_course, tmp_path):
    """Under a 1.5 GB address-space limit: reading the 3 GB file into memory would fail with MemoryError."""
    entry = tmp_path / "sparse__zero.py"
    with open(entry, "wb") as f:
        f.truncate(SPARSE_BYTES)
    limit = "resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, resource.RLIM_INFINITY))"
    assert read_in_a_child(toy_course, entry, limit) == "invalid sparse__zero.py is larger than 2000000 bytes"


def test_a_deep_notebook_is_refused_even_under_a_raised_recursion_limit(toy_course, tmp_path):
    """json's parser recurses on the C stack: with the limit raised (a library, a test run in the grader's
    process) 100,000 levels would crash the grader; the depth is measured before anything is parsed."""
    entry = tmp_path / "deep__zero.ipynb"
    entry.write_text('{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert read_in_a_child(toy_course, entry, "sys.setrecursionlimit(1_000_000)") == \
        "invalid deep__zero.ipynb is not a valid notebook: its JSON is nested too deeply"


def test_the_reader_refuses_what_is_not_the_students_own_regular_file(tmp_path):
    (tmp_path / "entry" / "sub").mkdir(parents=True)
    (tmp_path / "entry" / "sub" / "ok.py").write_text("x = 1\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.py").write_text(SECRET)
    (tmp_path / "entry" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "entry" / "grows.py").write_text("12345")
    assert read_regular_file(tmp_path, "entry/sub/ok.py", 6) == b"x = 1\n"
    cases = {"entry/linked/a.py": "entry/linked is a symbolic link",
             "entry/sub/ok.py": "entry/sub/ok.py is larger than 5 bytes",
             "entry/sub": "entry/sub is a folder, not a regular file",
             "entry/absent.py": "entry/absent.py was not found",
             "entry/../elsewhere/a.py": "is not a file name inside the submission"}
    for rel, message in cases.items():
        with pytest.raises(RefusedFile, match=message.replace(".", r"\.")):
            read_regular_file(tmp_path, rel, 5)


def test_check_reads_a_students_own_folder_the_same_way(toy_course, tmp_path):
    """`autograder check` on the current folder ('.') reads it like any entry."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "toy.py").symlink_to(toy_course / "reference" / "toy" / "toy.py")
    cwd = os.getcwd()
    os.chdir(tmp_path / "mine")
    try:
        prepared = read_entry(get_assignment("toy"), "mine", Path("."))
    finally:
        os.chdir(cwd)
    assert prepared.status == "invalid" and "mine/toy.py is a symbolic link" in prepared.message
