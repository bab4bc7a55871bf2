"""hw2 hidden tests: random networks against a torch float64 oracle, edge cases, one test per known mistake.

The oracle below is written here, independently of any solution: torch
autograd in float64 on the same network. Networks are drawn from fixed
seeds; some are not square (D inputs, H hidden units, K outputs all
different) so that a transposed weight matrix shows.
"""
import functools

import numpy as np
import pytest

from autograder.testing import as_array, as_float, close, lazy_import, oracle

torch = lazy_import("torch")  # only the oracles use it, and their values are stored (autograder release)

EXACT = dict(rtol=0.0, atol=1e-12)
SIZES = [(2, 2, 2), (3, 4, 2), (4, 3, 5)]
SIZE_IDS = ["2-2-2", "3-4-2", "4-3-5"]


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def network(seed, D=2, H=2, K=2, N=None, scale=1.0):
    """Random parameters {"W1", "b1", "W2", "b2"}, inputs and targets (one sample, or N rows)."""
    rng = np.random.default_rng(seed)
    params = {"W1": scale * rng.normal(size=(H, D)), "b1": scale * rng.normal(size=H),
              "W2": scale * rng.normal(size=(K, H)), "b2": scale * rng.normal(size=K)}
    shape = (D,) if N is None else (N, D)
    x = rng.normal(size=shape)
    t = rng.uniform(size=shape[:-1] + (K,))
    return params, x, t


def args(x, t, p):
    return x, t, p["W1"], p["b1"], p["W2"], p["b2"]


@oracle
def torch_network(x, t, p):
    """Hidden activations, outputs, loss and gradients by torch autograd (float64).

    One sample (1-D x): E = 1/2 * sum((o - t)^2). A batch (2-D x, samples
    as rows): the mean over samples of each sample's E.
    """
    X = torch.as_tensor(np.atleast_2d(x), dtype=torch.float64)
    T = torch.as_tensor(np.atleast_2d(t), dtype=torch.float64)
    q = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    A1 = torch.sigmoid(X @ q["W1"].T + q["b1"])
    O = torch.sigmoid(A1 @ q["W2"].T + q["b2"])
    E = 0.5 * ((O - T) ** 2).sum() / X.shape[0]
    E.backward()
    out = {"A1": A1.detach().numpy(), "O": O.detach().numpy(), "E": E.item()}
    if np.ndim(x) == 1:
        out["A1"], out["O"] = out["A1"][0], out["O"][0]
    out.update({"d" + k: v.grad.numpy() for k, v in q.items()})
    return out


@oracle
def torch_sigmoid(z):
    """sigmoid(z), by torch (float64)."""
    return torch.sigmoid(torch.tensor(z)).numpy()


@oracle
def torch_sigmoid_backward(z, g):
    """(sigmoid(z), g times sigmoid'(z)): torch's sigmoid and its autograd backward from the gradient g (float64)."""
    zt = torch.tensor(z, requires_grad=True)
    a = torch.sigmoid(zt)
    a.backward(torch.tensor(g))
    return a.detach().numpy(), zt.grad.numpy()


def grads_of(got, p, what):
    assert isinstance(got, dict), f"{what} should return a dict of gradients"
    return {k: as_array(got.get(k), p[k].shape, f'{what}()["{k}"]') for k in p}


@pytest.mark.parametrize("seed", [0, 1])
def test_sigmoid_and_its_derivative(submission, seed):
    """sigmoid(z) and sigmoid_backward(a, grad_a) are right for random arrays."""
    rng = np.random.default_rng(seed)
    z, g = rng.normal(scale=3.0, size=(3, 4)), rng.normal(size=(3, 4))
    got = as_array(submission.sigmoid(z), z.shape, "sigmoid(z)")
    assert close(got, torch_sigmoid_backward(z, g)[0]), "sigmoid(z) is wrong for random z"
    # sigmoid_backward gets outputs of the test's own (sigmoid's expected values are never an argument)
    a = rng.uniform(0.02, 0.98, size=(3, 4))
    got = as_array(submission.sigmoid_backward(a, g), z.shape, "sigmoid_backward")
    assert close(got, torch_sigmoid_backward(np.log(a / (1.0 - a)), g)[1]), \
        "sigmoid_backward(a, grad_a) is wrong: is it grad_a times the sigmoid's derivative?"


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_sigmoid_derivative_is_used(submission, seed):
    """dE/dW2 and dE/db2 go through the output sigmoid's derivative: check that backward multiplies by it."""
    p, x, t = network(seed)
    want = torch_network(x, t, p)
    got = grads_of(submission.backward(*args(x, t, p)), p, "backward")
    assert close(got["W2"], want["dW2"]) and close(got["b2"], want["db2"]), \
        "dE/dW2 or dE/db2 is off for a random network: did you multiply by the output sigmoid's derivative?"


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_first_layer_delta_uses_hidden_derivative(submission, seed):
    """The error sent back to the first layer is W2 (transposed) times the output delta, times the HIDDEN sigmoid's derivative."""
    p, x, t = network(seed)
    want = torch_network(x, t, p)
    got = grads_of(submission.backward(*args(x, t, p)), p, "backward")
    assert close(got["W1"], want["dW1"]) and close(got["b1"], want["db1"]), \
        "dE/dW1 or dE/db1 is off: what reaches the first layer should pass through W2 and the hidden sigmoid's derivative"


