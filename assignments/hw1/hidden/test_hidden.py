"""Hidden tests for hw1: values against torch (float64) on random and edge-case inputs, and one test per common mistake."""
import functools
import math

import numpy as np
import pytest

from autograder.testing import as_array, as_float, close, lazy_import, oracle

torch = lazy_import("torch")  # only the oracles use it, and their values are stored (autograder release)


# ---------------------------------------------------------------------------
# Oracles: the same models written in torch, differentiated by autograd
# ---------------------------------------------------------------------------


def _leaves(values):
    return [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in values]


def _grads(loss_fn, *params):
    """dL/dparam for every param, by torch autograd in float64."""
    leaves = _leaves(params)
    return [float(g) for g in torch.autograd.grad(loss_fn(*leaves), leaves)]


@oracle
def linear_oracle(x, y, w):
    """dL/dw of L = (x*w - y)^2, by torch autograd."""
    return _grads(lambda w: (x * w - y) ** 2, w)[0]


@oracle
def bias_oracle(x, y, w, b):
    """[dL/dw, dL/db] of L = (x*w + b - y)^2, by torch autograd."""
    return _grads(lambda w, b: (x * w + b - y) ** 2, w, b)


@oracle
def quadratic_oracle(x, y, w1, w2, b):
    """[dL/dw1, dL/dw2, dL/db] of L = (w1*x^2 + w2*x + b - y)^2, by torch autograd."""
    return _grads(lambda w1, w2, b: (w1 * x**2 + w2 * x + b - y) ** 2, w1, w2, b)


def net_y_hat(w, x1, x2):
    w1, w2, w3, w4, w5, w6 = w
    return w5 * (w1 * x1 + w2 * x2) + w6 * (w3 * x1 + w4 * x2)


@oracle
def net_oracle(w, x1, x2, y):
    """dL/dw1..dL/dw6 of the two-layer linear network's L = (y - y_hat)^2, by torch autograd."""
    return _grads(lambda *w: (y - net_y_hat(w, x1, x2)) ** 2, *w)


@oracle
def net_loss_grad_oracle(y_hat, y):
    """dL/dy_hat of L = (y - y_hat)^2, by torch autograd."""
    return _grads(lambda y_hat: (y - y_hat) ** 2, y_hat)[0]


@oracle
def train_oracle(xs, ys, w0, lr, epochs):
    """(final w, every gradient taken) of per-sample SGD on the linear model, gradients by torch autograd."""
    w, grads = float(w0), []
    for _ in range(epochs):
        for x, y in zip(xs, ys):
            grads.append(linear_oracle(x, y, w))
            w -= lr * grads[-1]
    return w, grads


TORCH_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "sin": lambda a: torch.sin(a),
    "exp": lambda a: torch.exp(a),
}


@oracle
def graph_oracle(graph, params):
    """The graph evaluated in torch; {parameter: d output / d parameter}."""
    leaves = dict(zip(params, _leaves(params.values())))
    values = dict(leaves)
    for name, op, inputs in graph:
        values[name] = TORCH_OPS[op](*[values[i] for i in inputs])
    grads = torch.autograd.grad(values[graph[-1][0]], list(leaves.values()), allow_unused=True)
    return {k: 0.0 if g is None else float(g) for k, g in zip(leaves, grads)}


MATH_OPS = {**TORCH_OPS, "sin": math.sin, "exp": math.exp}


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def random_graph(seed, p, n):
    """A random graph of n nodes over p parameters: a chain through the newest value, binary nodes taking unused parameters first."""
    rng = np.random.default_rng(seed)
    params = {f"w{i}": float(rng.uniform(-1.0, 1.0)) for i in range(p)}
    values, unused = dict(params), list(params)[1:]
    newest, graph = "w0", []
    for k in range(n):
        op = str(rng.choice(["add", "sub", "mul", "sin", "exp"]))
        if op == "exp" and abs(values[newest]) > 2.0:
            op = "sin"  # keeps the values small
        if op in ("sin", "exp"):
            inputs = (newest,)
        else:
            inputs = (newest, unused.pop(0) if unused else str(rng.choice(list(values))))
        newest = f"v{k}"
        values[newest] = MATH_OPS[op](*[values[i] for i in inputs])
        graph.append((newest, op, inputs))
    return graph, params


