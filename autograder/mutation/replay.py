"""Recording the calls the tests make to the reference, and replaying them against a mutant.

A mutant that passes every test is a real survivor only if some reply changed: the tests saw a
wrong answer and accepted it. Replies are compared as plain data, numbers within RTOL / ATOL
(`grading.answers`, which a diagnosis uses too).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from autograder.grading.answers import ATOL, RTOL, compare_replies, compare_values  # noqa: F401 (this package's API)
from autograder.grading.protocol import ChannelWrapper, InProcessChannel


class RecordingChannel(ChannelWrapper):
    """A channel that keeps every request and its reply, to replay them against a mutant later."""

    def __init__(self, inner):
        super().__init__(inner)
        self.calls: list[tuple[dict, dict]] = []

    def request(self, message: dict, frame: bytes | None = None) -> dict:
        reply = self.inner.request(message, frame)
        self.calls.append((message, reply))
        return reply


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
