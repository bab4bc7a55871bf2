"""Probes for hw1: exercise your `Dual` class and return plain numbers.

Each probe runs beside your module (`mod`) and returns `(val, dot)` pairs of
floats. A dual operand is written as a pair `(val, dot)`; a plain number
stays a plain number, so mixed operations like `3.0 * Dual(...)` are tried
too. You can call them yourself: `dual_binary(chain_rule, "mul", (2.0, 1.0), 3.0)`.
"""

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
}


def _operand(mod, x):
    """A pair (val, dot) becomes the student's Dual; a number stays a number."""
    if isinstance(x, (list, tuple)):
        return mod.Dual(x[0], x[1])
    return float(x)


def _pair(d):
    """A Dual as the plain pair (val, dot)."""
    return (float(d.val), float(d.dot))


def dual_binary(mod, op, a, b):
    """`a <op> b` ("add", "sub" or "mul") with your Dual class; returns (val, dot)."""
    return _pair(BINARY[op](_operand(mod, a), _operand(mod, b)))


def dual_unary(mod, fn, a):
    """`mod.sin(a)` or `mod.exp(a)` ("sin", "exp") on the Dual a = (val, dot); returns (val, dot)."""
    return _pair(getattr(mod, fn)(_operand(mod, a)))


def dual_polynomial(mod, coefficients, x):
    """p(x) = c0 + c1*x + c2*x^2 + ... by Horner's rule on `Dual(x, 1.0)`; returns (p(x), p'(x))."""
    d = mod.Dual(x, 1.0)
    result = mod.Dual(0.0, 0.0)
    for c in reversed(coefficients):
        result = result * d + float(c)
    return _pair(result)


def dual_square(mod, x):
    """u * u for the same Dual u = Dual(x, 1.0) used twice; returns (x^2, d(x^2)/dx)."""
    u = mod.Dual(x, 1.0)
    return _pair(u * u)
