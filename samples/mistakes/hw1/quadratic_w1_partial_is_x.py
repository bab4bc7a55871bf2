"""Homework 1: the chain rule by hand.

Four parts, each a few lines of calculus turned into code:

1. a linear model `y_hat = x * w` with the squared loss `(y_hat - y)^2`:
   its gradient, plain per-sample SGD, and a prediction;
2. the same model with a bias, and a quadratic model;
3. a two-layer linear network with six scalar weights: all six gradients
   and one SGD step;
4. forward mode (dual numbers) versus reverse mode on a small computation
   graph, counting the steps each one takes.

Plain Python floats are enough everywhere: no NumPy, no torch. Every
function returns numbers, lists, tuples or dicts of numbers.
"""
import math

# ---------------------------------------------------------------------------
# Part 1: y_hat = x * w, L = (y_hat - y)^2
# ---------------------------------------------------------------------------


def linear_predict(x, w):
    """The linear model's prediction `y_hat = x * w` (no bias)."""
    return x * w


def linear_loss(x, y, w):
    """The squared loss `L = (y_hat - y)^2` of one sample (x, y) for the weight w."""
    return (linear_predict(x, w) - y) ** 2


def linear_gradient(x, y, w):
    """dL/dw for one sample (x, y), where `L = (y_hat - y)^2` and `y_hat = x * w`.

    Work it out with the chain rule, dL/dw = dL/dy_hat * dy_hat/dw, and
    return it as a float.
    """
    y_hat = linear_predict(x, w)
    # BEGIN SOLUTION: return dL/dw as dL/dy_hat (derivative of the square) times dy_hat/dw
    return 2.0 * (y_hat - y) * x
    # END SOLUTION


def train_linear(xs, ys, w0, lr, epochs):
    """Train `y_hat = x * w` by plain stochastic gradient descent, one update per sample.

    Start from w = w0. For each epoch, visit the samples in the order given;
    for each sample compute dL/dw at the current w (with `linear_gradient`),
    record it, and take the step `w <- w - lr * dL/dw` before the next sample.

    Returns `(w, grads)`: the final weight (a float) and the list of every
    gradient computed, in the order they were computed
    (`epochs * len(xs)` floats).

    Example: xs = [1, 2, 3], ys = [2, 4, 6], w0 = 1.0, lr = 0.01: the first
    three gradients are -2.0, -7.84 and -16.2288; after 100 epochs w is
    about 2.0, and `linear_predict(4, w)` about 8.0.
    """
    # BEGIN SOLUTION: loop over epochs and samples; record each gradient, then step against it
    w = float(w0)
    grads = []
    for _ in range(epochs):
        for x, y in zip(xs, ys):
            grad = linear_gradient(x, y, w)
            grads.append(grad)
            w = w - lr * grad
    return w, grads
    # END SOLUTION


# ---------------------------------------------------------------------------
# Part 2: a bias, and a quadratic model (same loss: (y_hat - y)^2)
# ---------------------------------------------------------------------------


def bias_predict(x, w, b):
    """The prediction `y_hat = x * w + b`."""
    return x * w + b


def bias_gradients(x, y, w, b):
    """`(dL/dw, dL/db)` for one sample, with `L = (y_hat - y)^2` and `y_hat = x * w + b`.

    Returns a tuple of two floats.
    """
    y_hat = bias_predict(x, w, b)
    # BEGIN SOLUTION: return (dL/dw, dL/db): the same dL/dy_hat, times dy_hat/dw and dy_hat/db
    d_y_hat = 2.0 * (y_hat - y)
    return d_y_hat * x, d_y_hat
    # END SOLUTION


def quadratic_predict(x, w1, w2, b):
    """The prediction `y_hat = w1 * x^2 + w2 * x + b`."""
    return w1 * x**2 + w2 * x + b


def quadratic_gradients(x, y, w1, w2, b):
    """`(dL/dw1, dL/dw2, dL/db)` for one sample, with `L = (y_hat - y)^2`.

    The model is `y_hat = w1 * x^2 + w2 * x + b`. Returns a tuple of three floats.
    """
    y_hat = quadratic_predict(x, w1, w2, b)
    # BEGIN SOLUTION: return (dL/dw1, dL/dw2, dL/db): dL/dy_hat times each partial of y_hat
    d_y_hat = 2.0 * (y_hat - y)
    return d_y_hat * x, d_y_hat * x, d_y_hat
    # END SOLUTION


# ---------------------------------------------------------------------------
# Part 3: y_hat = w5 * (w1*x1 + w2*x2) + w6 * (w3*x1 + w4*x2), L = (y - y_hat)^2
# ---------------------------------------------------------------------------


