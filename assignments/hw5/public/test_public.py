"""Public tests for hw5: small worked examples, shapes and types. Run them with `autograder check hw5`."""
import numpy as np

from autograder.testing import as_array, as_float, close

# The published start of the sine fit (course notes): the loss before the first update.
PUBLISHED_FIRST_LOSS = 0.847370


def test_worked_example_gradients(submission):
    """For a = 2, b = -3 and c = a*b + a, backward() gives dc/da = b + 1 and dc/db = a."""
    a, b = 2.0, -3.0
    got = submission.probe("expression", "scalar", [a, b], [["mul", 0, 1], ["add", 2, 0]])
    assert close(as_float(got["value"], "c"), a * b + a), "the forward value of c = a*b + a is off"
    assert close(as_float(got["grads"][0], "a.grad"), b + 1), "a.grad should be dc/da = b + 1: a appears twice"
    assert close(as_float(got["grads"][1], "b.grad"), a), "b.grad should be dc/db = a"


def test_reused_node_counts_twice(submission):
    """For b = a + a, backward() gives a.grad = 2: each use of a adds its share."""
    got = submission.probe("expression", "scalar", [1.5], [["add", 0, 0]])
    assert close(as_float(got["grads"][0], "a.grad"), 2.0), "a.grad should be 2 for b = a + a"


def test_grads_have_the_right_types_and_shapes(submission):
    """A Value's grad is a number; a Variable's grad is an array of its data's shape (W: (3, 2), b: (2,), x: (4, 3))."""
    got = submission.probe("expression", "scalar", [0.3], [["tanh", 0]])
    as_float(got["value"], "Value.data")
    as_float(got["grads"][0], "Value.grad")
    x, W, b = np.ones((4, 3)), np.full((3, 2), 0.5), np.zeros(2)
    got = submission.probe("expression", "array", [x, W, b], [["matmul", 0, 1], ["add", 3, 2], ["sum", 4]])
    as_float(got["value"], "the sum of a Variable")
    as_array(got["grads"][0], (4, 3), "x.grad")
    as_array(got["grads"][1], (3, 2), "W.grad")
    as_array(got["grads"][2], (2,), "b.grad")


def test_unbroadcast_worked_examples(submission):
    """unbroadcast(ones((4, 3)), (3,)) is [4, 4, 4] and unbroadcast(ones((4, 3)), (4, 1)) is a (4, 1) array of 3s."""
    got = as_array(submission.unbroadcast(np.ones((4, 3)), (3,)), (3,), "unbroadcast(ones((4, 3)), (3,))")
    assert close(got, np.full(3, 4.0)), "summing a (4, 3) gradient down to (3,) adds up the 4 rows"
    got = as_array(submission.unbroadcast(np.ones((4, 3)), (4, 1)), (4, 1), "unbroadcast(ones((4, 3)), (4, 1))")
    assert close(got, np.full((4, 1), 3.0)), "summing a (4, 3) gradient down to (4, 1) adds up the 3 columns"


def test_gradient_check_on_a_square(submission):
    """For f(x) = x**2 at x = 3, both the engine and central differences give f'(3) = 6."""
    got = submission.probe("gradient_check", [3.0], [["pow", 0, 2]], 1e-4)
    assert close(as_array(got["engine"], (1,), "the engine's gradient"), [6.0]), "the engine's gradient of x**2 at 3 is off"
    assert close(as_array(got["numeric"], (1,), "the numeric gradient"), [6.0]), "the central difference of x**2 at 3 is off"


def test_fit_sine_starts_at_the_published_loss(submission):
    """fit_sine(iterations=3) returns 3 losses: the first is the published start of the sine fit, and the loss goes down."""
    losses = as_array(submission.fit_sine(iterations=3, seed=0), (3,), "fit_sine(iterations=3)")
    assert close(losses[0], PUBLISHED_FIRST_LOSS, rtol=0, atol=1e-4), (
        "the first loss differs from the published one: check the network (sigmoid hidden layer, linear output) "
        "and the loss (the mean of the squared errors)")
    assert losses[2] < losses[1] < losses[0], "the loss should go down at every one of the first steps"
