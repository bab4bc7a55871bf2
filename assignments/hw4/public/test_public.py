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


# -- one test per building block, on small inputs worked out by hand --------------------------------------------
# A tiny ReLU network for the blocks of the network: x = [1, 2], W1 = I, W2 = [[1, 1]], t = [1], so that
# z1 = a1 = [1, 2], o = [3], E = 2, dE/do = 2, dW2 = [[2, 4]], dW1 = [[2, 4], [2, 4]].
X_S, T_S = np.array([1.0, 2.0]), np.array([1.0])
W1_S, W2_S = np.eye(2), np.array([[1.0, 1.0]])


def test_sigmoid_backward_block(submission):
    """sigmoid_backward on its own: dL/dz = dL/da * a * (1 - a), from the output a."""
    got = as_array(submission.sigmoid_backward(np.array([0.5, 0.25]), np.array([1.0, 2.0])), (2,), "sigmoid_backward")
    assert close(got, [0.25, 0.375]), "sigmoid_backward([0.5, 0.25], [1, 2]) should be [0.25, 2 * 0.25 * 0.75]"


def test_relu_block(submission):
    """relu on its own: max(z, 0) elementwise, as floats."""
    got = as_array(submission.relu(np.array([-1.0, 0.0, 2.0])), (3,), "relu")
    assert close(got, [0.0, 0.0, 2.0]), "relu([-1, 0, 2]) should be [0, 0, 2]"


def test_relu_backward_block(submission):
    """relu_backward on its own: the upstream gradient where z > 0, and 0 where z <= 0 (z = 0 included)."""
    got = as_array(submission.relu_backward(np.array([-1.0, 0.0, 2.0]), np.array([5.0, 5.0, 5.0])), (3,), "relu_backward")
    assert close(got, [0.0, 0.0, 5.0]), "relu_backward(z=[-1, 0, 2], grad=[5, 5, 5]) should be [0, 0, 5]"


def test_mse_loss_block(submission):
    """mse_loss on its own: E = 1/2 * sum((o - t)^2)."""
    got = as_float(submission.mse_loss(np.array([1.0, 0.5]), np.array([0.0, 0.5])), "mse_loss")
    assert close(got, 0.5), "mse_loss(o=[1, 0.5], t=[0, 0.5]) should be 1/2 * (1 + 0) = 0.5"


def test_mse_loss_backward_block(submission):
    """mse_loss_backward on its own: dE/do = o - t."""
    got = as_array(submission.mse_loss_backward(np.array([1.0, 0.5]), np.array([0.0, 2.0])), (2,), "mse_loss_backward")
    assert close(got, [1.0, -1.5]), "mse_loss_backward(o=[1, 0.5], t=[0, 2]) should be [1, -1.5]"


def test_backward_block(submission):
    """backward on a tiny ReLU network worked out by hand (x = [1, 2], W1 = I, W2 = [[1, 1]], t = [1]): dW2 = [[2, 4]], dW1 = [[2, 4], [2, 4]] (it runs your forward: if its tests fail, fix that first)."""
    grads = submission.backward(X_S, T_S, W1_S, W2_S, "relu")
    assert isinstance(grads, dict) and set(grads) == {"W1", "W2"}, 'backward should return a dict {"W1", "W2"}'
    assert close(as_array(grads["W2"], (1, 2), 'backward()["W2"]'), [[2.0, 4.0]]), "dE/dW2 should be outer(dE/dz2, a1)"
    assert close(as_array(grads["W1"], (2, 2), 'backward()["W1"]'), [[2.0, 4.0], [2.0, 4.0]]), \
        "dE/dW1 should be outer(dE/dz1, x), with dE/dz1 = relu'(z1) * (W2.T @ dE/dz2)"


def test_train_step_block(submission):
    """train_step on the tiny ReLU network with lr = 0.5: W - 0.5 * dE/dW for both layers (it runs your backward)."""
    new_W1, new_W2 = submission.train_step(X_S, T_S, W1_S, W2_S, 0.5, "relu")
    assert close(as_array(new_W1, (2, 2), "new W1"), [[0.0, -2.0], [-1.0, -1.0]]), "new W1 should be W1 - 0.5 * dE/dW1"
    assert close(as_array(new_W2, (1, 2), "new W2"), [[0.0, -1.0]]), "new W2 should be W2 - 0.5 * dE/dW2"


