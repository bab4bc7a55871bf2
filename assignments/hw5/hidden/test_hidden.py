"""Hidden tests for hw5: one test per common mistake, torch (float64) as the oracle.

The expressions are step lists (see probes.py) run by the student's engine
through the probes and, here, by an independent torch interpreter.
"""
import functools

import numpy as np
import pytest

from autograder.testing import as_array, as_float, close, lazy_import, oracle

torch = lazy_import("torch")  # only the oracles use it, and their values are stored (autograder release)

RTOL, ATOL = 1e-7, 1e-9  # both sides compute in float64: only rounding may differ

# ------------------------------------------------------------------ the torch oracle


def _t(value, grad=False):
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def _torch_step(nodes, op, args):
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "matmul": torch.matmul}
    if op in binary:
        return binary[op](nodes[args[0]], nodes[args[1]])
    if op.endswith("c") and op[:-1] in binary:
        return binary[op[:-1]](nodes[args[0]], _t(args[1]))
    if op in ("radd", "rsub", "rmul", "rdiv"):
        return binary[{"radd": "add", "rsub": "sub", "rmul": "mul", "rdiv": "div"}[op]](_t(args[0]), nodes[args[1]])
    if op == "pow":
        return torch.pow(nodes[args[0]], args[1])
    unary = {"exp": torch.exp, "log": torch.log, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
             "relu": torch.relu, "neg": torch.neg, "sum": torch.sum, "mean": torch.mean}
    return unary[op](nodes[args[0]])


@oracle
def torch_expression(leaves, steps):
    """The output's value and d(sum of the output)/d(leaf) for every leaf, by torch autograd."""
    return _torch_expression(leaves, steps)


def _torch_expression(leaves, steps):
    nodes = [_t(v, grad=True) for v in leaves]
    leaf_nodes = list(nodes)
    for op, *args in steps:
        nodes.append(_torch_step(nodes, op, args))
    out = nodes[-1]
    out.backward(torch.ones_like(out))
    grads = [n.grad.numpy() if n.grad is not None else np.zeros(n.shape) for n in leaf_nodes]
    return out.detach().numpy(), [np.asarray(g) for g in grads]


def check_expression(submission, kind, leaves, steps, what, rtol=RTOL, atol=ATOL, more=()):
    """Run `steps` (and each step list in `more`) on the student's engine and on torch, in one probe call;
    assert the value and every leaf's gradient agree. `what` names the expression (or each, as a list)."""
    programs = [steps, *more]
    whats = what if isinstance(what, list) else [what] * len(programs)
    results = submission.probe("expressions", kind, leaves, programs)
    if not isinstance(results, list) or len(results) != len(programs):
        raise AssertionError("the probe should return one result per expression")
    for got, program, what in zip(results, programs, whats):
        want_value, want_grads = torch_expression(leaves, program)
        assert close(as_array(got["value"], want_value.shape, f"the value of {what}"), want_value, rtol, atol), (
            f"the forward value of {what} is off")
        for i, want in enumerate(want_grads):
            grad = as_array(got["grads"][i], want.shape, f"the gradient of input {i} of {what}")
            assert close(grad, want, rtol, atol), f"the gradient of input {i} of {what} is off"


