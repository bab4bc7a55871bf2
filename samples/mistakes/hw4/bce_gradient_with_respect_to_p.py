"""hw4: the homework's experiments, in NumPy.

Five experiments on hw2's Case B network and on a small regression set:
1. sigmoid -> ReLU: the same network with ReLU units, and the dead unit;
2. MSE -> cross-entropy: softmax cross-entropy and binary cross-entropy,
   their gradients with respect to the logits, and why they learn faster;
3. the learning rate: loss curves for a sweep of rates, each labelled
   converged / oscillating / diverged;
4. initialisation: the given weights, seeded random normal weights, and
   all zeros (whose hidden units never become different);
5. gradient descent variants: full batch, stochastic and mini-batch.

Conventions used by every function below:
- The network has no biases: hidden pre-activations z1 = W1 @ x, hidden
  activations a1 = f(z1), output pre-activations z2 = W2 @ a1, outputs
  o = f(z2), where f is the chosen activation ("sigmoid" or "relu") and is
  used in BOTH layers. Its loss is E = 1/2 * sum((o - t)^2).
- One sample is a 1-D vector: x has shape (D,), t has shape (K,). W1 has
  shape (H, D), row i holding the weights INTO hidden unit i; W2 has shape
  (K, H). Case B (D = H = K = 2) is
      h1 = w1*x1 + w3*x2,  h2 = w2*x1 + w4*x2,  o1 = w5*a1 + w7*a2,  o2 = w6*a1 + w8*a2,
  so W1 = [[w1, w3], [w2, w4]] and W2 = [[w5, w7], [w6, w8]]. Every
  function must work for any sizes D, H, K.
- No function changes the arrays it is given: return new arrays.

NumPy is all you need (torch is allowed, but the grader checks your
numbers against its own).
"""
import numpy as np

# Case B of hw2: the input, the target and the weights w1..w8 as matrices.
CASE_B_X = np.array([0.5, 0.3])
CASE_B_T = np.array([0.23, -0.07])
CASE_B_W1 = np.array([[0.2, 0.5], [-0.4, 0.6]])   # [[w1, w3], [w2, w4]]
CASE_B_W2 = np.array([[0.1, -0.3], [-0.5, 0.8]])  # [[w5, w7], [w6, w8]]
CASE_B_LR = 1.0


# --- 1. the activations: sigmoid and ReLU -------------------------------------

def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), elementwise; finite for any z. (Given.)"""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(a, grad_a):
    """dL/dz of a sigmoid unit from its OUTPUT a = sigmoid(z) and the upstream dL/da (same shapes)."""
    # BEGIN SOLUTION: return dL/dz = dL/da * sigmoid'(z), with sigmoid'(z) written in terms of the output a
    return grad_a * a * (1.0 - a)
    # END SOLUTION


def relu(z):
    """The rectified linear unit max(z, 0), elementwise, as a float array of z's shape."""
    # BEGIN SOLUTION: return max(z, 0) elementwise as a float array
    return np.maximum(np.asarray(z, dtype=float), 0.0)
    # END SOLUTION


def relu_backward(z, grad_a):
    """dL/dz of a ReLU unit from its INPUT z and the upstream dL/da (same shapes).

    ReLU has no derivative at z = 0; this course takes the subgradient 0
    there, as torch does: the derivative is 1 where z > 0 and 0 where z <= 0.
    """
    # BEGIN SOLUTION: return dL/dz; the derivative is 1 where z > 0 and 0 where z <= 0 (z exactly 0 included)
    return grad_a * (np.asarray(z) > 0)
    # END SOLUTION


def activate(z, activation):
    """The named activation ("sigmoid" or "relu") of z. (Given.)"""
    if activation == "sigmoid":
        return sigmoid(z)
    if activation == "relu":
        return relu(z)
    raise ValueError(f"unknown activation {activation!r}: use 'sigmoid' or 'relu'")


def activate_backward(z, a, grad_a, activation):
    """dL/dz of the named activation, from its input z, its output a and dL/da. (Given.)"""
    if activation == "sigmoid":
        return sigmoid_backward(a, grad_a)
    if activation == "relu":
        return relu_backward(z, grad_a)
    raise ValueError(f"unknown activation {activation!r}: use 'sigmoid' or 'relu'")


# --- the bias-free network, its loss, one step ---------------------------------

def forward(x, W1, W2, activation="sigmoid"):
    """The forward pass for one sample: a dict {"z1", "a1", "z2", "o"} of arrays.

    z1 = W1 @ x (H,), a1 = f(z1) (H,), z2 = W2 @ a1 (K,), o = f(z2) (K,),
    with f the named activation (use `activate`).
    """
    # BEGIN SOLUTION: return {"z1", "a1", "z2", "o"}: both layers, each followed by the activation
    z1 = W1 @ x
    a1 = activate(z1, activation)
    z2 = W2 @ a1
    return {"z1": z1, "a1": a1, "z2": z2, "o": activate(z2, activation)}
    # END SOLUTION


