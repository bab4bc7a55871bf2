"""Saved results, OUT/.results/<id>.json: written as each submission finishes, checked in full before reuse.

A saved result is used only when every field has its type, there is one well-formed outcome per current test
with finite points within 0..that test's points, and its tests key (and digest, for a submission at hand)
match: anything else is graded again, never trusted and never a crash.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from autograder.core.course import Assignment
from autograder.core.outfolder import read_own
from autograder.core.results import SubmissionResult, TestOutcome
from autograder.core.status import Outcome, Status
from autograder.grading.collect import HIDDEN, PUBLIC

RESULT_FIELDS = {f.name for f in dataclasses.fields(SubmissionResult)} | {"tests_key"}
OUTCOME_FIELDS = {f.name for f in dataclasses.fields(TestOutcome)}
_OUTCOMES, _STATUSES = {o.value for o in Outcome}, {s.value for s in Status}  # a saved word must be a known one


def result_to_json(result: SubmissionResult, key: str) -> str:
    return json.dumps({**dataclasses.asdict(result), "tests_key": key})


def _text(value) -> bool:
    return type(value) is str


def _number(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _outcome(data, points: dict[str, float]) -> TestOutcome | None:
    if type(data) is not dict or set(data) != OUTCOME_FIELDS:
        return None
    if not (_text(data["test"]) and data["test"] in points and data["visibility"] in (PUBLIC, HIDDEN)
            and data["outcome"] in _OUTCOMES and _text(data["message"]) and _text(data["diagnosis"])):
        return None
    if not all(_number(data[k]) for k in ("points", "max_points", "duration_s")):
        return None
    most = points[data["test"]]
    if abs(data["max_points"] - most) > 1e-9 or not 0 <= data["points"] <= most + 1e-9 or data["duration_s"] < 0:
        return None
    return TestOutcome(**{**data, "outcome": Outcome(data["outcome"])})


def _extra(data) -> bool:
    if type(data) is not dict or not set(data) <= {"notes", "answers", "files", "timeouts"}:
        return False
    lists = [data.get(key, []) for key in ("notes", "files", "timeouts")]
    answers = data.get("answers", {})
    return (all(type(texts) is list and all(map(_text, texts)) for texts in lists) and type(answers) is dict
            and all(_text(k) and _text(v) for k, v in answers.items()))


def parse_result(data, assignment: Assignment, student_id: str, key: str) -> SubmissionResult | None:
    """The result a saved record holds for `student_id` under tests `key`, or None unless it is well formed."""
    if type(data) is not dict or set(data) != RESULT_FIELDS or data["student_id"] != student_id:
        return None
    if data["tests_key"] != key or data["status"] not in _STATUSES:
        return None
    if not (all(_text(data[k]) for k in ("message", "output", "digest", "isolation")) and _extra(data["extra"])):
        return None
    if not (_number(data["duration_s"]) and data["duration_s"] >= 0 and type(data["outcomes"]) is list):
        return None
    outcomes = tuple(_outcome(o, assignment.points) for o in data["outcomes"])
    if None in outcomes or sorted(o.test for o in outcomes) != sorted(assignment.points):
        return None
    return SubmissionResult(**{k: v for k, v in data.items() if k not in ("tests_key", "outcomes", "status")},
                            status=Status(data["status"]), outcomes=outcomes)


def _load(path: Path):
    try:
        return json.loads(read_own(path) or b"null")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
        return None


def load_saved(cache_dir: Path, assignment: Assignment, key: str, student_id: str,
               digest: str) -> SubmissionResult | None:
    """The saved result of the submission at hand (same content, same tests), unless it must be graded again:
    a grader's failure always is."""
    result = parse_result(_load(cache_dir / f"{student_id}.json"), assignment, student_id, key)
    if result is None or result.digest != digest or not result.has_score:
        return None
    return result


def earlier_results(cache_dir: Path, assignment: Assignment, key: str,
                    exclude: set[str]) -> tuple[list[SubmissionResult], list[str]]:
    """The saved results of students not in `exclude` (this run's folder): (usable ones, ids of the others)."""
    usable, unusable = [], []
    for path in sorted(cache_dir.glob("*.json")):
        sid = path.stem
        if sid in exclude or sid.startswith("."):
            continue
        result = parse_result(_load(path), assignment, sid, key)
        if result is None:
            unusable.append(sid)
        else:
            usable.append(result)
    return usable, unusable


def drop_saved(cache_dir: Path, student_ids: list[str]) -> None:
    """Delete the saved results of these students, where the file is one the grader saved for that student."""
    for sid in student_ids:
        path = cache_dir / f"{sid}.json"
        data = _load(path)
        if isinstance(data, dict) and data.get("student_id") == sid:
            path.unlink()
