"""The helpers tests are written with: `close` must keep numpy's rule while being fast."""
import itertools

import numpy as np
import pytest

from autograder.testing import Shape, as_float, close

VALUES = [0.0, -0.0, 1.0, 1.0000001, 1.001, np.inf, -np.inf, np.nan, 1e-7, -1e-7, 1e300, -1e300, 5e-7, 1e308]


@pytest.mark.parametrize("rtol,atol", [(1e-4, 1e-6), (1e-7, 1e-9), (0.0, 0.0)])
def test_close_agrees_with_numpy_on_scalars_and_arrays(rtol, atol):
    for x, y in itertools.product(VALUES, VALUES):
        want = bool(np.isfinite(x) == np.isfinite(y) and np.allclose(x, y, rtol=rtol, atol=atol))
        assert close(x, y, rtol, atol) is want, (x, y)
        assert close(np.array([x, 2.0]), np.array([y, 2.0]), rtol, atol) is want, (x, y)
        assert close(np.array([[x]]), np.array([[y]]), rtol, atol) is want, (x, y)


def test_close_needs_the_same_shape():
    assert not close(np.zeros(3), np.zeros((3, 1)))
    assert not close(np.zeros(1), 0.0)
    assert close(np.ones((2, 2)), np.ones((2, 2)))


def test_non_numbers_fail_with_a_safe_message():
    with pytest.raises(Shape, match="should be numeric"):
        close("abc", 1.0)
    with pytest.raises(Shape, match="single number"):
        as_float([1.0, 2.0])
