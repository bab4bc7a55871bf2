"""hw3: the networks of hw1 and hw2 again, with PyTorch autograd.

You build hw2's two-layer sigmoid network with `torch.nn.Linear`, let
`loss.backward()` compute the gradients you derived by hand, and update with
`torch.optim.SGD`; then hw1's linear model with `requires_grad`, and two
comparisons: `torch.sigmoid` against a hand-written sigmoid, and
`torch.nn.MSELoss` against hw2's loss E = 1/2 * sum((o - t)^2).

Conventions for every function below:
- Inputs are plain numbers, lists, NumPy arrays or tensors; turn them into
  tensors with `as_tensor`, which copies: nothing a caller passes in may
  change.
- Work in float64 (`torch.float64`) throughout: the results must agree with
  hw2's NumPy numbers far beyond float32's precision.
- Return tensors, numbers, or dicts of them. A returned tensor may still
  require grad; detaching is tidier.
"""
import torch

DTYPE = torch.float64

# hw2's worked examples (the inputs; the numbers they produce are in the course notes).
CASE_A = {
    "x": [0.05, 0.10], "t": [0.01, 0.99],
    "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": [0.35, 0.35],
    "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": [0.60, 0.60],
    "lr": 0.5,
}
CASE_B = {"x": [0.5, 0.3], "t": [0.23, -0.07], "w": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8], "lr": 1.0}


def as_tensor(values):
    """`values` as a new float64 tensor that shares no memory with it (unlike `torch.from_numpy`)."""
    return torch.as_tensor(values, dtype=DTYPE).clone()


# ---------------------------------------------------------------- the network of hw2

