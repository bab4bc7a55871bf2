"""hw4's reference against every number CURRICULUM.md publishes, and the grading of reference and template.

The reference is imported from its path (it is not a package). The numbers
are the course notes' (tolerance 1e-4 unless said); the behaviours (a rate
below the stability limit converges, above it diverges) follow from theory,
not from the reference's own output.
"""
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.conftest import reference_module

ROOT = Path(__file__).resolve().parent.parent
TOL = dict(rtol=0.0, atol=1e-4)


@pytest.fixture(scope="module")
def ref():
    return reference_module("hw4")


def case_b(ref):
    return ref.CASE_B_X, ref.CASE_B_T, ref.CASE_B_W1, ref.CASE_B_W2


def test_case_b_constants_are_the_published_weights(ref):
    x, t, W1, W2 = case_b(ref)
    w = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]  # w1..w8
    np.testing.assert_allclose(x, [0.5, 0.3], rtol=0, atol=0)
    np.testing.assert_allclose(t, [0.23, -0.07], rtol=0, atol=0)
    np.testing.assert_allclose(W1, [[w[0], w[2]], [w[1], w[3]]], rtol=0, atol=0)
    np.testing.assert_allclose(W2, [[w[4], w[6]], [w[5], w[7]]], rtol=0, atol=0)
    assert math.isclose(ref.CASE_B_LR, 1.0, rel_tol=0, abs_tol=0)


def test_relu_case_b_published_numbers(ref):
    x, t, W1, W2 = case_b(ref)
    c = ref.forward(x, W1, W2, "relu")
    np.testing.assert_allclose(c["o"], [0.025, 0.0], **TOL)
    assert math.isclose(ref.mse_loss(c["o"], t), 0.0234625, abs_tol=1e-7)
    new_W1, new_W2 = ref.train_step(x, t, W1, W2, 1.0, "relu")
    np.testing.assert_allclose(new_W1.ravel(), [0.21025, 0.50615, -0.4, 0.6], **TOL)   # (w1, w3, w2, w4)
    np.testing.assert_allclose(new_W2.ravel(), [0.15125, -0.3, -0.5, 0.8], **TOL)      # (w5, w7, w6, w8)


def test_relu_dead_unit_gets_no_gradient(ref):
    x, t, W1, W2 = case_b(ref)
    c = ref.forward(x, W1, W2, "relu")
    assert c["z1"][1] < 0 and c["z2"][1] < 0  # h2 and o2 are dead for this input
    grads = ref.backward(x, t, W1, W2, "relu")
    np.testing.assert_allclose(grads["W1"][1], [0.0, 0.0], rtol=0, atol=0)  # w2, w4
    np.testing.assert_allclose(grads["W2"][1], [0.0, 0.0], rtol=0, atol=0)  # w6, w8
    np.testing.assert_allclose(grads["W2"][0, 1], 0.0, rtol=0, atol=0)      # w7: its input a2 is 0


def test_sigmoid_case_b_published_numbers(ref):
    x, t, W1, W2 = case_b(ref)
    o = ref.forward(x, W1, W2, "sigmoid")["o"]
    np.testing.assert_allclose(o, [0.476946, 0.528696], rtol=0, atol=1e-6)
    assert math.isclose(ref.mse_loss(o, t), 0.209710, abs_tol=1e-6)
    new_W1, new_W2 = ref.train_step(x, t, W1, W2, 1.0, "sigmoid")
    np.testing.assert_allclose(new_W1.ravel(), [0.208421, 0.505053, -0.412607, 0.592436], rtol=0, atol=1e-6)
    np.testing.assert_allclose(new_W2.ravel(), [0.065367, -0.330495, -0.583866, 0.726155], rtol=0, atol=1e-6)


def test_zero_init_published_numbers(ref):
    x, t, _, _ = case_b(ref)
    W1, W2 = ref.init_weights("zeros")
    o = ref.forward(x, W1, W2, "sigmoid")["o"]
    np.testing.assert_allclose(o, [0.5, 0.5], **TOL)
    assert math.isclose(ref.mse_loss(o, t), 0.1989, abs_tol=1e-4)
    new_W1, new_W2 = ref.train_step(x, t, W1, W2, 1.0, "sigmoid")
    np.testing.assert_allclose(new_W1, np.zeros((2, 2)), rtol=0, atol=0)  # exactly 0
    np.testing.assert_allclose(new_W2.ravel(), [-0.03375, -0.03375, -0.07125, -0.07125], **TOL)


