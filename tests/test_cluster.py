"""Grading on Dask workers: the same grades as a local run, on a LocalCluster and on a scheduler and workers
started as processes of their own; a worker killed mid-batch, a submission that kills its worker, a killed
client resumed, workers that cannot isolate; and what a worker receives (never the reference)."""
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import WorkerPlugin

from autograder import api
from autograder.cli import main
from autograder.cluster import INSTALL, cluster_for
from autograder.cluster.bundle import bundle_of, unpack
from autograder.cluster.client import DaskCluster, chunks
from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.core.outfolder import RESULTS_DIR
from autograder.exitcodes import ExitCode
from autograder.grading.collect import collect
from autograder.isolation.sandbox import Limits
from tests.conftest import ROOT, write_class

LIMITS = Limits(call_timeout_s=3, submission_timeout_s=8, cpu_s=8, memory_mb=512)
SLOW = "import time\ndef square(x):\n    time.sleep(0.3)\n    return x * x\ndef cube(x):\n    return x ** 3\n"
CLASS = {
    "full_marks": "@reference",
    "zero_template": "@template",
    "partial_no_cube": "import numpy as np\ndef square(x):\n    return x * x\n",
    "zero_syntax_error": "def square(x)\n",
    "forbidden": "import torch\ndef square(x):\n    return x * x\n",
    **{f"slow{i}": SLOW for i in range(5)},
}


def same_grades(out: Path, local: Path, without: tuple[str, ...] = ()) -> None:
    """grades.csv, tests.csv and every feedback file of `out` equal `local`'s, durations aside."""
    for name in ("grades.csv", "tests.csv"):
        ours, theirs = (pd.read_csv(folder / name).drop(columns="duration_s") for folder in (out, local))
        ours, theirs = (frame[~frame.student_id.isin(without)].reset_index(drop=True) for frame in (ours, theirs))
        pd.testing.assert_frame_equal(ours, theirs)
    feedback = sorted(p.name for p in (local / "feedback").iterdir() if p.stem not in without)
    assert feedback and feedback == sorted(p.name for p in (out / "feedback").iterdir() if p.stem not in without)
    for name in feedback:
        assert (out / "feedback" / name).read_text() == (local / "feedback" / name).read_text(), name


@pytest.fixture
def local_run(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, CLASS)
    api.grade_batch("toy", subs, tmp_path / "local", jobs=2, limits=LIMITS)
    return subs, tmp_path / "local"


class Watched(DaskCluster):
    """A local:2 cluster whose client the test can reach, with plugins of the test's own set up first."""

    def __init__(self, *plugins, address=None):
        super().__init__(address=address, workers=0 if address else 2)
        self.plugins, self.client = plugins, None

    def connect(self):
        local, self.client = super().connect()
        self.local = local
        for plugin in self.plugins:
            self.client.register_plugin(plugin, name=type(plugin).__name__)
        return local, self.client


# -- what a worker gets --------------------------------------------------------------------------------------------
def test_a_worker_gets_the_tests_oracles_and_metadata_never_the_reference(toy_course, tmp_path):
    assignment = get_assignment("toy")
    bundle = bundle_of(assignment)
    assert sorted(bundle.files) == ["assignment.toml", "hidden/test_hidden.py", "public/test_public.py"]
    hw5 = get_assignment("hw5", ROOT)  # the course's own: probes, stored oracle values and mistakes' answers too
    assert sorted(bundle_of(hw5).files) == ["assignment.toml", "hidden/mistakes.json", "hidden/oracles.json",
                                            "hidden/test_hidden.py", "probes.py", "public/test_public.py"]
    reference = (toy_course / "reference" / "toy" / "toy.py").read_text()
    assert not any("return x * square(x)" in text for text in bundle.files.values()) and "x * square(x)" in reference
    unpacked = unpack(bundle, tmp_path)
    course = unpacked.course_root
    assert stat.S_IMODE(course.stat().st_mode) == 0o700  # no slot's user may enter it
    assert not (course / "reference").exists() and not (course / "student_template").exists()
    assert unpacked.points == assignment.points and unpacked.files == assignment.files
    assert [s.name for s in collect(unpacked)] == [s.name for s in collect(assignment)]
    with pytest.raises(ValueError, match="not a path inside"):
        unpack(type(bundle)("toy", {"../escape.py": "x"}), tmp_path)


def test_chunks_shrink_to_single_submissions_and_hold_every_submission_once():
    items = list(range(200))
    for slots in (1, 4, 40):
        parts = list(chunks(items, slots))
        assert [i for part in parts for i in part] == items
        sizes = [len(part) for part in parts]
        assert sizes == sorted(sizes, reverse=True) and max(sizes) <= 16 and sizes[-4 * slots:] == [1] * min(
            len(items), 4 * slots)
    assert len(list(chunks(items, 4))) < len(items) / 3  # far from a task per submission
    assert list(chunks(list(range(10_000)), 40))[0] == list(range(16))


