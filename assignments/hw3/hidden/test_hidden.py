"""Hidden tests for hw3: random networks from fixed seeds against an independent float64 oracle.

The oracle below uses plain float64 tensors, `torch.autograd.grad` and a
hand-written update (no nn.Linear, no torch.optim), or NumPy formulas; its
results are cached, since every submission of a batch asks for the same cases.
One test per common mistake, named for it.

Tolerances: results must agree with the oracle to rtol 1e-6 (the course's
"agree with hw2 to 1e-6"). That catches float32 only now and then: on these
small networks float32 is off by 1e-8 to 1e-5 relative (the published
examples pass), so float64 has its own test, at rtol 1e-10, that float32
always fails: `test_float64_not_float32`. Every other test judges a float32
result (a tensor that comes back as float32) within float32's own rounding
(`LOW_PRECISION`): a submission that computes in float32 loses the float64
test, not the tests of what its numbers mean.

Returned tensors may still require grad: the wire format sends a tensor's
data with its requires_grad flag and rebuilds a leaf tensor here, so every
comparison goes through `as_array` (which detaches), never `.numpy()`.
"""
import functools

import numpy as np
import pytest
import torch

from autograder.testing import Shape, as_array, as_float, close

F64 = torch.float64
RTOL, ATOL = 1e-6, 1e-9
LOW_PRECISION = dict(rtol=1e-4, atol=1e-6)  # a float32 result's own rounding, over a few steps
LOW_DTYPES = {"float32", "float16", "bfloat16"}


def tolerance(value, rtol, atol):
    """(rtol, atol) for `value`: as given for float64, at least float32's own rounding for a float32 result."""
    if str(getattr(value, "dtype", "")).replace("torch.", "") in LOW_DTYPES:
        return max(rtol, LOW_PRECISION["rtol"]), max(atol, LOW_PRECISION["atol"])
    return rtol, atol


def same(value, want, rtol, atol):
    """`close`, within float32's rounding when `value` is a float32 tensor or array (see `tolerance`)."""
    return close(value, want, *tolerance(value, rtol, atol))


# ---------------------------------------------------------------- reading results

def item(result, key):
    """result[key]; a student-safe message when the result is not a dict or lacks the key."""
    if not isinstance(result, dict):
        raise Shape(f"the result should be a dict, got {type(result).__name__}")
    if key not in result:
        raise Shape(f"the result has no entry {key!r} (it has: {', '.join(map(str, result))})")
    return result[key]