def mse_loss(o, t):
    """The loss of one sample, E = 1/2 * sum((o - t)^2), as a float."""
    # BEGIN SOLUTION: return E = 1/2 * sum((o - t)^2) as a Python float
    return float(0.5 * np.sum((np.asarray(o) - t) ** 2))
    # END SOLUTION


def mse_loss_backward(o, t):
    """dE/do for E = 1/2 * sum((o - t)^2): an array of o's shape."""
    # BEGIN SOLUTION: return dE/do, an array of o's shape
    return np.asarray(o, dtype=float) - t
    # END SOLUTION


def backward(x, t, W1, W2, activation="sigmoid"):
    """The gradients of E for one sample: a dict {"W1": dE/dW1, "W2": dE/dW2}.

    Each gradient has its weight matrix's shape. Run `forward`, then walk it
    backwards: loss, output activation, second layer, hidden activation,
    first layer (use mse_loss_backward and activate_backward). A unit whose
    activation has derivative 0 passes no gradient back.
    """
    # BEGIN SOLUTION: return {"W1": dE/dW1, "W2": dE/dW2}; go backwards through each forward step
    c = forward(x, W1, W2, activation)
    grad_z2 = activate_backward(c["z2"], c["o"], mse_loss_backward(c["o"], t), activation)
    grad_W2 = np.outer(grad_z2, c["a1"])
    grad_a1 = W2.T @ grad_z2
    grad_z1 = activate_backward(c["z1"], c["a1"], grad_a1, activation)
    return {"W1": np.outer(grad_z1, x), "W2": grad_W2}
    # END SOLUTION


def train_step(x, t, W1, W2, lr, activation="sigmoid"):
    """One gradient-descent step: the tuple (new W1, new W2), W <- W - lr * dE/dW.

    Both gradients come from the weights BEFORE the step. W1 and W2 are
    left unchanged: return new arrays.
    """
    # BEGIN SOLUTION: return (new W1, new W2); both gradients from the old weights, inputs left unchanged
    grads = backward(x, t, W1, W2, activation)
    return W1 - lr * grads["W1"], W2 - lr * grads["W2"]
    # END SOLUTION


def train_network(x, t, W1, W2, lr, steps, activation="sigmoid"):
    """`steps` gradient-descent steps from (W1, W2), with the whole history.

    Returns a dict:
    - "losses": (steps+1,) the loss E at the weights after k steps, k = 0..steps
      (so losses[0] is the loss before training);
    - "W1": (steps+1, H, D) and "W2": (steps+1, K, H), the weights after k steps.
    """
    # BEGIN SOLUTION: return {"losses", "W1", "W2"}: entry k is taken after k steps, entry 0 before any
    history_W1, history_W2, losses = [W1], [W2], []
    for _ in range(steps):
        W1, W2 = train_step(x, t, W1, W2, lr, activation)
        history_W1.append(W1)
        history_W2.append(W2)
    for A, B in zip(history_W1, history_W2):
        losses.append(mse_loss(forward(x, A, B, activation)["o"], t))
    return {"losses": np.array(losses), "W1": np.array(history_W1), "W2": np.array(history_W2)}
    # END SOLUTION


# --- 2. MSE -> cross-entropy ---------------------------------------------------

def softmax(z):
    """The softmax of a vector of logits z (K,): exp(z) / sum(exp(z)), an array of shape (K,).

    It must stay finite and correct for logits as large as +-1000: subtract
    max(z) before exponentiating (softmax does not change when a constant
    is added to every logit).
    """
    # BEGIN SOLUTION: return exp(z) / sum(exp(z)) computed after subtracting max(z), so it never overflows
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return e / np.sum(e)
    # END SOLUTION


def softmax_cross_entropy(z, y):
    """The softmax cross-entropy of logits z (K,) and the class index y: -log(softmax(z)[y]), a float.

    Compute it as logsumexp(z) - z[y] (with the max subtracted inside the
    logsumexp): it must stay finite for logits as large as +-1000, where
    log(softmax(z)) would be log(0).
    """
    # BEGIN SOLUTION: return logsumexp(z) - z[y] as a float, with max(z) subtracted inside the logsumexp
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))) - z[y])
    # END SOLUTION


