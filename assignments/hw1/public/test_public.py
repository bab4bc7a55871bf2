"""Public tests for hw1: what each function returns, and the worked examples from the course notes."""
import math

from autograder.testing import as_array, as_float, close

# The worked examples, as published in the course notes.
XS, YS, W0, LR, EPOCHS = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 1.0, 0.01, 100
NET_W = [1.0, 0.5, 0.5, 0.7, 1.0, 2.0]
NET_X1, NET_X2, NET_Y = 0.5, 1.0, 0.8

# f = (x*y + sin(x)) * z - exp(z): 6 nodes, 3 parameters.
GRAPH = [
    ("a", "mul", ("x", "y")),
    ("b", "sin", ("x",)),
    ("c", "add", ("a", "b")),
    ("d", "mul", ("c", "z")),
    ("e", "exp", ("z",)),
    ("f", "sub", ("d", "e")),
]
PARAMS = {"x": 1.5, "y": -0.5, "z": 0.3}


def test_functions_return_plain_numbers(submission):
    """Each gradient function returns what its docstring promises: a float, a tuple of 2 or 3 floats, a list of 6 floats."""
    as_float(submission.linear_gradient(2.0, 3.0, 0.5), what="linear_gradient")
    as_array(submission.bias_gradients(2.0, 3.0, 0.5, 0.1), shape=(2,), what="bias_gradients")
    as_array(submission.quadratic_gradients(2.0, 3.0, 0.5, -0.5, 0.1), shape=(3,), what="quadratic_gradients")
    as_float(submission.net_loss_grad(1.0, 0.5), what="net_loss_grad")
    as_array(submission.net_backward(NET_W, NET_X1, NET_X2, NET_Y), shape=(6,), what="net_backward")
    as_array(submission.net_sgd_step(NET_W, NET_X1, NET_X2, NET_Y, LR), shape=(6,), what="net_sgd_step")
    w, grads = submission.train_linear(XS, YS, W0, LR, 2)
    as_float(w, what="the weight from train_linear")
    as_array(grads, shape=(2 * len(XS),), what="the gradients from train_linear")


def test_linear_published_first_gradients(submission):
    """The worked example: the first three per-sample gradients of SGD on x = [1, 2, 3], y = [2, 4, 6] from w0 = 1.0 with lr = 0.01."""
    _, grads = submission.train_linear(XS, YS, W0, LR, EPOCHS)
    grads = as_array(grads, shape=(EPOCHS * len(XS),), what="the gradients from train_linear")
    assert close(grads[:3], [-2.0, -7.84, -16.2288]), \
        "the first three gradients differ from the worked example: check dL/dw, and that w is updated after every sample"


def test_linear_published_training(submission):
    """The worked example: after 100 epochs of per-sample SGD, w is close to 2 and the model predicts about 8 for x = 4."""
    w, _ = submission.train_linear(XS, YS, W0, LR, EPOCHS)
    w = as_float(w, what="the weight from train_linear")
    assert close(w, 2.0), "the trained weight is not where the worked example ends"
    assert close(submission.linear_predict(4.0, w), 8.0), "the trained model's prediction differs from the worked example"


def test_network_published_example(submission):
    """The worked two-layer example: y_hat, the loss, dL/dy_hat, dL/dw5 and dL/dw1 (mind the sign of dL/dy_hat)."""
    y_hat = as_float(submission.net_forward(NET_W, NET_X1, NET_X2)["y_hat"], what="y_hat")
    assert close(y_hat, 2.9), "y_hat differs from the worked example"
    assert close(submission.net_loss(y_hat, NET_Y), 4.41), "the loss differs from the worked example"
    assert close(submission.net_loss_grad(y_hat, NET_Y), 4.2), "dL/dy_hat differs from the worked example"
    grads = as_array(submission.net_backward(NET_W, NET_X1, NET_X2, NET_Y), shape=(6,), what="net_backward")
    assert close(grads[4], 4.2), "dL/dw5 differs from the worked example"
    assert close(grads[0], 2.1), "dL/dw1 differs from the worked example"