@pytest.mark.parametrize("D,H,K", SIZES[1:], ids=SIZE_IDS[1:])
def test_weights_are_not_transposed(submission, D, H, K):
    """With different numbers of inputs, hidden units and outputs (row i of a weight matrix = weights into unit i), linear, linear_backward, forward and backward all keep every matrix the right way round (backward's values have tests of their own: here only its shapes count)."""
    p, x, t = network(10 + D, D, H, K)
    want = torch_network(x, t, p)
    z = as_array(submission.linear(x, p["W1"], p["b1"]), (H,), "linear(x, W1, b1)")
    assert close(z, p["W1"] @ x + p["b1"]), "linear(x, W, b) is wrong for a non-square W"
    g = np.random.default_rng(D).normal(size=H)
    back = submission.linear_backward(x, p["W1"], g)
    assert isinstance(back, (tuple, list)) and len(back) == 3, "linear_backward should return (dL/dx, dL/dW, dL/db)"
    gx, gW, gb = (as_array(v, s, f"linear_backward's {n}") for v, s, n in
                  zip(back, [(D,), (H, D), (H,)], ["dL/dx", "dL/dW", "dL/db"]))
    assert close(gx, p["W1"].T @ g) and close(gW, np.outer(g, x)) and close(gb, g), \
        "linear_backward is wrong for a non-square W: check which side each vector goes on"
    a1, o = submission.forward(x, p["W1"], p["b1"], p["W2"], p["b2"])
    assert close(as_array(a1, (H,), "a1"), want["A1"]) and close(as_array(o, (K,), "o"), want["O"]), \
        "forward is wrong for a network that is not square"
    grads_of(submission.backward(*args(x, t, p)), p, "backward")  # each gradient in its parameter's shape


@pytest.mark.parametrize("lr", [0.1, 2.0])
def test_update_moves_against_the_gradient(submission, lr):
    """update subtracts lr times the gradient from every parameter (a step downhill, not uphill)."""
    p, _, _ = network(20, 3, 4, 2)
    grads, _, _ = network(21, 3, 4, 2)
    new = submission.update(p, grads, lr)
    assert isinstance(new, dict) and set(new) == set(p), "update should return a dict with the keys of params"
    for k in p:
        assert close(as_array(new[k], p[k].shape, f'update()["{k}"]'), p[k] - lr * grads[k]), \
            "a parameter did not move by minus lr times its gradient: check the sign of the step"


def test_update_keeps_biases_fixed_when_asked(submission):
    """update(..., update_biases=False) moves the weights and leaves b1 and b2 as they were."""
    p, _, _ = network(22, 3, 4, 2)
    grads, _, _ = network(23, 3, 4, 2)
    new = submission.update(p, grads, 0.3, update_biases=False)
    assert close(new["W1"], p["W1"] - 0.3 * grads["W1"]) and close(new["W2"], p["W2"] - 0.3 * grads["W2"]), \
        "with update_biases=False the weights should still move by minus lr times their gradient"
    assert close(new["b1"], p["b1"], **EXACT) and close(new["b2"], p["b2"], **EXACT), \
        "with update_biases=False the biases should not change"


def shaped_like(value, like) -> bool:
    """Whether `value` has `like`'s structure: a dict of arrays with its keys and shapes, a tuple of arrays, or an array."""
    if isinstance(like, dict):
        return isinstance(value, dict) and set(value) == set(like) and all(shaped_like(value[k], v) for k, v in like.items())
    if isinstance(like, tuple):
        return isinstance(value, (tuple, list)) and len(value) == len(like) and all(map(shaped_like, value, like))
    try:
        return as_array(value).shape == np.shape(like)
    except AssertionError:
        return False