def softmax_cross_entropy_backward(z, y):
    """dL/dz of the softmax cross-entropy: softmax(z) - onehot(y), an array of shape (K,)."""
    # BEGIN SOLUTION: return dL/dz of shape (K,) (the simplified form from the docstring)
    grad = softmax(z)
    grad[y] -= 1.0
    return grad
    # END SOLUTION


def binary_cross_entropy(z, t):
    """The binary cross-entropy of logits z and targets t in [0, 1] (same shapes), summed, as a float.

    L = sum(-(t * log(p) + (1 - t) * log(1 - p))) with p = sigmoid(z). Use
    the stable form sum(max(z, 0) - z * t + log(1 + exp(-|z|))): it must stay
    finite for logits as large as +-1000, where log(p) or log(1 - p) is log(0).
    """
    # BEGIN SOLUTION: return the summed loss as a float, computed with the stable form from the docstring
    z = np.asarray(z, dtype=float)
    return float(np.sum(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))))
    # END SOLUTION


def binary_cross_entropy_backward(z, t):
    """dL/dz of the binary cross-entropy with respect to the LOGITS z: sigmoid(z) - t, z's shape."""
    # BEGIN SOLUTION: return dL/dz (not dL/dp) of z's shape, in the simplified form from the docstring
    return (sigmoid(z) - t) / (sigmoid(z) * (1.0 - sigmoid(z)))
    # END SOLUTION


def logit_gradients(z, t):
    """Gradients w.r.t. the logits z of two losses on sigmoid outputs p = sigmoid(z), targets t in [0, 1].

    Returns a dict of arrays of z's shape:
    - "mse": d/dz of 1/2 * sum((p - t)^2), i.e. (p - t) * sigmoid'(z);
    - "bce": d/dz of the binary cross-entropy, i.e. p - t.
    Compare them where the output is confidently wrong (z = 8, t = 0).
    """
    # BEGIN SOLUTION: return {"mse": ..., "bce": ...}, both with respect to z; reuse the backward functions above
    p = sigmoid(z)
    return {"mse": sigmoid_backward(p, p - t), "bce": binary_cross_entropy_backward(z, t)}
    # END SOLUTION


# --- 3. the learning rate ------------------------------------------------------

def classify_curve(losses, tol=1e-12):
    """Label a loss curve (losses[0] is the loss before training) with one of three strings.

    - "diverged": some value is nan or +-inf, or the last value is larger
      than the first (training made things worse);
    - otherwise "oscillating": the loss goes up at some step, i.e.
      losses[k+1] > losses[k] + tol for some k;
    - otherwise "converged": the loss never went up by more than tol.
    Careful: every comparison with nan is False.
    """
    # BEGIN SOLUTION: return "diverged", "oscillating" or "converged", tested in that order as the docstring says
    losses = np.asarray(losses, dtype=float)
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverged"
    if np.any(losses[1:] > losses[:-1] + tol):
        return "oscillating"
    return "converged"
    # END SOLUTION


def lr_sweep(X, y, w0, lrs, epochs, batch_size=None, seed=0):
    """Train the linear model of `minibatch_gd` once per learning rate in `lrs`, from the same w0.

    batch_size None means full batch (the whole data set); seed is passed on.
    Returns a dict:
    - "curves": (len(lrs), epochs+1), row i the loss curve for lrs[i];
    - "labels": a list of len(lrs) strings, classify_curve of each row.
    A diverging run must not raise: its curve simply holds inf or nan.
    """
    # BEGIN SOLUTION: return {"curves", "labels"}: one minibatch_gd run and one classify_curve label per rate
    size = len(y) if batch_size is None else batch_size
    curves = np.array([minibatch_gd(X, y, w0, lr, epochs, size, seed)["losses"] for lr in lrs])
    return {"curves": curves, "labels": [classify_curve(c) for c in curves]}
    # END SOLUTION


# --- 4. initialisation -----------------------------------------------------------

def init_weights(scheme, n_in=2, n_hidden=2, n_out=2, seed=0, std=1.0):
    """Initial weights (W1, W2) of shapes (n_hidden, n_in) and (n_out, n_hidden), as a tuple.

    - "given": copies of Case B's CASE_B_W1, CASE_B_W2 (ValueError unless
      all three sizes are 2);
    - "normal": with rng = np.random.default_rng(seed), first
      W1 = std * rng.standard_normal((n_hidden, n_in)), then
      W2 = std * rng.standard_normal((n_out, n_hidden)), in that order;
    - "zeros": all zeros.
    Any other scheme is a ValueError.
    """
    # BEGIN SOLUTION: return (W1, W2) for the scheme; draw W1 before W2 from one default_rng(seed)
    if scheme == "given":
        if (n_in, n_hidden, n_out) != (2, 2, 2):
            raise ValueError("the given weights are Case B's: n_in = n_hidden = n_out = 2")
        return CASE_B_W1.copy(), CASE_B_W2.copy()
    if scheme == "normal":
        rng = np.random.default_rng(seed)
        W1 = std * rng.standard_normal((n_hidden, n_in))
        return W1, std * rng.standard_normal((n_out, n_hidden))
    if scheme == "zeros":
        return np.zeros((n_hidden, n_in)), np.zeros((n_out, n_hidden))
    raise ValueError(f"unknown scheme {scheme!r}: use 'given', 'normal' or 'zeros'")
    # END SOLUTION


