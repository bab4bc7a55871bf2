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
    zz = np.clip(np.asarray(z, dtype=float), -500.0, 500.0)  # exp(500) is still finite
    return 1 / (np.exp(-zz) + 1)


def sigmoid_backward(a, grad_a):
    """dL/dz for a sigmoid unit, given its OUTPUT a = sigmoid(z) and the upstream gradient dL/da.

    Both arrays have the same shape; so does the result. The derivative of
    the sigmoid can be written with a alone: no need to keep z.
    """
    derivative = a * (1 - a)
    return derivative * grad_a


# --- a fully connected layer -------------------------------------------------

def linear(x, W, b):
    """One layer's pre-activations for one sample: z = W @ x + b.

    x: (D,), W: (M, D) with row i = the weights into unit i, b: (M,).
    Returns z of shape (M,).
    """
    return np.dot(W, x) + b


def linear_backward(x, W, grad_z):
    """Gradients through z = W @ x + b for one sample, given the upstream dL/dz of shape (M,).

    Returns a tuple (dL/dx, dL/dW, dL/db) with the shapes of x (D,),
    W (M, D) and b (M,).
    """
    grad_x = np.dot(grad_z, W)
    grad_W = grad_z[:, None] * x[None, :]
    grad_b = grad_z * 1.0
    return grad_x, grad_W, grad_b


# --- the network and its loss, one sample (Case A) ---------------------------

def forward(x, W1, b1, W2, b2):
    """The network's forward pass for one sample.

    x: (D,), W1: (H, D), b1: (H,), W2: (K, H), b2: (K,).
    Returns a tuple (a1, o): the hidden activations (H,) and the outputs (K,),
    both after the sigmoid.
    """
    hidden = sigmoid(np.dot(W1, x) + b1)
    return hidden, sigmoid(np.dot(W2, hidden) + b2)


def loss(o, t):
    """The loss of one sample, E = 1/2 * sum((o - t)^2), as a float."""
    err = o - t
    return float(np.sum(err * err)) * 0.5


def loss_backward(o, t):
    """dE/do for E = 1/2 * sum((o - t)^2): an array of o's shape."""
    return 1.0 * (o - t)


def backward(x, t, W1, b1, W2, b2):
    """Every gradient of E for one sample: a dict {"W1", "b1", "W2", "b2"} of arrays.

    Each gradient has its parameter's shape. Run the forward pass, then walk
    it backwards: loss, output sigmoid, second layer, hidden sigmoid, first
    layer (use loss_backward, sigmoid_backward and linear_backward).
    """
    hidden, out = forward(x, W1, b1, W2, b2)
    err_out = (out - t) * out * (1 - out)
    err_hidden = np.dot(err_out, W2) * hidden * (1 - hidden)
    return dict(W1=err_hidden[:, None] * x[None, :], b1=err_hidden * 1.0,
                W2=err_out[:, None] * hidden[None, :], b2=err_out * 1.0)


def update(params, grads, lr, update_biases=True):
    """One step of plain gradient descent: a NEW dict of NEW arrays, the inputs left untouched.

    params and grads: dicts with the same keys (any of "W1", "b1", "W2",
    "b2"). Every parameter moves by -lr times its gradient. With
    update_biases=False, the biases ("b1", "b2") are returned unchanged (as
    copies): many write-ups of Case A keep them fixed.
    """
    def step(key):
        if not update_biases and key.startswith("b"):
            return np.copy(params[key]).astype(float)
        return params[key] - grads[key] * lr

    return {key: step(key) for key in params}


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
    a = np.array(w, dtype=float)
    W1 = np.array([a[0], a[2], a[1], a[3]]).reshape(2, 2)
    W2 = np.array([a[4], a[6], a[5], a[7]]).reshape(2, 2)
    return W1, W2


def case_b_vector(W1, W2):
    """The inverse of case_b_matrices: the array [w1, w2, ..., w8] of shape (8,)."""
    order = [(0, 0), (1, 0), (0, 1), (1, 1)]
    return np.array([W1[r, c] for r, c in order] + [W2[r, c] for r, c in order])


