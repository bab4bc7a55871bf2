"""hw4 hidden tests: random networks and data from fixed seeds against oracles, edge cases, known mistakes.

The oracles live here: torch in float64 for the network and the losses, and
NumPy written independently (plain loops) for gradient descent on the
regression set. Each oracle is computed once per grading run (cached), so a
submission pays only for its own calls.
"""
import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.testing import as_array, as_float, close

TIGHT = dict(rtol=1e-9, atol=1e-12)
SIZES = [(2, 2, 2), (3, 4, 2), (5, 3, 4)]
SIZE_IDS = ["2-2-2", "3-4-2", "5-3-4"]
DONT_TOUCH = dict(rtol=0.0, atol=0.0)  # "left unchanged" means bit for bit


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


# --- data -----------------------------------------------------------------------

@functools.cache
def network_case(seed, D, H, K):
    """A random network and sample: x (D,), t (K,), W1 (H, D), W2 (K, H)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=D)
    t = rng.uniform(-0.1, 1.0, size=K)
    return x, t, rng.normal(size=(H, D)), rng.normal(size=(K, H))


@functools.cache
def dead_relu_case(seed, D, H, K):
    """A network whose first hidden unit and first output are dead (pre-activation < 0) for x > 0."""
    x, t, W1, W2 = network_case(seed, D, H, K)
    x = np.abs(x) + 0.1
    W1 = W1.copy()
    W1[0] = -np.abs(W1[0])
    W1[1] = np.abs(W1[1])  # at least one live hidden unit, so the dead output gets a real input
    W2 = W2.copy()
    W2[0] = -np.abs(W2[0])
    W2[1] = np.abs(W2[1])
    return x, t, W1, W2


@functools.cache
def regression_case(seed, N, D):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    y = X @ rng.normal(size=D) + 0.2 * rng.normal(size=N)
    return X, y, rng.normal(size=D)


def stable_lr(X):
    """2 / (largest curvature) of mean((X w - y)^2): the full-batch stability limit."""
    return 2.0 / np.linalg.eigvalsh(2.0 * X.T @ X / len(X)).max()


# --- oracles ----------------------------------------------------------------------

def torch_network(x, t, W1, W2, activation):
    """(o, E, dE/dW1, dE/dW2) of the bias-free network, by torch autograd in float64."""
    W1_, W2_ = t64(W1, True), t64(W2, True)
    f = torch.sigmoid if activation == "sigmoid" else torch.relu  # torch's ReLU has derivative 0 at 0
    o = f(W2_ @ f(W1_ @ t64(x)))
    E = 0.5 * ((o - t64(t)) ** 2).sum()
    E.backward()
    return o.detach().numpy(), E.item(), W1_.grad.numpy(), W2_.grad.numpy()


@functools.cache
def oracle_backward(seed, sizes, activation, dead=False):
    case = (dead_relu_case if dead else network_case)(seed, *sizes)
    return torch_network(*case, activation)


@functools.cache
def oracle_history(seed, sizes, activation, lr, steps, zeros=False, scale=1.0):
    """(losses, W1 history, W2 history) of `steps` torch-computed gradient steps from (scale * W1, W2 / scale)."""
    x, t, W1, W2 = network_case(seed, *sizes)
    W1, W2 = scale * W1, W2 / scale
    if zeros:
        W1, W2 = np.zeros_like(W1), np.zeros_like(W2)
    hist1, hist2, losses = [W1], [W2], []
    for _ in range(steps + 1):
        _, E, g1, g2 = torch_network(x, t, W1, W2, activation)
        losses.append(E)
        W1, W2 = W1 - lr * g1, W2 - lr * g2
        hist1.append(W1)
        hist2.append(W2)
    return np.array(losses), np.array(hist1[:-1]), np.array(hist2[:-1])


@functools.cache
def torch_softmax(z):
    return torch.softmax(t64(z), dim=0).numpy()


@functools.cache
def torch_ce(z, y):
    """(loss, dL/dz) of the softmax cross-entropy by torch; z is a tuple of logits."""
    z_ = t64(z, True)
    loss = F.cross_entropy(z_[None], torch.tensor([y]))
    loss.backward()
    return loss.item(), z_.grad.numpy()


@functools.cache
def torch_bce(z, t):
    """(summed loss, dL/dz) of the binary cross-entropy with logits by torch; z, t are tuples."""
    z_ = t64(z, True)
    loss = F.binary_cross_entropy_with_logits(z_, t64(t), reduction="sum")
    loss.backward()
    return loss.item(), z_.grad.numpy()


@functools.cache
def torch_mse_on_sigmoid_grad(z, t):
    """d/dz of 1/2 * sum((sigmoid(z) - t)^2) by torch; z, t are tuples."""
    z_ = t64(z, True)
    (0.5 * ((torch.sigmoid(z_) - t64(t)) ** 2).sum()).backward()
    return z_.grad.numpy()


def pairwise_gap(W1, W2):
    """The largest difference between two hidden units in any incoming or outgoing weight (plain loops)."""
    H = W1.shape[0]
    return max(max(abs(W1[i] - W1[j]).max(), abs(W2[:, i] - W2[:, j]).max()) for i in range(H) for j in range(H))


def oracle_gd(X, y, w0, lr, epochs, batch_size, seed):
    """Mini-batch gradient descent with per-sample loops, as the assignment specifies it."""
    rng = np.random.default_rng(seed)
    N, D = X.shape
    w = [float(v) for v in w0]

    def loss(w):
        residuals = [sum(X[i, d] * w[d] for d in range(D)) - y[i] for i in range(N)]
        return sum(r * r for r in residuals) / N  # r * r overflows to inf where r ** 2 would raise

    losses = [loss(w)]
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            grad = [0.0] * D
            for i in batch:
                r = sum(X[i, d] * w[d] for d in range(D)) - y[i]
                for d in range(D):
                    grad[d] += 2.0 * r * X[i, d] / len(batch)
            w = [w[d] - lr * grad[d] for d in range(D)]
        losses.append(loss(w) if all(math.isfinite(v) for v in w) else math.nan)
    return np.array(losses)


@functools.cache
def oracle_gd_cached(seed, N, D, lr, epochs, batch_size, gd_seed, w_zero=False):
    X, y, w0 = regression_case(seed, N, D)
    return oracle_gd(X, y, np.zeros(D) if w_zero else w0, lr, epochs, batch_size, gd_seed)


def oracle_label(losses, tol=1e-12):
    """The classify_curve rule, written independently."""
    values = [float(v) for v in losses]
    if any(math.isnan(v) or math.isinf(v) for v in values) or values[-1] > values[0]:
        return "diverged"
    if any(b > a + tol for a, b in zip(values, values[1:])):
        return "oscillating"
    return "converged"


# --- 1. sigmoid -> ReLU ------------------------------------------------------------

@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("sizes", SIZES, ids=SIZE_IDS)
def test_backward_matches_torch(submission, sizes, activation):
    """forward and backward on random networks of several sizes agree with autograd, for sigmoid and ReLU."""
    seed = sum(sizes)
    x, t, W1, W2 = network_case(seed, *sizes)
    o, E, g1, g2 = oracle_backward(seed, sizes, activation)
    got = as_array(submission.forward(x, W1, W2, activation)["o"], o.shape, 'forward()["o"]')
    assert close(got, o, **TIGHT), f"{activation}: the prediction o is off for a random network"
    assert close(as_float(submission.mse_loss(got, t)), E, **TIGHT), f"{activation}: the loss E is off for a random network"
    grads = submission.backward(x, t, W1, W2, activation)
    assert close(as_array(grads["W2"], g2.shape, 'backward()["W2"]'), g2, **TIGHT), \
        f"{activation}: dE/dW2 is off for a random network"
    assert close(as_array(grads["W1"], g1.shape, 'backward()["W1"]'), g1, **TIGHT), \
        f"{activation}: dE/dW1 is off for a random network"


@pytest.mark.parametrize("sizes", SIZES[1:], ids=SIZE_IDS[1:])
def test_relu_derivative_is_zero_for_dead_units(submission, sizes):
    """A ReLU unit whose input is negative passes no gradient back: its derivative is 0 there, not 1."""
    seed = 11 + sum(sizes)
    x, t, W1, W2 = dead_relu_case(seed, *sizes)
    _, _, g1, g2 = oracle_backward(seed, sizes, "relu", dead=True)
    grads = submission.backward(x, t, W1, W2, "relu")
    got1 = as_array(grads["W1"], g1.shape, 'backward()["W1"]')
    got2 = as_array(grads["W2"], g2.shape, 'backward()["W2"]')
    assert close(got2[0], np.zeros(g2.shape[1]), rtol=0, atol=1e-15), \
        "a dead output unit (negative pre-activation) should get no gradient on its weights"
    assert close(got1[0], np.zeros(g1.shape[1]), rtol=0, atol=1e-15), \
        "a dead hidden unit (negative pre-activation) should get no gradient on its weights"
    assert close(got1, g1, **TIGHT) and close(got2, g2, **TIGHT), \
        "with dead ReLU units, the gradients of the live units are off"


def test_relu_subgradient_at_zero_is_zero(submission):
    """At a pre-activation of exactly 0, ReLU's derivative is taken as 0 (the course's convention, as in torch)."""
    x = np.array([0.5, 0.25, 1.0])
    W1 = np.array([[1.0, -2.0, 0.0],    # z = 0.5 - 0.5 + 0 = 0 exactly
                   [0.3, 0.2, 0.1],
                   [0.0, 0.0, 0.0]])    # z = 0 exactly
    W2 = np.array([[0.5, 0.0, 0.0],     # z = 0.5 * relu(0) = 0 exactly
                   [0.4, 0.7, -0.2]])
    t = np.array([0.3, 0.1])
    _, _, g1, g2 = torch_network(x, t, W1, W2, "relu")
    grads = submission.backward(x, t, W1, W2, "relu")
    assert close(as_array(grads["W2"], g2.shape, 'backward()["W2"]'), g2, **TIGHT), \
        "an output unit whose pre-activation is exactly 0 should get no gradient (derivative 0 at 0)"
    assert close(as_array(grads["W1"], g1.shape, 'backward()["W1"]'), g1, **TIGHT), \
        "a hidden unit whose pre-activation is exactly 0 should get no gradient (derivative 0 at 0)"


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_train_step_uses_the_old_weights(submission, activation):
    """train_step subtracts lr times both gradients, both computed from the weights BEFORE the step (judged against your own backward at those weights)."""
    seed, sizes, lr = 21, (3, 4, 2), 0.7
    x, t, W1, W2 = network_case(seed, *sizes)
    grads = submission.backward(x, t, W1, W2, activation)
    g1, g2 = as_array(grads["W1"], W1.shape, 'backward()["W1"]'), as_array(grads["W2"], W2.shape, 'backward()["W2"]')
    new_W1, new_W2 = submission.train_step(x, t, W1, W2, lr, activation)
    assert close(as_array(new_W2, W2.shape, "new W2"), W2 - lr * g2, **TIGHT), "the new W2 is not W2 - lr * dE/dW2"
    assert close(as_array(new_W1, W1.shape, "new W1"), W1 - lr * g1, **TIGHT), \
        "the new W1 is not W1 - lr * dE/dW1 at the old weights: is dE/dW1 computed with the old W2?"


def test_train_step_does_not_modify_inputs(submission):
    """train_step returns new weight arrays and leaves x, t, W1 and W2 exactly as they were."""
    x, t, W1, W2 = network_case(22, 3, 4, 2)
    new, args, _ = submission.call_with_inputs("train_step", x, t, W1, W2, 0.5, "sigmoid")
    assert isinstance(new, (tuple, list)) and len(new) == 2 and not close(as_array(new[0], W1.shape), W1, **DONT_TOUCH) \
        and not close(as_array(new[1], W2.shape), W2, **DONT_TOUCH), \
        "train_step must return the weights after the step for this test to check that it leaves its inputs alone"
    for name, before, after in zip(("x", "t", "W1", "W2"), (x, t, W1, W2), args):
        assert close(as_array(after), before, **DONT_TOUCH), f"train_step changed its argument {name} in place"


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_train_network_history_matches_oracle(submission, activation):
    """train_network's losses and weight history: entry 0 before any step, entry k + 1 your train_step from entry k, and losses[k] the loss of entry k (judged with your own train_step, forward and mse_loss)."""
    seed, sizes, lr, steps = 26, (3, 4, 2), 0.5, 3  # a network whose ReLU units are not all dead
    x, t, W1, W2 = network_case(seed, *sizes)
    got = submission.train_network(x, t, W1, W2, lr, steps, activation)
    hist1 = as_array(got["W1"], (steps + 1, *W1.shape), 'train_network()["W1"]')
    hist2 = as_array(got["W2"], (steps + 1, *W2.shape), 'train_network()["W2"]')
    losses = as_array(got["losses"], (steps + 1,), 'train_network()["losses"]')
    assert close(hist1[0], W1, **TIGHT) and close(hist2[0], W2, **TIGHT), \
        "entry 0 of train_network's history should be the weights before any step"
    for k in range(steps):
        new_W1, new_W2 = submission.train_step(x, t, hist1[k], hist2[k], lr, activation)
        assert close(hist1[k + 1], as_array(new_W1, W1.shape), **TIGHT) and close(hist2[k + 1], as_array(new_W2, W2.shape), **TIGHT), \
            "entry k + 1 of train_network's history should be train_step applied to entry k"
    for k in range(steps + 1):
        o = as_array(submission.forward(x, hist1[k], hist2[k], activation)["o"], t.shape, 'forward()["o"]')
        assert close(losses[k], as_float(submission.mse_loss(o, t), "mse_loss"), **TIGHT), \
            "losses[k] of train_network should be the loss at the weights after k steps (losses[0] before any step)"


