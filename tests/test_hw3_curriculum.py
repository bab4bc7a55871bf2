"""hw3 against the course notes: the reference reproduces every published number, and the tests grade.

The reference is imported from its path (it is not a package). Every number
asserted here is published in CURRICULUM.md (hw2's Case A and Case B, hw1's
linear model) or follows from it by arithmetic. The grading checks run the
assignment's public and hidden tests in this process (`isolated=False`), on
the reference, the template, and fixture submissions written under tmp_path.
"""
import tempfile
from pathlib import Path

import pytest
import torch

from autograder import api
from autograder.core.course import get_assignment
from tests.conftest import reference_module

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "hw3" / "torch_nets.py"
TEMPLATE = ROOT / "student_template" / "hw3" / "torch_nets.py"
PUBLISHED = 1e-6  # the notes give six decimals; hw3 must agree with hw2 to 1e-6

CASE_A = dict(x=[0.05, 0.10], t=[0.01, 0.99], W1=[[0.15, 0.20], [0.25, 0.30]], W2=[[0.40, 0.45], [0.50, 0.55]],
              b1=[0.35, 0.35], b2=[0.60, 0.60])
CASE_B = dict(x=[0.5, 0.3], t=[0.23, -0.07], w=[0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8])


@pytest.fixture(scope="module")
def ref():
    return reference_module("hw3")


def assert_published(got, want, atol=PUBLISHED):
    torch.testing.assert_close(torch.as_tensor(got, dtype=torch.float64).detach(),
                               torch.tensor(want, dtype=torch.float64), rtol=0.0, atol=atol)


# ---------------------------------------------------------------- the published numbers

def test_case_a_forward_gradients_and_step(ref):
    run = ref.train_network(**CASE_A, lr=0.5, steps=1)
    assert_published(run["output"], [0.751365, 0.772928])
    assert_published(run["loss"], 0.298371)
    assert_published(run["grads"]["W2"], [[0.082167, 0.082668], [-0.022603, -0.022740]])
    assert_published(run["grads"]["W1"], [[0.000439, 0.000877], [0.000498, 0.000995]])
    assert_published(run["grads"]["b2"], [0.138499, -0.038098])
    assert_published(run["grads"]["b1"], [0.008771, 0.009954])
    assert_published(run["params"]["W1"], [[0.149781, 0.199561], [0.249751, 0.299502]])
    assert_published(run["params"]["W2"], [[0.358916, 0.408666], [0.511301, 0.561370]])
    assert_published(run["params"]["b1"], [0.345614, 0.345023])
    assert_published(run["params"]["b2"], [0.530751, 0.619049])


def test_case_a_with_fixed_biases(ref):
    """The variant many write-ups use: the same weight step, the biases untouched."""
    run = ref.train_network(**CASE_A, lr=0.5, steps=1, train_biases=False)
    assert set(run["grads"]) == {"W1", "W2"}
    assert_published(run["params"]["W1"], [[0.149781, 0.199561], [0.249751, 0.299502]])
    assert_published(run["params"]["W2"], [[0.358916, 0.408666], [0.511301, 0.561370]])
    assert_published(run["params"]["b1"], CASE_A["b1"], atol=1e-15)
    assert_published(run["params"]["b2"], CASE_A["b2"], atol=1e-15)


def test_case_b_prediction_loss_and_step(ref):
    run = ref.train_case_b(**CASE_B, lr=1.0, steps=1)
    assert_published(run["prediction"], [0.476946, 0.528696])
    assert_published(run["loss"], 0.209710)
    w = torch.as_tensor(run["weights"])
    assert_published(w[[0, 2, 1, 3]], [0.208421, 0.505053, -0.412607, 0.592436])  # (w1, w3, w2, w4)
    assert_published(w[[4, 6, 5, 7]], [0.065367, -0.330495, -0.583866, 0.726155])  # (w5, w7, w6, w8)


def test_case_b_matrices_follow_the_wiring(ref):
    W1, W2 = ref.case_b_matrices(CASE_B["w"])
    assert_published(W1, [[0.2, 0.5], [-0.4, 0.6]], atol=1e-15)  # h1 = w1*x1 + w3*x2, h2 = w2*x1 + w4*x2
    assert_published(W2, [[0.1, -0.3], [-0.5, 0.8]], atol=1e-15)  # o1 = w5*a1 + w7*a2, o2 = w6*a1 + w8*a2
    assert_published(ref.case_b_vector(W1, W2), CASE_B["w"], atol=1e-15)