# ------------------------------------------------------------------ random scalar expressions


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def random_expression(seed, n_leaves=3, n_steps=10, ops=None):
    """Leaves and steps of a random scalar expression whose every step stays in its operator's domain."""
    rng = np.random.default_rng(seed)
    ops = list(ops or ["add", "sub", "mul", "div", "pow", "exp", "log", "sigmoid", "tanh", "relu", "neg",
                  "addc", "mulc", "radd", "rsub", "rmul", "rdiv"])
    leaves = [float(v) for v in rng.uniform(0.3, 1.5, n_leaves) * rng.choice([-1, 1], n_leaves)]
    values, steps = list(leaves), []
    while len(steps) < n_steps:
        op = str(rng.choice(ops))
        i, j = (int(k) for k in rng.integers(len(values), size=2))
        if rng.random() < 0.5:
            i = len(values) - 1  # keep most nodes on the path to the output
        a, b, c = values[i], values[j], float(np.round(rng.uniform(0.5, 2.5), 2))
        ok = abs(a) < 20 and abs(b) < 20
        step, value = {
            "add": (["add", i, j], a + b), "sub": (["sub", i, j], a - b), "mul": (["mul", i, j], a * b),
            "div": (["div", i, j], a / b if abs(b) > 0.3 else None),
            "pow": (["pow", i, 3] if a < 0.3 else ["pow", i, -1.5], a ** 3 if a < 0.3 else a ** -1.5),
            "exp": (["exp", i], np.exp(a) if a < 3 else None),
            "log": (["log", i], np.log(a) if a > 0.2 else None),
            "sigmoid": (["sigmoid", i], 1 / (1 + np.exp(-a))), "tanh": (["tanh", i], np.tanh(a)),
            "relu": (["relu", i], max(a, 0.0) if abs(a) > 1e-3 else None), "neg": (["neg", i], -a),
            "addc": (["addc", i, c], a + c), "mulc": (["mulc", i, c], a * c),
            "radd": (["radd", c, i], c + a), "rsub": (["rsub", c, i], c - a), "rmul": (["rmul", c, i], c * a),
            "rdiv": (["rdiv", c, i], c / a if abs(a) > 0.3 else None),
        }[op]
        if ok and value is not None and abs(a) > 1e-3:
            steps.append(step)
            values.append(float(value))
    return leaves, steps


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_random_expressions_match_torch(submission, seed):
    """Random expressions mixing every operator, with reused nodes, should give torch's value and gradients."""
    leaves, steps = random_expression(seed)
    check_expression(submission, "scalar", leaves, steps, "a random expression")


# ------------------------------------------------------------------ one test per mistake


def test_topological_sort_is_not_recursion_bound(submission):
    """backward() on a chain of 500 nodes must work whatever the recursion limit (and without changing it):
    build the order with an explicit stack."""
    got = submission.probe("long_chain", 500)
    assert got["changed_recursion_limit"] is False, "backward() changed the recursion limit: do without recursion"
    assert close(as_float(got["grad"], "the output's grad"), 1.0), "backward() should seed the output of a long chain with 1"
    n = 500
    got = submission.probe("step_chain", n, 0.5)
    assert got["changed_recursion_limit"] is False, "backward() changed the recursion limit: do without recursion"
    assert close(as_float(got["value"], "the chain's value"), n + 0.5), "the chain's forward value is off"
    assert close(as_float(got["x"], "x.grad"), 1.0), "the start of a long chain gets the wrong gradient"
    assert close(as_float(got["step"], "step.grad"), float(n)), (
        "a leaf used by every node of a long chain should collect one share per use")


# [op, 0, 1], then the product with a and with b: the later uses run their _backward first,
# so an input whose gradient is assigned (=) instead of added (+=) loses their share.
REUSE_AFTER = [["mul", 2, 0], ["mul", 3, 1]]


@pytest.mark.parametrize("steps", [
    pytest.param([["add", 0, 0]], id="a+a"),
    pytest.param([["mul", 0, 0]], id="a*a"),
    pytest.param([["mul", 0, 1], ["add", 2, 2], ["mul", 3, 2]], id="reused-intermediate"),
    pytest.param([["tanh", 0], ["mul", 2, 1], ["add", 2, 3], ["sub", 4, 2], ["mul", 5, 3]], id="diamond"),
    *[pytest.param([[op, 0, 1], *REUSE_AFTER], id=f"{op}-then-reuse") for op in ("add", "sub", "mul", "div")],
    *[pytest.param([[op, 0], ["mul", 2, 0]], id=f"{op}-then-reuse") for op in ("exp", "neg")],
])
def test_reused_node_accumulates(submission, steps):
    """A node used more than once gets the sum of the gradients of all its uses (+=, never =)."""
    check_expression(submission, "scalar", [0.7, -1.3], steps, "an expression that reuses a node")


def _torch_grads(leaves, steps):
    return torch_expression(leaves, steps)[1]


REPEATED = {
    "scalar": ([0.8, -0.4], [["mul", 0, 1], ["tanh", 2], ["mul", 3, 0]],
               [["exp", 1], ["mul", 2, 0], ["sigmoid", 3]]),
    "array": ([np.array([[0.8, -0.3], [0.5, 1.1]]), np.array([-0.4, 0.6])],
              [["mul", 0, 1], ["sigmoid", 2], ["mul", 3, 0], ["sum", 4]],
              [["matmul", 0, 0], ["add", 2, 1], ["pow", 3, 2], ["mean", 4]]),
}