# --- 2. MSE -> cross-entropy -------------------------------------------------------------

@pytest.mark.parametrize("z", [[1000.0, 1001.0, 999.0], [-1000.0, -1001.0], [710.0, 0.0, -710.0]],
                         ids=["large", "very-negative", "spread"])
def test_softmax_subtracts_the_max(submission, z):
    """softmax stays finite and correct for logits of size 1000: subtract max(z) before exponentiating."""
    want = torch_softmax(tuple(z))
    got = as_array(submission.softmax(np.array(z)), want.shape, "softmax")
    assert np.all(np.isfinite(got)), "softmax gave inf or nan for large logits: subtract max(z) first"
    assert close(got, want, **TIGHT), "softmax is off for large logits"


@pytest.mark.parametrize("K", [2, 3, 5])
def test_softmax_cross_entropy_matches_torch(submission, K):
    """softmax_cross_entropy and its gradient softmax(z) - onehot(y) agree with torch for every class y."""
    z = np.random.default_rng(30 + K).normal(scale=3.0, size=K)
    for y in range(K):
        loss, want = torch_ce(tuple(z), y)
        got = as_float(submission.softmax_cross_entropy(z, y), "softmax_cross_entropy")
        assert close(got, loss, **TIGHT), "softmax_cross_entropy is off for random logits"
        grad = as_array(submission.softmax_cross_entropy_backward(z, y), (K,), "softmax_cross_entropy_backward")
        assert close(grad, want, **TIGHT), "softmax_cross_entropy_backward is off for random logits"


