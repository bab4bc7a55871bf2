"""Public tests for hw1: what each function returns, and the worked examples from the course notes."""
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
