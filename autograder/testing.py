"""Helpers for writing tests: check what came back without leaking expected values.

Use them as `assert close(got, want), "hint"`: the failure message a student
sees is the hint (or the test's docstring), never the numbers compared.
"""
from __future__ import annotations

import numpy as np


class Shape(AssertionError):
    """What came back does not have the shape or type the test needs (safe to show: shapes are public)."""


def as_array(value, shape: tuple | None = None, what: str = "the result") -> np.ndarray:
    """`value` as a float64 array of `shape`; a student-safe `Shape` failure otherwise."""
    if hasattr(value, "detach"):  # a tensor
        value = value.detach().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Shape(f"{what} should be numeric (an array or number), got {type(value).__name__}") from None
    if shape is not None and array.shape != tuple(shape):
        raise Shape(f"{what} should have shape {tuple(shape)}, got {array.shape}")
    return array


def as_float(value, what: str = "the result") -> float:
    """`value` as a Python float (a 0-d or 1-element array or tensor is fine)."""
    array = as_array(value, what=what)
    if array.size != 1:
        raise Shape(f"{what} should be a single number, got an array of shape {array.shape}")
    return float(array.reshape(()))


def close(actual, expected, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """True when `actual` has `expected`'s shape and agrees within tolerance (NaN never agrees)."""
    a = as_array(actual)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return False
    return bool(np.all(np.isfinite(a) == np.isfinite(e)) and np.allclose(a, e, rtol=rtol, atol=atol))
