"""Public probes for hw3: they run beside your module and report, as data, what your objects do."""


def layer_report(mod, W, b, x):
    """Build a layer with your `make_layer(W, b)` and report its type, its parameters and its output on x."""
    import torch

    layer = mod.make_layer(W, b)
    params = list(layer.parameters())
    return {
        "is_linear": isinstance(layer, torch.nn.Linear),
        "n_params": len(params),
        "requires_grad": [bool(p.requires_grad) for p in params],
        # x in the layer's own dtype: a float32 layer is judged on its layout here (precision has its own test)
        "output": layer(torch.as_tensor(x, dtype=params[0].dtype if params else torch.float64)).detach(),
    }


def forward_report(mod, W1, b1, W2, b2, x):
    """Your `forward` on two layers built by your `make_layer` (W1, b1) and (W2, b2): its output on x."""
    return mod.forward(mod.make_layer(W1, b1), mod.make_layer(W2, b2), mod.as_tensor(x)).detach()
