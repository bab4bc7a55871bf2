"""hw5 against the course design: the published sine fit, the 10,000-node chain, torch, full and zero marks.

The reference is imported straight from its file; the published numbers are
CURRICULUM.md's for hw5 (the loss of the sine fit at its start and after
10,000 iterations), checked to an absolute tolerance of 1e-4. torch in
float64 is the oracle for everything else.
"""
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder import api
from autograder.core.course import COURSE_ENV, get_assignment
from tests.conftest import load_module, reference_module

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "hw5" / "engine.py"
TEMPLATE = ROOT / "student_template" / "hw5" / "engine.py"
PUBLISHED = dict(abs=1e-4)
PUBLISHED_FIRST_LOSS, PUBLISHED_LAST_LOSS, PUBLISHED_ITERATIONS = 0.847370, 0.076987, 10_000
EXACT = dict(rel=1e-9, abs=1e-12)  # the same float64 computation on both sides


@pytest.fixture(scope="module")
def ref():
    return reference_module("hw5")


@pytest.fixture(scope="module")
def published_run(ref):
    """The published run: 10,000 iterations from seed 0, with how long it took."""
    start = time.perf_counter()
    losses = ref.fit_sine(iterations=PUBLISHED_ITERATIONS, seed=0)
    return losses, time.perf_counter() - start


@pytest.fixture
def course(monkeypatch, tmp_path):
    """hw5 of this checkout; grading leaves its temporary files under tmp_path and no bytecode in the repo."""
    monkeypatch.setenv(COURSE_ENV, str(ROOT))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return get_assignment("hw5", ROOT)


def t64(value, grad=False):
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


# ---------------------------------------------------------------- the published numbers


def test_sine_fit_starts_and_ends_at_the_published_losses(published_run):
    losses, seconds = published_run
    assert losses.shape == (PUBLISHED_ITERATIONS,)
    assert losses[0] == pytest.approx(PUBLISHED_FIRST_LOSS, **PUBLISHED)
    assert losses[-1] == pytest.approx(PUBLISHED_LAST_LOSS, **PUBLISHED)
    print(f"\nhw5: fit_sine over {PUBLISHED_ITERATIONS} iterations took {seconds:.2f} s")


def test_sine_fit_loss_goes_down_overall(published_run):
    losses, _ = published_run
    assert np.all(np.isfinite(losses))
    assert np.all(np.diff(losses) <= 1e-12)  # lr 0.2 is small enough for a monotone full-batch descent here


def torch_fit_sine(iterations, seed=0):
    """The oracle: the hidden tests' own (the published network and data, trained with torch autograd)."""
    hidden = load_module(ROOT / "assignments" / "hw5" / "hidden" / "test_hidden.py", "hw5_hidden_tests_oracle")
    return np.asarray(hidden.torch_fit_sine(iterations, seed))


def test_sine_fit_agrees_with_torch(published_run):
    losses, _ = published_run
    want = torch_fit_sine(1_000)
    assert want[0] == pytest.approx(PUBLISHED_FIRST_LOSS, **PUBLISHED)
    np.testing.assert_allclose(losses[:1_000], want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 7])
