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


# -- one test per building block, on small inputs worked out by hand --------------------------------------------

def test_sigmoid_block(submission):
    """sigmoid on its own: sigmoid(0) = 0.5, sigmoid(ln 3) = 0.75, sigmoid(-ln 3) = 0.25."""
    got = as_array(submission.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])), (3,), "sigmoid(z)")
    assert close(got, [0.5, 0.75, 0.25]), "sigmoid([0, ln 3, -ln 3]) should be [0.5, 0.75, 0.25]"


def test_sigmoid_backward_block(submission):
    """sigmoid_backward on its own: dL/dz = dL/da * a * (1 - a), from the output a alone."""
    got = submission.sigmoid_backward(np.array([0.5, 0.25, 0.9]), np.array([1.0, 2.0, -1.0]))
    assert close(as_array(got, (3,), "sigmoid_backward(a, grad_a)"), [0.25, 0.375, -0.09]), \
        "sigmoid_backward(a=[0.5, 0.25, 0.9], grad_a=[1, 2, -1]) should be [0.25, 0.375, -0.09]"


W_3x2 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])  # 3 units, 2 inputs: not square, so a transposition shows


def test_linear_block(submission):
    """linear on its own: z = W @ x + b for a layer of 3 units with 2 inputs (row i of W feeds unit i)."""
    got = submission.linear(np.array([1.0, 2.0]), W_3x2, np.array([0.5, 0.0, -1.0]))
    assert close(as_array(got, (3,), "linear(x, W, b)"), [1.5, 2.0, -1.0]), \
        "linear(x=[1, 2], W=[[1, 0], [0, 1], [2, -1]], b=[0.5, 0, -1]) should be [1.5, 2, -1]"


def test_linear_backward_block(submission):
    """linear_backward on its own: (dL/dx, dL/dW, dL/db) through z = W @ x + b, each shaped like x, W and b."""
    got = submission.linear_backward(np.array([1.0, 2.0]), W_3x2, np.array([1.0, -1.0, 0.5]))
    assert isinstance(got, (tuple, list)) and len(got) == 3, "linear_backward should return (dL/dx, dL/dW, dL/db)"
    dx, dW, db = as_array(got[0], (2,), "dL/dx"), as_array(got[1], (3, 2), "dL/dW"), as_array(got[2], (3,), "dL/db")
    assert close(dx, [2.0, -1.5]), "dL/dx differs: it is W transposed times dL/dz"
    assert close(dW, [[1.0, 2.0], [-1.0, -2.0], [0.5, 1.0]]), "dL/dW differs: row i is dL/dz_i times x"
    assert close(db, [1.0, -1.0, 0.5]), "dL/db differs: it is dL/dz itself"


def test_loss_block(submission):
    """loss on its own: E = 1/2 * sum((o - t)^2) as a float."""
    E = as_float(submission.loss(np.array([0.75, 0.25]), np.array([1.0, 0.0])), "loss")
    assert close(E, 0.0625), "loss(o=[0.75, 0.25], t=[1, 0]) should be 1/2 * (0.0625 + 0.0625) = 0.0625"


def test_loss_backward_block(submission):
    """loss_backward on its own: dE/do = o - t for E = 1/2 * sum((o - t)^2)."""
    got = submission.loss_backward(np.array([0.75, 0.25]), np.array([1.0, 0.0]))
    assert close(as_array(got, (2,), "loss_backward(o, t)"), [-0.25, 0.25]), \
        "loss_backward(o=[0.75, 0.25], t=[1, 0]) should be [-0.25, 0.25]"


def small_params():
    return {"W1": np.array([[1.0, 2.0]]), "b1": np.array([0.5]), "W2": np.array([[-1.0]]), "b2": np.array([0.0])}


SMALL_GRADS = {"W1": np.array([[0.5, -0.5]]), "b1": np.array([1.0]), "W2": np.array([[2.0]]), "b2": np.array([-1.0])}


@pytest.mark.parametrize("update_biases", [True, False], ids=["biases_updated", "biases_fixed"])
def test_update_block(submission, update_biases):
    """update on its own, with given gradients and lr = 0.1: every parameter moves by -lr times its gradient (the biases stay put with update_biases=False)."""
    new = submission.update(small_params(), SMALL_GRADS, 0.1, update_biases=update_biases)
    assert isinstance(new, dict) and set(new) == {"W1", "b1", "W2", "b2"}, "update should return a dict like params"
    assert close(as_array(new["W1"], (1, 2), 'update()["W1"]'), [[0.95, 2.05]]), "W1 after the step differs"
    assert close(as_array(new["W2"], (1, 1), 'update()["W2"]'), [[-1.2]]), "W2 after the step differs"
    b1, b2 = ([0.4], [0.1]) if update_biases else ([0.5], [0.0])
    assert close(as_array(new["b1"], (1,), 'update()["b1"]'), b1), "b1 after the step is not what it should be"
    assert close(as_array(new["b2"], (1,), 'update()["b2"]'), b2), "b2 after the step is not what it should be"