def test_train_network_block(submission):
    """train_network for one step on the tiny ReLU network: losses [2, 0.5] (before and after), the weights before and after (it runs your train_step)."""
    got = submission.train_network(X_S, T_S, W1_S, W2_S, 0.5, 1, "relu")
    assert isinstance(got, dict) and set(got) == {"losses", "W1", "W2"}, 'train_network should return {"losses", "W1", "W2"}'
    assert close(as_array(got["losses"], (2,), 'train_network()["losses"]'), [2.0, 0.5]), \
        "losses[0] is the loss before any step, losses[1] after one step"
    assert close(as_array(got["W1"], (2, 2, 2), 'train_network()["W1"]'), [np.eye(2), [[0.0, -2.0], [-1.0, -1.0]]]), \
        'train_network()["W1"] should hold W1 before and after the step'
    assert close(as_array(got["W2"], (2, 1, 2), 'train_network()["W2"]'), [[[1.0, 1.0]], [[0.0, -1.0]]]), \
        'train_network()["W2"] should hold W2 before and after the step'


def test_softmax_block(submission):
    """softmax on its own: softmax([0, ln 3]) = [1/4, 3/4]."""
    got = as_array(submission.softmax(np.array([0.0, math.log(3.0)])), (2,), "softmax")
    assert close(got, [0.25, 0.75]), "softmax([0, ln 3]) should be [1, 3] / 4"


def test_softmax_cross_entropy_block(submission):
    """softmax_cross_entropy on its own: for z = [0, ln 3] and y = 1, -log(3/4)."""
    got = as_float(submission.softmax_cross_entropy(np.array([0.0, math.log(3.0)]), 1), "softmax_cross_entropy")
    assert close(got, -math.log(0.75)), "softmax_cross_entropy([0, ln 3], 1) should be -log(softmax(z)[1]) = -log(3/4)"


def test_softmax_cross_entropy_backward_block(submission):
    """softmax_cross_entropy_backward on its own: softmax(z) - onehot(y) = [1/4, -1/4] for z = [0, ln 3], y = 1."""
    got = as_array(submission.softmax_cross_entropy_backward(np.array([0.0, math.log(3.0)]), 1), (2,),
                   "softmax_cross_entropy_backward")
    assert close(got, [0.25, -0.25]), "for z = [0, ln 3] and y = 1 it should be [1/4, 3/4] - [0, 1]"


def test_binary_cross_entropy_block(submission):
    """binary_cross_entropy on its own: with p = sigmoid(ln 3) = 3/4 for both logits, t = [1, 0]: -log(3/4) - log(1/4)."""
    got = as_float(submission.binary_cross_entropy(np.full(2, math.log(3.0)), np.array([1.0, 0.0])), "binary_cross_entropy")
    assert close(got, -math.log(0.75) - math.log(0.25)), "it should be -log(p) for t = 1 plus -log(1 - p) for t = 0, summed"


def test_binary_cross_entropy_backward_block(submission):
    """binary_cross_entropy_backward on its own: sigmoid(z) - t with respect to the logits, [-1/4, 1/2] for z = [ln 3, 0], t = [1, 0]."""
    got = as_array(submission.binary_cross_entropy_backward(np.array([math.log(3.0), 0.0]), np.array([1.0, 0.0])), (2,),
                   "binary_cross_entropy_backward")
    assert close(got, [-0.25, 0.5]), "it should be sigmoid(z) - t = [3/4 - 1, 1/2 - 0]"


def test_logit_gradients_block(submission):
    """logit_gradients at z = ln 3, t = 0 (p = 3/4): "mse" is (p - t) * p * (1 - p) = 9/64, "bce" is p - t = 3/4."""
    got = submission.logit_gradients(np.array([math.log(3.0)]), np.array([0.0]))
    assert isinstance(got, dict) and set(got) == {"mse", "bce"}, 'logit_gradients should return a dict {"mse", "bce"}'
    assert close(as_array(got["mse"], (1,), 'logit_gradients()["mse"]'), [9 / 64]), '"mse" should be (p - t) * sigmoid\'(z)'
    assert close(as_array(got["bce"], (1,), 'logit_gradients()["bce"]'), [0.75]), '"bce" should be p - t'


# A regression worked out by hand: two equal rows X = [[1], [1]], y = [1, 1], w0 = [0]: the loss is (w - 1)^2
# and its gradient 2 * (w - 1), whatever the batch.
X_R, Y_R, W0_R = np.array([[1.0], [1.0]]), np.array([1.0, 1.0]), np.array([0.0])