def test_sine_fit_other_seeds_agree_with_torch(ref, seed):
    np.testing.assert_allclose(ref.fit_sine(iterations=50, seed=seed), torch_fit_sine(50, seed), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- the engine


def _with_recursion_limit(limit, run):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        return run()
    finally:
        sys.setrecursionlimit(old)


def _depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_chain_of_10000_nodes(ref):
    n, factor = 10_000, 1.0001
    x = ref.Value(0.5)
    v = x
    for _ in range(n):
        v = v * factor
    v.backward()
    assert x.grad == pytest.approx(factor ** n, rel=1e-9)
    assert v.data == pytest.approx(0.5 * factor ** n, rel=1e-9)


def test_chain_of_10000_nodes_ignores_the_recursion_limit(ref):
    n = 10_000
    x, step = ref.Value(0.5), ref.Value(1.0)
    v = x
    for _ in range(n):
        v = v + step
    _with_recursion_limit(_depth() + 50, v.backward)
    assert step.grad == pytest.approx(n, abs=1e-9)
    assert x.grad == pytest.approx(1.0, abs=1e-12)
    order = _with_recursion_limit(_depth() + 50, lambda: ref.topological_order(v))
    assert len(order) == n + 2 and order[-1] is v
    position = {id(node): i for i, node in enumerate(order)}
    assert all(position[id(child)] < position[id(node)] for node in order for child in node._prev)


def test_reused_node(ref):
    a = ref.Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == pytest.approx(2.0, abs=1e-12)
    a, c = ref.Value(-1.5), ref.Value(2.0)
    d = a * c
    e = d * d + d * a  # d feeds two nodes, a three
    e.backward()
    ta, tc = t64(-1.5, True), t64(2.0, True)
    td = ta * tc
    (td * td + td * ta).backward()
    assert (a.grad, c.grad) == pytest.approx((ta.grad.item(), tc.grad.item()), **EXACT)


def _every_value_op(ops, a, b, c):
    """One expression with every operator of Value, written once for Value and for torch tensors."""
    u = ops["tanh"](a * b - c / a) + ops["sigmoid"](b ** 3) * ops["exp"](c * 0.5)
    w = ops["log"](b * b + 1.0) - ops["relu"](a - 0.2) + ops["relu"](-2.0 * c)
    return (2.0 * u - 1.0 / w + 3.0 - w ** -1.5 + (-a) * u) / (1.5 - c)


VALUE_OPS = {name: (lambda name: lambda v: getattr(v, name)())(name) for name in ("tanh", "sigmoid", "exp", "log", "relu")}


@pytest.mark.parametrize("inputs", [(0.7, 1.3, -0.4), (-1.2, 0.5, 0.9), (2.0, -0.8, -0.9)])
def test_every_operator_agrees_with_torch(ref, inputs):
    values = [ref.Value(x) for x in inputs]
    out = _every_value_op(VALUE_OPS, *values)
    out.backward()
    tensors = [t64(x, True) for x in inputs]
    want = _every_value_op(VALUE_OPS, *tensors)
    want.backward()
    assert out.data == pytest.approx(want.item(), **EXACT)
    assert [v.grad for v in values] == pytest.approx([t.grad.item() for t in tensors], **EXACT)


@pytest.mark.parametrize("inputs", [(0.7, 1.3, -0.4), (-1.2, 0.5, 0.9)])
def test_gradient_check_agrees_with_the_engine_and_torch(ref, inputs):
    engine, numeric = ref.gradient_check(lambda a, b, c: _every_value_op(VALUE_OPS, a, b, c), list(inputs))
    tensors = [t64(x, True) for x in inputs]
    _every_value_op(VALUE_OPS, *tensors).backward()
    want = [t.grad.item() for t in tensors]
    assert engine == pytest.approx(want, **EXACT)
    assert numeric == pytest.approx(want, rel=1e-6, abs=1e-7)


def test_backward_twice_and_zero_grad_behave_like_torch(ref):
    a, b = ref.Value(0.8), ref.Value(-0.4)
    out = (a * b).tanh() * a
    out.backward()
    once = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * once[0], 2 * once[1]), **EXACT)
    out.zero_grad()
    assert (a.grad, b.grad, out.grad) == pytest.approx((0.0, 0.0, 0.0), abs=1e-15)
    ta, tb = t64(0.8, True), t64(-0.4, True)
    ((ta * tb).tanh() * ta).backward()
    assert once == pytest.approx((ta.grad.item(), tb.grad.item()), **EXACT)


