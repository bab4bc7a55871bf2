"""hw2 public tests: shapes, types and the worked examples of the course notes.

Every number below is published in the course notes (rounded to 6 decimals),
so the comparisons use an absolute tolerance of 1e-6.
"""
import numpy as np
import pytest

from autograder.testing import as_array, as_float, close

PUBLISHED = dict(rtol=0.0, atol=1e-6)

# Case A (with biases); W1 row i = the weights into hidden unit i.
X_A = np.array([0.05, 0.10])
T_A = np.array([0.01, 0.99])
W1_A = np.array([[0.15, 0.20], [0.25, 0.30]])
B1_A = np.array([0.35, 0.35])
W2_A = np.array([[0.40, 0.45], [0.50, 0.55]])
B2_A = np.array([0.60, 0.60])
LR_A = 0.5

# Case B (no biases): w1..w8.
X_B = np.array([0.5, 0.3])
T_B = np.array([0.23, -0.07])
W_B = np.array([0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


def case_a_params():
    return {"W1": W1_A.copy(), "b1": B1_A.copy(), "W2": W2_A.copy(), "b2": B2_A.copy()}


def test_shapes_and_types(submission):
    """forward returns (a1, o) as arrays, loss a float, backward, update and backward_batch dicts of arrays shaped like the parameters, forward_batch (N, H) and (N, K) arrays, case_b_matrices two 2x2 arrays."""
    a1, o = submission.forward(X_A, W1_A, B1_A, W2_A, B2_A)
    as_array(a1, (2,), "forward's hidden activations a1")
    as_array(o, (2,), "forward's outputs o")
    as_float(submission.loss(o, T_A), "loss")
    grads = submission.backward(X_A, T_A, W1_A, B1_A, W2_A, B2_A)
    assert isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"}, \
        'backward should return a dict with the keys "W1", "b1", "W2", "b2"'
    for name, value in case_a_params().items():
        as_array(grads[name], value.shape, f'backward()["{name}"]')
    new = submission.update(case_a_params(), grads, LR_A)
    assert isinstance(new, dict) and set(new) == {"W1", "b1", "W2", "b2"}, \
        "update should return a dict with the same keys as params"
    X = np.tile(X_A, (3, 1))
    A1, O = submission.forward_batch(X, W1_A, B1_A, W2_A, B2_A)
    as_array(A1, (3, 2), "forward_batch's A1")
    as_array(O, (3, 2), "forward_batch's O")
    as_float(submission.batch_loss(O, np.tile(T_A, (3, 1))), "batch_loss")
    batch_grads = submission.backward_batch(X, np.tile(T_A, (3, 1)), W1_A, B1_A, W2_A, B2_A)
    assert isinstance(batch_grads, dict) and set(batch_grads) == {"W1", "b1", "W2", "b2"}, \
        'backward_batch should return a dict with the keys "W1", "b1", "W2", "b2"'
    for name, value in case_a_params().items():
        as_array(batch_grads[name], value.shape, f'backward_batch()["{name}"]')
    W1, W2 = submission.case_b_matrices(W_B)
    as_array(W1, (2, 2), "case_b_matrices' W1")
    as_array(W2, (2, 2), "case_b_matrices' W2")


def test_case_a_forward_and_loss(submission):
    """Case A of the course notes: the outputs o and the loss E of the worked example."""
    _, o = submission.forward(X_A, W1_A, B1_A, W2_A, B2_A)
    assert close(o, [0.751365, 0.772928], **PUBLISHED), "Case A: the outputs o differ from the worked example"
    E = as_float(submission.loss(as_array(o, (2,)), T_A), "loss")
    assert close(E, 0.298371, **PUBLISHED), "Case A: the loss E differs from the worked example"


def test_case_a_gradients(submission):
    """Case A of the course notes: dE/dW2, dE/dW1, dE/db2 and dE/db1 of the worked example."""
    grads = submission.backward(X_A, T_A, W1_A, B1_A, W2_A, B2_A)
    assert close(grads["W2"], [[0.082167, 0.082668], [-0.022603, -0.022740]], **PUBLISHED), \
        "Case A: dE/dW2 differs from the worked example"
    assert close(grads["W1"], [[0.000439, 0.000877], [0.000498, 0.000995]], **PUBLISHED), \
        "Case A: dE/dW1 differs from the worked example"
    assert close(grads["b2"], [0.138499, -0.038098], **PUBLISHED), \
        "Case A: dE/db2 differs from the worked example"
    assert close(grads["b1"], [0.008771, 0.009954], **PUBLISHED), \
        "Case A: dE/db1 differs from the worked example"


@pytest.mark.parametrize("update_biases", [True, False], ids=["biases_updated", "biases_fixed"])
def test_case_a_one_step(submission, update_biases):
    """Case A of the course notes: every parameter after one step with lr = 0.5, with the biases updated or kept fixed."""
    grads = submission.backward(X_A, T_A, W1_A, B1_A, W2_A, B2_A)
    new = submission.update(case_a_params(), grads, LR_A, update_biases=update_biases)
    assert close(new["W1"], [[0.149781, 0.199561], [0.249751, 0.299502]], **PUBLISHED), \
        "Case A: W1 after one step differs from the worked example (the step takes backward's gradients)"
    assert close(new["W2"], [[0.358916, 0.408666], [0.511301, 0.561370]], **PUBLISHED), \
        "Case A: W2 after one step differs from the worked example (the step takes backward's gradients)"
    b1, b2 = ([0.345614, 0.345023], [0.530751, 0.619049]) if update_biases else (B1_A, B2_A)
    assert close(new["b1"], b1, **PUBLISHED), "Case A: b1 after one step is not what it should be"
    assert close(new["b2"], b2, **PUBLISHED), "Case A: b2 after one step is not what it should be"


def test_case_b_worked_example(submission):
    """Case B of the course notes (no biases, lr = 1): the prediction, E, and w1..w8 after one step."""
    o, E, new_w = submission.case_b_step(X_B, T_B, W_B, 1.0)
    assert close(o, [0.476946, 0.528696], **PUBLISHED), "Case B: the prediction differs from the worked example"
    assert close(as_float(E, "E"), 0.209710, **PUBLISHED), "Case B: E differs from the worked example"
    new_w = as_array(new_w, (8,), "the new weights w1..w8")
    w1, w2, w3, w4, w5, w6, w7, w8 = range(8)
    assert close(new_w[[w1, w3, w2, w4]], [0.208421, 0.505053, -0.412607, 0.592436], **PUBLISHED), \
        "Case B: the first-layer weights (w1, w3, w2, w4) after one step differ from the worked example (case_b_step uses your backward and update)"
    assert close(new_w[[w5, w7, w6, w8]], [0.065367, -0.330495, -0.583866, 0.726155], **PUBLISHED), \
        "Case B: the second-layer weights (w5, w7, w6, w8) after one step differ from the worked example (case_b_step uses your backward and update)"


def test_numeric_gradients_case_a(submission):
    """numeric_gradients on Case A (one sample) agrees with the published gradients (it evaluates your forward_batch and batch_loss: if their tests fail, fix those first)."""
    numeric = submission.numeric_gradients(X_A, T_A, case_a_params())
    assert close(numeric["W2"], [[0.082167, 0.082668], [-0.022603, -0.022740]], **PUBLISHED), \
        "numeric dE/dW2 of Case A differs from the worked example (numeric_gradients evaluates your forward_batch and batch_loss)"
    assert close(numeric["W1"], [[0.000439, 0.000877], [0.000498, 0.000995]], **PUBLISHED), \
        "numeric dE/dW1 of Case A differs from the worked example (numeric_gradients evaluates your forward_batch and batch_loss)"
    assert close(numeric["b2"], [0.138499, -0.038098], **PUBLISHED), \
        "numeric dE/db2 of Case A differs from the worked example (numeric_gradients evaluates your forward_batch and batch_loss)"
    assert close(numeric["b1"], [0.008771, 0.009954], **PUBLISHED), \
        "numeric dE/db1 of Case A differs from the worked example (numeric_gradients evaluates your forward_batch and batch_loss)"
