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
    # the tanh form never overflows: sigma(z) = (1 + tanh(z / 2)) / 2
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def sigmoid_backward(a, grad_a):
    """dL/dz for a sigmoid unit, given its OUTPUT a = sigmoid(z) and the upstream gradient dL/da.

    Both arrays have the same shape; so does the result. The derivative of
    the sigmoid can be written with a alone: no need to keep z.
    """
    return np.asarray(grad_a) * np.asarray(a) * (1 - np.asarray(a))


# --- a fully connected layer -------------------------------------------------

def linear(x, W, b):
    """One layer's pre-activations for one sample: z = W @ x + b.

    x: (D,), W: (M, D) with row i = the weights into unit i, b: (M,).
    Returns z of shape (M,).
    """
    return np.einsum("md,d->m", W, x) + b


def linear_backward(x, W, grad_z):
    """Gradients through z = W @ x + b for one sample, given the upstream dL/dz of shape (M,).

    Returns a tuple (dL/dx, dL/dW, dL/db) with the shapes of x (D,),
    W (M, D) and b (M,).
    """
    g = np.asarray(grad_z, dtype=np.float64)
    return np.einsum("md,m->d", W, g), np.einsum("m,d->md", g, x), g.copy()


# --- the network and its loss, one sample (Case A) ---------------------------

def forward(x, W1, b1, W2, b2):
    """The network's forward pass for one sample.

    x: (D,), W1: (H, D), b1: (H,), W2: (K, H), b2: (K,).
    Returns a tuple (a1, o): the hidden activations (H,) and the outputs (K,),
    both after the sigmoid.
    """
    activations = [np.asarray(x, dtype=np.float64)]
    for weights, bias in ((W1, b1), (W2, b2)):
        activations.append(sigmoid(linear(activations[-1], weights, bias)))
    return activations[1], activations[2]


def loss(o, t):
    """The loss of one sample, E = 1/2 * sum((o - t)^2), as a float."""
    d = (np.asarray(o) - np.asarray(t)).ravel()
    return float(np.dot(d, d) / 2)


def loss_backward(o, t):
    """dE/do for E = 1/2 * sum((o - t)^2): an array of o's shape."""
    return np.subtract(o, t, dtype=np.float64)


def backward(x, t, W1, b1, W2, b2):
    """Every gradient of E for one sample: a dict {"W1", "b1", "W2", "b2"} of arrays.

    Each gradient has its parameter's shape. Run the forward pass, then walk
    it backwards: loss, output sigmoid, second layer, hidden sigmoid, first
    layer (use loss_backward, sigmoid_backward and linear_backward).
    """
    hidden, out = forward(x, W1, b1, W2, b2)
    layers = [(x, W1, hidden), (hidden, W2, out)]
    upstream = loss_backward(out, t)
    names = {1: ("W1", "b1"), 2: ("W2", "b2")}
    grads = {}
    for depth in (2, 1):
        inputs, weights, outputs = layers[depth - 1]
        upstream, grads[names[depth][0]], grads[names[depth][1]] = linear_backward(
            inputs, weights, sigmoid_backward(outputs, upstream))
    return {key: grads[key] for key in ("W1", "b1", "W2", "b2")}


def update(params, grads, lr, update_biases=True):
    """One step of plain gradient descent: a NEW dict of NEW arrays, the inputs left untouched.

    params and grads: dicts with the same keys (any of "W1", "b1", "W2",
    "b2"). Every parameter moves by -lr times its gradient. With
    update_biases=False, the biases ("b1", "b2") are returned unchanged (as
    copies): many write-ups of Case A keep them fixed.
    """
    frozen = set() if update_biases else {"b1", "b2"}
    return {name: np.array(p, dtype=np.float64) if name in frozen
            else np.asarray(p, dtype=np.float64) - lr * np.asarray(grads[name])
            for name, p in params.items()}


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
    v = np.asarray(w, dtype=np.float64).reshape(2, 2, 2)
    return v[0].T.copy(), v[1].T.copy()


def case_b_vector(W1, W2):
    """The inverse of case_b_matrices: the array [w1, w2, ..., w8] of shape (8,)."""
    return np.concatenate([np.asarray(W1).T.ravel(), np.asarray(W2).T.ravel()]).astype(np.float64)