@pytest.mark.parametrize("shape_b", [(3,), (1, 3), (4, 1), ()])
def test_variable_broadcasting_and_matmul_agree_with_torch(ref, shape_b):
    rng = np.random.default_rng(len(shape_b))
    x, W = rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    b = rng.uniform(0.5, 1.5, size=shape_b)
    vx, vW, vb = ref.Variable(x), ref.Variable(W), ref.Variable(b)
    out = ((((vx @ vW) + vb).sigmoid() * vb - vb / 2.0) / vb) ** 2
    loss = out.mean() + (1.0 - out).sum() * 0.1
    loss.backward()
    tx, tW, tb = t64(x, True), t64(W, True), t64(b, True)
    tout = (((torch.sigmoid(tx @ tW + tb) * tb - tb / 2.0) / tb)) ** 2
    tloss = tout.mean() + (1.0 - tout).sum() * 0.1
    tloss.backward()
    assert float(loss.data) == pytest.approx(tloss.item(), **EXACT)
    for got, want in ((vx, tx), (vW, tW), (vb, tb)):
        assert got.grad.shape == want.shape
        np.testing.assert_allclose(got.grad, want.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_unbroadcast_sums_over_the_broadcast_axes(ref):
    grad = np.arange(24.0).reshape(2, 4, 3)
    np.testing.assert_allclose(ref.unbroadcast(grad, (4, 1)), grad.sum(axis=(0, 2))[:, None], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ref.unbroadcast(grad, (3,)), grad.sum(axis=(0, 1)), rtol=0, atol=1e-12)
    assert ref.unbroadcast(grad, ()) == pytest.approx(grad.sum(), abs=1e-12)


# ---------------------------------------------------------------- the assignment as a whole


RECURSIVE_ORDER = '''    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)
    visit(root)
    return order
'''

# A known mistake, as a change to the reference, and the hidden test named for it.
MISTAKES = {
    "fails_recursive_topological_sort": (
        "    order, seen = [], set()\n    stack = [(root, False)]\n", RECURSIVE_ORDER + "    stack = [(root, False)]\n",
        "test_topological_sort_is_not_recursion_bound"),
    "fails_recursion_under_a_raised_limit": (
        "    order, seen = [], set()\n    stack = [(root, False)]\n",
        "    setrecursionlimit(100_000)\n" + RECURSIVE_ORDER + "    stack = [(root, False)]\n",
        "test_topological_sort_is_not_recursion_bound"),
    "fails_assigned_instead_of_added_gradients": (
        "            self.grad += out.grad\n            other.grad += out.grad\n",
        "            self.grad = out.grad\n            other.grad = out.grad\n", "test_reused_node_accumulates"),
    "fails_backward_without_resetting_inner_nodes": (
        "            if node._prev:\n                node.grad = 0.0\n", "            pass\n",
        "test_backward_resets_interior_gradients"),
    "fails_division_derivative": (
        "other.grad -= out.grad * self.data / other.data ** 2\n", "other.grad -= out.grad * self.data / other.data\n",
        "test_division_derivative"),
    "fails_power_derivative": (
        "self.grad += exponent * self.data ** (exponent - 1) * out.grad", "self.grad += exponent * self.data * out.grad",
        "test_power_derivative"),
    "fails_log_derivative": ("self.grad += out.grad / self.data\n", "self.grad += out.grad / out.data\n",
                             "test_log_derivative"),
    "fails_tanh_derivative": ("self.grad += (1.0 - out.data ** 2) * out.grad", "self.grad += (1.0 - self.data ** 2) * out.grad",
                              "test_tanh_derivative"),
    "fails_sigmoid_derivative": ("self.grad += out.data * (1.0 - out.data) * out.grad",
                                 "self.grad += self.data * (1.0 - self.data) * out.grad", "test_sigmoid_derivative"),
    "fails_relu_derivative": ("self.grad += (self.data > 0) * out.grad", "self.grad += out.grad",
                              "test_relu_derivative_at_negative_inputs"),
    "fails_reflected_subtraction": ("return Value(other) - self\n", "return self - other\n", "test_reflected_operators"),
    "fails_one_sided_numeric_gradient": (
        "grads.append((f(*up).data - f(*down).data) / (2 * h))",
        "grads.append((f(*up).data - f(*[Value(x) for x in xs]).data) / h)",
        "test_numeric_gradient_uses_central_differences"),
    "fails_broadcast_leading_axes": ("    while grad.ndim > len(shape):\n        grad = grad.sum(axis=0)\n", "",
                                     "test_broadcasting_backward_sums_over_broadcast_axes"),
    "fails_matmul_transposes": ("self.grad += out.grad @ other.data.T\n", "self.grad += out.grad @ other.data\n",
                                "test_matmul_backward_transposes"),
    "fails_mean_count": ("self.grad += np.ones_like(self.data) * out.grad / self.data.size",
                         "self.grad += np.ones_like(self.data) * out.grad", "test_mean_and_sum_backward"),
    "fails_gradients_not_zeroed_in_training": ("        for p in params.values():\n            p.zero_grad()\n", "",
                                               "test_short_training_run_matches_torch"),
    "fails_half_mse": ("return ((pred - y) ** 2).mean()", "return ((pred - y) ** 2).mean() * 0.5",
                       "test_short_training_run_matches_torch"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_known_mistake_fails_the_test_named_for_it(course, tmp_path, name):
    old, new, test = MISTAKES[name]
    source = REFERENCE.read_text("utf-8")
    assert old in source, f"{name}: the reference no longer contains the line this mistake changes"
    entry = tmp_path / name
    entry.mkdir()
    source = source.replace(old, new, 1).replace("import math\n", "import math\nfrom sys import setrecursionlimit\n", 1)
    (entry / "engine.py").write_text(source, "utf-8")
    result = api.check("hw5", entry, hidden=True, isolated=False)
    outcomes = {o.test: o for o in result.outcomes}
    assert result.status == "graded"
    assert outcomes[test].outcome != "passed", f"{name} passed {test}"
    assert result.score < course.max_score
    assert not math.isclose(result.score, course.max_score)