def test_cross_entropy_is_finite_for_extreme_logits(submission):
    """Both cross-entropies and their gradients stay finite and correct for logits of size 1000 (log-sum-exp, stable BCE)."""
    for z, y in (((1000.0, -1000.0), 1), ((1000.0, -1000.0), 0), ((-800.0, 800.0, 0.0), 0)):
        loss, want = torch_ce(z, y)
        got = as_float(submission.softmax_cross_entropy(np.array(z), y), "softmax_cross_entropy")
        assert math.isfinite(got), "softmax_cross_entropy gave inf or nan for extreme logits: use log-sum-exp"
        assert close(got, loss, **TIGHT), "softmax_cross_entropy is off for extreme logits"
        grad = as_array(submission.softmax_cross_entropy_backward(np.array(z), y), (len(z),))
        assert close(grad, want, **TIGHT), "softmax_cross_entropy_backward is off for extreme logits"
    z, t = (800.0, -800.0, 1000.0, -1000.0), (0.0, 1.0, 1.0, 0.3)
    loss, want = torch_bce(z, t)
    got = as_float(submission.binary_cross_entropy(np.array(z), np.array(t)), "binary_cross_entropy")
    assert math.isfinite(got), "binary_cross_entropy gave inf or nan for extreme logits: use the stable form"
    assert close(got, loss, **TIGHT), "binary_cross_entropy is off for extreme logits"
    grad = as_array(submission.binary_cross_entropy_backward(np.array(z), np.array(t)), (len(z),),
                    "binary_cross_entropy_backward")
    assert close(grad, want, **TIGHT), "binary_cross_entropy_backward is off for extreme logits"


