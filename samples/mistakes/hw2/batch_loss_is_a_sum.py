"""hw2: a two-layer sigmoid network, forward and backward by hand, in NumPy only.

The network: inputs x -> hidden pre-activations z1 = W1 x + b1 -> hidden
activations a1 = sigmoid(z1) -> output pre-activations z2 = W2 a1 + b2 ->
outputs o = sigmoid(z2), with the loss E = 1/2 * sum((o - t)^2).

Conventions used by every function below:
- One sample is a 1-D vector: x has shape (D,), t has shape (K,).
- W1 has shape (H, D): row i holds the weights INTO hidden unit i, so
  z1 = W1 @ x + b1. Likewise W2 has shape (K, H) and z2 = W2 @ a1 + b2.
- The worked examples use D = H = K = 2, but every function must work for
  any sizes (the grader also uses networks that are not square).
- A batch is a 2-D array with one sample per ROW: X has shape (N, D),
  T has shape (N, K).
- Parameters travel as a dict {"W1": ..., "b1": ..., "W2": ..., "b2": ...}
  and gradients as a dict with the same keys, each gradient with the shape
  of its parameter.
- No function changes the arrays it is given: return new arrays.

Only NumPy: torch, jax, tensorflow and autograd are not allowed here.
"""
import numpy as np


# --- the sigmoid unit --------------------------------------------------------

def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), elementwise.

    z: a number or an array. Returns an array of z's shape with values in
    [0, 1]. It must stay finite (never nan) for very large |z|, e.g. 1000.
    """
    # BEGIN SOLUTION: return 1 / (1 + e^(-z)) elementwise; the result must stay finite (no nan) for |z| up to 1000
    with np.errstate(over="ignore"):  # exp(1000) overflows to inf, and 1 / inf is the right 0.0
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    # END SOLUTION


def sigmoid_backward(a, grad_a):
    """dL/dz for a sigmoid unit, given its OUTPUT a = sigmoid(z) and the upstream gradient dL/da.

    Both arrays have the same shape; so does the result. The derivative of
    the sigmoid can be written with a alone: no need to keep z.
    """
    # BEGIN SOLUTION: return dL/dz = dL/da * sigmoid'(z), with sigmoid'(z) written in terms of the output a
    return grad_a * a * (1.0 - a)
    # END SOLUTION


# --- a fully connected layer -------------------------------------------------

def linear(x, W, b):
    """One layer's pre-activations for one sample: z = W @ x + b.

    x: (D,), W: (M, D) with row i = the weights into unit i, b: (M,).
    Returns z of shape (M,).
    """
    # BEGIN SOLUTION: return the pre-activations z of shape (M,) (row i of W feeds unit i)
    return W @ x + b
    # END SOLUTION


def linear_backward(x, W, grad_z):
    """Gradients through z = W @ x + b for one sample, given the upstream dL/dz of shape (M,).

    Returns a tuple (dL/dx, dL/dW, dL/db) with the shapes of x (D,),
    W (M, D) and b (M,).
    """
    # BEGIN SOLUTION: return (dL/dx, dL/dW, dL/db); each has the shape of what it is the gradient of
    return W.T @ grad_z, np.outer(grad_z, x), np.array(grad_z, dtype=float)
    # END SOLUTION


# --- the network and its loss, one sample (Case A) ---------------------------

def forward(x, W1, b1, W2, b2):
    """The network's forward pass for one sample.

    x: (D,), W1: (H, D), b1: (H,), W2: (K, H), b2: (K,).
    Returns a tuple (a1, o): the hidden activations (H,) and the outputs (K,),
    both after the sigmoid.
    """
    # BEGIN SOLUTION: return (a1, o): hidden activations and outputs, each after its sigmoid; use linear and sigmoid
    a1 = sigmoid(linear(x, W1, b1))
    o = sigmoid(linear(a1, W2, b2))
    return a1, o
    # END SOLUTION


def loss(o, t):
    """The loss of one sample, E = 1/2 * sum((o - t)^2), as a float."""
    # BEGIN SOLUTION: return E = 1/2 * sum((o - t)^2) as a Python float
    return float(0.5 * np.sum((o - t) ** 2))
    # END SOLUTION


def loss_backward(o, t):
    """dE/do for E = 1/2 * sum((o - t)^2): an array of o's shape."""
    # BEGIN SOLUTION: return dE/do, an array of o's shape
    return o - t
    # END SOLUTION