# ---------------------------------------------------------------------------
# Inputs: random from fixed seeds, and edge cases (x = 0, negative values)
# ---------------------------------------------------------------------------


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def random_samples(seed, count=4, width=3):
    """`count` rows of `width` numbers, some negative."""
    return np.random.default_rng(seed).normal(scale=2.0, size=(count, width)).tolist()


EDGE_LINEAR = [(0.0, 1.5, 0.7), (-2.0, 3.0, 0.5), (1.5, -2.5, -1.0), (-0.5, -1.0, 2.0)]
EDGE_BIAS = [(0.0, 1.5, 0.7, -0.3), (-2.0, 3.0, 0.5, 1.0), (1.5, -2.5, -1.0, 0.0), (-0.5, -1.0, 2.0, -2.0)]
EDGE_QUADRATIC = [(0.0, 1.5, 0.7, -0.3, 0.2), (-2.0, 3.0, 0.5, 1.0, -1.0), (1.5, -2.5, -1.0, 0.0, 0.4)]
NET_EDGES = [
    ([1.0, 0.5, 0.5, 0.7, 1.0, 2.0], 0.0, 1.0, 0.8),
    ([1.0, 0.5, 0.5, 0.7, 1.0, 2.0], 0.5, 0.0, 3.0),
    ([-1.0, 0.5, -0.5, 0.7, -1.0, 2.0], -0.5, -1.0, -0.8),
]


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def _net_cases(seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=6).tolist(), *rng.normal(scale=1.5, size=3).tolist()) for _ in range(3)]


PART_FUNCTIONS = {  # part -> (the student's function, its torch oracle as a list of gradients)
    "linear": ("linear_gradient", lambda *a: [linear_oracle(*a)]),
    "bias": ("bias_gradients", lambda *a: bias_oracle(*a)),
    "quadratic": ("quadratic_gradients", lambda *a: quadratic_oracle(*a)),
    "network loss": ("net_loss_grad", lambda *a: [net_loss_grad_oracle(*a)]),
    "network": ("net_backward", lambda *a: net_oracle(*a)),
}
PARTS = list(PART_FUNCTIONS)


def _part_args(part, values, miss):
    """The arguments of `part`'s function for `values` (laid out as PREDICTIONS reads them), with y = y_hat - miss."""
    y_hat = PREDICTIONS[part](values)
    y = y_hat - miss
    if part == "network":
        return (list(values[:6]), values[6], values[7], y)
    if part == "network loss":
        return (y_hat, y)
    return (values[0], y, *values[1:])


PREDICTIONS = {  # part -> the prediction y_hat of its inputs: x then the weights; y_hat itself; w1..w6, x1, x2
    "linear": lambda v: v[0] * v[1],
    "bias": lambda v: v[0] * v[1] + v[2],
    "quadratic": lambda v: v[1] * v[0] ** 2 + v[2] * v[0] + v[3],
    "network loss": lambda v: v[0],
    "network": lambda v: net_y_hat(v[:6], v[6], v[7]),
}
SIZES = {"linear": 2, "bias": 3, "quadratic": 4, "network loss": 1, "network": 8}


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def sign_samples(seed, part):
    """Two samples of `part` whose every partial of y_hat is positive (x and the weights are), so that the sign of
    each gradient is the sign of y_hat - y alone: the prediction is too large in one and too small in the other."""
    values = tuple(float(v) for v in np.random.default_rng(seed).uniform(0.3, 1.5, size=SIZES[part]))
    return tuple(_part_args(part, values, miss) for miss in (1.5, -1.5))


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def factor_sample(seed, part):
    """A sample of `part` where every partial of y_hat is 1 (x = 1; in the network x1 = x2 = 1, w5 = w6 = 1 and
    h1 = h2 = 1): each gradient is then dL/dy_hat itself, and only the derivative of the square decides its size."""
    rng = np.random.default_rng(seed)
    w1, w3 = rng.uniform(-1.0, 2.0, size=2)
    values = {"network": (w1, 1.0 - w1, w3, 1.0 - w3, 1.0, 1.0, 1.0, 1.0), "network loss": (w1,)}.get(
        part, (1.0, *rng.uniform(-1.0, 1.0, size=SIZES[part] - 1)))
    miss = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)
    return _part_args(part, tuple(float(v) for v in values), float(miss))