@pytest.mark.parametrize("n", [1, 2, 6])
def test_bce_matches_torch(submission, n):
    """binary_cross_entropy (summed) and its gradient agree with torch for random logits and soft targets in [0, 1]."""
    rng = np.random.default_rng(40 + n)
    z, t = rng.normal(scale=2.0, size=n), rng.uniform(size=n)
    loss, want = torch_bce(tuple(z), tuple(t))
    assert close(as_float(submission.binary_cross_entropy(z, t), "binary_cross_entropy"), loss, **TIGHT), \
        "binary_cross_entropy is off for random logits and soft targets (is it summed over the outputs?)"
    grad = as_array(submission.binary_cross_entropy_backward(z, t), (n,), "binary_cross_entropy_backward")
    assert close(grad, want, **TIGHT), "binary_cross_entropy_backward is off for random logits"


def test_bce_gradient_is_wrt_logits_not_probabilities(submission):
    """binary_cross_entropy_backward is dL/dz (through the sigmoid), which simplifies to sigmoid(z) - t; not dL/dp."""
    z, t = (3.0, -2.0, 0.7), (0.0, 1.0, 0.2)
    _, want = torch_bce(z, t)
    grad = as_array(submission.binary_cross_entropy_backward(np.array(z), np.array(t)), (3,),
                    "binary_cross_entropy_backward")
    assert close(grad, want, **TIGHT), \
        "binary_cross_entropy_backward should be the gradient with respect to the logits z, not the probabilities"


