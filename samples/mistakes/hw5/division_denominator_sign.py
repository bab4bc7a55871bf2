"""A small reverse-mode autodiff engine: scalar `Value`s, then `Variable`s over NumPy arrays.

Every operator computes its output and, right below, a `_backward` closure
that adds the output's gradient times the local derivative to each input's
`.grad` (the chain rule, one node at a time). `backward()` visits the nodes
in reverse topological order, so a node passes its gradient on only once
every node that uses it has added its share.

Part 1: `Value`, a scalar, with +, -, *, /, ** (constant power), exp, log,
sigmoid, tanh and relu, also with a plain number on the left (2 * v, 1 - v,
1 / v). Part 2: `numeric_grad` and `gradient_check`, central differences
against the engine. Part 3: `Variable`, the same over ndarrays, with @,
broadcasting and `sum`/`mean`. Part 4: `fit_sine`, a 1-10-1 sigmoid network
trained with your own `Variable`.

Nodes are hashed by identity: do not define `__eq__` on them.
"""
import math

import numpy as np


def topological_order(root):
    """Every node `root` depends on (root included), each once, every node after all of its inputs.

    A node's inputs are `node._prev`. Build the order with an explicit stack,
    not with recursion: a chain of 10,000 nodes must work whatever Python's
    recursion limit is. Works for `Value` and `Variable` alike.
    """
    # BEGIN SOLUTION: depth-first search with an explicit stack; a node goes into the order after all its inputs
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            for child in node._prev:
                if child not in seen:
                    stack.append((child, False))
    return order
    # END SOLUTION


# ---------------------------------------------------------------- Part 1: Value


class Value:
    """A scalar node: its value `data` (a float), its gradient `grad` (dL/d this node) and its inputs.

    `Value(data, _children, _op)`: `_children` are the nodes it was computed
    from (kept in `_prev`), `_op` names the operator, and `_backward` (set by
    the operator) adds this node's grad times the local derivatives to the
    inputs' grads. Keep this constructor: the tests build nodes with it too.
    """

    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data:g}, grad={self.grad:g})"

    def __add__(self, other):
        """self + other, with other a Value or a plain number."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(input) to each input's grad
            self.grad += out.grad
            other.grad += out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def __sub__(self, other):
        """self - other, with other a Value or a plain number."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(input) to each input's grad
            self.grad += out.grad
            other.grad -= out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def __mul__(self, other):
        """self * other, with other a Value or a plain number."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(input) to each input's grad
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def __truediv__(self, other):
        """self / other, with other a Value or a plain number."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(input) to each input's grad (mind the one with respect to the denominator)
            self.grad += out.grad / other.data
            other.grad += out.grad * self.data / other.data ** 2
            # END SOLUTION
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        """self ** exponent for a constant exponent (an int or a float, not a Value)."""
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError("only a constant int or float power is supported")
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def exp(self):
        """e ** self."""
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad
            self.grad += out.data * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def log(self):
        """The natural logarithm (self.data must be positive)."""
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad
            self.grad += out.grad / self.data
            # END SOLUTION
        out._backward = _backward
        return out

    def sigmoid(self):
        """1 / (1 + e ** -self), computed without overflow."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad; write the derivative with out.data
            self.grad += out.data * (1.0 - out.data) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def tanh(self):
        """The hyperbolic tangent."""
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad; write the derivative with out.data
            self.grad += (1.0 - out.data ** 2) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def relu(self):
        """max(0, self); its derivative at exactly 0 is taken as 0 (as torch does)."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self) to self.grad
            self.grad += (self.data > 0) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def __neg__(self):
        """-self."""
        return self * -1.0

    def __radd__(self, other):
        """other + self, with `other` a plain number."""
        # BEGIN SOLUTION: return other + self as a Value
        return self + other
        # END SOLUTION

    def __rsub__(self, other):
        """other - self, with `other` a plain number (mind the order)."""
        # BEGIN SOLUTION: return other - self as a Value (mind the order)
        return Value(other) - self
        # END SOLUTION

    def __rmul__(self, other):
        """other * self, with `other` a plain number."""
        # BEGIN SOLUTION: return other * self as a Value
        return self * other
        # END SOLUTION

    def __rtruediv__(self, other):
        """other / self, with `other` a plain number (mind the order)."""
        # BEGIN SOLUTION: return other / self as a Value (mind the order)
        return Value(other) / self
        # END SOLUTION

    def backward(self):
        """Fill `.grad` of every node this one depends on with d(self)/d(node).

        Like torch: a leaf (a node with no inputs) ADDS to the gradient it
        already holds, so gradients accumulate across backward() calls until
        zero_grad(). That holds for this node too when it is a leaf:
        `v.backward()` on a leaf v adds 1 to `v.grad` (it does not set it to
        1), so calling it twice leaves 2. Every other node starts again from
        0 on each call, so calling backward() twice on the same graph gives
        each leaf twice its gradient. Seed this node by adding
        d(self)/d(self) = 1 to its grad, then run every node's `_backward`
        in reverse topological order.
        """
        # BEGIN SOLUTION: reset the interior nodes' grads, add 1 to this node's grad (a leaf keeps what it held), run each _backward in reverse topological order
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION

    def zero_grad(self):
        """Set `.grad` to 0 on this node and on every node it depends on."""
        # BEGIN SOLUTION: set grad to 0 on every node of this node's topological order
        for node in topological_order(self):
            node.grad = 0.0
        # END SOLUTION


