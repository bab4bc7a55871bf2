"""Public tests for hw5: small worked examples, shapes and types. Run them with `autograder check hw5`."""
import math

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


# -- one test per building block, on small inputs worked out by hand --------------------------------------------
# Each Value operator on its own: the output of one step over new leaves, and each leaf's grad after backward().
VALUE_BLOCKS = {
    "add": ([2.0, -3.0], [["add", 0, 1]], -1.0, [1.0, 1.0], "`Value.__add__`: d(a + b)/da = 1 and d(a + b)/db = 1"),
    "sub": ([2.0, -3.0], [["sub", 0, 1]], 5.0, [1.0, -1.0], "`Value.__sub__`: d(a - b)/da = 1 and d(a - b)/db = -1"),
    "mul": ([2.0, -3.0], [["mul", 0, 1]], -6.0, [-3.0, 2.0], "`Value.__mul__`: d(a * b)/da = b and d(a * b)/db = a"),
    "div": ([3.0, 2.0], [["div", 0, 1]], 1.5, [0.5, -0.75], "`Value.__truediv__`: d(a / b)/da = 1/b, d(a / b)/db = -a/b^2"),
    "pow": ([2.0], [["pow", 0, 3]], 8.0, [12.0], "`Value.__pow__`: d(a^3)/da = 3 * a^2"),
    "exp": ([math.log(2.0)], [["exp", 0]], 2.0, [2.0], "`Value.exp`: d(e^a)/da = e^a"),
    "log": ([4.0], [["log", 0]], math.log(4.0), [0.25], "`Value.log`: d(log a)/da = 1/a"),
    "sigmoid": ([0.0], [["sigmoid", 0]], 0.5, [0.25], "`Value.sigmoid`: d sigmoid(a)/da = s * (1 - s)"),
    "tanh": ([math.log(2.0)], [["tanh", 0]], 0.6, [0.64], "`Value.tanh`: d tanh(a)/da = 1 - tanh(a)^2"),
}


def value_block(submission, op):
    leaves, steps, value, grads, what = VALUE_BLOCKS[op]
    got = submission.probe("expression", "scalar", leaves, steps)
    assert close(as_float(got["value"], "the output's data"), value), f"{what}: the output's value is off"
    assert close(as_array(got["grads"], (len(grads),), "the leaves' grads"), grads), f"{what}: the gradient is off"


def test_value_add_block(submission):
    """Value.__add__ on its own: for a = 2, b = -3, a + b is -1 and both grads are 1."""
    value_block(submission, "add")


def test_value_sub_block(submission):
    """Value.__sub__ on its own: for a = 2, b = -3, a - b is 5, a.grad = 1 and b.grad = -1."""
    value_block(submission, "sub")


def test_value_mul_block(submission):
    """Value.__mul__ on its own: for a = 2, b = -3, a * b is -6, a.grad = b = -3 and b.grad = a = 2."""
    value_block(submission, "mul")


def test_value_div_block(submission):
    """Value.__truediv__ on its own: for a = 3, b = 2, a / b is 1.5, a.grad = 1/b = 0.5 and b.grad = -a/b^2 = -0.75."""
    value_block(submission, "div")


def test_value_pow_block(submission):
    """Value.__pow__ on its own: a**3 at a = 2 is 8, a.grad = 3 * a^2 = 12."""
    value_block(submission, "pow")


def test_value_exp_block(submission):
    """Value.exp on its own: at a = ln 2, e^a is 2 and so is its derivative."""
    value_block(submission, "exp")


def test_value_log_block(submission):
    """Value.log on its own: at a = 4, log a is ln 4 and a.grad = 1/4."""
    value_block(submission, "log")


def test_value_sigmoid_block(submission):
    """Value.sigmoid on its own: at a = 0, sigmoid is 1/2 and a.grad = 1/4."""
    value_block(submission, "sigmoid")


def test_value_tanh_block(submission):
    """Value.tanh on its own: at a = ln 2, tanh is 3/5 and a.grad = 1 - (3/5)^2 = 0.64."""
    value_block(submission, "tanh")


def test_value_relu_block(submission):
    """Value.relu: relu(-1) + relu(2) is 2, the grads 0 (a negative input passes none back) and 1 (it adds with your __add__)."""
    got = submission.probe("expression", "scalar", [-1.0, 2.0], [["relu", 0], ["relu", 1], ["add", 2, 3]])
    assert close(as_float(got["value"], "the output's data"), 2.0), "`Value.relu`: relu(-1) + relu(2) should be 2"
    assert close(as_array(got["grads"], (2,), "the leaves' grads"), [0.0, 1.0]), \
        "`Value.relu`: its derivative is 0 for a negative input and 1 for a positive one"


def test_topological_order_block(submission):
    """topological_order on its own: for d = a*b + a (c = a*b), every node once, each after its inputs: a and b before c, c before d."""
    order = submission.probe("topological_report")
    assert sorted(order) == ["a", "b", "c", "d"], f"topological_order(d) should list a, b, c, d once each, not {order}"
    position = {name: i for i, name in enumerate(order)}
    assert position["a"] < position["c"] and position["b"] < position["c"] < position["d"], \
        f"every node should come after all of its inputs: got {order}"


def test_zero_grad_block(submission):
    """Value.zero_grad: backward() on a * b (a = 2, b = -3), zero_grad(), backward() again: the grads are -3 and 2 again, not twice that."""
    _, second = submission.probe("repeated_backward", "scalar", [2.0, -3.0], [["mul", 0, 1]], None, True)
    assert close(as_array(second, (2,), "the leaves' grads"), [-3.0, 2.0]), \
        "zero_grad() should set every grad of the graph to 0, so that the next backward() starts afresh"


