"""Public tests for hw3: the worked examples of hw1 and hw2, and the shapes of every result.

The numbers are the published ones from the course notes (six decimals): your
autograd results must agree with them to 1e-6.
"""
import numpy as np

from autograder.testing import Shape, as_array, as_float, close, lazy_import

torch = lazy_import("torch")  # hw2_loss takes tensors

CASE_A = {
    "x": [0.05, 0.10], "t": [0.01, 0.99],
    "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": [0.35, 0.35],
    "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": [0.60, 0.60],
}
CASE_B_W = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]


def item(result, key):
    """result[key]; a student-safe message when the result is not a dict or lacks the key."""
    if not isinstance(result, dict):
        raise Shape(f"the result should be a dict, got {type(result).__name__}")
    if key not in result:
        raise Shape(f"the result has no entry {key!r} (it has: {', '.join(map(str, result))})")
    return result[key]


def entry(result, key, shape=None):
    """result[key] as a float64 array, of `shape` when given."""
    return as_array(item(result, key), shape, what=f"result[{key!r}]")


def scalar(result, key):
    """result[key] as a float (a 0-d tensor is fine)."""
    return as_float(item(result, key), what=f"result[{key!r}]")


def part(result, key):
    """result[key], which should itself be a dict (of gradients or parameters)."""
    value = item(result, key)
    if not isinstance(value, dict):
        raise Shape(f"result[{key!r}] should be a dict, got {type(value).__name__}")
    return value


def published(got, want):
    return close(got, want, rtol=0.0, atol=1e-6)


def test_case_a_published_example(submission):
    """train_network on Case A (lr 0.5, one step) reproduces hw2's published output, loss, gradients and step."""
    got = submission.train_network(CASE_A["x"], CASE_A["t"], CASE_A["W1"], CASE_A["W2"],
                                   b1=CASE_A["b1"], b2=CASE_A["b2"], lr=0.5, steps=1)
    assert published(entry(got, "output", (2,)), [0.751365, 0.772928]), "Case A: the output o is off"
    assert published(scalar(got, "loss"), 0.298371), "Case A: the loss E is off (E = 1/2 * sum((o - t)^2))"
    grads = part(got, "grads")
    assert published(entry(grads, "W2", (2, 2)), [[0.082167, 0.082668], [-0.022603, -0.022740]]), "Case A: dE/dW2 is off"
    assert published(entry(grads, "W1", (2, 2)), [[0.000439, 0.000877], [0.000498, 0.000995]]), "Case A: dE/dW1 is off"
    assert published(entry(grads, "b2", (2,)), [0.138499, -0.038098]), "Case A: dE/db2 is off"
    assert published(entry(grads, "b1", (2,)), [0.008771, 0.009954]), "Case A: dE/db1 is off"
    params = part(got, "params")
    assert published(entry(params, "W1", (2, 2)), [[0.149781, 0.199561], [0.249751, 0.299502]]), "Case A: W1 after one step is off"
    assert published(entry(params, "W2", (2, 2)), [[0.358916, 0.408666], [0.511301, 0.561370]]), "Case A: W2 after one step is off"
    assert published(entry(params, "b1", (2,)), [0.345614, 0.345023]), "Case A: b1 after one step is off"
    assert published(entry(params, "b2", (2,)), [0.530751, 0.619049]), "Case A: b2 after one step is off"


def test_case_b_published_example(submission):
    """train_case_b on Case B (lr 1, one step) reproduces hw2's published prediction, loss and new weights."""
    got = submission.train_case_b([0.5, 0.3], [0.23, -0.07], CASE_B_W, lr=1.0, steps=1)
    assert published(entry(got, "prediction", (2,)), [0.476946, 0.528696]), "Case B: the prediction is off"
    assert published(scalar(got, "loss"), 0.209710), "Case B: the loss E is off"
    w = entry(got, "weights", (8,))
    # the notes list (w1, w3, w2, w4) and (w5, w7, w6, w8)
    assert published(w[[0, 2, 1, 3]], [0.208421, 0.505053, -0.412607, 0.592436]), "Case B: w1..w4 after one step are off"
    assert published(w[[4, 6, 5, 7]], [0.065367, -0.330495, -0.583866, 0.726155]), "Case B: w5..w8 after one step are off"


