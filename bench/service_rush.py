"""A deadline rush against `autograder serve`: N students hand in within a window, each polling for its verdict.

It starts the service for real (`python -m autograder serve` on a free port of 127.0.0.1, SQLite in a temporary
folder, or --db), issues a token per student, then each student uploads the assignment's reference at a random
moment of the window (fixed seed) and polls `GET /api/v1/submissions/{id}` until it is checked. It reports the
time from sending the upload to reading the verdict (p50, p95, max), errors (a reply other than 202, a check that
did not end `done` with full public marks) and lost submissions (acknowledged, then not found or never checked).
Public tools only: httpx and time.perf_counter.

    .venv/bin/python bench/service_rush.py                         # 100 students, hw2, within 60 s
    .venv/bin/python bench/service_rush.py --students 20 --window 10 --json rush.json

Exit code 1 when there is an error or a lost submission.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"Serving the course at (http://\S+)")
CHECKED = ("done", "not_graded")


@dataclass
class Student:
    """One student's upload and what came of it."""

    student_id: str
    token: str
    start_s: float
    submission: str = ""
    seconds: float | None = None
    error: str = ""


@dataclass
class Summary:
    students: int
    window_s: float
    assignment: str
    p50_s: float
    p95_s: float
    max_s: float
    errors: int
    lost: int
    error_samples: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--window", type=float, default=60.0, help="seconds over which the uploads arrive")
    p.add_argument("--assignment", default="hw2")
    p.add_argument("--slots", type=int, default=2, help="the server's --slots")
    p.add_argument("--db", help="a database URL for the server (default: SQLite in its folder)")
    p.add_argument("--poll", type=float, default=0.1, help="seconds between a student's polls")
    p.add_argument("--no-warmup", action="store_true",
                   help="do not hand in one submission before the rush (the first then pays the sandbox's start)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="write the summary here too")
    return p.parse_args(argv)


def issue(data: Path, ids: list[str], db: str | None) -> dict[str, str]:
    """A roster of `ids` and their tokens, through `autograder tokens`."""
    roster = data.parent / "roster.csv"
    with roster.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "first_name", "last_name", "email"])
        writer.writerows([sid, "F", "L", f"{sid}@example.edu"] for sid in ids)
    out = data.parent / "tokens.csv"
    command = [sys.executable, "-m", "autograder", "tokens", "--data", str(data), "--roster", str(roster),
               "--out", str(out)] + (["--db", db] if db else [])
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with out.open() as f:
        return {row["student_id"] or row["role"]: row["token"] for row in csv.DictReader(f)}


def start_server(data: Path, args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """The server in a process of its own, and its URL once it listens."""
    command = [sys.executable, "-m", "autograder", "serve", "--data", str(data), "--port", "0",
               "--slots", str(args.slots)] + (["--db", args.db] if args.db else [])
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: list[str] = []
    ready = threading.Event()

    def drain():
        for line in proc.stdout:
            match = READY.search(line)
            if match and not ready.is_set():
                found.append(match[1])
                ready.set()
            elif "ERROR" in line or "Traceback" in line:
                print("server:", line.rstrip(), file=sys.stderr)

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(120) or proc.poll() is not None:
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, found[0]


async def hand_in(http: httpx.AsyncClient, student: Student, assignment: str, upload: tuple[str, bytes],
                  t0: float, poll: float) -> None:
    """Wait for the student's moment, upload, poll until checked; time and errors into `student`."""
    await asyncio.sleep(max(0.0, t0 + student.start_s - time.perf_counter()))
    headers = {"Authorization": f"Bearer {student.token}"}
    sent = time.perf_counter()
    try:
        reply = await http.post(f"/api/v1/assignments/{assignment}/submissions", headers=headers,
                                files={"file": upload})
        if reply.status_code != 202:
            student.error = f"upload: {reply.status_code} {reply.text[:120]}"
            return
        student.submission = reply.json()["id"]
        state = await wait_checked(http, student.submission, headers, poll)
    except httpx.HTTPError as exc:
        student.error = f"{type(exc).__name__}: {exc}"
        return
    student.seconds = time.perf_counter() - sent
    if state["status"] != "done" or state["score"] != state["max_score"]:
        student.error = f"verdict: {state['status']} {state['score']}/{state['max_score']}"


async def wait_checked(http: httpx.AsyncClient, submission: str, headers: dict, poll: float,
                       timeout: float = 300.0) -> dict:
    deadline = time.perf_counter() + timeout
    while True:
        state = (await http.get(f"/api/v1/submissions/{submission}", headers=headers)).json()
        if state.get("status") in CHECKED or time.perf_counter() > deadline:
            return state
        await asyncio.sleep(poll)


async def lost(http: httpx.AsyncClient, students: list[Student], instructor: str) -> int:
    """Acknowledged submissions the instructor cannot find checked afterwards."""
    headers = {"Authorization": f"Bearer {instructor}"}
    missing = 0
    for s in students:
        if s.submission:
            reply = await http.get(f"/api/v1/submissions/{s.submission}", headers=headers)
            missing += reply.status_code != 200 or reply.json().get("status") not in CHECKED
    return missing


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))] if ordered else float("nan")


async def rush(url: str, tokens: dict[str, str], args: argparse.Namespace) -> Summary:
    from autograder.core.course import get_assignment

    name = get_assignment(args.assignment).files[0]
    content = (ROOT / "reference" / args.assignment / name).read_bytes()
    rng = random.Random(args.seed)
    ids = [f"s{i:03d}" for i in range(args.students)]
    students = [Student(sid, tokens[sid], rng.uniform(0, args.window)) for sid in ids]
    limits = httpx.Limits(max_connections=args.students + 10, max_keepalive_connections=args.students + 10)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        if not args.no_warmup:
            warm = Student("warmup", tokens["warmup"], 0.0)
            await hand_in(http, warm, args.assignment, (name, content), time.perf_counter(), args.poll)
            print(f"warm-up: {warm.seconds:.2f} s {warm.error}".rstrip())
        t0 = time.perf_counter()
        await asyncio.gather(*(hand_in(http, s, args.assignment, (name, content), t0, args.poll) for s in students))
        missing = await lost(http, students, tokens["instructor"])
    times = [s.seconds for s in students if s.seconds is not None]
    errors = [f"{s.student_id}: {s.error}" for s in students if s.error]
    return Summary(args.students, args.window, args.assignment, percentile(times, 0.5), percentile(times, 0.95),
                   max(times, default=float("nan")), len(errors), missing, errors[:5])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="rush-") as tmp:
        data = Path(tmp) / "data"
        tokens = issue(data, [f"s{i:03d}" for i in range(args.students)] + ["warmup"], args.db)
        proc, url = start_server(data, args)
        try:
            summary = asyncio.run(rush(url, tokens, args))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{summary.students} students handed in {summary.assignment} within {summary.window_s:g} s: time to "
          f"verdict p50 {summary.p50_s:.2f} s, p95 {summary.p95_s:.2f} s, max {summary.max_s:.2f} s; "
          f"{summary.errors} errors, {summary.lost} lost")
    for line in summary.error_samples:
        print("  ", line)
    if args.json:
        args.json.write_text(json.dumps(asdict(summary), indent=2) + "\n")
    return 1 if summary.errors or summary.lost else 0


if __name__ == "__main__":
    sys.exit(main())
