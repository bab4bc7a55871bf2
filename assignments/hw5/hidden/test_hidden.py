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


def check_same(submission, kind, leaves, steps, twin_leaves, twin_steps, pairs, what):
    """Run `steps` over `leaves` and `twin_steps` over `twin_leaves` on the student's engine, in one probe call;
    assert the values agree and, for each (i, j) in `pairs`, leaf i's gradient in the first equals leaf j's in the
    second: a rule judged against the student's own operators, whatever their derivatives."""
    got, twin = (submission.probe("expression", kind, values, program)
                 for values, program in ((leaves, steps), (twin_leaves, twin_steps)))
    assert close(as_array(got["value"], what=f"the value of {what}"), as_array(twin["value"])), (
        f"the forward value of {what} is off")
    for i, j in pairs:
        assert close(as_array(got["grads"][i], np.shape(leaves[i]), f"the gradient of input {i} of {what}"),
                     as_array(twin["grads"][j], np.shape(leaves[i]))), f"the gradient of input {i} of {what} is off"


# ------------------------------------------------------------------ random scalar expressions


@functools.cache  # the same for every submission: made once per run (callers never modify it)
def random_expression(seed, n_leaves=3, n_steps=10, ops=None):
    """Leaves and steps of a random scalar expression. Every step takes the newest node, so every step is on the
    path to the output; a binary step takes any node as its other input (nodes are reused). Every value stays in
    its operator's domain and below 10 in size, and relu only sees positive inputs (it would stop the gradient)."""
    rng = np.random.default_rng(seed)
    ops = list(ops or ["add", "sub", "mul", "div", "pow", "exp", "log", "sigmoid", "tanh", "relu", "neg",
                  "addc", "mulc", "radd", "rsub", "rmul", "rdiv"])
    leaves = [float(v) for v in rng.uniform(0.3, 1.5, n_leaves) * rng.choice([-1, 1], n_leaves)]
    values, steps = list(leaves), []
    while len(steps) < n_steps:
        op = str(rng.choice(ops))
        i, j = len(values) - 1, int(rng.integers(len(values)))
        a, b, c = values[i], values[j], float(np.round(rng.uniform(0.5, 2.5), 2))
        step, value = {
            "add": (["add", i, j], a + b), "sub": (["sub", i, j], a - b), "mul": (["mul", i, j], a * b),
            "div": (["div", i, j], a / b if abs(b) > 0.3 else None),
            "pow": (["pow", i, 3] if a < 0.3 else ["pow", i, -1.5], a ** 3 if a < 0.3 else a ** -1.5),
            "exp": (["exp", i], np.exp(a) if a < 2 else None),
            "log": (["log", i], np.log(a) if a > 0.2 else None),
            "sigmoid": (["sigmoid", i], 1 / (1 + np.exp(-a))), "tanh": (["tanh", i], np.tanh(a)),
            "relu": (["relu", i], a if a > 0.05 else None), "neg": (["neg", i], -a),
            "addc": (["addc", i, c], a + c), "mulc": (["mulc", i, c], a * c),
            "radd": (["radd", c, i], c + a), "rsub": (["rsub", c, i], c - a), "rmul": (["rmul", c, i], c * a),
            "rdiv": (["rdiv", c, i], c / a if abs(a) > 0.3 else None),
        }[op]
        if value is not None and 1e-3 < abs(value) < 10:
            steps.append(step)
            values.append(float(value))
    return leaves, steps


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_random_expressions_match_torch(submission, seed):
    """Random expressions mixing every operator (numbers on the left too), with reused nodes, should give torch's value and gradients: every step is on the path to the output."""
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


# [op, 0, 1], then the product with a and with b: the later uses run their _backward first,
# so an input whose gradient is assigned (=) instead of added (+=) loses their share.
REUSE_AFTER = [["mul", 2, 0], ["mul", 3, 1]]
UNARY = ("exp", "neg", "log", "tanh", "sigmoid", "relu")
CHAIN = [["add", 0, 1], *[["add", k, 1] for k in range(2, 21)]]  # x + step + step + ...: step feeds every node