def _call_part(submission, part, args):
    """(function name, the student's gradients, torch's) of `part` at `args`, as flat arrays."""
    name, oracle_of = PART_FUNCTIONS[part]
    want = np.asarray(oracle_of(*args), dtype=float)
    got = as_array(submission.call(name, *args), what=name).reshape(-1)
    assert got.shape == want.shape, f"{name} should return {want.size} number(s)"
    return name, got, want


# ---------------------------------------------------------------------------
# Part 1: the linear model
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["seed0", "seed1", "edges"])
def test_linear_gradient_matches_torch(submission, case):
    """dL/dw of (x*w - y)^2 for random samples and for x = 0 and negative values: apply the chain rule through the square."""
    samples = EDGE_LINEAR if case == "edges" else random_samples(int(case[-1]))
    for x, y, w in samples:
        got = as_float(submission.linear_gradient(x, y, w), what="linear_gradient")
        assert close(got, linear_oracle(x, y, w)), "linear_gradient is off for some (x, y, w): are a zero input and negative values handled?"


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("seed", [3, 4])
def test_gradient_sign_is_not_flipped(submission, seed, part):
    """Ask which way the loss changes when the prediction is too large or too small, and check that your gradients agree (even where the loss is written with y first)."""
    for args in sign_samples(seed, part):
        name, got, want = _call_part(submission, part, args)
        # Every partial of y_hat is positive here: only the sign of dL/dy_hat can make a gradient point the wrong way.
        assert np.all(np.sign(got) == np.sign(want)), \
            f"{name}: a gradient points the wrong way (is the difference taken in the right order?)"


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("seed", [5, 6])
def test_gradient_has_factor_two(submission, seed, part):
    """Check the size of each gradient, not only its direction: at x = 1 every partial of y_hat is 1, so the size comes from the derivative of the square alone."""
    name, got, want = _call_part(submission, part, factor_sample(seed, part))
    assert close(np.abs(got), np.abs(want)), f"{name}: the gradient has the wrong size (the derivative of the square?)"


@pytest.mark.parametrize("seed", [7, 8])
def test_linear_training_matches_torch(submission, seed):
    """A few epochs of per-sample SGD on random data: one gradient per sample, taken at the current w, then an update before the next sample."""
    rng = np.random.default_rng(seed)
    xs, ys = rng.normal(size=4).tolist(), rng.normal(scale=2.0, size=4).tolist()
    w0, lr, epochs = float(rng.normal()), 0.05, 3
    want_w, want_grads = train_oracle(xs, ys, w0, lr, epochs)
    w, grads = submission.train_linear(xs, ys, w0, lr, epochs)
    grads = as_array(grads, shape=(epochs * len(xs),), what="the gradients from train_linear")
    assert close(grads, want_grads), ("the recorded gradients differ: is each one taken at the weight of that moment, in "
                                      "sample order? (they come from your linear_gradient: if its test fails, fix that first)")
    assert close(as_float(w, what="the weight from train_linear"), want_w), "the final weight differs after a few epochs"


@pytest.mark.parametrize("where", ["train_linear", "net_sgd_step"])
def test_update_subtracts_the_gradient(submission, where):
    """Gradient descent moves each weight against its gradient, so that the loss goes down (judged against your own gradients)."""
    if where == "train_linear":
        w0, lr = 0.8, 0.1
        w, grads = submission.train_linear([1.5], [-2.0], w0, lr, 1)
        moved = np.array([as_float(w, what="the weight from train_linear") - w0])
        grad = as_array(grads, shape=(1,), what="the gradients from train_linear")
    else:
        w0, x1, x2, y = [0.3, -0.6, 0.9, 0.2, -0.4, 0.7], 1.2, -0.8, 2.0
        new = as_array(submission.net_sgd_step(w0, x1, x2, y, 0.01), shape=(6,), what="net_sgd_step")
        moved = new - np.array(w0)
        grad = as_array(submission.net_backward(w0, x1, x2, y), shape=(6,), what="net_backward")
    clear = np.abs(grad) > 1e-3
    assert np.any(clear) and np.all(np.sign(moved[clear]) == -np.sign(grad[clear])), \
        f"{where}: a weight did not move against its own gradient (the one your code computed), so the loss would grow"