def case_b_step(x, t, w, lr):
    """One gradient-descent step of the bias-free Case B network, in terms of w1..w8.

    x: (2,), t: (2,), w: the 8 weights w1..w8. Returns a tuple
    (o, E, new_w): the prediction o (2,) and the loss E before the step,
    and the 8 weights after it, in the order w1..w8. (A network without
    biases is the Case A network with biases that are zero and never move.)
    """
    first, second = case_b_matrices(w)
    zero = [np.zeros(len(m)) for m in (first, second)]
    prediction = forward(x, first, zero[0], second, zero[1])[1]
    grads = backward(x, t, first, zero[0], second, zero[1])
    stepped = update({"W1": first, "W2": second}, grads, lr)
    return prediction, loss(prediction, t), case_b_vector(stepped["W1"], stepped["W2"])


# --- a batch of N samples at once --------------------------------------------

def forward_batch(X, W1, b1, W2, b2):
    """The forward pass for a batch, without a Python loop over the samples.

    X: (N, D), one sample per row. Returns a tuple (A1, O) of shapes (N, H)
    and (N, K): row n holds sample n's hidden activations and outputs.
    """
    A1 = sigmoid(np.einsum("nd,hd->nh", X, W1) + b1)
    return A1, sigmoid(np.einsum("nh,kh->nk", A1, W2) + b2)


def batch_loss(O, T):
    """The batch loss: the MEAN over the N samples of each sample's E = 1/2 * sum_k (o_k - t_k)^2.

    O, T: (N, K). Returns a float. For N = 1 it equals loss(o, t).
    """
    return float(np.mean(np.einsum("nk,nk->n", O - T, O - T)) / 2)


def backward_batch(X, T, W1, b1, W2, b2):
    """The gradients of batch_loss (the mean over samples): a dict {"W1", "b1", "W2", "b2"}.

    X: (N, D), T: (N, K). Each gradient has its parameter's shape; no Python
    loop over the samples. For N = 1 this equals backward(x, t, ...).
    """
    n = np.shape(X)[0]
    A1, O = forward_batch(X, W1, b1, W2, b2)
    delta2 = sigmoid_backward(O, (O - T) / n)
    delta1 = sigmoid_backward(A1, np.einsum("nk,kh->nh", delta2, W2))
    return {"W1": np.einsum("nh,nd->hd", delta1, X), "b1": np.einsum("nh->h", delta1),
            "W2": np.einsum("nk,nh->kh", delta2, A1), "b2": np.einsum("nk->k", delta2)}


# --- checking the gradients numerically --------------------------------------

def numeric_gradients(X, T, params, eps=1e-5):
    """Numeric gradients of the batch loss by CENTRAL differences: a dict like params.

    X: (N, D) and T: (N, K), or one sample x: (D,) and t: (K,) (then the
    loss is that sample's E). params: {"W1", "b1", "W2", "b2"}. For every
    entry p of every parameter, the gradient is
        (loss(p + eps) - loss(p - eps)) / (2 * eps)
    with all other entries fixed. params must be left as they were given.
    """
    import itertools

    X2, T2 = np.atleast_2d(X), np.atleast_2d(T)

    def objective(**changed):
        p = {**params, **changed}
        return batch_loss(forward_batch(X2, p["W1"], p["b1"], p["W2"], p["b2"])[1], T2)

    out = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        estimate = np.empty(value.shape)
        for where in itertools.product(*map(range, value.shape)):
            bump = np.zeros(value.shape)
            bump[where] = eps
            estimate[where] = (objective(**{name: value + bump}) - objective(**{name: value - bump})) / (2 * eps)
        out[name] = estimate
    return out


def gradient_check(X, T, params, grads, eps=1e-5):
    """The largest relative error between analytic gradients and numeric_gradients(X, T, params, eps).

    grads: a dict like params (typically from backward_batch). For every
    entry, with g the analytic and n the numeric value, the relative error is
        |g - n| / max(|g|, |n|, 1e-8)
    and the result is the maximum over all entries of all parameters, a float.
    Below about 1e-6 means the analytic gradients are right.
    """
    numeric = numeric_gradients(X, T, params, eps)

    def worst(g, n):
        g = np.asarray(g, dtype=np.float64)
        return np.max(np.abs(g - n) / np.fmax(np.fmax(np.abs(g), np.abs(n)), 1e-8))

    return float(max(worst(grads[name], n) for name, n in numeric.items()))