def test_linear_model_of_hw1(ref):
    run = ref.train_linear([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0, lr=0.01, epochs=100)
    assert run["grads"].shape == (300,)
    assert_published(run["grads"][:3], [-2.0, -7.84, -16.2288])
    assert_published(run["w"], 2.0, atol=1e-4)
    assert_published(run["w"] * 4.0, 8.0, atol=1e-4)  # predict(4)


def test_unzeroed_gradients_add_up(ref):
    # dL/dw = 2 x (x w - y) = 2 * 1 * (1 - 2) = -2.0, hw1's first gradient, k times over
    for k in (1, 2, 3):
        assert_published(ref.accumulated_grad(1.0, 2.0, 1.0, k), -2.0 * k, atol=1e-12)


def test_mse_loss_equals_hw2_loss_for_two_outputs(ref):
    """MSELoss differs from hw2's loss by K / 2: for the two outputs of Case A and B that is exactly 1."""
    run = ref.train_network(**CASE_A, lr=0.5, steps=1)
    cmp = ref.compare_mse(run["output"], CASE_A["t"])
    assert_published(cmp["half_sum"], 0.298371)
    assert_published(cmp["mse"], 0.298371)
    assert_published(cmp["factor"], 1.0, atol=1e-12)
    for k in (1, 3, 10):
        assert_published(ref.compare_mse(torch.ones(4, k), torch.zeros(4, k))["factor"], k / 2, atol=1e-12)


def test_sigmoids_agree(ref):
    cmp = ref.compare_sigmoid(torch.linspace(-8, 8, 17, dtype=torch.float64))
    torch.testing.assert_close(cmp["manual"], cmp["torch"], rtol=0, atol=1e-15)
    torch.testing.assert_close(cmp["manual_grad"], cmp["torch_grad"], rtol=0, atol=1e-15)
    assert_published(cmp["torch_grad"][8], 0.25, atol=1e-15)  # s'(0) = 1/4


# ---------------------------------------------------------------- grading

@pytest.fixture
def grade(tmp_path, monkeypatch):
    """check(hw3, folder, hidden=True, isolated=False), with every temporary file under tmp_path."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def run(folder):
        return api.check("hw3", Path(folder), hidden=True, isolated=False)

    return run


def submission(tmp_path, name, source):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "torch_nets.py").write_text(source, "utf-8")
    return folder


def failed(result):
    return {o.test for o in result.outcomes if o.outcome != "passed"}


def test_metadata():
    hw3 = get_assignment("hw3")
    assert hw3.title == "The same networks with PyTorch autograd"
    assert hw3.due.isoformat() == "2026-10-16T23:59:00+00:00"
    assert hw3.files == ("torch_nets.py",)
    assert len(hw3.questions) == 3
    assert 20 <= hw3.max_score <= 30


RETURN_TENSORS_REQUIRING_GRAD = '''

def _requiring_grad(value):
    if isinstance(value, dict):
        return {k: _requiring_grad(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_requiring_grad(v) for v in value)
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.detach().clone().requires_grad_(True) * 1.0  # a non-leaf tensor in a graph
    return value


def _wrap(fn):
    return lambda *args, **kwargs: _requiring_grad(fn(*args, **kwargs))


for _name in ("train_network", "train_case_b", "train_linear", "accumulated_grad", "compare_sigmoid",
              "compare_mse", "case_b_matrices", "case_b_vector"):
    globals()[_name] = _wrap(globals()[_name])
'''


def test_tensors_requiring_grad_get_full_marks(grade, tmp_path):
    """The wire format sends a tensor's data, whatever its graph: returning undetached tensors is fine."""
    source = REFERENCE.read_text("utf-8") + RETURN_TENSORS_REQUIRING_GRAD
    result = grade(submission(tmp_path, "returns_tensors_requiring_grad", source))
    assert failed(result) == set()


SHARES_CALLERS_MEMORY = '''

def make_layer(W, b=None):
    layer = torch.nn.Linear(len(W[0]), len(W), bias=b is not None, dtype=DTYPE)
    layer.weight = torch.nn.Parameter(torch.as_tensor(W, dtype=DTYPE))  # no copy: the caller's array
    if b is not None:
        layer.bias = torch.nn.Parameter(torch.as_tensor(b, dtype=DTYPE))
    return layer
'''

# Each known mistake, as changes (old, new) to the reference, and the test named for it.
MISTAKES = {
    "fails_gradients_not_zeroed": (
        ("        optimizer.zero_grad()\n", ""), "test_gradients_zeroed_between_steps"),
    "fails_case_b_transposed": (
        ("w[:4].reshape(2, 2).T.clone(), w[4:].reshape(2, 2).T.clone()",
         "w[:4].reshape(2, 2).clone(), w[4:].reshape(2, 2).clone()"), "test_weight_not_transposed_in_linear"),
    "fails_mse_loss_used": (
        ("return 0.5 * ((o - t) ** 2).sum(dim=-1).mean()", "return torch.nn.MSELoss()(o, t)"),
        "test_half_sum_not_mse_loss"),
    "fails_network_in_float32": (  # nn.Linear's default dtype, and the data cast to match it
        ("bias=b is not None, dtype=DTYPE)", "bias=b is not None)"),
        ("    x, t = as_tensor(x), as_tensor(t)\n    layer1", "    x, t = as_tensor(x).float(), as_tensor(t).float()\n    layer1"),
        "test_float64_not_float32"),
    "fails_biases_not_trained": (
        ("if train_biases or name.startswith(\"W\")", "if name.startswith(\"W\")"), "test_biases_are_trained"),
    "fails_frozen_biases_trained": (
        ("if train_biases or name.startswith(\"W\")", "if True"), "test_frozen_biases_stay_put"),
    "fails_inputs_mutated": (("\n# ---------------------------------------------------------------- Case B",
                              SHARES_CALLERS_MEMORY + "\n# ---------------------------------------------------------------- Case B"),
                             "test_inputs_not_mutated"),
    "fails_linear_gradients_not_zeroed": (("            w.grad.zero_()\n", ""), "test_linear_sgd_zeroes_gradients"),
    "fails_accumulated_grad_zeroed": (
        ("        ((x * w - y) ** 2).backward()\n", "        w.grad = None\n        ((x * w - y) ** 2).backward()\n"),
        "test_accumulated_grad_is_k_times_the_gradient"),
    "fails_loss_summed_over_batch": (
        ("return 0.5 * ((o - t) ** 2).sum(dim=-1).mean()", "return 0.5 * ((o - t) ** 2).sum()"),
        "test_random_networks_match_autograd"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_known_mistake_fails_its_test(grade, tmp_path, name):
    *changes, test = MISTAKES[name]
    source = REFERENCE.read_text("utf-8")
    for old, new in changes:
        assert source.count(old) == 1, f"{name}: the reference no longer contains the text this mistake changes"
        source = source.replace(old, new)
    result = grade(submission(tmp_path, name, source))
    assert result.status == "graded"
    assert test in failed(result)
    assert result.score < result.max_score