# ---------------------------------------------------------------------------
# Part 2: bias and quadratic models
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["seed10", "seed11", "edges"])
def test_bias_gradients_match_torch(submission, case):
    """(dL/dw, dL/db) of (x*w + b - y)^2 for random samples and edge cases: both share dL/dy_hat; what is dy_hat/db?"""
    samples = EDGE_BIAS if case == "edges" else [row + [0.7 * row[0]] for row in random_samples(int(case[4:]))]
    for x, y, w, b in samples:
        got = as_array(submission.bias_gradients(x, y, w, b), shape=(2,), what="bias_gradients")
        assert close(got, bias_oracle(x, y, w, b)), "bias_gradients is off for some sample: check each partial of y_hat"


@pytest.mark.parametrize("case", ["seed12", "seed13", "edges"])
def test_quadratic_gradients_match_torch(submission, case):
    """(dL/dw1, dL/dw2, dL/db) of (w1*x^2 + w2*x + b - y)^2 for random samples and edge cases: what is dy_hat/dw1?"""
    if case == "edges":
        samples = EDGE_QUADRATIC
    else:
        samples = [tuple(row) for row in np.random.default_rng(int(case[4:])).normal(size=(4, 5)).tolist()]
    for x, y, w1, w2, b in samples:
        got = as_array(submission.quadratic_gradients(x, y, w1, w2, b), shape=(3,), what="quadratic_gradients")
        assert close(got, quadratic_oracle(x, y, w1, w2, b)), "quadratic_gradients is off for some sample: check each partial of y_hat"


# ---------------------------------------------------------------------------
# Part 3: the two-layer linear network
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["seed20", "seed21", "edges"])
def test_network_gradients_match_torch(submission, case):
    """All six gradients for random weights and inputs, and for x1 = 0, x2 = 0 and negative values: the first-layer ones go through h1 or h2."""
    cases = NET_EDGES if case == "edges" else _net_cases(int(case[4:]))
    for w, x1, x2, y in cases:
        got = as_array(submission.net_backward(w, x1, x2, y), shape=(6,), what="net_backward")
        assert close(got, net_oracle(w, x1, x2, y)), "net_backward is off for some weights and inputs: check each gradient's path to the loss"


@pytest.mark.parametrize("seed", [22, 23])
def test_step_uses_gradients_from_before_the_update(submission, seed):
    """With a large learning rate, every gradient of one step must be taken at the old weights: compute all six before changing any weight (judged against your own net_backward at the old weights)."""
    w, x1, x2, y = _net_cases(seed)[0]
    lr = 0.5
    grads = as_array(submission.net_backward(w, x1, x2, y), shape=(6,), what="net_backward")
    got = as_array(submission.net_sgd_step(w, x1, x2, y, lr), shape=(6,), what="net_sgd_step")
    assert close(got, np.array(w) - lr * grads), \
        "the step's new weights are not w - lr * net_backward(w): was a weight updated before another weight's gradient was taken?"


def test_step_does_not_mutate_weights(submission):
    """net_sgd_step returns a new list of weights; the caller's list must be left as it was."""
    w, x1, x2, y = [0.3, -0.6, 0.9, 0.2, -0.4, 0.7], 1.2, -0.8, 2.0
    new, args, _ = submission.call_with_inputs("net_sgd_step", list(w), x1, x2, y, 0.1)
    new = as_array(new, shape=(6,), what="net_sgd_step")
    assert not close(new, w, rtol=0.0, atol=1e-12), "net_sgd_step should return the weights after a step, which differ from the given ones"
    assert close(as_array(args[0], shape=(6,), what="the weights passed in"), w, rtol=0.0, atol=0.0), \
        "net_sgd_step changed the list of weights it was given: build and return a new list instead"


# ---------------------------------------------------------------------------
# Part 4: dual numbers, forward mode, reverse mode
# ---------------------------------------------------------------------------


COEFFICIENTS = [1.0, -2.0, 0.5, 3.0]


def _polynomial(u):
    """c0 + c1*u + c2*u^2 + ... written out as a sum of powers."""
    result, power = torch.zeros((), dtype=torch.float64), torch.ones((), dtype=torch.float64)
    for c in COEFFICIENTS:
        result, power = result + c * power, power * u
    return result