def case_b_step(x, t, w, lr):
    """One gradient-descent step of the bias-free Case B network, in terms of w1..w8.

    x: (2,), t: (2,), w: the 8 weights w1..w8. Returns a tuple
    (o, E, new_w): the prediction o (2,) and the loss E before the step,
    and the 8 weights after it, in the order w1..w8. (A network without
    biases is the Case A network with biases that are zero and never move.)
    """
    W1, W2 = case_b_matrices(w)
    zb1 = np.zeros(W1.shape[0])
    zb2 = np.zeros(W2.shape[0])
    out = forward(x, W1, zb1, W2, zb2)[1]
    err = loss(out, t)
    g = backward(x, t, W1, zb1, W2, zb2)
    new_W1 = W1 - lr * g["W1"]
    new_W2 = W2 - lr * g["W2"]
    return out, err, case_b_vector(new_W1, new_W2)


# --- a batch of N samples at once --------------------------------------------

def forward_batch(X, W1, b1, W2, b2):
    """The forward pass for a batch, without a Python loop over the samples.

    X: (N, D), one sample per row. Returns a tuple (A1, O) of shapes (N, H)
    and (N, K): row n holds sample n's hidden activations and outputs.
    """
    def layer(inputs, W, b):
        return sigmoid(np.dot(inputs, W.T) + b[None, :])

    hidden = layer(X, W1, b1)
    return hidden, layer(hidden, W2, b2)


def batch_loss(O, T):
    """The batch loss: the MEAN over the N samples of each sample's E = 1/2 * sum_k (o_k - t_k)^2.

    O, T: (N, K). Returns a float. For N = 1 it equals loss(o, t).
    """
    n_samples = O.shape[0]
    return float(0.5 * np.sum(np.square(O - T))) / n_samples


def backward_batch(X, T, W1, b1, W2, b2):
    """The gradients of batch_loss (the mean over samples): a dict {"W1", "b1", "W2", "b2"}.

    X: (N, D), T: (N, K). Each gradient has its parameter's shape; no Python
    loop over the samples. For N = 1 this equals backward(x, t, ...).
    """
    n_samples = X.shape[0]
    hidden, out = forward_batch(X, W1, b1, W2, b2)
    err_out = (out - T) * out * (1 - out) / n_samples
    err_hidden = np.dot(err_out, W2) * hidden * (1 - hidden)
    return dict(W1=np.dot(err_hidden.T, X), b1=err_hidden.sum(0),
                W2=np.dot(err_out.T, hidden), b2=err_out.sum(0))


# --- checking the gradients numerically --------------------------------------

def numeric_gradients(X, T, params, eps=1e-5):
    """Numeric gradients of the batch loss by CENTRAL differences: a dict like params.

    X: (N, D) and T: (N, K), or one sample x: (D,) and t: (K,) (then the
    loss is that sample's E). params: {"W1", "b1", "W2", "b2"}. For every
    entry p of every parameter, the gradient is
        (loss(p + eps) - loss(p - eps)) / (2 * eps)
    with all other entries fixed. params must be left as they were given.
    """
    X = np.atleast_2d(X)
    T = np.atleast_2d(T)
    result = {}
    for key, value in params.items():
        value = np.asarray(value, dtype=float)
        grad = np.zeros(value.size)
        for i in range(value.size):
            def shifted(delta):
                copy = value.copy().ravel()
                copy[i] += delta
                trial = dict(params)
                trial[key] = copy.reshape(value.shape)
                return batch_loss(forward_batch(X, trial["W1"], trial["b1"], trial["W2"], trial["b2"])[1], T)
            grad[i] = (shifted(eps) - shifted(-eps)) / (2 * eps)
        result[key] = grad.reshape(value.shape)
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
    errors = []
    for key, n in numeric.items():
        g = np.asarray(grads[key], dtype=float)
        bigger = np.maximum(np.abs(g), np.abs(n))
        errors.append(np.max(np.abs(g - n) / np.maximum(bigger, 1e-8)))
    return float(max(errors))