def numbers(value) -> np.ndarray:
    """Every number in a dict, tuple or array, in one flat array (dicts by sorted key)."""
    if isinstance(value, dict):
        return np.concatenate([numbers(value[k]) for k in sorted(value)])
    if isinstance(value, (tuple, list)):
        return np.concatenate([numbers(v) for v in value])
    return as_array(value).reshape(-1)


def test_inputs_are_not_modified_in_place(submission):
    """No function changes the arrays it is given (update, backward, backward_batch, sigmoid_backward, linear_backward, numeric_gradients): they return new arrays."""
    p, X, T = network(30, 3, 3, 3, N=3)  # square: a matrix the wrong way round (which other tests judge) still runs
    grads, _, _ = network(31, 3, 3, 3)
    a, g, gz = np.array([0.2, 0.7]), np.array([1.5, -2.0]), np.array([1.0, -2.0, 0.5])
    calls = [  # (name, arguments, the result's structure): leaving inputs alone only counts for code that does something
        ("update", (p, grads, 0.5), p),
        ("backward", args(X[0], T[0], p), p),
        ("backward_batch", args(X, T, p), p),
        ("sigmoid_backward", (a, g), a),
        ("linear_backward", (X[0], p["W1"], gz), (X[0], p["W1"], gz)),
        ("numeric_gradients", (X, T, p), p),
    ]
    for name, call_args, like in calls:
        value, left, _ = submission.call_with_inputs(name, *call_args)
        did_something = shaped_like(value, like) and np.any(numbers(value) != 0) and not (
            shaped_like(call_args[0], like) and np.array_equal(numbers(value), numbers(call_args[0])))
        assert did_something, f"{name} must return its documented result for this test to check that it leaves its inputs alone"
        for before, after in zip(call_args, left):
            if isinstance(before, dict):
                same = isinstance(after, dict) and all(close(after.get(k), v, **EXACT) for k, v in before.items())
            else:
                same = close(after, before, **EXACT)
            assert same, f"{name} changed one of its input arrays in place: compute new arrays instead"


@pytest.mark.parametrize("n", [1, 3, 16])
def test_batch_forward_matches_oracle(submission, n):
    """forward_batch gives, for each row of X, that sample's hidden activations and outputs."""
    p, X, T = network(40 + n, 3, 4, 2, N=n)
    want = torch_network(X, T, p)
    A1, O = submission.forward_batch(X, p["W1"], p["b1"], p["W2"], p["b2"])
    assert close(as_array(A1, (n, 4), "A1"), want["A1"]) and close(as_array(O, (n, 2), "O"), want["O"]), \
        "forward_batch is wrong: row n of the result should be sample n's activations"


@pytest.mark.parametrize("n", [3, 16])
def test_batch_loss_is_mean_not_sum(submission, n):
    """batch_loss is the MEAN of the samples' losses, and backward_batch differentiates that mean (the 1/N factor)."""
    p, X, T = network(50 + n, 2, 2, 2, N=n)
    O = np.random.default_rng(n).uniform(size=(n, 2))
    assert close(as_float(submission.batch_loss(O, T), "batch_loss"), 0.5 * np.sum((O - T) ** 2) / n), \
        "batch_loss should be the mean over samples of 1/2 * sum((o - t)^2)"
    want = torch_network(X, T, p)
    got = grads_of(submission.backward_batch(*args(X, T, p)), p, "backward_batch")
    assert close(got["W2"], want["dW2"]) and close(got["W1"], want["dW1"]), \
        "backward_batch's weight gradients are off for a batch: the loss is a mean, so is there a 1/N? " \
        "(backward_batch runs forward_batch: if its test fails, fix that first)"


@pytest.mark.parametrize("n", [1, 3, 16])
@pytest.mark.parametrize("D,H,K", SIZES, ids=SIZE_IDS)
def test_batch_gradients_match_oracle(submission, n, D, H, K):
    """backward_batch gives all four gradients of the mean loss, for several batch and network sizes."""
    p, X, T = network(60 + n + D, D, H, K, N=n)
    want = torch_network(X, T, p)
    got = grads_of(submission.backward_batch(*args(X, T, p)), p, "backward_batch")
    for k in p:
        assert close(got[k], want["d" + k]), \
            f"backward_batch's gradient for {k} is off (it runs forward_batch: if its test fails, fix that first)"


