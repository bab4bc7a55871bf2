"""hw4 public tests: shapes, types and the worked examples of the course notes.

The Case B numbers below are published in the course notes (rounded to at
most 7 decimals), so those comparisons use an absolute tolerance of 1e-6.
"""
import math

import numpy as np
import pytest

from autograder.testing import as_array, as_float, close

PUBLISHED = dict(rtol=0.0, atol=1e-6)

# Case B (no biases): W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]].
X_B = np.array([0.5, 0.3])
T_B = np.array([0.23, -0.07])
W1_B = np.array([[0.2, 0.5], [-0.4, 0.6]])
W2_B = np.array([[0.1, -0.3], [-0.5, 0.8]])
LR_B = 1.0


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("sizes", [(2, 2, 2), (3, 4, 2)], ids=["2-2-2", "3-4-2"])
def test_forward_returns_every_step(submission, sizes, activation):
    """forward returns a dict {"z1", "a1", "z2", "o"} of arrays shaped (H,), (H,), (K,), (K,); mse_loss a float; backward a dict {"W1", "W2"} shaped like the weights."""
    D, H, K = sizes
    rng = np.random.default_rng(D * 10 + H)
    x, t = rng.normal(size=D), rng.uniform(size=K)
    W1, W2 = rng.normal(size=(H, D)), rng.normal(size=(K, H))
    c = submission.forward(x, W1, W2, activation)
    assert isinstance(c, dict) and set(c) == {"z1", "a1", "z2", "o"}, \
        'forward should return a dict with the keys "z1", "a1", "z2", "o"'
    for key, n in (("z1", H), ("a1", H), ("z2", K), ("o", K)):
        as_array(c[key], (n,), f'forward()["{key}"]')
    as_float(submission.mse_loss(as_array(c["o"]), t), "mse_loss")
    grads = submission.backward(x, t, W1, W2, activation)
    assert isinstance(grads, dict) and set(grads) == {"W1", "W2"}, \
        'backward should return a dict with the keys "W1" and "W2"'
    as_array(grads["W1"], (H, D), 'backward()["W1"]')
    as_array(grads["W2"], (K, H), 'backward()["W2"]')


def test_relu_case_b_prediction_and_loss(submission):
    """Case B with ReLU units: the prediction o and the loss E of the worked example."""
    c = submission.forward(X_B, W1_B, W2_B, "relu")
    o = as_array(c["o"], (2,), 'forward()["o"]')
    assert close(o, [0.025, 0.0], **PUBLISHED), "Case B with ReLU: the prediction differs from the worked example"
    E = as_float(submission.mse_loss(o, T_B), "mse_loss")
    assert close(E, 0.0234625, **PUBLISHED), "Case B with ReLU: the loss E differs from the worked example"


def test_relu_case_b_one_step(submission):
    """Case B with ReLU: the weights after one step with lr = 1; the dead hidden unit and the dead output get no gradient."""
    new_W1, new_W2 = submission.train_step(X_B, T_B, W1_B, W2_B, LR_B, "relu")
    new_W1, new_W2 = as_array(new_W1, (2, 2), "new W1"), as_array(new_W2, (2, 2), "new W2")
    assert close(new_W1.ravel(), [0.21025, 0.50615, -0.4, 0.6], **PUBLISHED), \
        "Case B with ReLU: (w1, w3, w2, w4) after one step differ from the worked example"
    assert close(new_W2.ravel(), [0.15125, -0.3, -0.5, 0.8], **PUBLISHED), \
        "Case B with ReLU: (w5, w7, w6, w8) after one step differ from the worked example"


def test_sigmoid_case_b_matches_hw2(submission):
    """Case B with sigmoid units (hw2's worked example): prediction, loss and the weights after one step."""
    o = as_array(submission.forward(X_B, W1_B, W2_B, "sigmoid")["o"], (2,), 'forward()["o"]')
    assert close(o, [0.476946, 0.528696], **PUBLISHED), "Case B with sigmoid: the prediction differs from hw2's"
    assert close(as_float(submission.mse_loss(o, T_B)), 0.209710, **PUBLISHED), \
        "Case B with sigmoid: the loss E differs from hw2's"
    new_W1, new_W2 = submission.train_step(X_B, T_B, W1_B, W2_B, LR_B, "sigmoid")
    assert close(as_array(new_W1, (2, 2)).ravel(), [0.208421, 0.505053, -0.412607, 0.592436], **PUBLISHED), \
        "Case B with sigmoid: (w1, w3, w2, w4) after one step differ from hw2's"
    assert close(as_array(new_W2, (2, 2)).ravel(), [0.065367, -0.330495, -0.583866, 0.726155], **PUBLISHED), \
        "Case B with sigmoid: (w5, w7, w6, w8) after one step differ from hw2's"


