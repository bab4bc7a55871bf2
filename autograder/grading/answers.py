"""Whether two replies of a student's process say the same thing: plain data, numbers within a tolerance.

Mutation testing compares a mutant's replies with the reference's (is a survivor equivalent on the
tested inputs?), and a diagnosis compares a student's with a named mistake's (`diagnosis`). Numbers
agree within the oracle store's bounds (`oracles.STORE_RTOL`, `STORE_ATOL`): far tighter than any
test's tolerance, loose enough for the last bits that differ between CPUs or ways of writing a formula.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.oracles import STORE_ATOL, STORE_RTOL
from autograder.isolation import wire

RTOL, ATOL = STORE_RTOL, STORE_ATOL


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