def agrees(result, key, want, rtol=RTOL, atol=ATOL, strict=False):
    """result[key] has want's shape and agrees with it (a float32 result within its own rounding, unless `strict`)."""
    value = item(result, key)
    rtol, atol = (rtol, atol) if strict else tolerance(value, rtol, atol)
    return close(as_array(value, np.shape(want), what=f"result[{key!r}]"), want, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- the oracle

@functools.lru_cache(maxsize=None)
def random_net(seed, D, H, K, N=0, biases=True):
    """Inputs, targets, weights and biases of a random network (N=0: one sample; N>0: a batch)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, D) if N else (D,))
    t = rng.uniform(0.05, 0.95, size=(N, K) if N else (K,))
    W1, W2 = rng.normal(size=(H, D)), rng.normal(size=(K, H))
    b1, b2 = (rng.normal(size=H), rng.normal(size=K)) if biases else (None, None)
    return x, t, W1, W2, b1, b2


@functools.lru_cache(maxsize=None)
def oracle_run(net, lr, steps, train_biases=True):
    """What train_network should return for `random_net(*net)`: plain tensors, autograd.grad, x @ W.T + b."""
    x, t, W1, W2, b1, b2 = (None if v is None else torch.tensor(v, dtype=F64) for v in random_net(*net))
    params = {k: v for k, v in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items() if v is not None}
    trained = [k for k in params if train_biases or k.startswith("W")]
    for k in trained:
        params[k].requires_grad_(True)
    first, losses = None, []
    for _ in range(steps):
        a = torch.sigmoid(x @ params["W1"].T + params.get("b1", 0.0))
        o = torch.sigmoid(a @ params["W2"].T + params.get("b2", 0.0))
        E = 0.5 * ((o - t) ** 2).sum(dim=-1).mean()  # hw2's loss: the mean over samples of 1/2 * sum
        grads = dict(zip(trained, torch.autograd.grad(E, [params[k] for k in trained])))
        if first is None:
            first = {"output": o.detach().numpy(), "loss": E.item(),
                     "grads": {k: g.numpy() for k, g in grads.items()}}
        losses.append(E.item())
        with torch.no_grad():
            for k, g in grads.items():
                params[k] -= lr * g
    return {**first, "losses": np.array(losses), "params": {k: p.detach().numpy() for k, p in params.items()}}


def call_network(submission, net, lr, steps, **kwargs):
    x, t, W1, W2, b1, b2 = random_net(*net)
    return submission.train_network(x, t, W1, W2, b1=b1, b2=b2, lr=lr, steps=steps, **kwargs)


def network_agrees(got, want, keys=("output", "loss", "grads", "losses", "params"), rtol=RTOL, atol=ATOL, strict=False):
    """Every requested entry (and every oracle gradient and parameter) agrees."""
    for key in keys:
        if key in ("grads", "params"):
            part = item(got, key)
            if not all(agrees(part, name, value, rtol, atol, strict) for name, value in want[key].items()):
                return False
        elif not agrees(got, key, want[key], rtol, atol, strict):
            return False
    return True


@functools.lru_cache(maxsize=None)
def random_case_b(seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=2), rng.uniform(-0.5, 1, size=2), rng.normal(scale=0.7, size=8)


@functools.lru_cache(maxsize=None)
def oracle_case_b(seed, lr, steps):
    """Case B written out with the curriculum's scalar wiring, differentiated by autograd."""
    x, t, w = (torch.tensor(v, dtype=F64) for v in random_case_b(seed))
    w.requires_grad_(True)
    first, losses = None, []
    for _ in range(steps):
        a1, a2 = torch.sigmoid(w[0] * x[0] + w[2] * x[1]), torch.sigmoid(w[1] * x[0] + w[3] * x[1])
        o = torch.sigmoid(torch.stack([w[4] * a1 + w[6] * a2, w[5] * a1 + w[7] * a2]))
        E = 0.5 * ((o - t) ** 2).sum()
        (g,) = torch.autograd.grad(E, [w])
        if first is None:
            first = {"prediction": o.detach().numpy(), "loss": E.item(), "grads": g.numpy()}
        losses.append(E.item())
        with torch.no_grad():
            w -= lr * g
    return {**first, "losses": np.array(losses), "weights": w.detach().numpy()}


# ---------------------------------------------------------------- the network

@pytest.mark.parametrize("net", [(2, 3, 4, 5), (3, 4, 3, 1), (4, 2, 3, 2, 3)], ids=["3-4-5", "4-3-1", "batch-of-3"])
def test_random_networks_match_autograd(submission, net):
    """train_network agrees with autograd on random networks of several sizes (and a batch): output, E, gradients, one step."""
    got = call_network(submission, net, lr=0.5, steps=1)
    assert network_agrees(got, oracle_run(net, 0.5, 1)), \
        "a random network disagrees with autograd: check the layer sizes, the loss and the step"


def test_gradients_zeroed_between_steps(submission):
    """Several SGD steps in a row: each step must use only its own gradient (clear the gradients every step)."""
    net, steps = (5, 3, 3, 2, 0, False), 3  # no biases: training them has a test of its own
    got = call_network(submission, net, lr=0.5, steps=steps)
    want = oracle_run(net, 0.5, steps)
    assert network_agrees(got, want, keys=("grads",)), "the gradients of the first step are off"
    assert network_agrees(got, want, keys=("losses", "params")), \
        "after several steps the parameters are off, though one step is right: do gradients pile up across steps?"


def test_weight_not_transposed_in_linear(submission):
    """nn.Linear's weight is (out, in) and it computes x @ weight.T + b: copy W as it is, and map w1..w8 with the wiring."""
    rng = np.random.default_rng(11)
    W, b, x = rng.normal(size=(3, 3)), rng.normal(size=3), rng.normal(size=3)
    report = submission.probe("layer_report", W, b, x)
    assert agrees(report, "output", W @ x + b), "make_layer computes the wrong thing: is W copied transposed?"
    W, x = rng.normal(size=(2, 4)), rng.normal(size=4)
    report = submission.probe("layer_report", W, None, x)
    assert agrees(report, "output", W @ x), "make_layer is wrong for a non-square W without bias"
    w = rng.normal(size=8)
    matrices = submission.case_b_matrices(w)
    assert isinstance(matrices, (tuple, list)) and len(matrices) == 2, "case_b_matrices returns (W1, W2)"
    as_array(matrices[0], (2, 2), "W1 of case_b_matrices")
    as_array(matrices[1], (2, 2), "W2 of case_b_matrices")
    ok = same(matrices[0], [[w[0], w[2]], [w[1], w[3]]], 0, 1e-12) and same(matrices[1], [[w[4], w[6]], [w[5], w[7]]], 0, 1e-12)
    assert ok, "case_b_matrices: h1 = w1*x1 + w3*x2 means row 0 of W1 holds the weights into h1"
    M1, M2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))  # not case_b_matrices' expected layout: that is checked
    back = submission.case_b_vector(M1, M2)
    as_array(back, (8,), "case_b_vector")
    assert same(back, np.concatenate([M1.T.reshape(-1), M2.T.reshape(-1)]), 0, 1e-12), \
        "case_b_vector does not invert case_b_matrices: read w1..w8 back with the wiring case_b_matrices uses"