def test_bce_gradient_sign(submission):
    """The BCE gradient is positive where the predicted probability is above the target (descent lowers it), negative below."""
    z, t = np.array([2.0, -1.0, 0.5, -3.0]), np.array([0.1, 0.9, 0.5, 0.0])
    want = 1.0 / (1.0 + np.exp(-z)) - t  # the sign is all this test judges: the values have tests of their own
    grad = as_array(submission.binary_cross_entropy_backward(z, t), z.shape, "binary_cross_entropy_backward")
    assert np.array_equal(np.sign(grad), np.sign(want)), "the BCE gradient has the wrong sign somewhere"


def test_logit_gradients_mse_vs_bce(submission):
    """logit_gradients gives d/dz of 1/2*sum((sigmoid(z) - t)^2) and of the BCE, as autograd does, including saturated outputs."""
    z, t = (8.0, -8.0, 0.3, -1.5), (0.0, 0.0, 1.0, 0.4)
    got = submission.logit_gradients(np.array(z), np.array(t))
    assert close(as_array(got["mse"], (4,), 'logit_gradients()["mse"]'), torch_mse_on_sigmoid_grad(z, t), **TIGHT), \
        'logit_gradients()["mse"] is off: the squared error is taken on sigmoid(z), so the chain rule goes through it'
    assert close(as_array(got["bce"], (4,), 'logit_gradients()["bce"]'), torch_bce(z, t)[1], **TIGHT), \
        'logit_gradients()["bce"] is off'


# --- 3. the learning rate ------------------------------------------------------------------