def test_case_b_matrices_block(submission):
    """case_b_matrices on its own: w1..w8 = 1..8 laid out as W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]]."""
    got = submission.case_b_matrices(np.arange(1.0, 9.0))
    assert isinstance(got, (tuple, list)) and len(got) == 2, "case_b_matrices should return (W1, W2)"
    assert close(as_array(got[0], (2, 2), "W1"), [[1.0, 3.0], [2.0, 4.0]]), "W1 is not laid out as the docstring shows"
    assert close(as_array(got[1], (2, 2), "W2"), [[5.0, 7.0], [6.0, 8.0]]), "W2 is not laid out as the docstring shows"


def test_case_b_vector_block(submission):
    """case_b_vector on its own: the matrices of w1..w8 = 1..8 read back in the order w1, w2, ..., w8."""
    got = submission.case_b_vector(np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[5.0, 7.0], [6.0, 8.0]]))
    assert close(as_array(got, (8,), "case_b_vector(W1, W2)"), np.arange(1.0, 9.0)), \
        "case_b_vector should give [w1, w2, ..., w8] = [1, 2, ..., 8] for these matrices"


def test_forward_batch_block(submission):
    """forward_batch on its own: a batch of two copies of Case A's input gives Case A's hidden activations and outputs in each row."""
    A1, O = submission.forward_batch(np.tile(X_A, (2, 1)), W1_A, B1_A, W2_A, B2_A)
    assert close(as_array(A1, (2, 2), "A1"), np.tile([0.593270, 0.596884], (2, 1)), **PUBLISHED), \
        "each row of A1 should be Case A's hidden activations (samples are rows: X @ W1.T)"
    assert close(as_array(O, (2, 2), "O"), np.tile([0.751365, 0.772928], (2, 1)), **PUBLISHED), \
        "each row of O should be Case A's outputs"


def test_batch_loss_block(submission):
    """batch_loss on its own: the mean over the rows of each row's E = 1/2 * sum((o - t)^2)."""
    E = as_float(submission.batch_loss(np.array([[0.5, 0.5], [1.0, 0.0]]), np.zeros((2, 2))), "batch_loss")
    assert close(E, 0.375), "the two rows' losses are 0.25 and 0.5: their mean is 0.375"


def test_backward_batch_block(submission):
    """backward_batch on a batch of two copies of Case A: the mean loss's gradients are Case A's (it runs your forward_batch: if its test fails, fix that first)."""
    grads = submission.backward_batch(np.tile(X_A, (2, 1)), np.tile(T_A, (2, 1)), W1_A, B1_A, W2_A, B2_A)
    assert isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"}, \
        'backward_batch should return a dict with the keys "W1", "b1", "W2", "b2"'
    assert close(as_array(grads["W2"], (2, 2), "dE/dW2"), [[0.082167, 0.082668], [-0.022603, -0.022740]], **PUBLISHED), \
        "dE/dW2 of the batch differs from Case A's (the mean over two equal samples is one sample's)"
    assert close(as_array(grads["W1"], (2, 2), "dE/dW1"), [[0.000439, 0.000877], [0.000498, 0.000995]], **PUBLISHED), \
        "dE/dW1 of the batch differs from Case A's"
    assert close(as_array(grads["b2"], (2,), "dE/db2"), [0.138499, -0.038098], **PUBLISHED), \
        "dE/db2 of the batch differs from Case A's (add up the samples' contributions, then the mean's 1/N)"
    assert close(as_array(grads["b1"], (2,), "dE/db1"), [0.008771, 0.009954], **PUBLISHED), \
        "dE/db1 of the batch differs from Case A's"


def test_gradient_check_block(submission):
    """gradient_check on Case A: 1 for gradients that are all zero, 0.5 for twice your own numeric gradients (it runs your numeric_gradients: if its test fails, fix that first)."""
    numeric = submission.numeric_gradients(X_A, T_A, case_a_params())
    zeros = {name: np.zeros_like(value) for name, value in case_a_params().items()}
    assert close(as_float(submission.gradient_check(X_A, T_A, case_a_params(), zeros), "gradient_check"), 1.0), \
        "with every analytic gradient 0, each relative error is |0 - n| / |n| = 1"
    doubled = {name: 2.0 * as_array(value, case_a_params()[name].shape, f'numeric["{name}"]')
               for name, value in numeric.items()}
    assert close(as_float(submission.gradient_check(X_A, T_A, case_a_params(), doubled), "gradient_check"), 0.5), \
        "with analytic gradients twice the numeric ones, each relative error is |2n - n| / |2n| = 0.5"