def test_regression_loss_block(submission):
    """regression_loss on its own: mean((X @ w - y)^2) = mean([1, 4]) = 2.5 for X = I, y = [1, 2], w = 0."""
    got = as_float(submission.regression_loss(np.eye(2), np.array([1.0, 2.0]), np.zeros(2)), "regression_loss")
    assert close(got, 2.5), "regression_loss(I, [1, 2], 0) should be the mean of [1, 4]"


def test_regression_backward_block(submission):
    """regression_backward on its own: 2 * X.T @ (X @ w - y) / N = [-1, -2] for X = I, y = [1, 2], w = 0."""
    got = as_array(submission.regression_backward(np.eye(2), np.array([1.0, 2.0]), np.zeros(2)), (2,), "regression_backward")
    assert close(got, [-1.0, -2.0]), "the gradient is averaged over the N = 2 rows: 2 * [-1, -2] / 2"


def test_minibatch_gd_block(submission):
    """minibatch_gd with lr = 0.25 on a loss (w - 1)^2 worked out by hand: full batch w = 0, 0.5, 0.75; one sample per batch w = 0.5, 0.75 in the first epoch, 0.875, 0.9375 in the second."""
    full = submission.minibatch_gd(X_R, Y_R, W0_R, 0.25, 2, 2)
    assert isinstance(full, dict) and set(full) == {"losses", "w"}, 'minibatch_gd should return {"losses", "w"}'
    assert close(as_array(full["losses"], (3,), 'minibatch_gd()["losses"]'), [1.0, 0.25, 0.0625]), \
        "full batch: one update per epoch, the loss on the whole data set before training and after each epoch"
    assert close(as_array(full["w"], (1,), 'minibatch_gd()["w"]'), [0.75]), "full batch: w after two epochs"
    sgd = submission.minibatch_gd(X_R, Y_R, W0_R, 0.25, 2, 1)
    assert close(as_array(sgd["losses"], (3,), 'minibatch_gd()["losses"]'), [1.0, 0.0625, 0.0625 ** 2]), \
        "batches of one sample: two updates per epoch"


def test_lr_sweep_block(submission):
    """lr_sweep over lr = 0.25 and 1.5 on the loss (w - 1)^2: curves [1, 1/4, 1/16] (converged) and [1, 4, 16] (diverged) (it runs your minibatch_gd and classify_curve)."""
    got = submission.lr_sweep(X_R, Y_R, W0_R, [0.25, 1.5], 2)
    assert isinstance(got, dict) and set(got) == {"curves", "labels"}, 'lr_sweep should return {"curves", "labels"}'
    assert close(as_array(got["curves"], (2, 3), 'lr_sweep()["curves"]'), [[1.0, 0.25, 0.0625], [1.0, 4.0, 16.0]]), \
        "one full-batch curve per learning rate"
    assert list(got["labels"]) == ["converged", "diverged"], 'the labels should be classify_curve of each curve'


def test_init_weights_block(submission):
    """init_weights on its own: "given" is Case B's weights; "normal" draws W1, then W2, from default_rng(seed), times std."""
    W1, W2 = submission.init_weights("given")
    assert close(as_array(W1, (2, 2), "given W1"), W1_B) and close(as_array(W2, (2, 2), "given W2"), W2_B), \
        'init_weights("given") should be Case B\'s weights'
    rng = np.random.default_rng(7)
    want_W1, want_W2 = 2.0 * rng.standard_normal((4, 3)), 2.0 * rng.standard_normal((2, 4))
    W1, W2 = submission.init_weights("normal", 3, 4, 2, seed=7, std=2.0)
    assert close(as_array(W1, (4, 3), "normal W1"), want_W1) and close(as_array(W2, (2, 4), "normal W2"), want_W2), \
        'init_weights("normal") should draw W1 first, then W2, from one default_rng(seed), scaled by std'


def test_symmetry_gap_block(submission):
    """symmetry_gap, the largest spread (max - min) across hidden units of any weight: 3 for W1 = [[1, 2], [3, 5]], W2 = [[1, 4]] (input 2's weights 2 and 5, the output's 1 and 4); 1 before and after a step of the tiny ReLU network (it runs your train_network)."""
    got = as_array(submission.symmetry_gap(X_S, T_S, np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 4.0]]), 0.5, 0,
                                           "relu"), (1,), "symmetry_gap")
    assert close(got, [3.0]), "the spread is taken across hidden units: over W1's rows for each input, W2's columns for each output"
    got = as_array(submission.symmetry_gap(X_S, T_S, W1_S, W2_S, 0.5, 1, "relu"), (2,), "symmetry_gap")
    assert close(got, [1.0, 1.0]), "entry k is the gap of the weights after k steps (entry 0: before any)"