@pytest.mark.parametrize("curve,tol", [
    ([1.0, 0.5, 0.25, 0.125], 1e-12),
    ([1.0, 0.5, 0.5, 0.4], 1e-12),
    ([1.0, 0.5, 0.5, 0.4], 0.0),
    ([1.0, 0.5, 0.5 + 1e-14, 0.3], 1e-12),
    ([1.0, 0.5, 0.52, 0.3], 0.1),
    ([1.0, 0.4, 0.6, 0.3, 0.5, 0.2], 1e-12),
    ([1.0, 0.2, 0.9], 1e-12),
    ([1.0, 0.2, 1.0], 1e-12),
    ([1.0, 0.5, 1.5], 1e-12),
    ([1.0, 3.0, 9.0, float("inf")], 1e-12),
    ([2.0, 1.0, 0.5, float("inf")], 1e-12),
], ids=["falling", "flat-step", "flat-step-tol0", "within-tol", "within-given-tol", "zigzag", "rise-below-start",
        "ends-at-start", "ends-above-start", "to-inf", "late-inf"])
def test_classify_curve_follows_the_rule(submission, curve, tol):
    """classify_curve applies the documented rule in order: non-finite or ending above the start, then any rise above tol, then converged."""
    assert submission.classify_curve(curve, tol) == oracle_label(curve, tol), \
        "classify_curve gives the wrong label for this curve"


@pytest.mark.parametrize("curve", [
    [1.0, 0.5, float("nan")],
    [1.0, float("nan"), float("nan"), float("nan")],
    [1.0, float("inf"), float("nan")],
    [1.0, 0.8, float("nan"), 0.1],
], ids=["ends-nan", "all-nan", "inf-then-nan", "nan-inside"])
def test_divergence_detected_on_nan(submission, curve):
    """A curve holding nan diverged: every comparison with nan is False, so check for it explicitly."""
    assert submission.classify_curve(curve) == "diverged", "a loss curve containing nan should be labelled diverged"


@pytest.mark.parametrize("batch_size", [None, 2], ids=["full", "batch2"])
def test_lr_sweep_matches_oracle(submission, batch_size):
    """lr_sweep: one minibatch_gd curve per learning rate, from the same w0 and seed, and classify_curve's label for each (judged against your own minibatch_gd and classify_curve)."""
    seed, N, D, epochs = 50, 8, 2, 5
    X, y, w0 = regression_case(seed, N, D)
    limit = stable_lr(X)
    lrs = [0.05 * limit, 0.5 * limit, 0.95 * limit, 1.6 * limit]
    got = submission.lr_sweep(X, y, w0, lrs, epochs, batch_size, 3)
    curves = as_array(got["curves"], (len(lrs), epochs + 1), 'lr_sweep()["curves"]')
    labels = got["labels"]
    assert isinstance(labels, list) and len(labels) == len(lrs), 'lr_sweep()["labels"] should be a list, one label per rate'
    for lr, curve, label in zip(lrs, curves, labels):
        own = submission.minibatch_gd(X, y, w0, lr, epochs, N if batch_size is None else batch_size, 3)
        assert close(curve, as_array(own["losses"], (epochs + 1,), 'minibatch_gd()["losses"]'), **TIGHT), \
            "a curve of lr_sweep is not minibatch_gd's for that rate (same w0, batch size and seed for every rate?)"
        assert label == submission.classify_curve(curve), "the labels of lr_sweep should be classify_curve's of each curve"


def test_lr_sweep_survives_overflow(submission):
    """A learning rate far too large makes the loss overflow to inf and then nan: lr_sweep must not raise, and labels it diverged."""
    X, y, w0 = regression_case(51, 6, 2)
    got = submission.lr_sweep(X, y, w0, [0.01, 1e200], 3)
    curves = as_array(got["curves"], (2, 4), 'lr_sweep()["curves"]')
    assert not np.all(np.isfinite(curves[1])), "with a huge learning rate the loss should overflow to inf or nan"
    assert close(curves[1, 0], np.mean((X @ w0 - y) ** 2), **TIGHT), "every curve starts at the loss of w0"
    assert got["labels"][1] == "diverged", "a run whose loss overflowed should be labelled diverged"