# -- usage ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["local:0", "local:", "local:two", "tcp://host", "http://host:8786", "host:8786"])
def test_a_cluster_spec_that_is_not_one_is_a_usage_error(spec, toy_course, tmp_path):
    with pytest.raises(AutograderError, match="expected local:N"):
        cluster_for(spec)
    subs = write_class(tmp_path / "subs", toy_course, {"a": "@reference"})
    result = CliRunner().invoke(main, ["grade", "toy", str(subs), "--out", str(tmp_path / "out"), "--cluster", spec])
    assert result.exit_code == ExitCode.USAGE and "expected local:N" in result.output
    assert not (tmp_path / "out").exists()


def test_without_dask_the_cluster_option_says_how_to_install_it(toy_course, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    subs = write_class(tmp_path / "subs", toy_course, {"a": "@reference"})
    result = CliRunner().invoke(main, ["grade", "toy", str(subs), "--out", str(tmp_path / "out"),
                                       "--cluster", "local:2"])
    assert result.exit_code == ExitCode.USAGE and INSTALL in result.output
    assert not (tmp_path / "out").exists()


# -- the same grades --------------------------------------------------------------------------------------------
def test_a_local_cluster_gives_the_grades_of_a_local_run(local_run, tmp_path):
    subs, local = local_run
    batch = api.grade_batch("toy", subs, tmp_path / "cluster", limits=LIMITS, cluster=cluster_for("local:2"))
    same_grades(tmp_path / "cluster", local)  # the isolation column included: the same backend
    assert any("Dask cluster local:2: 2 worker(s) on 1 host(s), 4 submissions at once" in n for n in batch.notes)
    assert any(n.startswith("isolation: full") for n in batch.notes)
    idle = Watched()
    again = api.grade_batch("toy", subs, tmp_path / "cluster", limits=LIMITS, cluster=idle)
    assert again.reused == len(CLASS) and idle.client is None  # nothing to grade: no cluster started for it


def _started(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _await_scheduler(scheduler_file: Path, proc: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if scheduler_file.is_file():
            try:
                return json.loads(scheduler_file.read_text())["address"]
            except (ValueError, KeyError):
                pass  # written as we read it
        time.sleep(0.1)
    pytest.fail(f"the Dask scheduler did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def scheduler_and_two_workers(tmp_path):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1 (stopped by their pids afterwards)."""
    dask = str(Path(sys.executable).parent / "dask")
    scheduler_file = tmp_path / "scheduler.json"
    env_failures = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
                                 stdout=(tmp_path / "scheduler.log").open("w"), stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env_failures, cwd=tmp_path)
    procs = [scheduler]
    try:
        address = _await_scheduler(scheduler_file, scheduler, tmp_path / "scheduler.log")
        for i in range(2):
            procs.append(_started([dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "2",
                                   "--no-dashboard", "--name", f"w{i}", "--local-directory", str(tmp_path / f"w{i}")],
                                  tmp_path / f"worker{i}.log"))
        yield address
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_scheduler_and_workers_of_their_own_give_the_grades_of_a_local_run(local_run, tmp_path,
                                                                              scheduler_and_two_workers):
    subs, local = local_run
    address = scheduler_and_two_workers
    done = subprocess.run([str(Path(sys.executable).parent / "autograder"), "grade", "toy", str(subs), "--out",
                           str(tmp_path / "remote"), "--timeout", "3", "--total-timeout", "8", "--memory-mb", "512",
                           "--cluster", address], capture_output=True, text=True, env={**os.environ}, timeout=300)
    assert done.returncode == ExitCode.NOT_GRADED, done.stderr[-3000:]  # the class holds a syntax error
    assert f"Dask cluster {address}: 2 worker(s) on 1 host(s)" in done.stdout
    same_grades(tmp_path / "remote", local)


# -- workers that die ---------------------------------------------------------------------------------------------
def test_a_worker_killed_mid_batch_changes_no_grade(local_run, tmp_path):
    subs, local = local_run
    cluster, killed = Watched(), []

    def kill_a_busy_worker(result):
        if killed:
            return
        busy = [address for address, keys in cluster.client.processing().items() if keys]
        if busy:
            pid = cluster.client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    batch = api.grade_batch("toy", subs, tmp_path / "cluster", limits=LIMITS, cluster=cluster,
                            on_result=kill_a_busy_worker)
    assert killed, "no worker was busy after the first result: nothing was killed"
    same_grades(tmp_path / "cluster", local)
    assert sorted(r.student_id for r in batch.results) == sorted(CLASS)  # none lost, none doubled


class KillsItsWorker(WorkerPlugin):
    """On every worker, also those started again: grading the student `killer` ends the worker's process."""

    def setup(self, worker):
        from autograder.cluster import worker as grading_worker

        original = grading_worker.grade_one

        def grade_one(assignment, specs, prepared, *rest):
            if prepared.student_id == "killer":
                os._exit(17)
            return original(assignment, specs, prepared, *rest)

        grading_worker.grade_one = grade_one


def test_a_submission_that_kills_its_worker_twice_is_not_graded_and_no_other_pays(local_run, tmp_path):
    subs, local = local_run
    (subs / "killer.py").write_text((subs / "full_marks.py").read_text())
    api.grade_batch("toy", subs, local, limits=LIMITS)  # the local run grades it: 4 points
    batch = api.grade_batch("toy", subs, tmp_path / "cluster", limits=LIMITS, cluster=Watched(KillsItsWorker()))
    killer = next(r for r in batch.results if r.student_id == "killer")
    assert killer.status == "grader_error" and "ended each time it was tried, also when it was graded alone" in \
        killer.message
    grades = pd.read_csv(tmp_path / "cluster" / "grades.csv").set_index("student_id")
    assert pd.isna(grades.loc["killer", "score"])  # never 0 points
    assert pd.read_csv(local / "grades.csv").set_index("student_id").loc["killer", "score"] == 4
    same_grades(tmp_path / "cluster", local, without=("killer",))
    assert any("graded again alone after the worker grading them ended" in n for n in batch.notes)


def test_a_killed_client_run_again_grades_only_what_is_missing(local_run, tmp_path):
    subs, local = local_run
    out = tmp_path / "cluster"
    code = (f"from autograder.api import grade_batch; from autograder.cluster import cluster_for; "
            f"from pathlib import Path; grade_batch('toy', Path('{subs}'), Path('{out}'), "
            f"cluster=cluster_for('local:2'))")
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / RESULTS_DIR).glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the client, its scheduler and its workers
    proc.wait()
    saved = len(list((out / RESULTS_DIR).glob("*.json")))
    assert 2 <= saved < len(CLASS) and not (out / "grades.csv").exists()
    started = []
    resumed = api.grade_batch("toy", subs, out, limits=LIMITS, cluster=cluster_for("local:2"),
                              on_start=lambda todo, done: started.append((todo, done)))
    assert started == [(len(CLASS) - saved, saved)] and resumed.reused == saved
    same_grades(out, local)


def test_a_cluster_left_without_workers_stops_the_run_instead_of_waiting_forever(local_run, tmp_path, monkeypatch):
    from autograder.cluster import client

    subs, local = local_run
    monkeypatch.setattr(client, "WORKERS_TIMEOUT_S", 3)
    monkeypatch.setattr(client, "POLL_S", 0.5)
    cluster, out = Watched(), tmp_path / "cluster"
    gone = lambda result: cluster.local.scale(0)  # noqa: E731 (every worker closed, none to come back)
    with pytest.raises(AutograderError, match=r"no Dask worker left for 3 s .* the same command, run again, grades"):
        api.grade_batch("toy", subs, out, limits=LIMITS, cluster=cluster, on_result=gone)
    saved = len(list((out / RESULTS_DIR).glob("*.json")))
    assert 1 <= saved < len(CLASS)
    resumed = api.grade_batch("toy", subs, out, limits=LIMITS, cluster=cluster_for("local:2"))
    assert resumed.reused == saved
    same_grades(out, local)


# -- isolation on the workers --------------------------------------------------------------------------------------
class NoNamespaces(WorkerPlugin):
    """Every worker's host refuses namespaces, as a container with Docker's default seccomp profile does."""

    def setup(self, worker):
        from autograder.isolation.sandbox import Sandbox

        Sandbox._probe = lambda self, backend: "namespaces refused here (by the test)"


def test_workers_that_cannot_isolate_fully_refuse_before_grading_unless_allowed(local_run, tmp_path):
    subs, _ = local_run
    out = tmp_path / "cluster"
    with pytest.raises(AutograderError, match=r"(?s)the Dask worker tcp://127\.0\.0\.1:\d+ \(.*\) cannot grade: .*"
                                              r"namespaces refused here \(by the test\)"):
        api.grade_batch("toy", subs, out, limits=LIMITS, cluster=Watched(NoNamespaces()))
    assert not list((out / RESULTS_DIR).glob("*.json"))  # nothing graded
    batch = api.grade_batch("toy", subs, out, limits=LIMITS, allow_partial=True, cluster=Watched(NoNamespaces()))
    partial = "uid-only" if os.geteuid() == 0 else "process-only"
    assert batch.isolation_warning.startswith(f"partial isolation ({partial})")
    assert {r.isolation for r in batch.results if r.status == "graded"} == {partial}