def net_forward(w, x1, x2):
    """The two-layer linear network's forward pass.

    `w` is the list of six weights `[w1, w2, w3, w4, w5, w6]`. The hidden
    values are `h1 = w1*x1 + w2*x2` and `h2 = w3*x1 + w4*x2`, and the output
    is `y_hat = w5*h1 + w6*h2`. Returns the dict `{"h1", "h2", "y_hat"}`.
    """
    w1, w2, w3, w4, w5, w6 = w
    h1 = w1 * x1 + w2 * x2
    h2 = w3 * x1 + w4 * x2
    y_hat = w5 * h1 + w6 * h2
    return {"h1": h1, "h2": h2, "y_hat": y_hat}


def net_loss(y_hat, y):
    """The network's loss `L = (y - y_hat)^2`."""
    return (y - y_hat) ** 2


def net_loss_grad(y_hat, y):
    """dL/dy_hat for `L = (y - y_hat)^2`, as a float.

    Mind the sign: the loss is written with y first, but you differentiate
    with respect to y_hat.
    """
    # BEGIN SOLUTION: return dL/dy_hat (chain rule through the square; watch the sign)
    return 2.0 * (y_hat - y)
    # END SOLUTION


def net_backward(w, x1, x2, y):
    """All six gradients of `L = (y - y_hat)^2` for one sample, at the weights `w`.

    Returns the list `[dL/dw1, dL/dw2, dL/dw3, dL/dw4, dL/dw5, dL/dw6]` of
    floats. Go backwards from dL/dy_hat (`net_loss_grad`): first the output
    weights w5 and w6, then dL/dh1 and dL/dh2, then the first-layer weights.

    Example: w = [1.0, 0.5, 0.5, 0.7, 1.0, 2.0], x1 = 0.5, x2 = 1.0, y = 0.8
    gives y_hat = 2.9, L = 4.41, dL/dy_hat = 4.2, dL/dw5 = 4.2, dL/dw1 = 2.1.
    """
    forward = net_forward(w, x1, x2)
    d_y_hat = net_loss_grad(forward["y_hat"], y)
    # BEGIN SOLUTION: the output weights' gradients, then dL/dh1 and dL/dh2, then the first layer's four
    dw5 = d_y_hat * forward["h1"]
    dw6 = d_y_hat * forward["h2"]
    d_h1 = d_y_hat * w[4]
    d_h2 = d_y_hat * w[5]
    return [d_h1 * x1, d_h1 * x2, d_h2 * x1, d_h2 * x2, dw5, dw6]
    # END SOLUTION


def net_sgd_step(w, x1, x2, y, lr):
    """One SGD step on one sample: the new list of six weights `w_i - lr * dL/dw_i`.

    Every gradient is taken at the weights as they were before the step.
    Return a new list and leave the list `w` you were given unchanged.

    Example: with the weights and sample of `net_backward`'s example and
    lr = 0.01, the new w5 is 0.958 and the new w1 is 0.979.
    """
    # BEGIN SOLUTION: compute all six gradients first, then return a new list of updated weights
    grads = net_backward(w, x1, x2, y)
    return [wi - lr * gi for wi, gi in zip(w, grads)]
    # END SOLUTION


# ---------------------------------------------------------------------------
# Part 4: forward mode (dual numbers) versus reverse mode
# ---------------------------------------------------------------------------


class Dual:
    """A dual number `val + dot * eps`, with `eps * eps = 0`.

    `val` is a value and `dot` its derivative along one chosen direction
    (with respect to one parameter): doing arithmetic on dual numbers
    carries the derivative along with the value. Both are floats.

    `d + e`, `d - e` and `d * e` work when either side is a Dual or a plain
    number (a plain number c acts as `Dual(c, 0.0)`), and `d.sin()`,
    `d.exp()` give the sine and the exponential.
    """

    def __init__(self, val, dot=0.0):
        self.val = float(val)
        self.dot = float(dot)

    def __repr__(self):
        return f"Dual({self.val!r}, {self.dot!r})"

    def __add__(self, other):
        other = as_dual(other)
        val = self.val + other.val
        # BEGIN SOLUTION: dot = the derivative of a sum
        dot = self.dot + other.dot
        # END SOLUTION
        return Dual(val, dot)

    def __radd__(self, other):
        return as_dual(other) + self

    def __sub__(self, other):
        other = as_dual(other)
        val = self.val - other.val
        # BEGIN SOLUTION: dot = the derivative of a difference
        dot = self.dot - other.dot
        # END SOLUTION
        return Dual(val, dot)

    def __rsub__(self, other):
        return as_dual(other) - self

    def __mul__(self, other):
        other = as_dual(other)
        val = self.val * other.val
        # BEGIN SOLUTION: dot = the derivative of a product (both factors may depend on the parameter)
        dot = self.dot * other.val + self.val * other.dot
        # END SOLUTION
        return Dual(val, dot)

    def __rmul__(self, other):
        return as_dual(other) * self

    def sin(self):
        val = math.sin(self.val)
        # BEGIN SOLUTION: dot = the derivative of sin(u), by the chain rule
        dot = math.cos(self.val) * self.dot
        # END SOLUTION
        return Dual(val, dot)

    def exp(self):
        val = math.exp(self.val)
        # BEGIN SOLUTION: dot = the derivative of exp(u), by the chain rule
        dot = val * self.dot
        # END SOLUTION
        return Dual(val, dot)