def backward(x, t, W1, b1, W2, b2):
    """Every gradient of E for one sample: a dict {"W1", "b1", "W2", "b2"} of arrays.

    Each gradient has its parameter's shape. Run the forward pass, then walk
    it backwards: loss, output sigmoid, second layer, hidden sigmoid, first
    layer (use loss_backward, sigmoid_backward and linear_backward).
    """
    # BEGIN SOLUTION: return {"W1": dE/dW1, "b1": dE/db1, "W2": dE/dW2, "b2": dE/db2}; go backwards through each forward step
    a1, o = forward(x, W1, b1, W2, b2)
    grad_z2 = sigmoid_backward(o, loss_backward(o, t))
    grad_a1, grad_W2, grad_b2 = linear_backward(a1, W2, grad_z2)
    grad_z1 = sigmoid_backward(a1, grad_a1)
    _, grad_W1, grad_b1 = linear_backward(x, W1, grad_z1)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}
    # END SOLUTION


def update(params, grads, lr, update_biases=True):
    """One step of plain gradient descent: a NEW dict of NEW arrays, the inputs left untouched.

    params and grads: dicts with the same keys (any of "W1", "b1", "W2",
    "b2"). Every parameter moves by -lr times its gradient. With
    update_biases=False, the biases ("b1", "b2") are returned unchanged (as
    copies): many write-ups of Case A keep them fixed.
    """
    # BEGIN SOLUTION: return a new dict with the same keys; do not modify params or grads; keep "b1"/"b2" when update_biases is False
    new = {}
    for name, value in params.items():
        if name.startswith("b") and not update_biases:
            new[name] = np.array(value, dtype=float)
        else:
            new[name] = value - lr * grads[name]
    return new
    # END SOLUTION


# --- Case B: no biases, eight named weights ----------------------------------

def case_b_matrices(w):
    """The weights w1..w8 of Case B (a sequence of 8 numbers) as the matrices (W1, W2).

    Case B's wiring (pre-activations):
        h1 = w1*x1 + w3*x2,    h2 = w2*x1 + w4*x2
        o1 = w5*a1 + w7*a2,    o2 = w6*a1 + w8*a2
    With row i = the weights into unit i, this is
        W1 = [[w1, w3], [w2, w4]],    W2 = [[w5, w7], [w6, w8]].
    Returns (W1, W2), each of shape (2, 2).
    """
    # BEGIN SOLUTION: return (W1, W2) as 2x2 arrays laid out as the docstring shows
    w = np.asarray(w, dtype=float)
    return np.array([[w[0], w[2]], [w[1], w[3]]]), np.array([[w[4], w[6]], [w[5], w[7]]])
    # END SOLUTION


def case_b_vector(W1, W2):
    """The inverse of case_b_matrices: the array [w1, w2, ..., w8] of shape (8,)."""
    # BEGIN SOLUTION: return the array [w1, ..., w8] (in the order w1, w2, w3, ...) read back from W1 and W2
    return np.array([W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1], W2[0, 0], W2[1, 0], W2[0, 1], W2[1, 1]])
    # END SOLUTION


def case_b_step(x, t, w, lr):
    """One gradient-descent step of the bias-free Case B network, in terms of w1..w8.

    x: (2,), t: (2,), w: the 8 weights w1..w8. Returns a tuple
    (o, E, new_w): the prediction o (2,) and the loss E before the step,
    and the 8 weights after it, in the order w1..w8. (A network without
    biases is the Case A network with biases that are zero and never move.)
    """
    # BEGIN SOLUTION: return (o, E, new_w) using case_b_matrices, forward, loss, backward, update and case_b_vector
    W1, W2 = case_b_matrices(w)
    b1, b2 = np.zeros(W1.shape[0]), np.zeros(W2.shape[0])
    _, o = forward(x, W1, b1, W2, b2)
    grads = backward(x, t, W1, b1, W2, b2)
    new = update({"W1": W1, "W2": W2}, grads, lr)
    return o, loss(o, t), case_b_vector(new["W1"], new["W2"])
    # END SOLUTION