def test_linear_first_gradients(submission):
    """train_linear on hw1's data (x = [1, 2, 3], y = [2, 4, 6], w0 = 1, lr = 0.01): the first three gradients."""
    got = submission.train_linear([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0, lr=0.01, epochs=1)
    grads = entry(got, "grads", (3,))
    # to six significant digits: float32's rounding passes here (precision has a hidden test of its own)
    assert close(grads, [-2.0, -7.84, -16.2288], rtol=1e-6, atol=1e-6), "the first three dL/dw of hw1 are off"
    w = scalar(got, "w")
    assert close(w, 1.0 - 0.01 * grads.sum(), rtol=1e-6, atol=1e-9), "w should move by -lr * dL/dw at every update"


def test_results_have_the_documented_shapes(submission):
    """Every function returns what its docstring describes: the dict keys and the shapes."""
    rng = np.random.default_rng(0)
    D, H, K = 3, 4, 5
    got = submission.train_network(rng.normal(size=D), rng.uniform(size=K), rng.normal(size=(H, D)),
                                   rng.normal(size=(K, H)), b1=np.zeros(H), b2=np.zeros(K), lr=0.1, steps=2)
    entry(got, "output", (K,))
    scalar(got, "loss")
    entry(got, "losses", (2,))
    for which in ("grads", "params"):
        for name, shape in {"W1": (H, D), "b1": (H,), "W2": (K, H), "b2": (K,)}.items():
            entry(part(got, which), name, shape)
    got = submission.train_case_b([0.5, 0.3], [0.23, -0.07], CASE_B_W, lr=1.0, steps=1)
    for key, shape in {"prediction": (2,), "grads": (8,), "weights": (8,), "losses": (1,)}.items():
        entry(got, key, shape)
    matrices = submission.case_b_matrices(CASE_B_W)
    assert isinstance(matrices, (tuple, list)) and len(matrices) == 2, "case_b_matrices returns (W1, W2)"
    as_array(matrices[0], (2, 2), "W1 of case_b_matrices")
    as_array(matrices[1], (2, 2), "W2 of case_b_matrices")
    got = submission.compare_sigmoid(np.zeros((2, 3)))
    for key in ("torch", "manual", "torch_grad", "manual_grad"):
        entry(got, key, (2, 3))
    got = submission.compare_mse(np.ones(4), np.zeros(4))
    for key in ("mse", "half_sum", "factor"):
        scalar(got, key)
    for key in ("mse_grad", "half_sum_grad"):
        entry(got, key, (4,))
    as_float(submission.accumulated_grad(1.0, 2.0, 0.5, 2), what="accumulated_grad")



# -- one test per building block, on small inputs worked out by hand --------------------------------------------

def test_sigmoid_block(submission):
    """Your hand-written sigmoid on its own: sigmoid(0) = 0.5, sigmoid(ln 3) = 0.75, sigmoid(-ln 3) = 0.25."""
    got = as_array(submission.sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])), (3,), "sigmoid(z)")
    assert close(got, [0.5, 0.75, 0.25]), "sigmoid([0, ln 3, -ln 3]) should be [0.5, 0.75, 0.25]"


def test_hw2_loss_block(submission):
    """hw2_loss on its own, with 4 outputs: 1/2 * sum((o - t)^2) for one sample, the mean of that over the rows of a batch (not the mean over every entry, as MSELoss)."""
    one = submission.hw2_loss(torch.tensor([0.5, 0.5, 1.0, 0.0], dtype=torch.float64), torch.zeros(4, dtype=torch.float64))
    assert close(as_float(one, "hw2_loss of one sample"), 0.75), \
        "hw2_loss(o=[0.5, 0.5, 1, 0], t=0) should be 1/2 * (0.25 + 0.25 + 1) = 0.75"
    batch = as_float(submission.hw2_loss(torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 2.0]], dtype=torch.float64),
                                         torch.zeros((2, 4), dtype=torch.float64)), "hw2_loss of a batch")
    assert close(batch, 2.0), "for a batch whose rows' losses are both 2, hw2_loss should be their mean, 2"