def test_zero_init_case_b(submission):
    """All-zero weights with sigmoid units on Case B: prediction, loss, and one step that leaves the first layer exactly 0."""
    W1, W2 = submission.init_weights("zeros")
    W1, W2 = as_array(W1, (2, 2), "zeros W1"), as_array(W2, (2, 2), "zeros W2")
    assert close(W1, np.zeros((2, 2)), rtol=0, atol=0) and close(W2, np.zeros((2, 2)), rtol=0, atol=0), \
        'init_weights("zeros") should give all-zero matrices'
    o = as_array(submission.forward(X_B, W1, W2, "sigmoid")["o"], (2,), 'forward()["o"]')
    assert close(o, [0.5, 0.5], **PUBLISHED), "zero init: the prediction differs from the worked example"
    assert close(as_float(submission.mse_loss(o, T_B)), 0.1989, **PUBLISHED), \
        "zero init: the loss E differs from the worked example"
    new_W1, new_W2 = submission.train_step(X_B, T_B, W1, W2, LR_B, "sigmoid")
    assert close(as_array(new_W1, (2, 2)), np.zeros((2, 2)), rtol=0, atol=1e-15), \
        "zero init: the first-layer weights should still be exactly 0 after one step"
    assert close(as_array(new_W2, (2, 2)).ravel(), [-0.03375, -0.03375, -0.07125, -0.07125], **PUBLISHED), \
        "zero init: (w5, w7, w6, w8) after one step differ from the worked example"


def test_loss_functions_simple_values(submission):
    """With logits all 0: softmax is uniform, both cross-entropies are log(2) per output, and the gradients are p - target."""
    z = np.zeros(2)
    assert close(as_array(submission.softmax(z), (2,), "softmax"), [0.5, 0.5]), "softmax of equal logits should be uniform"
    assert close(as_float(submission.softmax_cross_entropy(z, 0), "softmax_cross_entropy"), math.log(2)), \
        "softmax_cross_entropy of equal logits should be log(2)"
    grad = as_array(submission.softmax_cross_entropy_backward(z, 0), (2,), "softmax_cross_entropy_backward")
    assert close(grad, [-0.5, 0.5]), "softmax_cross_entropy_backward should be softmax(z) - onehot(y)"
    t = np.array([1.0, 0.25])
    assert close(as_float(submission.binary_cross_entropy(z, t), "binary_cross_entropy"), 2 * math.log(2)), \
        "binary_cross_entropy of logits 0 should be log(2) per output, summed"
    grad = as_array(submission.binary_cross_entropy_backward(z, t), (2,), "binary_cross_entropy_backward")
    assert close(grad, [-0.5, 0.25]), "binary_cross_entropy_backward should be sigmoid(z) - t"
    both = submission.logit_gradients(z, t)
    assert isinstance(both, dict) and set(both) == {"mse", "bce"}, 'logit_gradients should return a dict {"mse", "bce"}'
    as_array(both["mse"], (2,), 'logit_gradients()["mse"]')
    as_array(both["bce"], (2,), 'logit_gradients()["bce"]')


def test_classify_curve_simple_cases(submission):
    """classify_curve labels a steadily falling curve "converged", a zig-zag "oscillating" and a blow-up "diverged"."""
    assert submission.classify_curve([1.0, 0.5, 0.25, 0.125]) == "converged", "a steadily falling curve is converged"
    assert submission.classify_curve([1.0, 0.4, 0.6, 0.3]) == "oscillating", "a curve that goes up once is oscillating"
    assert submission.classify_curve([1.0, 10.0, 1e3, float("inf")]) == "diverged", "a curve that reaches inf diverged"


def test_gd_variants_shapes(submission):
    """gd_variants returns {"full", "stochastic", "minibatch"}, each a curve of epochs+1 losses starting at the loss of w0; a small rate makes full batch fall."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=6)
    lr = 0.5 / np.linalg.eigvalsh(2 * X.T @ X / len(y)).max()  # well below the stable limit
    curves = submission.gd_variants(X, y, np.zeros(2), lr, 3, 2, 0)
    assert isinstance(curves, dict) and set(curves) == {"full", "stochastic", "minibatch"}, \
        'gd_variants should return a dict with the keys "full", "stochastic", "minibatch"'
    for key in curves:
        curve = as_array(curves[key], (4,), f'gd_variants()["{key}"]')
        assert close(curve[0], np.mean(y ** 2)), f'gd_variants()["{key}"][0] should be the loss of w0 on the whole data set'
    full = as_array(curves["full"])
    assert np.all(np.diff(full) < 0), "full-batch gradient descent with a small learning rate should lower the loss every epoch"