# --- a batch of N samples at once --------------------------------------------

def forward_batch(X, W1, b1, W2, b2):
    """The forward pass for a batch, without a Python loop over the samples.

    X: (N, D), one sample per row. Returns a tuple (A1, O) of shapes (N, H)
    and (N, K): row n holds sample n's hidden activations and outputs.
    """
    # BEGIN SOLUTION: return (A1, O) of shapes (N, H) and (N, K); one matrix product per layer, samples are rows
    A1 = sigmoid(X @ W1.T + b1)
    O = sigmoid(A1 @ W2.T + b2)
    return A1, O
    # END SOLUTION


def batch_loss(O, T):
    """The batch loss: the MEAN over the N samples of each sample's E = 1/2 * sum_k (o_k - t_k)^2.

    O, T: (N, K). Returns a float. For N = 1 it equals loss(o, t).
    """
    # BEGIN SOLUTION: return the mean over the rows of 1/2 * sum((o - t)^2), as a Python float
    return float(0.5 * np.sum((O - T) ** 2))
    # END SOLUTION


def backward_batch(X, T, W1, b1, W2, b2):
    """The gradients of batch_loss (the mean over samples): a dict {"W1", "b1", "W2", "b2"}.

    X: (N, D), T: (N, K). Each gradient has its parameter's shape; no Python
    loop over the samples. For N = 1 this equals backward(x, t, ...).
    """
    # BEGIN SOLUTION: return the four gradients of the MEAN loss; every gradient, the biases' too, adds up the N samples' contributions
    A1, O = forward_batch(X, W1, b1, W2, b2)
    grad_Z2 = (O - T) / X.shape[0] * O * (1.0 - O)
    grad_A1 = grad_Z2 @ W2
    grad_Z1 = grad_A1 * A1 * (1.0 - A1)
    return {"W1": grad_Z1.T @ X, "b1": grad_Z1.sum(axis=0),
            "W2": grad_Z2.T @ A1, "b2": grad_Z2.sum(axis=0)}
    # END SOLUTION


# --- checking the gradients numerically --------------------------------------

def numeric_gradients(X, T, params, eps=1e-5):
    """Numeric gradients of the batch loss by CENTRAL differences: a dict like params.

    X: (N, D) and T: (N, K), or one sample x: (D,) and t: (K,) (then the
    loss is that sample's E). params: {"W1", "b1", "W2", "b2"}. For every
    entry p of every parameter, the gradient is
        (loss(p + eps) - loss(p - eps)) / (2 * eps)
    with all other entries fixed. params must be left as they were given.
    """
    # BEGIN SOLUTION: return a dict of arrays shaped like params, one central difference per entry; leave params unchanged
    X, T = np.atleast_2d(X), np.atleast_2d(T)

    def batch_loss_at(p):
        return batch_loss(forward_batch(X, p["W1"], p["b1"], p["W2"], p["b2"])[1], T)

    grads = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=float)
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = value.copy()
            shifted[index] = value[index] + eps
            up = batch_loss_at({**params, name: shifted})
            shifted[index] = value[index] - eps
            down = batch_loss_at({**params, name: shifted})
            grad[index] = (up - down) / (2.0 * eps)
        grads[name] = grad
    return grads
    # END SOLUTION


def gradient_check(X, T, params, grads, eps=1e-5):
    """The largest relative error between analytic gradients and numeric_gradients(X, T, params, eps).

    grads: a dict like params (typically from backward_batch). For every
    entry, with g the analytic and n the numeric value, the relative error is
        |g - n| / max(|g|, |n|, 1e-8)
    and the result is the maximum over all entries of all parameters, a float.
    Below about 1e-6 means the analytic gradients are right.
    """
    # BEGIN SOLUTION: return the maximum over all entries of |g - n| / max(|g|, |n|, 1e-8), as a Python float
    numeric = numeric_gradients(X, T, params, eps)
    worst = 0.0
    for name, n in numeric.items():
        g = np.asarray(grads[name], dtype=float)
        error = np.abs(g - n) / np.maximum(np.maximum(np.abs(g), np.abs(n)), 1e-8)
        worst = max(worst, float(np.max(error)))
    return worst
    # END SOLUTION