def symmetry_gap(x, t, W1, W2, lr, steps, activation="sigmoid"):
    """How different the hidden units are, before and after each of `steps` training steps.

    Returns an array of shape (steps+1,): entry k is, for the weights after
    k steps (see train_network), the largest difference between two hidden
    units in any of their weights, i.e. the largest of
    max_i W1[i, d] - min_i W1[i, d] over every input d and
    max_j W2[k, j] - min_j W2[k, j] over every output k.
    Zero all along means the hidden units stay identical.
    """
    # BEGIN SOLUTION: return the (steps+1,) gaps: the largest spread across hidden units of any incoming or outgoing weight
    history = train_network(x, t, W1, W2, lr, steps, activation)
    spread_in = np.ptp(history["W1"], axis=1).max(axis=1)
    spread_out = np.ptp(history["W2"], axis=2).max(axis=1)
    return np.maximum(spread_in, spread_out)
    # END SOLUTION


# --- 5. gradient descent variants on a linear regression ------------------------

def make_regression(n=16, n_features=2, noise=0.1, seed=0):
    """A small regression set (X (n, n_features), y (n,)): y = X @ w_true + noise. (Given.)"""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features))
    w_true = rng.standard_normal(n_features)
    return X, X @ w_true + noise * rng.standard_normal(n)


def regression_loss(X, y, w):
    """The mean squared error of the linear model X @ w: mean((X @ w - y)^2), a float.

    X: (N, D) one sample per row, y: (N,), w: (D,).
    """
    # BEGIN SOLUTION: return mean((X @ w - y)^2) as a Python float
    return float(np.mean((X @ w - y) ** 2))
    # END SOLUTION


def regression_backward(X, y, w):
    """The gradient of regression_loss with respect to w: an array of shape (D,).

    It is an average over the N rows given, so a batch of any size gives a
    gradient of the same scale.
    """
    # BEGIN SOLUTION: return d mean((X @ w - y)^2) / dw, shape (D,), averaged over the rows
    return 2.0 * X.T @ (X @ w - y) / len(y)
    # END SOLUTION


def minibatch_gd(X, y, w0, lr, epochs, batch_size, seed=0):
    """Mini-batch gradient descent on regression_loss, from w0, for `epochs` passes over the data.

    With rng = np.random.default_rng(seed) made once, each epoch takes
    order = rng.permutation(N) and cuts it into consecutive batches
    order[0:B], order[B:2B], ... (the last one may be shorter), B = batch_size;
    each batch makes one update w <- w - lr * regression_backward(X[batch], y[batch], w).
    B = N is full batch, B = 1 is stochastic gradient descent.
    Returns a dict:
    - "losses": (epochs+1,), the loss on the WHOLE data set before training
      and after each epoch;
    - "w": (D,), the final weights.
    X, y and w0 are left unchanged.
    """
    # BEGIN SOLUTION: return {"losses", "w"}; one permutation per epoch from one rng, one update per batch
    rng = np.random.default_rng(seed)
    w = np.array(w0, dtype=float)
    losses = [regression_loss(X, y, w)]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run goes to inf, then nan
        for _ in range(epochs):
            order = rng.permutation(len(y))
            for start in range(0, len(y), batch_size):
                batch = order[start:start + batch_size]
                w = w - lr * regression_backward(X[batch], y[batch], w)
            losses.append(regression_loss(X, y, w))
    return {"losses": np.array(losses), "w": w}
    # END SOLUTION


def gd_variants(X, y, w0, lr, epochs, batch_size, seed=0):
    """The three variants with the same lr, epochs and seed: a dict of loss curves (epochs+1,).

    "full": batch size N; "stochastic": batch size 1; "minibatch": batch_size.
    """
    # BEGIN SOLUTION: return {"full", "stochastic", "minibatch"}: the "losses" of three minibatch_gd runs
    def curve(size):
        return minibatch_gd(X, y, w0, lr, epochs, size, seed)["losses"]
    return {"full": curve(len(y)), "stochastic": curve(1), "minibatch": curve(batch_size)}
    # END SOLUTION