@pytest.mark.parametrize("kind", ["scalar", "array"])
@pytest.mark.parametrize("case", ["accumulate", "zero_grad", "same_graph_twice", "leaf_twice"])
def test_gradients_not_zeroed_between_backward_calls(submission, case, kind):
    """Two backward() calls: leaves add up the gradients (like torch) unless zero_grad() comes in between,
    and every other node starts again from zero on each call."""
    leaves, first, second = REPEATED[kind]
    if case == "leaf_twice":
        first = []  # backward() on a leaf itself
    if case in ("same_graph_twice", "leaf_twice"):
        second = None
    got_first, got_second = submission.probe("repeated_backward", kind, leaves, first, second, case == "zero_grad")
    g1 = _torch_grads(leaves, first)
    g2 = g1 if second is None else _torch_grads(leaves, second)
    want = [b if case == "zero_grad" else a + b for a, b in zip(g1, g2)]
    for i, leaf in enumerate(leaves):
        shape = np.shape(leaf)
        assert close(as_array(got_first[i], shape, "a leaf's grad after one backward()"), g1[i], RTOL, ATOL), (
            "the gradients after the first backward() are off")
        assert close(as_array(got_second[i], shape, "a leaf's grad after two backward() calls"), want[i],
                     RTOL, ATOL), {
            "accumulate": "without zero_grad(), a second backward() should add to the leaves' gradients",
            "zero_grad": "zero_grad() should set every gradient of the graph to 0 before the next backward()",
            "same_graph_twice": "backward() twice on one graph should give each leaf twice its gradient: "
                                "reset the inner nodes' gradients at the start of backward()",
            "leaf_twice": "backward() on a leaf adds 1 to its gradient each time, like torch",
        }[case]


@pytest.mark.parametrize("leaves", [[1.5, 0.4], [-2.0, 0.8], [0.3, -1.7]])
def test_division_derivative(submission, leaves):
    """d(a/b)/da = 1/b and d(a/b)/db = -a/b**2, also inside a longer expression."""
    check_expression(submission, "scalar", leaves, [["div", 0, 1], *REUSE_AFTER], "a / b",
                     more=[[["mul", 0, 1], ["div", 2, 1], ["div", 3, 0]]])


@pytest.mark.parametrize("base,exponent", [(1.3, 2), (-0.7, 3), (2.0, -1), (0.6, 0.5), (1.7, -1.5), (-1.2, 4)])
def test_power_derivative(submission, base, exponent):
    """d(x**p)/dx = p * x**(p - 1) for a constant power p: integer, negative and fractional."""
    check_expression(submission, "scalar", [base], [["pow", 0, exponent], ["mul", 1, 0]], "x ** p")


@pytest.mark.parametrize("x", [0.25, 1.0, 3.5])
def test_log_derivative(submission, x):
    """d(log x)/dx = 1/x."""
    check_expression(submission, "scalar", [x, 2.0], [["log", 0], *REUSE_AFTER], "log(x)")


@pytest.mark.parametrize("x", [-1.7, 0.0, 0.4, 2.2])
def test_tanh_derivative(submission, x):
    """d(tanh x)/dx = 1 - tanh(x)**2."""
    check_expression(submission, "scalar", [x, -1.5], [["tanh", 0], *REUSE_AFTER], "tanh(x)")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 1.2, 25.0])
def test_sigmoid_derivative(submission, x):
    """d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))."""
    check_expression(submission, "scalar", [x, 0.75], [["sigmoid", 0], *REUSE_AFTER], "sigmoid(x)")


@pytest.mark.parametrize("x", [-2.0, -0.1, 0.0, 0.3, 1.5])
def test_relu_derivative_at_negative_inputs(submission, x):
    """relu passes the gradient through where its input is positive and blocks it (0) where it is negative or 0."""
    check_expression(submission, "scalar", [x, 1.25], [["relu", 0], ["mul", 2, 1], ["add", 3, 0]], "relu(x)")