def test_network_published_step(submission):
    """The worked two-layer example: one SGD step with lr = 0.01 gives the published new w5 and w1."""
    new = as_array(submission.net_sgd_step(NET_W, NET_X1, NET_X2, NET_Y, LR), shape=(6,), what="net_sgd_step")
    assert close(new[4], 0.958), "the new w5 differs from the worked example (the step takes net_backward's gradients)"
    assert close(new[0], 0.979), "the new w1 differs from the worked example (the step takes net_backward's gradients)"


def test_modes_return_gradient_and_steps(submission):
    """Both modes return (gradient, steps): a dict with one float per parameter, in the parameters' order, and an integer count."""
    for mode in ("forward_mode_gradient", "reverse_mode_gradient"):
        result = submission.call(mode, GRAPH, PARAMS)
        assert isinstance(result, (tuple, list)) and len(result) == 2, f"{mode} should return a pair (gradient, steps)"
        gradient, steps = result
        assert isinstance(gradient, dict) and list(gradient) == list(PARAMS), \
            f"the gradient from {mode} should be a dict keyed by the parameter names, in order"
        as_array(list(gradient.values()), shape=(len(PARAMS),), what=f"the gradient from {mode}")
        assert isinstance(steps, int) and not isinstance(steps, bool), f"the step count from {mode} should be an int"


# -- one test per building block, on small inputs worked out by hand --------------------------------------------

def test_linear_gradient_block(submission):
    """linear_gradient on its own: x = 2, y = 3, w = 0.5 give y_hat = 1 and dL/dw = 2 * (1 - 3) * 2 = -8."""
    assert close(as_float(submission.linear_gradient(2.0, 3.0, 0.5), what="linear_gradient"), -8.0), \
        "linear_gradient should be dL/dy_hat * dy_hat/dw, with dL/dy_hat = two times (y_hat - y) and dy_hat/dw = x"


def test_bias_gradients_block(submission):
    """bias_gradients on its own: x = 2, y = 3, w = 0.5, b = 0.5 give y_hat = 1.5, dL/dw = -6 and dL/db = -3."""
    got = as_array(submission.bias_gradients(2.0, 3.0, 0.5, 0.5), shape=(2,), what="bias_gradients")
    assert close(got, [-6.0, -3.0]), "bias_gradients should be (dL/dy_hat * x, dL/dy_hat), with dL/dy_hat = two times (y_hat - y)"


def test_quadratic_gradients_block(submission):
    """quadratic_gradients on its own: x = 2, y = 3, w1 = 0.5, w2 = -0.5, b = 0.1 give y_hat = 1.1 and dL/dy_hat = -3.8."""
    got = as_array(submission.quadratic_gradients(2.0, 3.0, 0.5, -0.5, 0.1), shape=(3,), what="quadratic_gradients")
    assert close(got, [-15.2, -7.6, -3.8]), "the gradients should be dL/dy_hat times x squared, x and one, for w1, w2 and b"


def test_net_loss_grad_block(submission):
    """net_loss_grad on its own: dL/dy_hat of (y - y_hat)^2 is 1.5 for y_hat = 1, y = 0.25, and -1.5 the other way round."""
    assert close(as_float(submission.net_loss_grad(1.0, 0.25), what="net_loss_grad"), 1.5), \
        "net_loss_grad should be two times (y_hat - y): the loss grows as y_hat grows past y"
    assert close(as_float(submission.net_loss_grad(0.25, 1.0), what="net_loss_grad"), -1.5), \
        "net_loss_grad should be negative when y_hat is below y"