def test_make_layer_block(submission):
    """make_layer on its own: an nn.Linear of 3 units with 2 inputs holding W and b, all of its parameters requiring grad."""
    W, b = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]]), np.array([0.5, 0.0, -1.0])
    report = submission.probe("layer_report", W, b, np.array([1.0, 2.0]))
    assert report["is_linear"], "make_layer should return a torch.nn.Linear"
    assert report["n_params"] == 2 and all(report["requires_grad"]), "the layer's weight and bias should require grad"
    assert close(as_array(report["output"], (3,), "the layer's output"), [1.5, 2.0, -1.0]), \
        "the layer should compute W @ x + b: W is copied as it is (row i = the weights into unit i)"


def test_forward_block(submission):
    """forward on Case A's layers: the published outputs o (it builds the layers with your make_layer: if its test fails, fix that first)."""
    o = submission.probe("forward_report", CASE_A["W1"], CASE_A["b1"], CASE_A["W2"], CASE_A["b2"], CASE_A["x"])
    assert published(as_array(o, (2,), "forward's output"), [0.751365, 0.772928]), \
        "forward should give Case A's outputs: sigmoid, layer2, sigmoid after layer1"


def test_case_b_matrices_block(submission):
    """case_b_matrices on its own: w1..w8 = 1..8 laid out as nn.Linear weights W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7], [w6, w8]]."""
    got = submission.case_b_matrices(np.arange(1.0, 9.0))
    assert isinstance(got, (tuple, list)) and len(got) == 2, "case_b_matrices should return (W1, W2)"
    assert close(as_array(got[0], (2, 2), "W1"), [[1.0, 3.0], [2.0, 4.0]]), "W1 is not laid out as (out, in)"
    assert close(as_array(got[1], (2, 2), "W2"), [[5.0, 7.0], [6.0, 8.0]]), "W2 is not laid out as (out, in)"


def test_case_b_vector_block(submission):
    """case_b_vector on its own: the matrices of w1..w8 = 1..8 read back in the order w1, w2, ..., w8."""
    got = submission.case_b_vector(np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[5.0, 7.0], [6.0, 8.0]]))
    assert close(as_array(got, (8,), "case_b_vector(W1, W2)"), np.arange(1.0, 9.0)), \
        "case_b_vector should give [w1, w2, ..., w8] = [1, 2, ..., 8] for these matrices"


def test_accumulated_grad_block(submission):
    """accumulated_grad(x=1, y=2, w=0.5, k=3): each backward() adds dL/dw = 2 * (0.5 - 2) * 1 = -3, so w.grad is -9."""
    got = as_float(submission.accumulated_grad(1.0, 2.0, 0.5, 3), what="accumulated_grad")
    assert close(got, -9.0), "after 3 backward() calls without clearing, w.grad should be 3 times -3"


def test_compare_sigmoid_block(submission):
    """compare_sigmoid at z = 0: both sigmoids give 0.5 and both gradients s * (1 - s) = 0.25 (it uses your sigmoid: if its test fails, fix that first)."""
    got = submission.compare_sigmoid(np.zeros(3))
    for key, want in (("torch", 0.5), ("manual", 0.5), ("torch_grad", 0.25), ("manual_grad", 0.25)):
        assert close(entry(got, key, (3,)), np.full(3, want)), f"compare_sigmoid(0)[{key!r}] should be {want} everywhere"


def test_compare_mse_block(submission):
    """compare_mse for o = [1, 1, 1, 1], t = 0: MSELoss is 1, hw2's loss 2, the factor 2, the gradients 0.5 and 1 (it uses your hw2_loss: if its test fails, fix that first)."""
    got = submission.compare_mse(np.ones(4), np.zeros(4))
    for key, want in (("mse", 1.0), ("half_sum", 2.0), ("factor", 2.0)):
        assert close(scalar(got, key), want), f"compare_mse(...)[{key!r}] should be {want} here"
    assert close(entry(got, "mse_grad", (4,)), np.full(4, 0.5)), "d MSELoss / do is 2 * (o - t) / 4 here"
    assert close(entry(got, "half_sum_grad", (4,)), np.ones(4)), "d hw2_loss / do is o - t"
