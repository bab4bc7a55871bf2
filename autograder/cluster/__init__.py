"""Grading on a Dask cluster: the same batch, each chunk of submissions on a worker with a warm sandbox of its own.

    cluster = cluster_for("local:2")              # a LocalCluster of 2 worker processes on this machine
    cluster = cluster_for("tcp://10.0.0.5:8786")  # a running Dask scheduler (`dask scheduler`, dask-jobqueue...)
    api.grade_batch("hw3", subs, out, cluster=cluster)

The client plans as a local run does and ships each worker what grading needs (`bundle`: metadata, probes,
tests, stored oracle values; then the plan), never the reference; results stream back and are saved by
`grading.batch` as they come (`client`). Each worker grades with `grading.one.grade_one` in its own
sandbox (`worker`). Dask is an optional extra (`pip install "backprop-autograder[cluster]"`): nothing here
imports it until a cluster is asked for.
"""
from __future__ import annotations

import importlib.util
import re

from autograder.core.errors import AutograderError

INSTALL = 'pip install "backprop-autograder[cluster]"'
_LOCAL = re.compile(r"local:([1-9][0-9]{0,2})")
_REMOTE = re.compile(r"tcp://[^\s/:]+:[0-9]{1,5}")


def cluster_for(spec: str):
    """The cluster `--cluster SPEC` names (a `scheduling.Cluster`): `local:N` or `tcp://HOST:PORT`.
    `AutograderError` for anything else, or when Dask is not installed (saying how to install it)."""
    local = _LOCAL.fullmatch(spec)
    if not local and not _REMOTE.fullmatch(spec):
        raise AutograderError(f"--cluster {spec!r}: expected local:N (N worker processes on this machine, "
                              f"1 to 999) or tcp://HOST:PORT (a running Dask scheduler)")
    if importlib.util.find_spec("distributed") is None:
        raise AutograderError(f"--cluster needs Dask distributed, which is not installed: {INSTALL}")
    from autograder.cluster.client import DaskCluster  # noqa: PLC0415 (imports Dask: only when asked for)

    return DaskCluster(workers=int(local.group(1))) if local else DaskCluster(address=spec)