def test_net_backward_block(submission):
    """net_backward for w = [1, 2, -1, 0.5, 1, -1], x1 = 1, x2 = 2, y = 1: h1 = 5, h2 = 0, y_hat = 5, dL/dy_hat = 8 (it uses your net_loss_grad: if its test fails, fix that first)."""
    grads = as_array(submission.net_backward([1.0, 2.0, -1.0, 0.5, 1.0, -1.0], 1.0, 2.0, 1.0), shape=(6,),
                     what="net_backward")
    assert close(grads[4:], [40.0, 0.0]), "dL/dw5 and dL/dw6 should be dL/dy_hat times h1 and h2"
    assert close(grads[:4], [8.0, 16.0, -8.0, -16.0]), \
        "the first-layer gradients should be dL/dh1 = dL/dy_hat * w5 and dL/dh2 = dL/dy_hat * w6, times x1 and x2"


def test_dual_numbers_block(submission):
    """Dual on its own: (2 + 1e) + (3 + 0.5e) = 5 + 1.5e, minus: -1 + 0.5e, times: 6 + 4e, 3 * (2 + 1e) = 6 + 3e, sin(0 + 2e) = 0 + 2e, exp(0 + 3e) = 1 + 3e."""
    for op, a, b, want in (("add", (2.0, 1.0), (3.0, 0.5), (5.0, 1.5)), ("sub", (2.0, 1.0), (3.0, 0.5), (-1.0, 0.5)),
                           ("mul", (2.0, 1.0), (3.0, 0.5), (6.0, 4.0)), ("mul", 3.0, (2.0, 1.0), (6.0, 3.0))):
        got = as_array(submission.probe("dual_binary", op, a, b), shape=(2,), what=f"Dual {op}")
        assert close(got, want), f"Dual: {a} {op} {b} should be {want} as (val, dot)"
    for fn, a, want in (("sin", (0.0, 2.0), (0.0, 2.0)), ("exp", (0.0, 3.0), (1.0, 3.0))):
        got = as_array(submission.probe("dual_unary", fn, a), shape=(2,), what=f"{fn} of a Dual")
        assert close(got, want), f"{fn}(Dual{a}) should be Dual{want}"


def test_local_derivatives_block(submission):
    """local_derivatives on its own: add gives (1, 1), sub (1, -1), mul of (2, 3) gives (3, 2), sin and exp at 0 give (1,)."""
    for op, args, want in (("add", [2.0, 3.0], [1.0, 1.0]), ("sub", [2.0, 3.0], [1.0, -1.0]),
                           ("mul", [2.0, 3.0], [3.0, 2.0]), ("sin", [0.0], [1.0]), ("exp", [0.0], [1.0])):
        got = as_array(submission.local_derivatives(op, args), shape=(len(args),), what=f"local_derivatives({op!r})")
        assert close(got, want), f"local_derivatives({op!r}, {args}) should be {tuple(want)}"


def example_gradient():
    """df/dx, df/dy, df/dz of f = (x*y + sin(x)) * z - exp(z), by hand."""
    x, y, z = PARAMS["x"], PARAMS["y"], PARAMS["z"]
    return [(y + math.cos(x)) * z, x * z, x * y + math.sin(x) - math.exp(z)]


def test_forward_mode_gradient_block(submission):
    """forward_mode_gradient on the example graph: df/dx = (y + cos x) z, df/dy = x z, df/dz = x y + sin x - exp z (it computes with your Dual: if its test fails, fix that first)."""
    gradient, _ = submission.forward_mode_gradient(GRAPH, PARAMS)
    assert close(as_array(list(dict(gradient).values()), shape=(3,), what="the gradient"), example_gradient()), \
        "forward mode's gradient of the example graph differs from the one worked out by hand"


def test_reverse_mode_gradient_block(submission):
    """reverse_mode_gradient on the example graph: df/dx = (y + cos x) z, df/dy = x z, df/dz = x y + sin x - exp z (it uses your local_derivatives: if its test fails, fix that first)."""
    gradient, _ = submission.reverse_mode_gradient(GRAPH, PARAMS)
    assert close(as_array(list(dict(gradient).values()), shape=(3,), what="the gradient"), example_gradient()), \
        "reverse mode's gradient of the example graph differs from the one worked out by hand (x and z feed two nodes)"