# ---------------------------------------------------------------- Part 2: gradient check


def numeric_grad(f, xs, h=1e-6):
    """Central differences of `f` at `xs`: for each i, (f(x + h e_i) - f(x - h e_i)) / (2h).

    `f` takes one `Value` per input and returns a `Value` (only its `.data`
    is used here); `xs` is a list of floats. Returns a list of floats.
    """
    # BEGIN SOLUTION: for each input, evaluate f with that input moved by +h and by -h; the slope is their difference over 2h
    grads = []
    for i in range(len(xs)):
        up = [Value(x + h if j == i else x) for j, x in enumerate(xs)]
        down = [Value(x - h if j == i else x) for j, x in enumerate(xs)]
        grads.append((f(*up).data - f(*down).data) / (2 * h))
    return grads
    # END SOLUTION


def gradient_check(f, xs, h=1e-6):
    """(engine, numeric): the engine's gradient of `f` at `xs` (from backward()) and `numeric_grad`'s, as lists of floats."""
    # BEGIN SOLUTION: make one Value per input, call f, backward(), read each input's grad; pair it with numeric_grad
    inputs = [Value(x) for x in xs]
    f(*inputs).backward()
    return [v.grad for v in inputs], numeric_grad(f, xs, h)
    # END SOLUTION


# ---------------------------------------------------------------- Part 3: Variable


def unbroadcast(grad, shape):
    """`grad` (the gradient of a broadcast result) summed back to an input's `shape`.

    Broadcasting copies an input along the leading axes it lacks and along
    its axes of length 1; each copy's gradient flows back to the same
    entries, so sum over those axes: the leading ones away, the length-1
    ones keeping the axis. `unbroadcast(np.ones((4, 3)), (3,))` is
    `[4., 4., 4.]`; `unbroadcast(np.ones((4, 3)), (4, 1))` is a (4, 1) array of 3s.
    """
    # BEGIN SOLUTION: sum away the leading axes the input did not have, then sum (keeping the axis) where the input's length is 1
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
    # END SOLUTION


def _as_variable(x):
    return x if isinstance(x, Variable) else Variable(x)