def test_zero_init_symmetry_is_never_broken(ref):
    x, t, _, _ = case_b(ref)
    zeros = ref.symmetry_gap(x, t, *ref.init_weights("zeros"), 1.0, 50, "sigmoid")
    np.testing.assert_allclose(zeros, np.zeros(51), rtol=0, atol=1e-12)
    history = ref.train_network(x, t, *ref.init_weights("zeros"), 1.0, 50, "sigmoid")
    assert np.abs(history["W1"][-1]).max() > 1e-3  # the first layer does learn after step 1, in lockstep
    random = ref.symmetry_gap(x, t, *ref.init_weights("normal", seed=0), 1.0, 50, "sigmoid")
    assert np.all(random > 1e-3)


def test_random_init_is_seeded(ref):
    a = ref.init_weights("normal", 3, 4, 2, seed=5)
    b = ref.init_weights("normal", 3, 4, 2, seed=5)
    c = ref.init_weights("normal", 3, 4, 2, seed=6)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=0, atol=0)
    assert not np.allclose(a[0], c[0])
    with pytest.raises(ValueError):
        ref.init_weights("given", 3, 4, 2)
    with pytest.raises(ValueError):
        ref.init_weights("uniform")


@pytest.mark.parametrize("K", [2, 3, 4])
def test_softmax_cross_entropy_simplification(ref, K):
    """dL/dz = softmax(z) - onehot(y), checked against torch in float64."""
    z = np.random.default_rng(K).normal(scale=2.0, size=K)
    for y in range(K):
        z_ = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        loss = F.cross_entropy(z_[None], torch.tensor([y]))
        loss.backward()
        assert math.isclose(ref.softmax_cross_entropy(z, y), loss.item(), rel_tol=1e-12)
        onehot = np.eye(K)[y]
        np.testing.assert_allclose(ref.softmax_cross_entropy_backward(z, y), ref.softmax(z) - onehot, rtol=0, atol=1e-15)
        np.testing.assert_allclose(ref.softmax_cross_entropy_backward(z, y), z_.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_binary_cross_entropy_against_torch_and_extremes(ref):
    z = np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0])
    t = np.array([1.0, 0.2, 0.5, 0.0, 0.0])
    z_ = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z_, torch.tensor(t, dtype=torch.float64), reduction="sum")
    loss.backward()
    assert math.isclose(ref.binary_cross_entropy(z, t), loss.item(), rel_tol=1e-12)
    np.testing.assert_allclose(ref.binary_cross_entropy_backward(z, t), z_.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert math.isclose(ref.softmax_cross_entropy(np.array([1000.0, -1000.0]), 1), 2000.0, rel_tol=1e-12)


def test_cross_entropy_keeps_learning_where_mse_saturates(ref):
    g = ref.logit_gradients(np.array([8.0]), np.array([0.0]))
    assert g["bce"][0] > 0.99 and g["mse"][0] < 1e-3


def test_lr_sweep_around_the_stability_limit(ref):
    """Full batch on a quadratic loss: below 2/lambda_max it converges, above it the loss grows without bound."""
    X, y = ref.make_regression()
    limit = 2.0 / np.linalg.eigvalsh(2.0 * X.T @ X / len(y)).max()
    out = ref.lr_sweep(X, y, np.zeros(X.shape[1]), [0.1 * limit, 0.9 * limit, 1.2 * limit, 1e200], 200)
    assert out["labels"] == ["converged", "converged", "diverged", "diverged"]
    assert out["curves"].shape == (4, 201)
    assert np.isnan(out["curves"][3, -1])


def test_classify_curve_rule(ref):
    nan, inf = float("nan"), float("inf")
    assert ref.classify_curve([1.0, 0.5, nan]) == "diverged"
    assert ref.classify_curve([1.0, inf]) == "diverged"
    assert ref.classify_curve([1.0, 0.2, 1.2]) == "diverged"
    assert ref.classify_curve([1.0, 0.2, 0.4, 0.1]) == "oscillating"
    assert ref.classify_curve([1.0, 0.5, 0.5, 0.1]) == "converged"


def test_gd_variants_relations(ref):
    X, y = ref.make_regression(n=12, seed=3)
    w0 = np.zeros(2)
    curves = ref.gd_variants(X, y, w0, 0.05, 10, len(y), seed=1)
    np.testing.assert_allclose(curves["minibatch"], curves["full"], rtol=1e-12, atol=1e-15)
    sgd_a = ref.minibatch_gd(X, y, w0, 0.05, 10, 1, seed=1)["losses"]
    sgd_b = ref.minibatch_gd(X, y, w0, 0.05, 10, 1, seed=2)["losses"]
    np.testing.assert_allclose(curves["stochastic"], sgd_a, rtol=0, atol=0)
    assert not np.allclose(sgd_a, sgd_b)
    assert curves["stochastic"][-1] < curves["full"][-1]  # 12 updates per epoch against 1