def test_half_sum_not_mse_loss(submission):
    """The loss is hw2's E = 1/2 * sum((o - t)^2) (for a batch: its mean over the samples), not torch.nn.MSELoss."""
    net = (6, 2, 3, 3, 2, False)  # three outputs and a batch: MSELoss would be off by a factor (no biases: they have a test)
    got = call_network(submission, net, lr=0.5, steps=1)
    assert network_agrees(got, oracle_run(net, 0.5, 1), keys=("loss", "grads")), \
        "E or its gradients are off by a factor: which loss is used?"


def test_float64_not_float32(submission):
    """Work in torch.float64 throughout: results must agree far beyond float32's precision (rtol 1e-10)."""
    net = (8, 3, 4, 2, 0, False)  # no biases: training them has a test of its own
    got = call_network(submission, net, lr=0.5, steps=1)
    assert network_agrees(got, oracle_run(net, 0.5, 1), rtol=1e-10, atol=1e-13, strict=True), \
        "train_network is only approximately right: is something computed in float32?"


def test_biases_are_trained(submission):
    """Biases are parameters like the weights: they require grad, get a gradient and move at every step."""
    rng = np.random.default_rng(12)
    report = submission.probe("layer_report", rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=3))
    assert item(report, "is_linear") is True, "make_layer should return a torch.nn.Linear"
    assert item(report, "n_params") == 2 and item(report, "requires_grad") == [True, True], \
        "make_layer with a bias: both the weight and the bias should require grad"
    net = (9, 2, 3, 2)
    got = call_network(submission, net, lr=0.5, steps=1)
    want = oracle_run(net, 0.5, 1)
    grads, params = item(got, "grads"), item(got, "params")
    assert agrees(grads, "b1", want["grads"]["b1"]) and agrees(grads, "b2", want["grads"]["b2"]), "dE/db1 or dE/db2 is off"
    assert agrees(params, "b1", want["params"]["b1"]) and agrees(params, "b2", want["params"]["b2"]), \
        "the biases after a step are off: are they given to the optimizer?"


def test_frozen_biases_stay_put(submission):
    """train_biases=False trains only the weights: the biases come back unchanged and the weights follow fixed biases."""
    net = (10, 2, 3, 2)
    got = call_network(submission, net, lr=0.5, steps=2, train_biases=False)
    _, _, _, _, b1, b2 = random_net(*net)
    params = item(got, "params")
    assert agrees(params, "b1", b1, rtol=0, atol=1e-12) and agrees(params, "b2", b2, rtol=0, atol=1e-12), \
        "with train_biases=False the biases should not change"
    want = oracle_run(net, 0.5, 2, train_biases=False)
    assert agrees(params, "W1", want["params"]["W1"]) and agrees(params, "W2", want["params"]["W2"]), \
        "with frozen biases the weights after two steps are off (two steps: if test_gradients_zeroed_between_steps " \
        "fails, fix that first)"


def moved(result, key, before) -> bool:
    """result[key] has the shape of `before` and differs from it: the training did something."""
    after = as_array(item(result, key), np.shape(before), what=f"result[{key!r}]")
    return not close(after, before, rtol=0, atol=1e-12)


def test_inputs_not_mutated(submission):
    """Training must not change the caller's arrays: copy them into tensors (torch.from_numpy shares memory)."""
    x, t, W1, W2, b1, b2 = random_net(13, 2, 2, 2)
    got, args, kwargs = submission.call_with_inputs("train_network", x, t, W1, W2, b1=b1, b2=b2, lr=0.5, steps=1)
    assert moved(item(got, "params"), "W1", W1) and moved(item(got, "params"), "W2", W2), \
        "train_network must return the parameters after the step for this test to check that it leaves its inputs alone"
    same = [close(got, want, rtol=0, atol=0) for got, want in
            zip(list(args) + [kwargs.get("b1"), kwargs.get("b2")], [x, t, W1, W2, b1, b2])]
    assert all(same), "train_network changed an array it was given"
    x, t, w = random_case_b(13)
    got, args, _ = submission.call_with_inputs("train_case_b", x, t, w, lr=1.0, steps=1)
    assert moved(got, "weights", w), \
        "train_case_b must return the weights after the step for this test to check that it leaves its inputs alone"
    assert close(args[2], w, rtol=0, atol=0), "train_case_b changed the weights it was given"