JVP_FUNCTIONS = {**TORCH_OPS, "poly": _polynomial}


@oracle
def _jvp(fn, primals, tangents):
    """(value, directional derivative) of JVP_FUNCTIONS[fn]: the autograd gradient dotted with the tangents."""
    leaves = _leaves(primals)
    value = JVP_FUNCTIONS[fn](*leaves)
    grads = torch.autograd.grad(value, leaves)
    return [float(value.detach()), sum(float(g) * t for g, t in zip(grads, tangents))]


@pytest.mark.parametrize("case", ["dual_times_dual", "with_numbers", "square", "polynomial"])
def test_dual_product_rule(submission, case):
    """The tangent of a product involves both factors' values and both tangents; it must also work with a plain number on either side."""
    rng = np.random.default_rng(30)
    (a, a_dot), (b, b_dot) = rng.normal(size=(2, 2)).tolist()
    if case == "dual_times_dual":
        checks = [(submission.probe("dual_binary", "mul", (a, a_dot), (b, b_dot)), _jvp("mul", (a, b), (a_dot, b_dot)))]
    elif case == "with_numbers":  # a plain number is a constant: its tangent is 0
        checks = [(submission.probe("dual_binary", "mul", (a, a_dot), b), _jvp("mul", (a, b), (a_dot, 0.0))),
                  (submission.probe("dual_binary", "mul", b, (a, a_dot)), _jvp("mul", (b, a), (0.0, a_dot)))]
    elif case == "square":
        checks = [(submission.probe("dual_square", x), _jvp("mul", (x, x), (1.0, 1.0))) for x in (-1.5, 0.0, 2.5)]
    else:
        checks = [(submission.probe("dual_polynomial", COEFFICIENTS, x), _jvp("poly", (x,), (1.0,))) for x in (-1.2, 0.0, 0.7)]
    for got, want in checks:
        assert close(as_array(got, shape=(2,), what="a Dual's (val, dot)"), want), \
            "a product of dual numbers has the wrong tangent (or value)"


@pytest.mark.parametrize("case", ["add", "sub", "sin", "exp"])
def test_dual_sum_and_chain_rules(submission, case):
    """Sums and differences add or subtract tangents (with a plain number on either side too); sin and exp multiply the tangent by their own derivative."""
    rng = np.random.default_rng(31)
    (a, a_dot), (b, b_dot) = rng.normal(size=(2, 2)).tolist()
    if case in ("add", "sub"):  # a plain number is a constant: its tangent is 0
        checks = [(submission.probe("dual_binary", case, (a, a_dot), (b, b_dot)), _jvp(case, (a, b), (a_dot, b_dot))),
                  (submission.probe("dual_binary", case, (a, a_dot), b), _jvp(case, (a, b), (a_dot, 0.0))),
                  (submission.probe("dual_binary", case, b, (a, a_dot)), _jvp(case, (b, a), (0.0, a_dot)))]
    else:
        checks = [(submission.probe("dual_unary", case, (x, x_dot)), _jvp(case, (x,), (x_dot,)))
                  for x, x_dot in [(a, a_dot), (0.0, 1.0), (-2.0, -0.5)]]
    for got, want in checks:
        assert close(as_array(got, shape=(2,), what="a Dual's (val, dot)"), want), \
            f"the dual number rule for {case} gives the wrong tangent (or value)"


@pytest.mark.parametrize("p, n", [(1, 5), (2, 5), (4, 5), (3, 8)])
def test_forward_mode_steps_scale_with_parameters(submission, p, n):
    """Forward mode needs one full pass over the nodes per parameter: count steps exactly as forward_mode_gradient's docstring defines them."""
    graph, params = random_graph(40 + p + n, p, n)
    _, steps = submission.forward_mode_gradient(graph, params)
    nodes = len(graph)
    assert abs(as_float(steps, what="the forward-mode step count") - nodes * p) < 0.5, \
        "the forward-mode step count does not grow with the number of parameters as it should"


