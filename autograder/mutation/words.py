"""A mutant in a student's words: which function, and what kind of slip, never a number or the code's values.

A diagnosis reads "your answers to this test are those of a solution in which <words>", so the words
name the function a student wrote (a method as `Class.method`, a nested backward step as the step of
its method) and the kind of change: "`sigmoid_backward` has a `/` where a `*` belongs". A mutant whose
change cannot be said that way without quoting the reference's own code is left without words (''),
and no diagnosis ever names it.
"""
from __future__ import annotations

import ast

SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
BACKWARD_STEP = "_backward"


def where(function: str) -> str:
    """The function as a student knows it: `f`, `Class.method`, or the backward step of `Class.method`;
    '' for code outside a function. Other inner functions are the enclosing function's business."""
    parts = function.split(".")
    if function == "<module>" or not parts[0]:
        return ""
    unit = parts[:2] if parts[0][:1].isupper() and len(parts) > 1 else parts[:1]
    rest = parts[len(unit):]
    name = f"`{'.'.join(unit)}`"
    return f"the backward step of {name}" if rest == [BACKWARD_STEP] else name


def _symbol(op: ast.AST) -> str:
    return SYMBOLS.get(type(op), "")


def _changed_symbols(old: ast.AST, new: ast.AST) -> tuple[str, str]:
    """(the reference's operator, the mutant's) of a swapped binary, augmented or comparison operator."""
    if isinstance(old, ast.Compare) and isinstance(new, ast.Compare):
        pairs = [(a, b) for a, b in zip(old.ops, new.ops) if type(a) is not type(b)]
        return (_symbol(pairs[0][0]), _symbol(pairs[0][1])) if pairs else ("", "")
    return _symbol(getattr(old, "op", None)), _symbol(getattr(new, "op", None))


def _callee(call: ast.AST) -> str:
    func = getattr(call, "func", None)
    text = ast.unparse(func) if func is not None else ""
    return text if text.replace(".", "").replace("_", "").isalpha() else ""  # a plain name: no index, no number


def _slip(operator: str, old: ast.AST, new: ast.AST) -> str:
    """What the mutant does wrong, after the function's name; '' when it cannot be said in words."""
    if operator in ("arith-swap", "compare-swap"):
        right, wrong = _changed_symbols(old, new)
        return f"has a `{wrong}` where a `{right}` belongs" if right and wrong else ""
    if operator == "augassign-swap":
        right, wrong = _changed_symbols(old, new)
        return f"has `{wrong}=` where `{right}=` belongs" if right and wrong else ""
    if operator == "augassign-to-assign":
        right = _symbol(getattr(old, "op", None))
        return f"overwrites a value with `=` where `{right}=` belongs" if right else ""
    if operator == "drop-term":
        kind = {ast.Add: "a sum", ast.Sub: "a difference"}.get(type(getattr(old, "op", None)))
        return f"leaves a term out of {kind}" if kind else ""
    if operator == "swap-args":
        callee = _callee(old)
        return f"passes the two arguments of `{callee}` in the wrong order" if callee else ""
    return {
        "transpose-add": "transposes a matrix that should not be transposed",
        "transpose-remove": "leaves out a transpose (`.T`) that belongs there",
        "unary-minus-insert": "gets the sign of a value wrong",
        "unary-minus-remove": "leaves out a minus sign",
        "constant": "uses a constant with the wrong value",
        "drop-element": "leaves a part out of what it returns",
    }.get(operator, "")


def in_words(operator: str, old: ast.AST, new: ast.AST, function: str) -> str:
    """A mutant (the reference's node `old` became `new`, in `function`) as words a student can read, or ''."""
    unit, slip = where(function), _slip(operator, old, new)
    return f"{unit} {slip}" if unit and slip else ""