@pytest.mark.parametrize("seed,lr,steps", [(3, 1.0, 1), (4, 0.3, 3)])
def test_case_b_matches_autograd(submission, seed, lr, steps):
    """train_case_b on random weights, inputs and targets: prediction, E, the eight gradients and the new w1..w8."""
    got = submission.train_case_b(*random_case_b(seed), lr=lr, steps=steps)
    want = oracle_case_b(seed, lr, steps)
    for key in ("prediction", "loss", "grads"):
        assert agrees(got, key, want[key]), f"Case B on random weights: {key} is off"
    assert agrees(got, "losses", want["losses"]) and agrees(got, "weights", want["weights"]), \
        "Case B on random weights: the weights after the steps are off (several steps: if " \
        "test_gradients_zeroed_between_steps fails, fix that first)"


# ---------------------------------------------------------------- hw1's linear model

def oracle_linear(x, y, w, lr, epochs):
    """dL/dw = 2 x (x w - y), one update per sample, in NumPy."""
    grads = []
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            grads.append(2.0 * xi * (xi * w - yi))
            w -= lr * grads[-1]
    return np.array(grads), w


def test_linear_sgd_zeroes_gradients(submission):
    """train_linear on random data for two epochs: every update uses that sample's gradient only."""
    rng = np.random.default_rng(14)
    x, y, w0 = rng.uniform(0.5, 2.0, size=4), rng.normal(size=4), float(rng.normal())
    got = submission.train_linear(x, y, w0, lr=0.05, epochs=2)
    grads, w = oracle_linear(x, y, w0, 0.05, 2)
    assert agrees(got, "grads", grads), "the gradients of the updates are off: does w.grad pile up between updates?"
    final = item(got, "w")
    as_float(final, "result['w']")
    assert same(final, w, RTOL, ATOL), "the final w is off"


@pytest.mark.parametrize("k", [1, 2, 5])
def test_accumulated_grad_is_k_times_the_gradient(submission, k):
    """accumulated_grad: what w.grad holds after k backward() calls that never clear it, for several k."""
    x, y, w = 1.5, -0.5, 0.7
    got = submission.accumulated_grad(x, y, w, k)
    as_float(got, "accumulated_grad")
    assert same(got, k * 2.0 * x * (x * w - y), RTOL, ATOL), \
        "accumulated_grad is not what k backward calls leave in w.grad"


# ---------------------------------------------------------------- torch against hand-written

def test_sigmoid_matches_torch(submission):
    """The hand-written sigmoid and torch.sigmoid agree, and autograd gives both the derivative s * (1 - s)."""
    z = np.random.default_rng(15).uniform(-6, 6, size=(2, 4))
    got = submission.compare_sigmoid(z)
    s = 1.0 / (1.0 + np.exp(-z))
    assert agrees(got, "torch", s) and agrees(got, "manual", s), "a sigmoid value is off"
    assert agrees(got, "torch_grad", s * (1 - s)) and agrees(got, "manual_grad", s * (1 - s)), \
        "a sigmoid gradient is off: does the hand-written sigmoid keep z's graph?"


@pytest.mark.parametrize("shape", [(1,), (3,), (5,), (4, 3)])
def test_mse_factor_for_output_sizes(submission, shape):
    """compare_mse: MSELoss (default reduction) and hw2's loss, their gradients, and the factor between them, for several output sizes."""
    rng = np.random.default_rng(16)
    o, t = rng.normal(size=shape), rng.normal(size=shape)
    got = submission.compare_mse(o, t)
    n_samples, k = (1, shape[0]) if len(shape) == 1 else shape
    as_float(item(got, "factor"), "result['factor']")
    assert same(item(got, "factor"), k / 2, RTOL, ATOL), \
        "the factor half_sum / mse is off for this output size"
    half_sum = 0.5 * ((o - t) ** 2).sum() / n_samples
    assert agrees(got, "mse", ((o - t) ** 2).mean()) and agrees(got, "half_sum", half_sum), \
        "a loss value is off: MSELoss with its default reduction, and hw2's loss"
    assert agrees(got, "mse_grad", 2 * (o - t) / o.size) and agrees(got, "half_sum_grad", (o - t) / n_samples), \
        "a loss gradient is off"
