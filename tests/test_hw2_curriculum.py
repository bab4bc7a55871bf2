"""hw2 against the course design: every published number, full marks, zero marks, forbidden imports.

The reference is imported straight from its file; the numbers are the ones
CURRICULUM.md publishes (6 decimals, so an absolute tolerance of 1e-6).
"""
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import reference_module

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "hw2" / "backprop.py"
TEMPLATE = ROOT / "student_template" / "hw2" / "backprop.py"
PUBLISHED = dict(rtol=0.0, atol=1e-6)

X_A, T_A, LR_A = np.array([0.05, 0.10]), np.array([0.01, 0.99]), 0.5
CASE_A = {"W1": np.array([[0.15, 0.20], [0.25, 0.30]]), "b1": np.array([0.35, 0.35]),
          "W2": np.array([[0.40, 0.45], [0.50, 0.55]]), "b2": np.array([0.60, 0.60])}
GRADS_A = {"W2": [[0.082167, 0.082668], [-0.022603, -0.022740]],
           "W1": [[0.000439, 0.000877], [0.000498, 0.000995]],
           "b2": [0.138499, -0.038098], "b1": [0.008771, 0.009954]}
STEP_A = {"W1": [[0.149781, 0.199561], [0.249751, 0.299502]],
          "W2": [[0.358916, 0.408666], [0.511301, 0.561370]],
          "b1": [0.345614, 0.345023], "b2": [0.530751, 0.619049]}
X_B, T_B = np.array([0.5, 0.3]), np.array([0.23, -0.07])
W_B = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


@pytest.fixture(scope="module")
def ref():
    return reference_module("hw2")


def case_a_args():
    return X_A, T_A, CASE_A["W1"], CASE_A["b1"], CASE_A["W2"], CASE_A["b2"]


def test_case_a_outputs_and_loss(ref):
    a1, o = ref.forward(X_A, CASE_A["W1"], CASE_A["b1"], CASE_A["W2"], CASE_A["b2"])
    np.testing.assert_allclose(o, [0.751365, 0.772928], **PUBLISHED)
    np.testing.assert_allclose(ref.loss(o, T_A), 0.298371, **PUBLISHED)


@pytest.mark.parametrize("name", ["W2", "W1", "b2", "b1"])
def test_case_a_gradients(ref, name):
    np.testing.assert_allclose(ref.backward(*case_a_args())[name], GRADS_A[name], **PUBLISHED)


@pytest.mark.parametrize("name", ["W2", "W1", "b2", "b1"])
def test_case_a_numeric_and_batched_gradients(ref, name):
    """The numeric check and a batch of the one sample agree with the published gradients too."""
    np.testing.assert_allclose(ref.numeric_gradients(X_A, T_A, CASE_A)[name], GRADS_A[name], **PUBLISHED)
    batch = ref.backward_batch(X_A[None], T_A[None], *case_a_args()[2:])
    np.testing.assert_allclose(batch[name], GRADS_A[name], **PUBLISHED)


def test_case_a_one_step_updates_everything(ref):
    new = ref.update(CASE_A, ref.backward(*case_a_args()), LR_A)
    for name, want in STEP_A.items():
        np.testing.assert_allclose(new[name], want, **PUBLISHED, err_msg=name)


def test_case_a_one_step_with_fixed_biases(ref):
    new = ref.update(CASE_A, ref.backward(*case_a_args()), LR_A, update_biases=False)
    for name in ("W1", "W2"):
        np.testing.assert_allclose(new[name], STEP_A[name], **PUBLISHED, err_msg=name)
    for name in ("b1", "b2"):
        np.testing.assert_array_equal(new[name], CASE_A[name])


def test_update_leaves_its_inputs_alone(ref):
    params = {k: v.copy() for k, v in CASE_A.items()}
    grads = ref.backward(*case_a_args())
    ref.update(params, grads, LR_A)
    for name, value in CASE_A.items():
        np.testing.assert_array_equal(params[name], value)


def test_case_b_prediction_loss_and_step(ref):
    o, E, new_w = ref.case_b_step(X_B, T_B, W_B, 1.0)
    np.testing.assert_allclose(o, [0.476946, 0.528696], **PUBLISHED)
    np.testing.assert_allclose(E, 0.209710, **PUBLISHED)
    w1, w2, w3, w4, w5, w6, w7, w8 = range(8)
    np.testing.assert_allclose(new_w[[w1, w3, w2, w4]], [0.208421, 0.505053, -0.412607, 0.592436], **PUBLISHED)
    np.testing.assert_allclose(new_w[[w5, w7, w6, w8]], [0.065367, -0.330495, -0.583866, 0.726155], **PUBLISHED)


def test_case_b_layout_matches_the_wiring(ref):
    """h1 = w1*x1 + w3*x2, h2 = w2*x1 + w4*x2, o1 = w5*a1 + w7*a2, o2 = w6*a1 + w8*a2."""
    w = np.arange(1.0, 9.0)
    W1, W2 = ref.case_b_matrices(w)
    np.testing.assert_array_equal(W1, [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal(W2, [[5.0, 7.0], [6.0, 8.0]])
    np.testing.assert_array_equal(ref.case_b_vector(W1, W2), w)


def test_gradient_check_of_the_reference_is_tiny(ref):
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=2)}
    X, T = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    grads = ref.backward_batch(X, T, params["W1"], params["b1"], params["W2"], params["b2"])
    assert ref.gradient_check(X, T, params, grads) < 1e-6