@pytest.mark.parametrize("op", ["radd", "rsub", "rmul", "rdiv"])
def test_reflected_operators(submission, op):
    """A plain number on the left works: 3 + v, 1 - v, 2 * v, 1 / v, with the right value and gradient."""
    const = {"radd": 3.0, "rsub": 1.0, "rmul": 2.0, "rdiv": 1.0}[op]
    check_expression(submission, "scalar", [0.8, -1.6], [[op, const, 0], ["mul", 2, 1]], f"a number {op[1:]} a Value",
                     more=[[["mul", 0, 1], [op, const, 2]]])


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_numeric_gradient_uses_central_differences(submission, seed):
    """numeric_grad is (f(x + h) - f(x - h)) / (2h) for each input in turn; gradient_check pairs it with backward()."""
    leaves, steps = random_expression(seed, n_steps=6, ops=("mul", "add", "tanh", "exp", "sigmoid", "sub", "div"))
    h = 1e-3  # large enough that a one-sided difference misses by far more than the tolerance
    got = submission.probe("gradient_check", leaves, steps, h)
    want = np.array(_torch_grads(leaves, steps))
    n = len(leaves)
    assert close(as_array(got["engine"], (n,), "the engine's gradients"), want, RTOL, ATOL), (
        "gradient_check's first list should be the gradients from backward()")
    for key in ("numeric", "numeric_grad"):
        assert close(as_array(got[key], (n,), "the numeric gradients"), want, rtol=1e-5, atol=1e-5), (
            "the numeric gradient is off: use a central difference, one input at a time, over 2h")


# ------------------------------------------------------------------ Variable


BROADCAST_CASES = [
    pytest.param((4, 3), (3,), id="row-vector"),
    pytest.param((4, 3), (1, 3), id="row-1x3"),
    pytest.param((4, 3), (4, 1), id="column"),
    pytest.param((2, 4, 3), (4, 1), id="3d-and-column"),
    pytest.param((4, 3), (), id="scalar-array"),
]


@pytest.mark.parametrize("shape_a,shape_b", BROADCAST_CASES)
def test_broadcasting_backward_sums_over_broadcast_axes(submission, shape_a, shape_b):
    """An input broadcast in +, -, *, / gets its gradient summed over the broadcast axes, in its own shape."""
    rng = np.random.default_rng(len(shape_a) * 10 + len(shape_b))
    a = rng.uniform(0.5, 1.5, size=shape_a) * rng.choice([-1, 1], size=shape_a)
    b = rng.uniform(0.5, 1.5, size=shape_b) * rng.choice([-1, 1], size=shape_b)
    w = rng.normal(size=shape_a)
    # Per operator, one expression with the broadcast input on either side: (a op b) * (b op a) * a * b * w.
    programs = [[[op, 0, 1], [op, 1, 0], ["mul", 3, 4], ["mul", 5, 0], ["mul", 6, 1], ["mul", 7, 2], ["sum", 8]]
                for op in ("add", "sub", "mul", "div")]
    whats = [f"a broadcast {op}" for op in ("add", "sub", "mul", "div")]
    check_expression(submission, "array", [a, b, w], programs[0], whats, more=programs[1:])


@pytest.mark.parametrize("grad_shape,shape", [((2, 4, 3), (4, 1)), ((2, 4, 3), (1, 3)), ((5, 3), ())])
def test_unbroadcast_handles_leading_and_length_one_axes(submission, grad_shape, shape):
    """unbroadcast sums away the leading axes broadcasting added and sums (keeping the axis) where the shape has 1."""
    grad = np.arange(np.prod(grad_shape), dtype=np.float64).reshape(grad_shape)
    want = grad
    while want.ndim > len(shape):
        want = want.sum(axis=0)
    want = want.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    got = as_array(submission.unbroadcast(grad, shape), shape, "unbroadcast's result")
    assert close(got, want), "unbroadcast sums over the wrong axes"
    same = as_array(submission.unbroadcast(grad, grad_shape), grad_shape, "unbroadcast's result")
    assert close(same, grad), "unbroadcast must leave a gradient alone when the shapes already match"


@pytest.mark.parametrize("n,k,m", [(4, 3, 2), (1, 5, 3), (3, 2, 1)])
def test_matmul_backward_transposes(submission, n, k, m):
    """For C = A @ B: dL/dA = dL/dC @ B.T and dL/dB = A.T @ dL/dC, each of its input's shape."""
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    A, B, W = rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    check_expression(submission, "array", [A, B, W], [["matmul", 0, 1], ["mul", 3, 2], ["sum", 4]], "A @ B")
    S = rng.normal(size=(k, k))
    check_expression(submission, "array", [S, A], [["matmul", 0, 0], ["matmul", 1, 2], ["matmul", 3, 0], ["sum", 4]],
                     "A @ S @ S @ S")


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_mean_and_sum_backward(submission, reduce):
    """sum() sends its gradient to every entry; mean() also divides it by the number of entries."""
    x = np.random.default_rng(7).normal(size=(5, 3))
    check_expression(submission, "array", [x], [["pow", 0, 2], [reduce, 1], ["mulc", 2, 3.0]], f"{reduce}(x ** 2)",
                     more=[[[reduce, 0], ["mul", 1, 0], ["sum", 2]]])


