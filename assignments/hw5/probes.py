"""Probes for hw5: small programs that drive your `Value` and `Variable` and return plain data.

The tests call them with `submission.probe("name", ...)`; each receives
your module as `mod`. An expression is a list of steps over a list of
nodes that starts with the leaves; each step appends one node:

    ["add", i, j]  nodes[i] + nodes[j]      (also "sub", "mul", "div", "matmul")
    ["addc", i, c] nodes[i] + c, c a number or an array  (also "subc", "mulc", "divc")
    ["radd", c, i] c + nodes[i]             (also "rsub", "rmul", "rdiv")
    ["pow", i, p]  nodes[i] ** p            (p a constant)
    ["exp", i]     nodes[i].exp()           (also "log", "sigmoid", "tanh", "relu", "neg", "sum", "mean")

The last node is the output; backward() runs on it.
"""
import gc
import sys

_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "matmul": lambda a, b: a @ b,
}
_REFLECTED = {
    "radd": lambda c, a: c + a,
    "rsub": lambda c, a: c - a,
    "rmul": lambda c, a: c * a,
    "rdiv": lambda c, a: c / a,
}
_UNARY = {
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "neg": lambda a: -a,
    "sum": lambda a: a.sum(),
    "mean": lambda a: a.mean(),
}


def _build(leaves, steps):
    """The output node of `steps` over `leaves` (a list of nodes)."""
    return _build_all(leaves, steps)[-1]


def _build_all(leaves, steps):
    """Every node of `steps` over `leaves` (a list of nodes): the leaves, then one node per step."""
    nodes = list(leaves)
    for op, *args in steps:
        if op in _BINARY:
            nodes.append(_BINARY[op](nodes[args[0]], nodes[args[1]]))
        elif op.endswith("c") and op[:-1] in _BINARY:
            nodes.append(_BINARY[op[:-1]](nodes[args[0]], args[1]))
        elif op in _REFLECTED:
            nodes.append(_REFLECTED[op](args[0], nodes[args[1]]))
        elif op == "pow":
            nodes.append(nodes[args[0]] ** args[1])
        else:
            nodes.append(_UNARY[op](nodes[args[0]]))
    return nodes


def _leaves(mod, kind, values):
    make = mod.Value if kind == "scalar" else mod.Variable
    return [make(v) for v in values]


def expression(mod, kind, leaves, steps):
    """Build `steps` over new `Value`s (kind "scalar") or `Variable`s (kind "array"), backward(); the output and the leaves' grads."""
    nodes = _leaves(mod, kind, leaves)
    out = _build(nodes, steps)
    out.backward()
    return {"value": out.data, "grads": [n.grad for n in nodes]}


def expressions(mod, kind, leaves, programs):
    """`expression` for each step list in `programs`, each over new leaves: a list of results."""
    return [expression(mod, kind, leaves, steps) for steps in programs]


def _snapshot(grad):
    return grad.copy() if hasattr(grad, "copy") else grad


def repeated_backward(mod, kind, leaves, first, second, zero_between):
    """backward() on `first`'s output, then on `second`'s (on `first`'s again when second is None),
    with zero_grad() on the first output in between when asked; the leaves' grads after each call."""
    nodes = _leaves(mod, kind, leaves)
    out = _build(nodes, first)
    out.backward()
    after_first = [_snapshot(n.grad) for n in nodes]  # the next backward() may update these arrays in place
    if zero_between:
        out.zero_grad()
    if second is not None:
        out = _build(nodes, second)
    out.backward()
    return after_first, [n.grad for n in nodes]


def interior_backward(mod, kind, leaves, steps):
    """backward() twice on the output of one graph; the grads of the nodes the steps made (not the leaves'),
    after the first call and after the second."""
    nodes = _build_all(_leaves(mod, kind, leaves), steps)
    interior = nodes[len(leaves):]
    nodes[-1].backward()
    after_first = [_snapshot(n.grad) for n in interior]
    nodes[-1].backward()
    return after_first, [n.grad for n in interior]


def _stack_depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _with_low_recursion_limit(run, headroom):
    """run() with the recursion limit only `headroom` frames above this point, a limit that run() may not
    raise (sys.setrecursionlimit does nothing meanwhile); True when the limit was changed all the same."""
    limit, set_limit = sys.getrecursionlimit(), sys.setrecursionlimit
    low = _stack_depth() + headroom
    set_limit(low)
    sys.setrecursionlimit = lambda n: None
    try:
        run()
        return sys.getrecursionlimit() != low
    finally:
        sys.setrecursionlimit = set_limit
        set_limit(limit)


def long_chain(mod, n, headroom=100):
    """backward() on a chain of n + 1 bare nodes, each made as Value(0.0, (previous,)), with a low recursion
    limit: only the traversal is exercised (a bare node's _backward does nothing); the output's grad afterwards."""
    gc_enabled = gc.isenabled()
    gc.disable()  # the collector would cost more than the chain itself
    try:
        v = mod.Value(0.0)
        for _ in range(n):
            v = mod.Value(0.0, (v,))
        changed = _with_low_recursion_limit(v.backward, headroom)
        return {"grad": v.grad, "changed_recursion_limit": changed}
    finally:
        if gc_enabled:
            gc.enable()


def step_chain(mod, n, start, headroom=100):
    """v = x + step + step + ... (n additions, one new node each), backward() with a low recursion limit;
    the output and the grads of x and step."""
    x, step = mod.Value(start), mod.Value(1.0)
    v = x
    for _ in range(n):
        v = v + step
    changed = _with_low_recursion_limit(v.backward, headroom)
    return {"value": v.data, "x": x.grad, "step": step.grad, "changed_recursion_limit": changed}


def gradient_check(mod, leaves, steps, h):
    """Your gradient_check and numeric_grad on f = the expression `steps` (with scalar Values)."""
    def f(*values):
        return _build(list(values), steps)

    engine, numeric = mod.gradient_check(f, list(leaves), h)
    return {"engine": list(engine), "numeric": list(numeric), "numeric_grad": list(mod.numeric_grad(f, list(leaves), h))}


def mlp(mod, x, params):
    """mod.mlp_forward on new Variables for params {"W1", "b1", "W2", "b2"}, backward() from the sum of its outputs.

    Returns the output and every parameter's grad.
    """
    variables = {name: mod.Variable(value) for name, value in params.items()}
    out = mod.mlp_forward(x, variables)
    out.sum().backward()
    return {"value": out.data, "grads": {name: v.grad for name, v in variables.items()}}


def topological_report(mod):
    """Your topological_order on d = a*b + a: the nodes it lists, by name, in its order."""
    a, b = mod.Value(2.0), mod.Value(-3.0)
    c = a * b
    d = c + a
    names = {id(a): "a", id(b): "b", id(c): "c", id(d): "d"}
    return [names.get(id(node), "another node") for node in mod.topological_order(d)]


def mse_report(mod, pred, y):
    """Your mse on a new Variable `pred` and the array y, backward(); the loss and pred's grad."""
    variable = mod.Variable(pred)
    loss = mod.mse(variable, y)
    loss.backward()
    return {"value": loss.data, "grad": variable.grad}
