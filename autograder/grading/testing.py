"""Helpers for writing tests: check what came back without leaking expected values.

Use them as `assert close(got, want), "hint"`: the failure message a student
sees is the hint (or the test's docstring), never the numbers compared.
Compute expected values in `@oracle` functions (see `oracles`) and import
torch with `torch = lazy_import("torch")`: a grading run then needs no torch.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.grading.oracles import lazy_import, oracle

__all__ = ["Shape", "as_array", "as_float", "close", "lazy_import", "oracle"]


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
    """True when `actual` has `expected`'s shape and agrees within tolerance (NaN never agrees).

    The rule is numpy.isclose's, |a - e| <= atol + rtol * |e| with equal infinities agreeing, written out
    because the tests call it hundreds of times per submission and numpy.allclose costs ~25 us a call.
    """
    a = as_array(actual)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return False
    if a.size == 1:
        x, y = float(a.reshape(())), float(e.reshape(()))
        return x == y or (math.isfinite(x) and math.isfinite(y) and abs(x - y) <= atol + rtol * abs(y))
    with np.errstate(invalid="ignore", over="ignore"):
        return bool((((np.abs(a - e) <= atol + rtol * np.abs(e)) & np.isfinite(e)) | (a == e)).all())