def test_bias_gradient_summed_over_batch(submission):
    """The bias gradients of a batch add up every sample's contribution (then the 1/N of the mean), not just one sample's: they scale with the sum of the samples' bias gradients exactly as the weight gradients do."""
    p, X, T = network(70, 3, 3, 3, N=4)
    batch = grads_of(submission.backward_batch(*args(X, T, p)), p, "backward_batch")
    singles = [grads_of(submission.backward_batch(*args(X[i:i + 1], T[i:i + 1], p)), p, "backward_batch")
               for i in range(len(X))]
    summed = {k: sum(g[k] for g in singles) for k in p}
    # The weights' gradients set the scale of the batch (1/N for a mean); the biases must follow the same scale.
    scale = float(np.sum(batch["W2"] * summed["W2"]) / max(np.sum(summed["W2"] ** 2), 1e-300))
    assert scale > 0 and close(batch["W2"], scale * summed["W2"]), \
        "the weight gradients of a batch should add up the samples' (times 1/N): see test_batch_gradients_match_oracle"
    assert close(batch["b2"], scale * summed["b2"]), "dE/db2 of a batch should collect the contribution of every sample"
    assert close(batch["b1"], scale * summed["b1"]), "dE/db1 of a batch should collect the contribution of every sample"


def test_case_b_weight_layout(submission):
    """case_b_matrices follows Case B's wiring (h1 = w1*x1 + w3*x2, h2 = w2*x1 + w4*x2, o1 = w5*a1 + w7*a2, o2 = w6*a1 + w8*a2) and case_b_vector undoes it."""
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    W1, W2 = submission.case_b_matrices(w)
    W1, W2 = as_array(W1, (2, 2), "W1"), as_array(W2, (2, 2), "W2")
    x, a = np.array([10.0, 100.0]), np.array([1000.0, 10000.0])
    h1, h2 = w[0] * x[0] + w[2] * x[1], w[1] * x[0] + w[3] * x[1]
    o1, o2 = w[4] * a[0] + w[6] * a[1], w[5] * a[0] + w[7] * a[1]
    assert close(W1 @ x, [h1, h2], **EXACT), "W1 does not wire w1..w4 as Case B says (row i = weights into hidden unit i)"
    assert close(W2 @ a, [o1, o2], **EXACT), "W2 does not wire w5..w8 as Case B says (row i = weights into output i)"
    back = as_array(submission.case_b_vector(W1, W2), (8,), "case_b_vector")
    assert close(back, w, **EXACT), "case_b_vector(*case_b_matrices(w)) should give w back, in the order w1..w8"


@pytest.mark.parametrize("seed", [80, 81])
def test_case_b_step_random(submission, seed):
    """case_b_step on random weights, inputs and learning rates: prediction, loss and w1..w8 after the step."""
    rng = np.random.default_rng(seed)
    w, x, t, lr = rng.normal(size=8), rng.normal(size=2), rng.uniform(size=2), rng.uniform(0.1, 2.0)
    p = {"W1": np.array([[w[0], w[2]], [w[1], w[3]]]), "b1": np.zeros(2),
         "W2": np.array([[w[4], w[6]], [w[5], w[7]]]), "b2": np.zeros(2)}
    want = torch_network(x, t, p)
    W1, W2 = p["W1"] - lr * want["dW1"], p["W2"] - lr * want["dW2"]
    new_w = [W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1], W2[0, 0], W2[1, 0], W2[0, 1], W2[1, 1]]
    o, E, got_w = submission.case_b_step(x, t, w, lr)
    assert close(as_array(o, (2,), "o"), want["O"]), "case_b_step's prediction is off"
    assert close(as_float(E, "E"), want["E"]), "case_b_step's loss is off"
    assert close(as_array(got_w, (8,), "new w"), new_w), \
        "case_b_step's weights after the step are off (it uses your backward and update: if their tests fail, fix those first)"


def test_zero_inputs(submission):
    """With x = 0 (and a batch of zero rows) the first-layer weights get exactly zero gradient, the biases still learn, and nothing breaks (no nan or inf)."""
    p, _, t = network(90, 3, 3, 3)
    x = np.zeros(3)
    for what, got in (("backward", submission.backward(*args(x, t, p))),
                      ("backward_batch", submission.backward_batch(*args(np.zeros((4, 3)), np.tile(t, (4, 1)), p)))):
        got = grads_of(got, p, what)
        assert all(np.all(np.isfinite(g)) for g in got.values()), f"{what} gives nan or inf when the input is all zeros"
        assert close(got["W1"], np.zeros((3, 3)), rtol=0.0, atol=0.0), \
            f"{what}: with a zero input, dE/dW1 = dE/dz1 times x should be exactly 0"
        assert np.any(got["b1"] != 0) and np.any(got["b2"] != 0), f"{what}: with a zero input the biases should still get a gradient"