@pytest.mark.parametrize("steps", [
    pytest.param([["add", 0, 0]], id="a+a"),
    pytest.param([["mul", 0, 0]], id="a*a"),
    pytest.param([["mul", 0, 1], ["add", 2, 2], ["mul", 3, 2]], id="reused-intermediate"),
    pytest.param([["tanh", 0], ["mul", 2, 1], ["add", 2, 3], ["sub", 4, 2], ["mul", 5, 3]], id="diamond"),
    *[pytest.param([[op, 0, 1], *REUSE_AFTER], id=f"{op}-then-reuse") for op in ("add", "sub", "mul", "div")],
    *[pytest.param([[op, 0], ["mul", 2, 0]], id=f"{op}-then-reuse") for op in UNARY],
    pytest.param([["pow", 0, 3], ["mul", 2, 0]], id="pow-then-reuse"),
    pytest.param(CHAIN, id="leaf-in-every-node"),
])
def test_reused_node_accumulates(submission, steps):
    """A node used more than once gets the sum of the gradients of all its uses (+=, never =): a leaf's gradient
    must be the sum of your gradients of its copies when every use gets a copy of its own."""
    leaves = [0.7, -1.3]
    copies, tree, origin = split_uses(leaves, steps)
    got = submission.probe("expression", "scalar", leaves, steps)
    split = submission.probe("expression", "scalar", copies, tree)
    assert close(as_float(got["value"], "the value of an expression that reuses a node"), as_float(split["value"])), (
        "the forward value of an expression that reuses a node is off")
    for i in range(len(leaves)):
        summed = sum(as_float(g, "a copy's gradient") for g, k in zip(split["grads"], origin) if k == i)
        assert close(as_float(got["grads"][i], f"the gradient of input {i}"), summed, RTOL, ATOL), (
            f"the gradient of input {i} of an expression that reuses a node is not the sum of its uses' shares")


def _node_args(op, args):
    """The positions in a step's arguments that name nodes (the others are numbers)."""
    if op in ("add", "sub", "mul", "div", "matmul"):
        return (0, 1)
    return (1,) if op in ("radd", "rsub", "rmul", "rdiv") else (0,)


def split_uses(leaves, steps):
    """The expression `steps` over `leaves` as a tree: every use of a node gets its own copy of that node's
    sub-expression, down to a copy of each leaf. Returns (the copies' values, the tree's steps, the leaf each
    copy was made from); the tree computes the same function, and no node of it is used twice."""
    def expand(k):
        if k < len(leaves):
            return ("leaf", k)
        op, *args = steps[k - len(leaves)]
        return (op, [expand(a) if i in _node_args(op, args) else a for i, a in enumerate(args)])

    copies, origin, tree = [], [], []

    def collect(node):  # the leaves first: the tree's nodes start with them
        if node[0] == "leaf":
            node_id = len(copies)
            copies.append(leaves[node[1]])
            origin.append(node[1])
            return ("copy", node_id)
        return (node[0], [collect(a) if isinstance(a, tuple) else a for a in node[1]])

    def emit(node):
        if node[0] == "copy":
            return node[1]
        tree.append([node[0], *[emit(a) if isinstance(a, tuple) else a for a in node[1]]])
        return len(copies) + len(tree) - 1

    emit(collect(expand(len(leaves) + len(steps) - 1)))
    return copies, tree, origin


def _torch_grads(leaves, steps):
    return torch_expression(leaves, steps)[1]


REPEATED = {  # leaves, the first graph, the second graph (no broadcasting: that has tests of its own)
    "scalar": ([0.8, -0.4], [["mul", 0, 1], ["tanh", 2], ["mul", 3, 0]],
               [["exp", 1], ["mul", 2, 0], ["sigmoid", 3]]),
    "array": ([np.array([[0.8, -0.3], [0.5, 1.1]]), np.array([[-0.4, 0.6], [0.9, -0.7]])],
              [["mul", 0, 1], ["sigmoid", 2], ["mul", 3, 0], ["sum", 4]],
              [["matmul", 0, 0], ["add", 2, 1], ["pow", 3, 2], ["mean", 4]]),
}


def _grads(submission, kind, leaves, steps, what):
    """The leaves' grads after one backward() on fresh leaves: the student's own gradients of `steps`."""
    got = submission.probe("expression", kind, leaves, steps)
    return [as_array(g, np.shape(leaf), what) for g, leaf in zip(got["grads"], leaves)]