def test_variable_elementwise_block(submission):
    """Variable's +, -, *, / and ** on their own, for a = [1, 2], b = [4, 8], summed: each grad worked out by hand."""
    a, b = np.array([1.0, 2.0]), np.array([4.0, 8.0])
    cases = {"__add__": ([["add", 0, 1]], [1.0, 1.0], [1.0, 1.0]), "__sub__": ([["sub", 0, 1]], [1.0, 1.0], [-1.0, -1.0]),
             "__mul__": ([["mul", 0, 1]], b, a), "__truediv__": ([["div", 0, 1]], 1 / b, -a / b ** 2),
             "__pow__": ([["pow", 0, 2], ["add", 2, 1]], 2 * a, [1.0, 1.0])}
    results = submission.probe("expressions", "array", [a, b], [steps + [["sum", len(steps) + 1]] for steps, _, _ in cases.values()])
    for (method, (_, grad_a, grad_b)), got in zip(cases.items(), results):
        assert close(as_array(got["grads"][0], (2,), "a.grad"), grad_a), f"`Variable.{method}`: the gradient of its left input is off"
        assert close(as_array(got["grads"][1], (2,), "b.grad"), grad_b), f"`Variable.{method}`: the gradient of its right input is off"


def test_variable_matmul_block(submission):
    """Variable.__matmul__ on its own: x = [[1, 2]] @ W = [[3], [4]] is [[11]]; x.grad = W.T, W.grad = x.T."""
    got = submission.probe("expression", "array", [np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])],
                           [["matmul", 0, 1], ["sum", 2]])
    assert close(as_float(got["value"], "the sum of x @ W"), 11.0), "`Variable.__matmul__`: x @ W should be [[1*3 + 2*4]]"
    assert close(as_array(got["grads"][0], (1, 2), "x.grad"), [[3.0, 4.0]]), "`Variable.__matmul__`: x.grad should be out.grad @ W.T"
    assert close(as_array(got["grads"][1], (2, 1), "W.grad"), [[1.0], [2.0]]), "`Variable.__matmul__`: W.grad should be x.T @ out.grad"


def test_variable_sigmoid_block(submission):
    """Variable.sigmoid on its own: at [0, 0] the sum of the sigmoids is 1, each grad 1/4."""
    got = submission.probe("expression", "array", [np.zeros(2)], [["sigmoid", 0], ["sum", 1]])
    assert close(as_float(got["value"], "the sum of sigmoid(x)"), 1.0), "`Variable.sigmoid` of 0 should be 1/2 everywhere"
    assert close(as_array(got["grads"][0], (2,), "x.grad"), [0.25, 0.25]), "`Variable.sigmoid`: its derivative is s * (1 - s)"


def test_variable_sum_mean_block(submission):
    """Variable.sum and Variable.mean on their own: for x = [1, 2, 3, 6], the sum is 12 (grads 1), the mean 3 (grads 1/4)."""
    total, mean = submission.probe("expressions", "array", [np.array([1.0, 2.0, 3.0, 6.0])], [[["sum", 0]], [["mean", 0]]])
    assert close(as_float(total["value"], "x.sum()"), 12.0), "`Variable.sum` should add up every entry"
    assert close(as_array(total["grads"][0], (4,), "x.grad"), np.ones(4)), "`Variable.sum`: every entry's grad is 1"
    assert close(as_float(mean["value"], "x.mean()"), 3.0), "`Variable.mean` should be the sum over the number of entries"
    assert close(as_array(mean["grads"][0], (4,), "x.grad"), np.full(4, 0.25)), "`Variable.mean`: every entry's grad is 1/N"


def test_mlp_forward_block(submission):
    """mlp_forward on x = [[2]] with W1 = 0, b1 = 0 (every hidden unit 1/2), W2 = 1, b2 = 1: the output is 6; the grads of its sum: b2 1, W2 1/2, b1 1/4, W1 2 * 1/4 (it uses your Variable)."""
    params = {"W1": np.zeros((1, 10)), "b1": np.zeros(10), "W2": np.ones((10, 1)), "b2": np.ones(1)}
    got = submission.probe("mlp", np.array([[2.0]]), params)
    assert close(as_array(got["value"], (1, 1), "mlp_forward's output"), [[6.0]]), \
        "mlp_forward should be sigmoid(x @ W1 + b1) @ W2 + b2: 10 * 1/2 + 1"
    want = {"b2": np.ones(1), "W2": np.full((10, 1), 0.5), "b1": np.full(10, 0.25), "W1": np.full((1, 10), 0.5)}
    for name, grad in want.items():
        assert close(as_array(got["grads"][name], grad.shape, f"{name}.grad"), grad), f"the gradient of {name} is off"


def test_mse_block(submission):
    """mse on its own: for pred = [[1], [3]] and y = [[0], [1]], mean([1, 4]) = 2.5, and pred.grad = 2 * (pred - y) / 2 = [[1], [2]]."""
    got = submission.probe("mse_report", np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    assert close(as_float(got["value"], "mse(pred, y)"), 2.5), "mse should be the mean of the squared differences"
    assert close(as_array(got["grad"], (2, 1), "pred.grad"), [[1.0], [2.0]]), "mse's gradient should be 2 * (pred - y) / N"
