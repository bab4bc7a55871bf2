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
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])  # z < 0 here, so exp(z) <= 1 never overflows
    out[~positive] = ez / (1.0 + ez)
    return out


def sigmoid_backward(a, grad_a):
    """dL/dz for a sigmoid unit, given its OUTPUT a = sigmoid(z) and the upstream gradient dL/da.

    Both arrays have the same shape; so does the result. The derivative of
    the sigmoid can be written with a alone: no need to keep z.
    """
    slope = a - a * a  # sigma' = sigma (1 - sigma)
    return np.multiply(grad_a, slope)


# --- a fully connected layer -------------------------------------------------

def linear(x, W, b):
    """One layer's pre-activations for one sample: z = W @ x + b.

    x: (D,), W: (M, D) with row i = the weights into unit i, b: (M,).
    Returns z of shape (M,).
    """
    rows, cols = W.shape
    z = np.zeros(rows)
    for i in range(rows):
        total = float(b[i])
        for j in range(cols):
            total += W[i, j] * x[j]
        z[i] = total
    return z


def linear_backward(x, W, grad_z):
    """Gradients through z = W @ x + b for one sample, given the upstream dL/dz of shape (M,).

    Returns a tuple (dL/dx, dL/dW, dL/db) with the shapes of x (D,),
    W (M, D) and b (M,).
    """
    rows, cols = W.shape
    dx = np.zeros(cols)
    dW = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            dW[i, j] = grad_z[i] * x[j]
            dx[j] += W[i, j] * grad_z[i]
    db = np.zeros(rows)
    for i in range(rows):
        db[i] = grad_z[i]
    return dx, dW, db


# --- the network and its loss, one sample (Case A) ---------------------------

def forward(x, W1, b1, W2, b2):
    """The network's forward pass for one sample.

    x: (D,), W1: (H, D), b1: (H,), W2: (K, H), b2: (K,).
    Returns a tuple (a1, o): the hidden activations (H,) and the outputs (K,),
    both after the sigmoid.
    """
    z1 = linear(x, W1, b1)
    h = sigmoid(z1)
    z2 = linear(h, W2, b2)
    y = sigmoid(z2)
    return h, y


def loss(o, t):
    """The loss of one sample, E = 1/2 * sum((o - t)^2), as a float."""
    total = 0.0
    for ok, tk in zip(np.ravel(o), np.ravel(t)):
        total += (ok - tk) * (ok - tk)
    return float(total / 2.0)


def loss_backward(o, t):
    """dE/do for E = 1/2 * sum((o - t)^2): an array of o's shape."""
    diff = np.zeros(np.shape(o))
    diff[...] = np.asarray(o, dtype=float) - np.asarray(t, dtype=float)
    return diff


def backward(x, t, W1, b1, W2, b2):
    """Every gradient of E for one sample: a dict {"W1", "b1", "W2", "b2"} of arrays.

    Each gradient has its parameter's shape. Run the forward pass, then walk
    it backwards: loss, output sigmoid, second layer, hidden sigmoid, first
    layer (use loss_backward, sigmoid_backward and linear_backward).
    """
    h, y = forward(x, W1, b1, W2, b2)
    delta_out = sigmoid_backward(y, loss_backward(y, t))
    dh, dW2, db2 = linear_backward(h, W2, delta_out)
    delta_hidden = sigmoid_backward(h, dh)
    dx, dW1, db1 = linear_backward(x, W1, delta_hidden)
    result = {}
    result["W1"] = dW1
    result["b1"] = db1
    result["W2"] = dW2
    result["b2"] = db2
    return result


def update(params, grads, lr, update_biases=True):
    """One step of plain gradient descent: a NEW dict of NEW arrays, the inputs left untouched.

    params and grads: dicts with the same keys (any of "W1", "b1", "W2",
    "b2"). Every parameter moves by -lr times its gradient. With
    update_biases=False, the biases ("b1", "b2") are returned unchanged (as
    copies): many write-ups of Case A keep them fixed.
    """
    stepped = {}
    for key in params:
        current = np.array(params[key], dtype=float)
        if key in ("b1", "b2") and not update_biases:
            stepped[key] = current
            continue
        stepped[key] = current - lr * np.asarray(grads[key], dtype=float)
    return stepped


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
    w1, w2, w3, w4, w5, w6, w7, w8 = [float(v) for v in w]
    first = np.array([[w1, w3],
                      [w2, w4]])
    second = np.array([[w5, w7],
                       [w6, w8]])
    return first, second


def case_b_vector(W1, W2):
    """The inverse of case_b_matrices: the array [w1, w2, ..., w8] of shape (8,)."""
    out = []
    for M in (W1, W2):
        out.append(M[0][0])
        out.append(M[1][0])
        out.append(M[0][1])
        out.append(M[1][1])
    return np.array(out, dtype=float)