@pytest.mark.parametrize("kind", ["scalar", "array"])
@pytest.mark.parametrize("case", ["accumulate", "zero_grad", "leaf_twice"])
def test_gradients_not_zeroed_between_backward_calls(submission, case, kind):
    """Two backward() calls: leaves add up the gradients (like torch) unless zero_grad() comes in between, also when
    backward() is called on a leaf itself (judged against your own gradients of each graph)."""
    leaves, first, second = REPEATED[kind]
    if case == "leaf_twice":
        first, second = [], None  # backward() on a leaf itself, twice
    got_first, got_second = submission.probe("repeated_backward", kind, leaves, first, second, case == "zero_grad")
    if case == "leaf_twice":  # d(leaf)/d(leaf) = 1 for the last leaf, the output; 0 for the others
        own_first = own_second = [np.full(np.shape(leaf), float(i == len(leaves) - 1)) for i, leaf in enumerate(leaves)]
    else:
        own_first = _grads(submission, kind, leaves, first, "a leaf's grad after one backward()")
        own_second = _grads(submission, kind, leaves, second, "a leaf's grad after one backward()")
    want = [b if case == "zero_grad" else a + b for a, b in zip(own_first, own_second)]
    for i, leaf in enumerate(leaves):
        shape = np.shape(leaf)
        assert close(as_array(got_first[i], shape, "a leaf's grad after one backward()"), own_first[i], RTOL, ATOL), (
            "the gradients after the first backward() should be the graph's gradients: "
            + ("backward() on a leaf adds 1 to its gradient" if case == "leaf_twice" else "are they added to fresh leaves?"))
        assert close(as_array(got_second[i], shape, "a leaf's grad after two backward() calls"), want[i],
                     RTOL, ATOL), {
            "accumulate": "without zero_grad(), a second backward() should add to the leaves' gradients",
            "zero_grad": "zero_grad() should set every gradient of the graph to 0 before the next backward()",
            "leaf_twice": "backward() on a leaf adds 1 to its gradient each time, like torch (do not set it to 1)",
        }[case]


INTERIOR = {  # leaves and one graph whose every interior node gets a non-zero gradient
    "scalar": ([0.8, -0.4], [["mul", 0, 1], ["tanh", 2], ["add", 3, 0], ["mul", 4, 1]]),
    "array": ([np.array([[0.8, -0.3], [0.5, 1.1]]), np.array([[-0.4, 0.6], [0.9, -0.7]])],
              [["mul", 0, 1], ["sigmoid", 2], ["add", 3, 0], ["mul", 4, 1], ["sum", 5]]),
}


@pytest.mark.parametrize("kind", ["scalar", "array"])
def test_backward_resets_interior_gradients(submission, kind):
    """backward() twice on one graph: every node between the leaves and the output starts again from 0 on each
    call, so its gradient after the second call is what it was after the first (and not twice that)."""
    leaves, steps = INTERIOR[kind]
    got_first, got_second = submission.probe("interior_backward", kind, leaves, steps)
    assert isinstance(got_first, list) and len(got_first) == len(steps) == len(got_second), (
        "the probe should return one gradient per interior node")
    for first, second in zip(got_first, got_second):
        first, second = as_array(first, what="an interior node's grad"), as_array(second, what="an interior node's grad")
        assert np.all(first != 0), "after one backward() every interior node of this graph should have a gradient"
        assert close(second, first, RTOL, ATOL), (
            "an interior node's gradient after a second backward() should be the same as after the first: reset the "
            "gradients of the nodes that have inputs at the start of backward()")


SCALE = ["mulc", 2, 1.7]  # the node after the operator under test: its output's gradient is then not 1


@pytest.mark.parametrize("leaves", [[1.5, 0.4], [-2.0, 0.8], [0.3, -1.7]])
def test_division_derivative(submission, leaves):
    """d(a/b)/da = 1/b and d(a/b)/db = -a/b**2, also inside a longer expression."""
    check_expression(submission, "scalar", leaves, [["div", 0, 1], SCALE], "a / b",
                     more=[[["exp", 0], ["div", 2, 1], ["divc", 3, 1.3]]])


@pytest.mark.parametrize("base,exponent", [(1.3, 2), (-0.7, 3), (2.0, -1), (0.6, 0.5), (1.7, -1.5), (-1.2, 4)])
def test_power_derivative(submission, base, exponent):
    """d(x**p)/dx = p * x**(p - 1) for a constant power p: integer, negative and fractional."""
    check_expression(submission, "scalar", [base], [["pow", 0, exponent], ["mulc", 1, 1.7]], "x ** p")


@pytest.mark.parametrize("x", [0.25, 1.0, 3.5])
def test_log_derivative(submission, x):
    """d(log x)/dx = 1/x."""
    check_expression(submission, "scalar", [x], [["log", 0], ["mulc", 1, 1.7]], "log(x)")