class Variable:
    """An ndarray node: `data` and `grad` are float64 arrays of the same shape; NumPy broadcasting applies.

    Operators: +, -, *, / (elementwise, broadcasting, with a number or an
    array on either side), ** (constant power), @ (2-D matrices), sigmoid(),
    sum() and mean() (over all entries, giving a 0-d Variable).
    """

    __array_ufunc__ = None  # so that `ndarray + Variable` calls Variable.__radd__

    def __init__(self, data, _children=(), _op=""):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros(self.data.shape)
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Variable(shape={self.data.shape}, op={self._op!r})"

    def __add__(self, other):
        """self + other, elementwise with broadcasting; other a Variable, an array or a number."""
        other = _as_variable(other)
        out = Variable(self.data + other.data, (self, other), "+")

        def _backward():
            # BEGIN SOLUTION: add out.grad times the local derivative to each input's grad, summed back to that input's shape
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)
            # END SOLUTION
        out._backward = _backward
        return out

    def __sub__(self, other):
        """self - other, elementwise with broadcasting."""
        other = _as_variable(other)
        out = Variable(self.data - other.data, (self, other), "-")

        def _backward():
            # BEGIN SOLUTION: add out.grad times the local derivative to each input's grad, summed back to that input's shape
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad -= unbroadcast(out.grad, other.shape)
            # END SOLUTION
        out._backward = _backward
        return out

    def __mul__(self, other):
        """self * other, elementwise with broadcasting."""
        other = _as_variable(other)
        out = Variable(self.data * other.data, (self, other), "*")

        def _backward():
            # BEGIN SOLUTION: add out.grad times the local derivative to each input's grad, summed back to that input's shape
            self.grad += unbroadcast(out.grad * other.data, self.shape)
            other.grad += unbroadcast(out.grad * self.data, other.shape)
            # END SOLUTION
        out._backward = _backward
        return out

    def __truediv__(self, other):
        """self / other, elementwise with broadcasting."""
        other = _as_variable(other)
        out = Variable(self.data / other.data, (self, other), "/")

        def _backward():
            # BEGIN SOLUTION: add out.grad times the local derivative to each input's grad, summed back to that input's shape
            self.grad += unbroadcast(out.grad / other.data, self.shape)
            other.grad -= unbroadcast(out.grad * self.data / other.data ** 2, other.shape)
            # END SOLUTION
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        """self ** exponent, elementwise, for a constant exponent (an int or a float)."""
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError("only a constant int or float power is supported")
        out = Variable(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self), elementwise, to self.grad
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def __matmul__(self, other):
        """The matrix product of two 2-D Variables, (n, k) @ (k, m) -> (n, m)."""
        other = _as_variable(other)
        if self.data.ndim != 2 or other.data.ndim != 2:
            raise ValueError("@ takes two 2-D arrays")
        out = Variable(self.data @ other.data, (self, other), "@")

        def _backward():
            # BEGIN SOLUTION: dL/dself and dL/dother from out.grad and the other factor; each must have its input's shape
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def sigmoid(self):
        """1 / (1 + e ** -self), elementwise."""
        out = Variable(0.5 * (1.0 + np.tanh(0.5 * self.data)), (self,), "sigmoid")  # 1/(1+e^-x), without overflow

        def _backward():
            # BEGIN SOLUTION: add out.grad times d(out)/d(self), elementwise, to self.grad; write the derivative with out.data
            self.grad += out.data * (1.0 - out.data) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def sum(self):
        """The sum of all entries, a 0-d Variable."""
        out = Variable(self.data.sum(), (self,), "sum")

        def _backward():
            # BEGIN SOLUTION: every entry of self gets out.grad times its (equal) share of the sum
            self.grad += np.ones_like(self.data) * out.grad
            # END SOLUTION
        out._backward = _backward
        return out

    def mean(self):
        """The mean of all entries, a 0-d Variable."""
        out = Variable(self.data.mean(), (self,), "mean")

        def _backward():
            # BEGIN SOLUTION: every entry of self gets out.grad times its (equal) share of the mean
            self.grad += np.ones_like(self.data) * out.grad / self.data.size
            # END SOLUTION
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return Variable(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Variable(other) / self

    def backward(self):
        """Fill `.grad` of every node this one depends on, exactly as `Value.backward` does.

        Leaves add to the gradient they hold (this node too, when it is a
        leaf); every other node starts again from zeros; this node is seeded
        by adding ones of its shape to its grad.
        """
        # BEGIN SOLUTION: as Value.backward, with arrays: reset the interior nodes' grads, seed this node with ones, walk in reverse
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = np.zeros(node.data.shape)
        self.grad = self.grad + 1.0
        for node in reversed(order):
            node._backward()
        # END SOLUTION

    def zero_grad(self):
        """Set `.grad` to zeros on this node and on every node it depends on."""
        # BEGIN SOLUTION: set grad to zeros on every node of this node's topological order
        for node in topological_order(self):
            node.grad = np.zeros(node.data.shape)
        # END SOLUTION


# ---------------------------------------------------------------- Part 4: fitting a sine


def sine_problem(seed=0):
    """The data and initial weights of the sine fit, drawn from `np.random.seed(seed)` in this order.

    x = rand(100, 1), y = sin(2*pi*x) + rand(100, 1), W1 = 0.01*randn(1, 10),
    W2 = 0.01*randn(10, 1); b1 = zeros(10), b2 = zeros(1).
    Returns (x, y, params) with params a dict of "W1", "b1", "W2", "b2".
    """
    np.random.seed(seed)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    W1 = 0.01 * np.random.randn(1, 10)
    W2 = 0.01 * np.random.randn(10, 1)
    return x, y, {"W1": W1, "b1": np.zeros(10), "W2": W2, "b2": np.zeros(1)}


def mlp_forward(x, params):
    """The 1-10-1 network: a sigmoid hidden layer, then a linear output: sigmoid(x @ W1 + b1) @ W2 + b2.

    `x` is an (n, 1) array or Variable, `params` a dict of Variables; returns an (n, 1) Variable.
    """
    # BEGIN SOLUTION: the hidden layer with its sigmoid, then the linear output layer
    hidden = (_as_variable(x) @ params["W1"] + params["b1"]).sigmoid()
    return hidden @ params["W2"] + params["b2"]
    # END SOLUTION


def mse(pred, y):
    """The mean squared error, mean((pred - y)^2) over all entries, as a 0-d Variable."""
    # BEGIN SOLUTION: the mean of the squared differences
    return ((pred - y) ** 2).mean()
    # END SOLUTION


def fit_sine(iterations=10000, seed=0, lr=0.2):
    """Train the network of `mlp_forward` on `sine_problem(seed)` by full-batch gradient descent on `mse`.

    Each iteration: the loss, fresh gradients, backward(), then p <- p - lr * dL/dp
    for W1, b1, W2, b2. Returns the loss curve: a float64 array of shape
    (iterations,) whose entry i is the loss before the i-th update.
    """
    x, y, arrays = sine_problem(seed)
    params = {name: Variable(value) for name, value in arrays.items()}
    x, y = Variable(x), Variable(y)
    losses = np.empty(iterations)
    for i in range(iterations):
        # BEGIN SOLUTION: forward, loss, zero the parameters' grads, backward, update every parameter, record the loss
        loss = mse(mlp_forward(x, params), y)
        for p in params.values():
            p.zero_grad()
        loss.backward()
        for p in params.values():
            p.data -= lr * p.grad
        losses[i] = loss.data
        # END SOLUTION
    return losses