def as_dual(x):
    """`x` itself if it is a Dual, else the constant `Dual(x, 0.0)`."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)


def sin(x):
    """sin of a float or of a Dual."""
    return x.sin() if isinstance(x, Dual) else math.sin(x)


def exp(x):
    """exp of a float or of a Dual."""
    return x.exp() if isinstance(x, Dual) else math.exp(x)


# A computation graph is a list of nodes `(name, op, inputs)` in topological
# order: `op` is one of the keys of OPS and `inputs` names parameters or
# earlier nodes. The last node is the output f. Parameters are a dict
# `{name: value}`. The example graph below has n = 6 nodes and p = 3
# parameters: f = (x*y + sin(x)) * z - exp(z).
OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "sin": sin,
    "exp": exp,
}

EXAMPLE_GRAPH = [
    ("a", "mul", ("x", "y")),
    ("b", "sin", ("x",)),
    ("c", "add", ("a", "b")),
    ("d", "mul", ("c", "z")),
    ("e", "exp", ("z",)),
    ("f", "sub", ("d", "e")),
]
EXAMPLE_PARAMS = {"x": 1.5, "y": -0.5, "z": 0.3}


def apply_op(op, args):
    """The value of one node: `OPS[op]` applied to its input values (floats or Duals)."""
    return OPS[op](*args)


def local_derivatives(op, args):
    """The partial derivatives of one node's output with respect to each of its inputs.

    `args` are the input values (floats) in the node's input order; returns
    a tuple of floats, one partial per input, in the same order. For
    example, for `("c", "add", ("a", "b"))` it holds dc/da and dc/db.
    """
    # BEGIN SOLUTION: return a tuple with the partial derivative of op with respect to each input
    if op == "add":
        return (1.0, 1.0)
    if op == "sub":
        return (1.0, -1.0)
    if op == "mul":
        a, b = args
        return (b, a)
    if op == "sin":
        return (math.cos(args[0]),)
    if op == "exp":
        return (math.exp(args[0]),)
    raise ValueError(f"unknown op {op!r}")
    # END SOLUTION


def forward_mode_gradient(graph, params):
    """The gradient of the graph's output with respect to every parameter, by forward mode.

    Forward mode gives the derivative with respect to one parameter per
    pass: seed that parameter as `Dual(value, 1.0)` and every other one as
    `Dual(value, 0.0)`, evaluate the nodes in order with `apply_op`, and
    read the output's `dot`. One pass per parameter.

    A step is one node evaluated on dual numbers (its value and its
    tangent, together). Seeding the parameters is not a step. So a graph of
    n nodes and p parameters takes exactly n * p steps.

    Returns `(gradient, steps)`: a dict `{parameter name: df/dparameter}`
    with the keys of `params` in their order, and the step count (an int).
    """
    # BEGIN SOLUTION: one pass per parameter with that parameter seeded; count one step per node evaluated
    gradient, steps = {}, 0
    output = graph[-1][0]
    for seeded in params:
        values = {name: Dual(value, 1.0 if name == seeded else 0.0) for name, value in params.items()}
        for name, op, inputs in graph:
            values[name] = apply_op(op, [values[i] for i in inputs])
            steps += 1
        gradient[seeded] = values[output].dot
    return gradient, steps
    # END SOLUTION


def reverse_mode_gradient(graph, params):
    """The gradient of the graph's output with respect to every parameter, by reverse mode.

    Evaluate the nodes once with floats (this forward evaluation is not
    counted). Then sweep backwards from the output, whose adjoint
    df/df is 1: each node adds its adjoint times its local derivatives
    (`local_derivatives`) to the adjoints of its inputs. A node or
    parameter used several times receives a contribution from each use.

    A step is one node visited in the backward sweep: each of the n nodes
    once (passing its adjoint to its inputs), then each of the p
    parameters once (handing its adjoint over as its gradient entry). So a
    graph of n nodes and p parameters takes exactly n + p steps.

    Returns `(gradient, steps)`: a dict `{parameter name: df/dparameter}`
    with the keys of `params` in their order, and the step count (an int).
    """
    values = dict(params)
    for name, op, inputs in graph:
        values[name] = apply_op(op, [values[i] for i in inputs])
    # BEGIN SOLUTION: sweep the nodes in reverse, accumulating adjoints into their inputs; then read out the parameters
    adjoint = {name: 0.0 for name in values}
    adjoint[graph[-1][0]] = 1.0
    steps = 0
    for name, op, inputs in reversed(graph):
        partials = local_derivatives(op, [values[i] for i in inputs])
        for source, partial in zip(inputs, partials):
            adjoint[source] += adjoint[name] * partial
        steps += 1
    gradient = {}
    for name in params:
        gradient[name] = adjoint[name]
        steps += 1
    return gradient, steps
    # END SOLUTION
