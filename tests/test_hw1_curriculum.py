"""hw1 against the course design: every published number, full marks, zero marks, forbidden imports.

The reference is imported straight from its file; the numbers are the ones
CURRICULUM.md publishes for hw1, checked to an absolute tolerance of 1e-4.
"""
import ast
import re
from pathlib import Path

import pytest
import torch

from tests.conftest import reference_module

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "hw1" / "chain_rule.py"
TEMPLATE = ROOT / "student_template" / "hw1" / "chain_rule.py"
TESTS = ROOT / "assignments" / "hw1"
PUBLISHED = dict(abs=1e-4)

XS, YS, W0, LR, EPOCHS = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0, 0.01, 100
NET_W = [1.0, 0.5, 0.5, 0.7, 1.0, 2.0]
NET_X1, NET_X2, NET_Y, NET_LR = 0.5, 1.0, 0.8, 0.01


@pytest.fixture(scope="module")
def ref():
    return reference_module("hw1")


# ---------------------------------------------------------------- the published numbers


def test_linear_first_three_gradients(ref):
    _, grads = ref.train_linear(XS, YS, W0, LR, EPOCHS)
    assert len(grads) == EPOCHS * len(XS)
    assert grads[:3] == pytest.approx([-2.0, -7.84, -16.2288], **PUBLISHED)


def test_linear_training_ends_at_w_two(ref):
    w, _ = ref.train_linear(XS, YS, W0, LR, EPOCHS)
    assert w == pytest.approx(2.0, **PUBLISHED)
    assert ref.linear_predict(4.0, w) == pytest.approx(8.0, **PUBLISHED)


def test_linear_gradient_is_the_published_first_one(ref):
    assert ref.linear_gradient(1.0, 2.0, 1.0) == pytest.approx(-2.0, **PUBLISHED)


def test_network_forward_loss_and_gradients(ref):
    forward = ref.net_forward(NET_W, NET_X1, NET_X2)
    assert forward["y_hat"] == pytest.approx(2.9, **PUBLISHED)
    assert ref.net_loss(forward["y_hat"], NET_Y) == pytest.approx(4.41, **PUBLISHED)
    assert ref.net_loss_grad(forward["y_hat"], NET_Y) == pytest.approx(4.2, **PUBLISHED)
    grads = ref.net_backward(NET_W, NET_X1, NET_X2, NET_Y)
    assert grads[4] == pytest.approx(4.2, **PUBLISHED)  # dL/dw5
    assert grads[0] == pytest.approx(2.1, **PUBLISHED)  # dL/dw1


def test_network_one_step(ref):
    weights = list(NET_W)
    new = ref.net_sgd_step(weights, NET_X1, NET_X2, NET_Y, NET_LR)
    assert new[4] == pytest.approx(0.958, **PUBLISHED)  # w5
    assert new[0] == pytest.approx(0.979, **PUBLISHED)  # w1
    assert weights == NET_W  # a new list; the caller's weights are untouched


# ---------------------------------------------------------------- forward versus reverse mode


def chain_of_sums(p):
    """f = sin(w0 * w1 + ... ) style graph: p parameters, 2p nodes; large enough to show the scaling."""
    params = {f"w{i}": 0.1 * (i + 1) for i in range(p)}
    graph, previous = [("s0", "sin", ("w0",))], "s0"
    for i in range(1, p):
        graph.append((f"m{i}", "mul", (previous, f"w{i}")))
        graph.append((f"s{i}", "sin", (f"m{i}",)))
        previous = f"s{i}"
    graph.append(("f", "exp", (previous,)))
    return graph, params


def torch_gradient(graph, params):
    ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "sin": torch.sin, "exp": torch.exp}
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    values = dict(leaves)
    for name, op, inputs in graph:
        values[name] = ops[op](*[values[i] for i in inputs])
    grads = torch.autograd.grad(values[graph[-1][0]], list(leaves.values()))
    return {k: float(g) for k, g in zip(leaves, grads)}


def test_example_graph_step_counts(ref):
    """The example graph: forward mode costs n*p steps, reverse mode n+p, and both agree with autograd."""
    graph, params = ref.EXAMPLE_GRAPH, ref.EXAMPLE_PARAMS
    n, p = len(graph), len(params)
    assert (n, p) == (6, 3)
    forward, forward_steps = ref.forward_mode_gradient(graph, params)
    reverse, reverse_steps = ref.reverse_mode_gradient(graph, params)
    assert (forward_steps, reverse_steps) == (n * p, n + p)
    want = torch_gradient(graph, params)
    assert list(forward) == list(reverse) == list(params)
    assert list(forward.values()) == pytest.approx(list(want.values()), rel=1e-9, abs=1e-12)
    assert list(reverse.values()) == pytest.approx(list(want.values()), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("p", [1, 5, 20])
def test_forward_mode_grows_with_parameters_and_reverse_does_not(ref, p):
    graph, params = chain_of_sums(p)
    n = len(graph)
    _, forward_steps = ref.forward_mode_gradient(graph, params)
    reverse, reverse_steps = ref.reverse_mode_gradient(graph, params)
    assert forward_steps == n * p
    assert reverse_steps == n + p
    assert list(reverse.values()) == pytest.approx(list(torch_gradient(graph, params).values()), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- the assignment as a whole


NUMBER = re.compile(r"(?<![A-Za-z_])\d")


def _assert_messages(path):
    """The message strings of every `assert ..., message` in a test file."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Assert) and node.msg is not None:
            yield node.lineno, "".join(
                part.value for part in ast.walk(node.msg) if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )


@pytest.mark.parametrize("path", sorted(TESTS.glob("*/test_*.py")), ids=lambda p: p.parent.name)
def test_assert_messages_carry_no_numbers(path):
    """A failure message a student sees never shows a number (weight names like w5 are fine)."""
    messages = list(_assert_messages(path))
    assert messages, "the test file has no assert messages to check"
    assert [(line, text) for line, text in messages if NUMBER.search(text)] == []