@pytest.mark.parametrize("steps", [
    pytest.param([["sigmoid", 0], ["mul", 2, 0], ["sum", 3]], id="sigmoid"),
    pytest.param([["pow", 0, 3], ["mul", 2, 0], ["sum", 3]], id="cube"),
    pytest.param([["pow", 1, -1.5], ["mul", 2, 1], ["sum", 3]], id="power-minus-1.5"),
    pytest.param([["sigmoid", 0], ["pow", 2, 3], ["rdiv", 2.0, 3], ["div", 4, 1], ["rsub", 1.0, 5], ["radd", 0.5, 6],
                  ["rmul", 3.0, 7], ["subc", 8, 0.25], ["neg", 9], ["mean", 10]], id="numbers-on-either-side"),
])
def test_variable_elementwise_derivatives(submission, steps):
    """Elementwise sigmoid, **, / and numbers on either side of a Variable agree with torch."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    check_expression(submission, "array", [x, y], steps, "an elementwise expression")


# ------------------------------------------------------------------ training


@oracle
def torch_fit_sine(iterations, seed, lr=0.2):
    """The oracle: the same 1-10-1 network, data and initial weights, trained with torch autograd."""
    rs = np.random.RandomState(seed)  # the same stream as np.random.seed(seed)
    x = rs.rand(100, 1)
    y = np.sin(2 * np.pi * x) + rs.rand(100, 1)
    W1, W2 = 0.01 * rs.randn(1, 10), 0.01 * rs.randn(10, 1)
    x, y = _t(x), _t(y)
    params = [_t(W1, True), _t(np.zeros(10), True), _t(W2, True), _t(np.zeros(1), True)]
    losses = []
    for _ in range(iterations):
        W1, b1, W2, b2 = params
        loss = torch.mean((torch.sigmoid(x @ W1 + b1) @ W2 + b2 - y) ** 2)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss.item())
    return np.array(losses)


def test_mlp_forward_adds_both_biases(submission):
    """mlp_forward is sigmoid(x @ W1 + b1) @ W2 + b2: with non-zero biases, the output and every gradient match autograd."""
    rng = np.random.default_rng(11)
    x = rng.uniform(size=(5, 1))
    params = {"W1": rng.normal(size=(1, 10)), "b1": rng.normal(size=10),
              "W2": rng.normal(size=(10, 1)), "b2": rng.normal(size=1)}
    want_value, want_grads = torch_mlp(x, params)
    got = submission.probe("mlp", x, params)
    assert close(as_array(got["value"], (5, 1), "mlp_forward's output"), want_value), \
        "mlp_forward's output is off when the biases are not zero: b1 goes inside the sigmoid, b2 onto the output"
    for name, value in params.items():
        assert close(as_array(got["grads"][name], value.shape, f"the gradient of {name}"), want_grads[name]), \
            f"the gradient of {name} through mlp_forward is off"


@oracle
def torch_mlp(x, params):
    """sigmoid(x @ W1 + b1) @ W2 + b2 and the gradients of its sum, by torch autograd."""
    leaves = {name: _t(value, True) for name, value in params.items()}
    out = torch.sigmoid(_t(x) @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    out.sum().backward()
    return out.detach().numpy(), {name: leaf.grad.numpy() for name, leaf in leaves.items()}


def test_short_training_run_matches_torch(submission):
    """10 iterations of fit_sine on another seed follow the torch oracle's loss curve step by step."""
    iterations, seed = 10, 1
    got = as_array(submission.fit_sine(iterations=iterations, seed=seed), (iterations,), "fit_sine's loss curve")
    want = torch_fit_sine(iterations, seed)
    assert close(got[:1], want[:1], rtol=1e-7, atol=1e-9), (
        "the first loss is off: sigmoid hidden layer, linear output, and the mean of the squared errors")
    assert close(got, want, rtol=1e-7, atol=1e-9), (
        "the loss curve drifts from the oracle's: check the gradients of every parameter, their zeroing "
        "between iterations, and the update p <- p - lr * grad")