def case_b_step(x, t, w, lr):
    """One gradient-descent step of the bias-free Case B network, in terms of w1..w8.

    x: (2,), t: (2,), w: the 8 weights w1..w8. Returns a tuple
    (o, E, new_w): the prediction o (2,) and the loss E before the step,
    and the 8 weights after it, in the order w1..w8. (A network without
    biases is the Case A network with biases that are zero and never move.)
    """
    W1, W2 = case_b_matrices(w)
    no_bias_hidden = np.zeros(len(W1))
    no_bias_out = np.zeros(len(W2))
    h, y = forward(x, W1, no_bias_hidden, W2, no_bias_out)
    E = loss(y, t)
    g = backward(x, t, W1, no_bias_hidden, W2, no_bias_out)
    moved = update({"W1": W1, "W2": W2}, {"W1": g["W1"], "W2": g["W2"]}, lr)
    return y, E, case_b_vector(moved["W1"], moved["W2"])


# --- a batch of N samples at once --------------------------------------------

def forward_batch(X, W1, b1, W2, b2):
    """The forward pass for a batch, without a Python loop over the samples.

    X: (N, D), one sample per row. Returns a tuple (A1, O) of shapes (N, H)
    and (N, K): row n holds sample n's hidden activations and outputs.
    """
    hidden = sigmoid((W1 @ X.T).T + b1)
    out = sigmoid((W2 @ hidden.T).T + b2)
    return hidden, out


def batch_loss(O, T):
    """The batch loss: the MEAN over the N samples of each sample's E = 1/2 * sum_k (o_k - t_k)^2.

    O, T: (N, K). Returns a float. For N = 1 it equals loss(o, t).
    """
    count = len(O)
    per_row = 0.5 * ((O - T) ** 2).sum(axis=1)
    return float(per_row.sum() / count)


def backward_batch(X, T, W1, b1, W2, b2):
    """The gradients of batch_loss (the mean over samples): a dict {"W1", "b1", "W2", "b2"}.

    X: (N, D), T: (N, K). Each gradient has its parameter's shape; no Python
    loop over the samples. For N = 1 this equals backward(x, t, ...).
    """
    count = len(X)
    hidden, out = forward_batch(X, W1, b1, W2, b2)
    d_out = (out - T) * out * (1 - out)
    d_out = d_out / count
    d_hidden = (d_out @ W2) * hidden * (1 - hidden)
    grads = {}
    grads["W2"] = d_out.T @ hidden
    grads["b2"] = np.sum(d_out, axis=0)
    grads["W1"] = d_hidden.T @ X
    grads["b1"] = np.sum(d_hidden, axis=0)
    return grads


# --- checking the gradients numerically --------------------------------------

def numeric_gradients(X, T, params, eps=1e-5):
    """Numeric gradients of the batch loss by CENTRAL differences: a dict like params.

    X: (N, D) and T: (N, K), or one sample x: (D,) and t: (K,) (then the
    loss is that sample's E). params: {"W1", "b1", "W2", "b2"}. For every
    entry p of every parameter, the gradient is
        (loss(p + eps) - loss(p - eps)) / (2 * eps)
    with all other entries fixed. params must be left as they were given.
    """
    if np.ndim(X) == 1:
        X = X.reshape(1, -1)
        T = np.reshape(T, (1, -1))

    def loss_with(trial):
        _, out = forward_batch(X, trial["W1"], trial["b1"], trial["W2"], trial["b2"])
        return batch_loss(out, T)

    result = {}
    for key in params:
        base = np.array(params[key], dtype=float)
        flat = base.reshape(-1)
        g = np.zeros(flat.size)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = loss_with({**params, key: base})
            flat[i] = old - eps
            minus = loss_with({**params, key: base})
            flat[i] = old
            g[i] = (plus - minus) / (2 * eps)
        result[key] = g.reshape(base.shape)
    return result


def gradient_check(X, T, params, grads, eps=1e-5):
    """The largest relative error between analytic gradients and numeric_gradients(X, T, params, eps).

    grads: a dict like params (typically from backward_batch). For every
    entry, with g the analytic and n the numeric value, the relative error is
        |g - n| / max(|g|, |n|, 1e-8)
    and the result is the maximum over all entries of all parameters, a float.
    Below about 1e-6 means the analytic gradients are right.
    """
    numeric = numeric_gradients(X, T, params, eps)
    largest = 0.0
    for key in numeric:
        analytic = np.asarray(grads[key], dtype=float).reshape(-1)
        approx = numeric[key].reshape(-1)
        for g, n in zip(analytic, approx):
            scale = max(abs(g), abs(n), 1e-8)
            largest = max(largest, abs(g - n) / scale)
    return float(largest)
