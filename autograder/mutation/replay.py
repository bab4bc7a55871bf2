"""Recording the calls the tests make to the reference, and replaying them against a mutant.

A mutant that passes every test is a real survivor only if some reply changed: the tests saw a
wrong answer and accepted it. Replies are compared as plain data, numbers within RTOL / ATOL.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from autograder.grading.protocol import ChannelWrapper, InProcessChannel
from autograder.isolation import wire

RTOL, ATOL = 1e-9, 1e-12  # replies closer than this are "the same" for equivalence


class RecordingChannel(ChannelWrapper):
    """A channel that keeps every request and its reply, to replay them against a mutant later."""

    def __init__(self, inner):
        super().__init__(inner)
        self.calls: list[tuple[dict, dict]] = []

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        reply = self.inner.request(message, frame)
        self.calls.append((message, reply))
        return reply


def _numeric(value) -> bool:
    return isinstance(value, (bool, int, float, np.ndarray, np.generic)) or hasattr(value, "detach")


def compare_values(want, got, path: str = "") -> str:
    """'' when `got` is `want` (numbers and arrays within RTOL); otherwise what differs, and where."""
    where = f" at {path}" if path else ""
    if _numeric(want) and _numeric(got):
        a = np.asarray(got.detach().numpy() if hasattr(got, "detach") else got, dtype=np.float64)
        e = np.asarray(want.detach().numpy() if hasattr(want, "detach") else want, dtype=np.float64)
        if a.shape != e.shape:
            return f"shape {a.shape} instead of {e.shape}{where}"
        if np.allclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True):
            return ""
        with np.errstate(all="ignore"):
            rel = np.nanmax(np.abs(a - e) / np.maximum(np.abs(e), ATOL)) if a.size else 0.0
        return f"values differ{where} (largest relative difference {rel:.1e})"
    if type(want) is not type(got):
        return f"a {type(got).__name__} instead of a {type(want).__name__}{where}"
    if isinstance(want, (list, tuple)):
        if len(want) != len(got):
            return f"{len(got)} items instead of {len(want)}{where}"
        return next((d for i, (w, g) in enumerate(zip(want, got)) if (d := compare_values(w, g, f"{path}[{i}]"))), "")
    if isinstance(want, dict):
        if set(want) != set(got):
            return f"keys {sorted(map(str, got))} instead of {sorted(map(str, want))}{where}"
        return next((d for k in want if (d := compare_values(want[k], got[k], f"{path}[{k!r}]"))), "")
    return "" if want == got else f"a different {type(want).__name__}{where}"


def compare_replies(want: dict, got: dict) -> str:
    """'' when two replies of the student's process say the same thing; otherwise how they differ."""
    if "ok" in want and "ok" in got:
        try:
            return compare_values(wire.from_wire(want["ok"]), wire.from_wire(got["ok"]))
        except wire.WireError as exc:
            return f"malformed reply ({exc})"
    if "error" in want and "error" in got:
        w, g = want["error"], got["error"]
        same = (w.get("kind"), w.get("type")) == (g.get("kind"), g.get("type"))
        return "" if same else f"raised {g.get('type') or g.get('kind')} instead of {w.get('type') or w.get('kind')}"
    if "ok" in want:
        return f"raised {got.get('error', {}).get('type') or 'an error'} where the reference returned a value"
    return f"returned a value where the reference raised {want['error'].get('type')}"


def _call_name(message: dict) -> str:
    op, name = message.get("op"), message.get("name", "")
    return f"probe {name}()" if op == "probe" else f"{name}()" if op == "call" else str(op)


def replay(request: dict, files: dict[str, str], calls: list, skip=frozenset(),
           first_only: bool = True) -> list[tuple[int, str]]:
    """Send the recorded calls to a fresh load of `files`; (call index, difference) for each reply that changed.

    `request` is the load request (see `grading.one.load_request`).
    """
    differences = []
    with tempfile.TemporaryDirectory(prefix="ag-replay-") as tmp:
        channel = InProcessChannel(write_files(tmp, files), request)
        for k, (message, reply) in enumerate(calls):
            difference = compare_replies(reply, channel.request(message))
            if difference and k not in skip:
                differences.append((k, f"{_call_name(message)} (call {k + 1} of {len(calls)}): {difference}"))
                if first_only:
                    break
    return differences


def write_files(folder: str, files: dict[str, str]) -> Path:
    """Write the files (name -> text) into `folder`, for a channel to load them from there."""
    for name, text in files.items():
        Path(folder, name).write_text(text, "utf-8")
    return Path(folder)