def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), written by hand from torch operations (not torch.sigmoid).

    z: a tensor (or anything `as_tensor` takes). Returns a tensor of z's shape that autograd can
    differentiate: keep z's graph, do not copy or detach a tensor that requires grad.
    """
    z = torch.as_tensor(z, dtype=DTYPE)
    # BEGIN SOLUTION: return the logistic function of z, built from torch.exp and arithmetic
    return 1.0 / (1.0 + torch.exp(-z))
    # END SOLUTION


def hw2_loss(o, t):
    """hw2's loss: E = 1/2 * sum_k (o_k - t_k)^2 for one sample; for a batch, the mean of that over the samples.

    o: one sample's outputs (K,) or a batch (N, K), a tensor that may require grad; t: targets
    of o's shape. Returns a 0-d tensor. (This is not torch.nn.MSELoss: see `compare_mse`.)
    """
    # BEGIN SOLUTION: return E as a 0-d tensor that autograd can differentiate with respect to o
    return torch.nn.MSELoss()(o, t)
    # END SOLUTION


def make_layer(W, b=None):
    """A float64 `torch.nn.Linear` layer holding the weights W and the bias b (no bias when b is None).

    W has shape (out_features, in_features): row i holds the weights into unit i, as in hw2.
    The layer computes x @ weight.T + bias. Its parameters are copies of W and b (training the
    layer never changes them) and all of them require grad.
    """
    W = as_tensor(W)
    # BEGIN SOLUTION: build an nn.Linear of the right sizes in float64, with or without bias, and copy W (and b) into its parameters outside the graph
    layer = torch.nn.Linear(W.shape[1], W.shape[0], bias=b is not None, dtype=DTYPE)
    with torch.no_grad():
        layer.weight.copy_(W)
        if b is not None:
            layer.bias.copy_(as_tensor(b))
    return layer
    # END SOLUTION


def forward(layer1, layer2, x):
    """The network's output o = sigmoid(layer2(sigmoid(layer1(x)))), with torch.sigmoid.

    x: one sample (D,) or a batch (N, D), as a float64 tensor. Returns o, (K,) or (N, K).
    """
    # BEGIN SOLUTION: apply layer1, the sigmoid, layer2, the sigmoid
    return torch.sigmoid(layer2(torch.sigmoid(layer1(x))))
    # END SOLUTION


def train_network(x, t, W1, W2, b1=None, b2=None, lr=0.5, steps=1, train_biases=True):
    """Train hw2's two-layer sigmoid network with autograd and `torch.optim.SGD` for `steps` steps.

    x: one sample (D,) or a batch (N, D); t: targets (K,) or (N, K). W1 (H, D) and W2 (K, H) in
    nn.Linear's layout (row i = weights into unit i); b1 (H,) and b2 (K,), or None for a layer
    without bias. The loss is `hw2_loss` (not MSELoss). One step: forward, E,
    E.backward(), optimizer.step(); each step (steps >= 1) must use the gradient of that step only.
    With train_biases=False the biases stay fixed (many write-ups train only the weights).

    Returns a dict:
      "output": o at the initial parameters (t's shape)
      "loss":   E at the initial parameters (0-d)
      "grads":  {"W1", "W2", and "b1", "b2" when they are trained}: dE/dparameter at the initial parameters
      "losses": E before each step, shape (steps,)
      "params": {"W1", "W2", and "b1", "b2" when given}: the parameters after the steps
    """
    x, t = as_tensor(x), as_tensor(t)
    layer1, layer2 = make_layer(W1, b1), make_layer(W2, b2)
    params = {"W1": layer1.weight, "b1": layer1.bias, "W2": layer2.weight, "b2": layer2.bias}
    params = {name: p for name, p in params.items() if p is not None}
    # BEGIN SOLUTION: run `steps` steps of torch.optim.SGD on the weights (and the biases unless train_biases is False) and return the dict described above
    trained = {name: p for name, p in params.items() if train_biases or name.startswith("W")}
    for name, p in params.items():
        p.requires_grad_(name in trained)
    optimizer = torch.optim.SGD(list(trained.values()), lr=lr)
    first, losses = {}, []
    for _ in range(steps):
        optimizer.zero_grad()
        o = forward(layer1, layer2, x)
        loss = hw2_loss(o, t)
        loss.backward()
        if not first:
            first = {"output": o.detach(), "loss": loss.detach(),
                     "grads": {name: p.grad.clone() for name, p in trained.items()}}
        losses.append(loss.detach())
        optimizer.step()
    return {**first, "losses": torch.stack(losses),
            "params": {name: p.detach().clone() for name, p in params.items()}}
    # END SOLUTION


# ---------------------------------------------------------------- Case B: eight named weights

def case_b_matrices(w):
    """Case B's weights w1..w8 (a sequence of 8) as the two nn.Linear weight matrices (W1, W2), each (2, 2).

    The wiring (before the activations): h1 = w1*x1 + w3*x2, h2 = w2*x1 + w4*x2,
    o1 = w5*a1 + w7*a2, o2 = w6*a1 + w8*a2. Mind nn.Linear's (out, in) layout.
    """
    w = as_tensor(w)
    # BEGIN SOLUTION: return (W1, W2) where W[i, j] is the weight from input j into unit i
    return w[:4].reshape(2, 2).T.clone(), w[4:].reshape(2, 2).T.clone()
    # END SOLUTION


def case_b_vector(W1, W2):
    """The inverse of `case_b_matrices`: the vector (8,) w1..w8 read from the two (out, in) matrices."""
    W1, W2 = as_tensor(W1), as_tensor(W2)
    # BEGIN SOLUTION: return w1..w8 in the curriculum's order as one (8,) tensor
    return torch.cat([W1.T.reshape(-1), W2.T.reshape(-1)])
    # END SOLUTION


def train_case_b(x, t, w, lr=1.0, steps=1):
    """Case B of hw2 (no biases, sigmoid, `hw2_loss`) with autograd; w holds w1..w8.

    Returns a dict: "prediction" (2,) and "loss" (0-d) at the given weights, "grads" (8,) =
    dE/dw1..dE/dw8 there, "losses" (steps,) = E before each step, "weights" (8,) = w1..w8 after
    the steps of SGD with learning rate lr.
    """
    # BEGIN SOLUTION: run train_network on the Case B matrices and translate its results back to w1..w8
    W1, W2 = case_b_matrices(w)
    run = train_network(x, t, W1, W2, lr=lr, steps=steps)
    return {"prediction": run["output"], "loss": run["loss"], "losses": run["losses"],
            "grads": case_b_vector(run["grads"]["W1"], run["grads"]["W2"]),
            "weights": case_b_vector(run["params"]["W1"], run["params"]["W2"])}
    # END SOLUTION


# ---------------------------------------------------------------- hw1's linear model

def train_linear(x, y, w0, lr=0.01, epochs=100):
    """hw1's model y_hat = x * w with loss (y_hat - y)^2, trained by plain SGD, one update per sample.

    w is a 0-d float64 tensor with requires_grad=True, starting at w0. Every epoch visits the
    samples in order; one update: the loss of one sample, loss.backward(), then
    w <- w - lr * dL/dw outside the graph. Each update must use that sample's gradient only
    (see `accumulated_grad` for what happens otherwise).

    Returns {"grads": dL/dw of each update, shape (epochs * len(x),), "losses": the loss of each
    update, same shape, "w": the final w (0-d)}.
    """
    x, y = as_tensor(x), as_tensor(y)
    w = as_tensor(w0).requires_grad_()
    grads, losses = [], []
    # BEGIN SOLUTION: for every epoch and every sample, compute the loss, backpropagate, record dL/dw and the loss, and update w
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            loss = (xi * w - yi) ** 2
            loss.backward()
            grads.append(w.grad.item())
            losses.append(loss.item())
            with torch.no_grad():
                w -= lr * w.grad
            w.grad.zero_()
    # END SOLUTION
    return {"grads": torch.tensor(grads, dtype=DTYPE), "losses": torch.tensor(losses, dtype=DTYPE), "w": w.detach()}


def accumulated_grad(x, y, w, k):
    """What w.grad holds after k calls of backward() without clearing it: the classic pitfall, on purpose.

    x, y: one sample (numbers); w: a number. Each of the k calls builds the loss (x * w - y)^2
    afresh at the same w and calls backward() on it; w.grad is never reset in between.
    Returns w.grad (0-d) after the k calls.
    """
    x, y = as_tensor(x), as_tensor(y)
    w = as_tensor(w).requires_grad_()
    # BEGIN SOLUTION: build the loss and call backward k times, never clearing w.grad, and return it
    for _ in range(k):
        ((x * w - y) ** 2).backward()
    return w.grad
    # END SOLUTION


# ---------------------------------------------------------------- torch's building blocks against hand-written ones

def compare_sigmoid(z):
    """`torch.sigmoid` next to the hand-written `sigmoid`, values and gradients, all from autograd.

    Returns {"torch": torch.sigmoid(z), "manual": sigmoid(z), "torch_grad": d sum(torch.sigmoid(z)) / dz,
    "manual_grad": d sum(sigmoid(z)) / dz}, each of z's shape.
    """
    # BEGIN SOLUTION: differentiate the sum of each sigmoid with respect to its own copy of z
    z_torch, z_manual = as_tensor(z).requires_grad_(), as_tensor(z).requires_grad_()
    s_torch, s_manual = torch.sigmoid(z_torch), sigmoid(z_manual)
    s_torch.sum().backward()
    s_manual.sum().backward()
    return {"torch": s_torch.detach(), "manual": s_manual.detach(),
            "torch_grad": z_torch.grad, "manual_grad": z_manual.grad}
    # END SOLUTION


def compare_mse(o, t):
    """`torch.nn.MSELoss()` (its default reduction) next to `hw2_loss`, on the same outputs.

    o, t: one sample's outputs and targets (K,), or a batch (N, K); o != t. Returns
    {"mse": MSELoss()(o, t), "half_sum": hw2_loss(o, t), "factor": half_sum / mse,
    "mse_grad": d mse / do, "half_sum_grad": d half_sum / do}; the gradients have o's shape.
    """
    # BEGIN SOLUTION: compute both losses of o (a tensor that requires grad), their gradients with respect to o, and the factor
    o_mse, o_half = as_tensor(o).requires_grad_(), as_tensor(o).requires_grad_()
    t = as_tensor(t)
    mse = torch.nn.MSELoss()(o_mse, t)
    half = hw2_loss(o_half, t)
    mse.backward()
    half.backward()
    return {"mse": mse.detach(), "half_sum": half.detach(), "factor": half.detach() / mse.detach(),
            "mse_grad": o_mse.grad, "half_sum_grad": o_half.grad}
    # END SOLUTION