def test_saturated_sigmoid_stays_finite(submission):
    """Huge pre-activations (|z| around 1000) saturate the sigmoid: outputs at 0 or 1, and no nan or inf anywhere, in sigmoid, backward or backward_batch."""
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    assert close(as_array(submission.sigmoid(z), (5,), "sigmoid(z)"), torch_sigmoid(z)), \
        "sigmoid should stay finite and correct for very large |z|"
    p = {"W1": np.array([[400.0, -300.0], [-500.0, 350.0]]), "b1": np.array([1.0, -1.0]),
         "W2": np.array([[900.0, -800.0], [-700.0, 950.0]]), "b2": np.array([0.5, -0.5])}
    X, T = np.array([[2.0, -1.5], [-3.0, 1.0]]), np.array([[0.3, 0.7], [0.6, 0.2]])
    for what, got in (("backward", submission.backward(*args(X[0], T[0], p))),
                      ("backward_batch", submission.backward_batch(*args(X, T, p)))):
        got = grads_of(got, p, what)
        assert all(np.all(np.isfinite(g)) for g in got.values()), f"{what} gives nan or inf when the sigmoid saturates"


@pytest.mark.parametrize("n", [1, 3])
def test_numeric_gradients_use_central_differences(submission, n):
    """numeric_gradients uses central differences (loss(p + eps) - loss(p - eps)) / (2 eps): accurate to about eps^2, which a one-sided difference is not."""
    p, X, T = network(100 + n, 3, 4, 2, N=n)
    x, t = (X[0], T[0]) if n == 1 else (X, T)
    want = torch_network(x, t, p)
    got = grads_of(submission.numeric_gradients(x, t, p, eps=5e-3), p, "numeric_gradients")
    for k in p:
        assert close(got[k], want["d" + k], rtol=0.0, atol=2e-6), \
            "numeric gradients are not accurate enough for this eps: are they central differences? (they evaluate " \
            "your forward_batch and batch_loss: if their tests fail, fix those first)"


def max_relative_error(grads, numeric) -> float:
    """gradient_check's documented result: the largest |g - n| / max(|g|, |n|, 1e-8) over every entry."""
    return max(float(np.max(np.abs(grads[k] - n) / np.maximum(np.maximum(np.abs(grads[k]), np.abs(n)), 1e-8)))
               for k, n in numeric.items())


def test_gradient_check_flags_wrong_gradients(submission):
    """gradient_check compares the gradients it is given with your numeric_gradients: tiny for those numeric gradients themselves, and the documented max relative error for altered ones."""
    p, X, T = network(110, 3, 3, 3, N=3)
    numeric = grads_of(submission.numeric_gradients(X, T, p), p, "numeric_gradients")
    assert as_float(submission.gradient_check(X, T, p, numeric), "gradient_check") < 1e-5, \
        "gradient_check should be tiny when the gradients it is given are numeric_gradients' own"
    scaled = {**numeric, "W1": numeric["W1"].copy()}
    scaled["W1"][0, 1] *= 1.5  # relative error 1/3 there
    flipped = {**numeric, "b2": -numeric["b2"]}  # relative error 2 there
    for grads in (scaled, flipped):
        assert close(as_float(submission.gradient_check(X, T, p, grads), "gradient_check"),
                     max_relative_error(grads, numeric), rtol=1e-3), \
            "gradient_check should return the largest |g - n| / max(|g|, |n|, 1e-8) over all entries"
    # An input that is always 0 makes its column of dW1 exactly 0, numerically too: only the floor 1e-8 divides.
    X0 = X.copy()
    X0[:, 2] = 0.0
    numeric = grads_of(submission.numeric_gradients(X0, T, p), p, "numeric_gradients")
    tiny = {**numeric, "W1": numeric["W1"].copy()}
    tiny["W1"][1, 2] = numeric["W1"][1, 2] + 1e-9
    assert close(as_float(submission.gradient_check(X0, T, p, tiny), "gradient_check"),
                 max_relative_error(tiny, numeric), rtol=1e-3), \
        "gradient_check should divide by max(|g|, |n|, 1e-8), so that gradients that are exactly 0 compare sensibly"