@pytest.mark.parametrize("p, n", [(1, 5), (2, 5), (4, 5), (3, 8)])
def test_reverse_mode_steps_are_nodes_plus_parameters(submission, p, n):
    """Reverse mode makes one backward sweep for all parameters at once: count steps exactly as reverse_mode_gradient's docstring defines them."""
    graph, params = random_graph(50 + p + n, p, n)
    _, steps = submission.reverse_mode_gradient(graph, params)
    nodes = len(graph)
    assert abs(as_float(steps, what="the reverse-mode step count") - (nodes + p)) < 0.5, \
        "the reverse-mode step count is not one per node plus one per parameter"


EXAMPLE_GRAPH = [
    ("a", "mul", ("x", "y")),
    ("b", "sin", ("x",)),
    ("c", "add", ("a", "b")),
    ("d", "mul", ("c", "z")),
    ("e", "exp", ("z",)),
    ("f", "sub", ("d", "e")),
]


def _mode_cases(case):
    if case == "example":
        return [(EXAMPLE_GRAPH, {"x": 1.5, "y": -0.5, "z": 0.3}), (EXAMPLE_GRAPH, {"x": 0.0, "y": -2.0, "z": -1.0})]
    return [random_graph(60 + int(case[-1]), 3, 6)]


USES = {"forward_mode_gradient": " (it runs on your Dual class: if the dual-number tests fail, fix those first)",
        "reverse_mode_gradient": " (check local_derivatives, and that every use of a value adds to its adjoint)"}


@pytest.mark.parametrize("mode", ["forward_mode_gradient", "reverse_mode_gradient"], ids=["forward", "reverse"])
@pytest.mark.parametrize("case", ["example", "random1", "random2"])
def test_modes_agree_with_torch(submission, case, mode):
    """Both modes give the full gradient of the graph's output, one entry per parameter, for the example graph (also at 0 and negative values) and random graphs."""
    for graph, params in _mode_cases(case):
        gradient, _ = submission.call(mode, graph, params)
        want = graph_oracle(graph, params)
        assert isinstance(gradient, dict) and list(gradient) == list(want), \
            f"{mode}: the gradient should be a dict keyed by the parameter names, in order"
        assert close(list(gradient.values()), list(want.values())), f"{mode}: the gradient differs from autograd's{USES[mode]}"


REUSE_GRAPHS = [  # (a graph that reuses values, its parameters, the same graph with a copy of the value per use)
    # x used twice by one node and again by another
    ([("sq", "mul", ("x", "x")), ("f", "add", ("sq", "x"))], {"x": -1.3},
     [("sq", "mul", ("x1", "x2")), ("f", "add", ("sq", "x3"))]),
    # s used by two nodes, one of them twice
    ([("s", "sin", ("x",)), ("t", "mul", ("s", "s")), ("u", "add", ("t", "s")), ("f", "mul", ("u", "y"))],
     {"x": 0.9, "y": -2.0},
     [("s1", "sin", ("x1",)), ("s2", "sin", ("x2",)), ("s3", "sin", ("x3",)), ("t", "mul", ("s1", "s2")),
      ("u", "add", ("t", "s3")), ("f", "mul", ("u", "y"))]),
]


def _copies(params):
    """The parameters of a split graph: x1, x2, x3 are copies of x; the other parameters stay as they are."""
    return {**{f"x{i}": params["x"] for i in (1, 2, 3)}, **{k: v for k, v in params.items() if k != "x"}}


@pytest.mark.parametrize("which", [0, 1])
def test_reverse_mode_accumulates_reused_nodes(submission, which):
    """When a value feeds several nodes (or one node twice), its adjoint is the sum of every use's contribution: your gradient of x must be the sum of your gradients of x's copies when each use gets a copy of its own."""
    graph, params, split = REUSE_GRAPHS[which]
    gradient, _ = submission.reverse_mode_gradient(graph, params)
    copies, _ = submission.reverse_mode_gradient(split, _copies(params))
    for got, names in ((gradient, list(params)), (copies, list(_copies(params)))):
        assert isinstance(got, dict) and list(got) == names, \
            "reverse_mode_gradient: the gradient should be a dict keyed by the parameter names, in order"
    summed = sum(as_float(copies[f"x{i}"], what="a copy's gradient") for i in (1, 2, 3))
    assert close(as_float(gradient["x"], what="the gradient of x"), summed), \
        "a value used more than once gets the wrong gradient: does every use contribute?"