# --- 4. initialisation ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 7])
def test_normal_init_is_seeded(submission, seed):
    """init_weights("normal") draws W1 then W2 from np.random.default_rng(seed), times std; "given" is Case B."""
    W1, W2 = submission.init_weights("normal", 3, 4, 2, seed, 0.5)
    rng = np.random.default_rng(seed)
    want1 = 0.5 * rng.standard_normal((4, 3))
    want2 = 0.5 * rng.standard_normal((2, 4))
    assert close(as_array(W1, (4, 3), "normal W1"), want1, **TIGHT), "normal W1 does not follow the seed (W1 drawn first?)"
    assert close(as_array(W2, (2, 4), "normal W2"), want2, **TIGHT), "normal W2 does not follow the seed (W2 drawn second?)"
    W1, W2 = submission.init_weights("given")
    assert close(as_array(W1, (2, 2)), [[0.2, 0.5], [-0.4, 0.6]], **TIGHT) and \
        close(as_array(W2, (2, 2)), [[0.1, -0.3], [-0.5, 0.8]], **TIGHT), 'init_weights("given") should be Case B\'s weights'


@pytest.mark.parametrize("sizes", [(3, 4, 2), (2, 3, 3)], ids=["3-4-2", "2-3-3"])
def test_zero_init_symmetry_is_never_broken(submission, sizes):
    """From all-zero weights the hidden units stay identical at every step (gap 0); from random weights symmetry_gap is the largest spread of your own train_network's history."""
    seed, lr, steps = 60 + sum(sizes), 1.0, 4
    x, t, W1, W2 = network_case(seed, *sizes)
    zeros = submission.symmetry_gap(x, t, np.zeros_like(W1), np.zeros_like(W2), lr, steps, "sigmoid")
    zeros = as_array(zeros, (steps + 1,), "symmetry_gap")
    assert np.all(np.abs(zeros) < 1e-12), "from all-zero weights the hidden units should stay identical at every step"
    for scale in (1.0, 4.0):  # with scale 4 the largest spread is in the incoming weights
        history = submission.train_network(x, t, scale * W1, W2 / scale, lr, steps, "sigmoid")
        hist1 = as_array(history["W1"], (steps + 1, *W1.shape), 'train_network()["W1"]')
        hist2 = as_array(history["W2"], (steps + 1, *W2.shape), 'train_network()["W2"]')
        want = np.array([pairwise_gap(a, b) for a, b in zip(hist1, hist2)])
        got = submission.symmetry_gap(x, t, scale * W1, W2 / scale, lr, steps, "sigmoid")
        assert close(as_array(got, (steps + 1,), "symmetry_gap"), want, **TIGHT), \
            "symmetry_gap is off for random weights (both incoming and outgoing weights count)"


def test_zero_init_first_layer_stays_zero(submission):
    """One step from all-zero weights leaves the first layer exactly 0 (its gradient goes through the old, zero W2)."""
    seed, sizes, lr = 70, (3, 4, 2), 0.8
    x, t, W1, W2 = network_case(seed, *sizes)
    _, hist1, hist2 = oracle_history(seed, sizes, "sigmoid", lr, 1, zeros=True)
    new_W1, new_W2 = submission.train_step(x, t, np.zeros_like(W1), np.zeros_like(W2), lr, "sigmoid")
    assert close(as_array(new_W1, W1.shape, "new W1"), np.zeros_like(W1), rtol=0, atol=1e-15), \
        "from all-zero weights the first layer should still be exactly 0 after one step"
    assert close(as_array(new_W2, W2.shape, "new W2"), hist2[1], **TIGHT), "from all-zero weights the new W2 is off"


# --- 5. gradient descent variants -------------------------------------------------------------

@pytest.mark.parametrize("seed,N,D", [(80, 8, 2), (81, 12, 3)])
def test_full_batch_matches_oracle(submission, seed, N, D):
    """minibatch_gd with batch_size N (full batch) gives exactly the loss curve of plain gradient descent, and the final w."""
    X, y, w0 = regression_case(seed, N, D)
    lr, epochs = 0.4 * stable_lr(X), 4
    got = submission.minibatch_gd(X, y, w0, lr, epochs, N, 0)
    want = oracle_gd_cached(seed, N, D, lr, epochs, N, 0)
    assert close(as_array(got["losses"], (epochs + 1,), 'minibatch_gd()["losses"]'), want, **TIGHT), \
        "the full-batch loss curve is off"
    w = w0.copy()
    for _ in range(epochs):
        w = w - lr * 2.0 * X.T @ (X @ w - y) / N
    assert close(as_array(got["w"], (D,), 'minibatch_gd()["w"]'), w, **TIGHT), "the final weights of full-batch descent are off"


