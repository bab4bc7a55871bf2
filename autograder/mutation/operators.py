"""Making mutants: every small change to the code inside a reference's solution regions, in a fixed order."""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Iterator

from autograder.authoring.stubs import BEGIN, END, make_stub
from autograder.core.course import Assignment
from autograder.core.errors import AutograderError

from .report import Mutant
from .words import in_words

ARITH_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult}
AUG_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
DOT_FUNCTIONS = {"dot", "matmul", "mm"}
ARRAY_MODULES = {"np", "numpy", "torch"}
ZERO_MAKERS = {"zeros", "zeros_like"}


@dataclass(frozen=True)
class _Site:
    """A node inside a solution region, and where it hangs in the tree (to swap it in place)."""

    node: ast.AST
    parent: ast.AST
    field: str
    index: int | None
    function: str


def solution_regions(source: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of the code between each BEGIN and END SOLUTION marker."""
    regions, start = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN.match(line):
            start = number
        elif END.match(line) and start is not None:
            regions.append((start + 1, number - 1))
            start = None
    return regions


def _walk(node, parent=None, fieldname="", index=None, scope=()) -> Iterator[tuple]:
    """Every node in a fixed pre-order, with its parent, field, list index and enclosing function."""
    yield node, parent, fieldname, index, scope
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        scope = (*scope, node.name)
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, node, name, i, scope)
        elif isinstance(value, ast.AST):
            yield from _walk(value, node, name, None, scope)


def _sites(tree: ast.AST, regions: list[tuple[int, int]]) -> list[_Site]:
    sites = []
    for node, parent, name, index, scope in _walk(tree):
        line, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if parent is not None and line is not None and any(a <= line and end <= b for a, b in regions):
            sites.append(_Site(node, parent, name, index, ".".join(scope) or "<module>"))
    return sites


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _changed(node: ast.AST, **changes) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in changes.items():
        setattr(new, name, value)
    return new


def _transposed(node: ast.AST) -> ast.AST:
    return ast.Attribute(value=copy.deepcopy(node), attr="T", ctx=ast.Load())


def _transposable(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and node.attr != "T")


def _negatable(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        return not isinstance(node.op, ast.USub)
    if isinstance(node, ast.Call):  # -zeros(...) is zeros (-0.0 == 0.0): never worth a mutant
        return getattr(node.func, "attr", getattr(node.func, "id", "")) not in ZERO_MAKERS
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp))


def _constant_variants(value) -> list:
    """c+1, 0 (when c is not 0) and 2c, of c's own type, without repeats."""
    candidates = [value + 1, 0, value * 2]
    out = []
    for v in candidates:
        v = type(value)(v)
        if v != value and v not in out:
            out.append(v)
    return out


def _dot_operands(call: ast.Call) -> list[tuple[str, int | None]]:
    """Where the two matrices of `np.dot(a, b)` / `a.dot(b)` sit in the call: ('args', i) or ('func', None)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in DOT_FUNCTIONS:
        return []
    if isinstance(func.value, ast.Name) and func.value.id in ARRAY_MODULES:
        return [("args", 0), ("args", 1)] if len(call.args) == 2 else []
    return [("func", None), ("args", 0)] if len(call.args) == 1 else []


def _binop_mutations(node: ast.BinOp) -> Iterator[tuple[str, ast.AST, str]]:
    op = type(node.op)
    if op in ARITH_SWAP:
        new_op = ARITH_SWAP[op]
        yield ("arith-swap", _changed(node, op=new_op()),
               f"`{SYMBOLS[op]}` -> `{SYMBOLS[new_op]}` in `{_short(node)}`")
    if op in (ast.Add, ast.Sub):
        for kept in (node.left, node.right):
            yield "drop-term", copy.deepcopy(kept), f"`{_short(node)}` -> `{_short(kept)}`"
    if op is ast.MatMult:
        for side in ("left", "right"):
            operand = getattr(node, side)
            if _transposable(operand):
                yield ("transpose-add", _changed(node, **{side: _transposed(operand)}),
                       f"`{_short(operand)}` -> `{_short(operand)}.T` in `{_short(node)}`")


def _call_mutations(node: ast.Call) -> Iterator[tuple[str, ast.AST, str]]:
    for where, i in _dot_operands(node):
        operand = node.func.value if where == "func" else node.args[i]
        if _transposable(operand):
            new = copy.deepcopy(node)
            if where == "func":
                new.func.value = _transposed(operand)
            else:
                new.args[i] = _transposed(operand)
            yield "transpose-add", new, f"`{_short(operand)}` -> `{_short(operand)}.T` in `{_short(node)}`"
    args = node.args
    if (len(args) == 2 and all(isinstance(a, ast.Name) for a in args) and args[0].id != args[1].id):
        new = _changed(node, args=[copy.deepcopy(args[1]), copy.deepcopy(args[0])])
        yield "swap-args", new, f"`{_short(node)}` -> `{_short(new)}`"


def _compare_mutations(node: ast.Compare) -> Iterator[tuple[str, ast.AST, str]]:
    for i, op in enumerate(node.ops):
        if type(op) in COMPARE_SWAP:
            new_op = COMPARE_SWAP[type(op)]
            new = _changed(node, ops=[*node.ops[:i], new_op(), *node.ops[i + 1:]])
            yield "compare-swap", new, f"`{SYMBOLS[type(op)]}` -> `{SYMBOLS[new_op]}` in `{_short(node)}`"


def _augassign_mutations(node: ast.AugAssign) -> Iterator[tuple[str, ast.AST, str]]:
    op = type(node.op)
    target = _short(node.target)
    yield ("augassign-to-assign", ast.Assign(targets=[copy.deepcopy(node.target)], value=copy.deepcopy(node.value),
                                             lineno=node.lineno), f"`{target} {SYMBOLS.get(op, '?')}= ...` -> `{target} = ...`")
    if op in AUG_SWAP:
        new_op = AUG_SWAP[op]
        yield ("augassign-swap", _changed(node, op=new_op()),
               f"`{target} {SYMBOLS[op]}= ...` -> `{target} {SYMBOLS[new_op]}= ...`")


def _value_slots(value: ast.AST) -> list[tuple[str, int | None]]:
    """The parts of an assigned or returned value that a sign flip may hit: the value, or each element."""
    if isinstance(value, (ast.Tuple, ast.List)):
        return [("elts", i) for i, e in enumerate(value.elts) if _negatable(e)]
    if isinstance(value, ast.Dict):
        return [("values", i) for i, v in enumerate(value.values) if _negatable(v)]
    return [("", None)] if _negatable(value) else []


def _result_mutations(node: ast.Return | ast.Assign) -> Iterator[tuple[str, ast.AST, str]]:
    value = node.value
    if value is None:
        return
    for slot, i in _value_slots(value):
        new = copy.deepcopy(node)
        part = value if i is None else getattr(value, slot)[i]
        negated = ast.UnaryOp(op=ast.USub(), operand=copy.deepcopy(part))
        if i is None:
            new.value = negated
        else:
            getattr(new.value, slot)[i] = negated
        yield "unary-minus-insert", new, f"`{_short(part)}` -> `{_short(negated)}`"
    if isinstance(node, ast.Return) and isinstance(value, ast.Tuple) and len(value.elts) >= 2:
        for i, elt in enumerate(value.elts):
            new = _changed(node, value=_changed(value, elts=[copy.deepcopy(e) for j, e in enumerate(value.elts) if j != i]))
            yield "drop-element", new, f"`{_short(elt)}` dropped from the returned tuple"
    if isinstance(node, ast.Return) and isinstance(value, ast.Dict) and len(value.keys) >= 2:
        for i, key in enumerate(value.keys):
            if key is None:
                continue
            keep = [j for j in range(len(value.keys)) if j != i]
            new = _changed(node, value=ast.Dict(keys=[copy.deepcopy(value.keys[j]) for j in keep],
                                                 values=[copy.deepcopy(value.values[j]) for j in keep]))
            yield "drop-element", new, f"entry `{_short(key)}` dropped from the returned dict"


def _mutations(node: ast.AST) -> Iterator[tuple[str, ast.AST, str]]:
    """(operator, replacement node, description) for every mutation of this one node."""
    if isinstance(node, ast.BinOp):
        yield from _binop_mutations(node)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "unary-minus-remove", copy.deepcopy(node.operand), f"`{_short(node)}` -> `{_short(node.operand)}`"
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        for v in _constant_variants(node.value):
            yield "constant", ast.Constant(value=v), f"`{node.value!r}` -> `{v!r}`"
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield "transpose-remove", copy.deepcopy(node.value), f"`{_short(node)}` -> `{_short(node.value)}`"
    elif isinstance(node, ast.Call):
        yield from _call_mutations(node)
    elif isinstance(node, ast.Compare):
        yield from _compare_mutations(node)
    elif isinstance(node, ast.AugAssign):
        yield from _augassign_mutations(node)
    elif isinstance(node, (ast.Return, ast.Assign)):
        yield from _result_mutations(node)


def _unparse_with(tree: ast.AST, site: _Site, new: ast.AST) -> str:
    """The module's text with `new` in place of the site's node (the tree is restored after)."""
    holder = getattr(site.parent, site.field)
    if site.index is None:
        setattr(site.parent, site.field, new)
    else:
        holder[site.index] = new
    try:
        return ast.unparse(tree)
    finally:
        if site.index is None:
            setattr(site.parent, site.field, site.node)
        else:
            holder[site.index] = site.node


def generate_mutants(source: str, filename: str = "<reference>", start_index: int = 0) -> list[Mutant]:
    """Every mutant of one reference file, in a fixed order; duplicates and no-ops left out."""
    make_stub(source, filename)  # raises a clear error on unbalanced markers
    tree = ast.parse(source, filename)
    seen = {ast.unparse(tree)}
    mutants: list[Mutant] = []
    for site in _sites(tree, solution_regions(source)):
        for operator, new, description in _mutations(site.node):
            try:
                text = _unparse_with(tree, site, new)
                compile(text, filename, "exec")
            except (SyntaxError, ValueError, TypeError, AttributeError):
                continue
            if text in seen:
                continue
            seen.add(text)
            mutants.append(Mutant(start_index + len(mutants), filename, site.node.lineno, site.node.col_offset,
                                  site.function, operator, description, text,
                                  in_words(operator, site.node, new, site.function)))
    return mutants


def assignment_mutants(assignment: Assignment) -> tuple[dict[str, str], list[Mutant]]:
    """The reference's files (name -> text) and every mutant of them."""
    reference, mutants = {}, []
    for name in assignment.files:
        path = assignment.reference_dir / name
        if not path.is_file():
            raise AutograderError(f"{path}: reference file missing")
        reference[name] = path.read_text("utf-8")
        mutants += generate_mutants(reference[name], name, start_index=len(mutants))
    return reference, mutants


def sample(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """At most `limit` mutants, evenly spread over the list (deterministic)."""
    if limit is None or limit >= len(mutants):
        return list(mutants)
    return [mutants[i * len(mutants) // limit] for i in range(limit)]