@pytest.mark.parametrize("x", [-1.7, 0.0, 0.4, 2.2])
def test_tanh_derivative(submission, x):
    """d(tanh x)/dx = 1 - tanh(x)**2."""
    check_expression(submission, "scalar", [x], [["tanh", 0], ["mulc", 1, 1.7]], "tanh(x)")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 1.2, 25.0])
def test_sigmoid_derivative(submission, x):
    """d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))."""
    check_expression(submission, "scalar", [x], [["sigmoid", 0], ["mulc", 1, 1.7]], "sigmoid(x)")


@pytest.mark.parametrize("x", [-2.0, -0.1, 0.0, 0.3, 1.5])
def test_relu_derivative_at_negative_inputs(submission, x):
    """relu passes the gradient through where its input is positive and blocks it (0) where it is negative or 0."""
    check_expression(submission, "scalar", [x, 1.25], [["relu", 0], ["mul", 2, 1]], "relu(x)")


@pytest.mark.parametrize("op", ["radd", "rsub", "rmul", "rdiv"])
def test_reflected_operators(submission, op):
    """A plain number on the left works: 3 + v, 1 - v, 2 * v, 1 / v give what Value(3) + v, Value(1) - v, ... give with your own operators (the order matters)."""
    const, binary = {"radd": 3.0, "rsub": 1.0, "rmul": 2.0, "rdiv": 1.0}[op], op[1:]
    what = f"a number {binary} a Value"
    check_same(submission, "scalar", [0.8, -1.6], [[op, const, 0], ["mul", 2, 1]],
               [0.8, -1.6, const], [[binary, 2, 0], ["mul", 3, 1]], [(0, 0), (1, 1)], what)
    check_same(submission, "scalar", [0.8, -1.6], [["mul", 0, 1], [op, const, 2]],
               [0.8, -1.6, const], [["mul", 0, 1], [binary, 2, 3]], [(0, 0), (1, 1)], what)


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_numeric_gradient_uses_central_differences(submission, seed):
    """numeric_grad is (f(x + h) - f(x - h)) / (2h) for each input in turn; gradient_check pairs it with your backward()."""
    leaves, steps = random_expression(seed, n_steps=6, ops=("mul", "add", "tanh", "exp", "sigmoid", "sub", "div"))
    h = 1e-3  # large enough that a one-sided difference misses by far more than the tolerance
    got = submission.probe("gradient_check", leaves, steps, h)
    want = np.array(_torch_grads(leaves, steps))
    n = len(leaves)
    own = submission.probe("expression", "scalar", leaves, steps)["grads"]
    assert close(as_array(got["engine"], (n,), "the engine's gradients"), as_array(own, (n,)), RTOL, ATOL), (
        "gradient_check's first list should be the gradients your backward() gives")
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
                  ["rmul", 3.0, 7], ["subc", 8, 0.25], ["neg", 9], ["sum", 10]], id="numbers-on-either-side"),
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
    """mlp_forward is sigmoid(x @ W1 + b1) @ W2 + b2: with non-zero biases, the output matches torch and every gradient is the one your own operators give that network (it uses your @, + and sigmoid: if their tests fail, fix those first)."""
    rng = np.random.default_rng(11)
    x = rng.uniform(size=(5, 1))
    params = {"W1": rng.normal(size=(1, 10)), "b1": rng.normal(size=10),
              "W2": rng.normal(size=(10, 1)), "b2": rng.normal(size=1)}
    want_value, _ = torch_mlp(x, params)
    got = submission.probe("mlp", x, params)
    assert close(as_array(got["value"], (5, 1), "mlp_forward's output"), want_value), \
        "mlp_forward's output is off when the biases are not zero: b1 goes inside the sigmoid, b2 onto the output"
    # The same network written with your own @, + and sigmoid: mlp_forward must build exactly that graph.
    own = submission.probe("expression", "array", [x, *params.values()],
                           [["matmul", 0, 1], ["add", 5, 2], ["sigmoid", 6], ["matmul", 7, 3], ["add", 8, 4], ["sum", 9]])
    for i, (name, value) in enumerate(params.items(), start=1):
        assert close(as_array(got["grads"][name], value.shape, f"the gradient of {name}"), as_array(own["grads"][i])), \
            f"the gradient of {name} through mlp_forward is not what your own @, + and sigmoid give for the same network"


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
        "between iterations, and the update p <- p - lr * grad (fit_sine trains with your Variable's operators: if "
        "their tests fail, fix those first)")