def test_minibatch_of_size_n_is_full_batch(submission):
    """gd_variants with batch_size N gives the same "minibatch" curve as "full"; "full" is plain gradient descent."""
    seed, N, D = 82, 8, 2
    X, y, w0 = regression_case(seed, N, D)
    lr, epochs = 0.3 * stable_lr(X), 3
    got = submission.gd_variants(X, y, w0, lr, epochs, N, 4)
    full = as_array(got["full"], (epochs + 1,), 'gd_variants()["full"]')
    assert close(full, oracle_gd_cached(seed, N, D, lr, epochs, N, 4), **TIGHT), 'gd_variants()["full"] is off'
    assert close(as_array(got["minibatch"], (epochs + 1,)), full, **TIGHT), \
        "a mini-batch as large as the data set should give the full-batch curve"


@pytest.mark.parametrize("batch_size", [3, 4])
def test_minibatch_is_averaged(submission, batch_size):
    """Each mini-batch update uses the AVERAGE gradient over its batch (the last batch may be shorter), so its scale does not grow with B."""
    seed, N, D = 83, 8, 2
    X, y, w0 = regression_case(seed, N, D)
    grad = as_array(submission.regression_backward(X[:batch_size], y[:batch_size], w0), (D,), "regression_backward")
    r = X[:batch_size] @ w0 - y[:batch_size]
    assert close(grad, 2.0 * (X[:batch_size] * r[:, None]).mean(axis=0), **TIGHT), \
        "regression_backward should average over the rows it is given"
    # Every row the same: the order of the samples cannot matter here, only the size of each update.
    X, y = np.tile(X[:1], (N, 1)), np.full(N, y[0])
    lr, epochs = 0.2 * stable_lr(regression_case(seed, N, D)[0]), 3
    got = submission.minibatch_gd(X, y, w0, lr, epochs, batch_size, 5)
    assert close(as_array(got["losses"], (epochs + 1,), 'minibatch_gd()["losses"]'),
                 oracle_gd(X, y, w0, lr, epochs, batch_size, 5), **TIGHT), \
        "the mini-batch loss curve is off on a data set whose rows are all the same: is every update's gradient averaged over its batch?"


@pytest.mark.parametrize("gd_seed", [1, 2])
def test_sgd_follows_the_seed(submission, gd_seed):
    """Stochastic gradient descent visits the samples in the order rng.permutation(N) gives, each epoch, with rng = default_rng(seed)."""
    seed, N, D = 84, 6, 2
    X, y, w0 = regression_case(seed, N, D)
    lr, epochs = 0.1 * stable_lr(X), 3
    got = submission.gd_variants(X, y, w0, lr, epochs, 2, gd_seed)
    assert close(as_array(got["stochastic"], (epochs + 1,), 'gd_variants()["stochastic"]'),
                 oracle_gd_cached(seed, N, D, lr, epochs, 1, gd_seed), **TIGHT), \
        "the stochastic curve does not follow the seed's sample order"


def test_gd_does_not_modify_inputs(submission):
    """minibatch_gd leaves X, y and w0 exactly as they were (no in-place shuffling or updates)."""
    X, y, w0 = regression_case(85, 6, 2)
    got, args, _ = submission.call_with_inputs("minibatch_gd", X, y, w0, 0.1, 2, 2, 0)
    assert isinstance(got, dict) and as_array(got.get("losses")).shape == (3,) \
        and not close(as_array(got.get("w"), w0.shape), w0, **DONT_TOUCH), \
        "minibatch_gd must return its loss curve and the trained weights for this test to check that it leaves its inputs alone"
    for name, before, after in zip(("X", "y", "w0"), (X, y, w0), args):
        assert close(as_array(after), before, **DONT_TOUCH), f"minibatch_gd changed its argument {name} in place"
