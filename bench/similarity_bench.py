"""The benchmark of `autograder similarity`: a class of N hw2 submissions compared pairwise, timed.

    .venv/bin/python bench/similarity_bench.py                 # 200 submissions, one run
    .venv/bin/python bench/similarity_bench.py --repeat 3      # the median of 3 runs
    .venv/bin/python bench/similarity_bench.py --n 50 --keep /tmp/sim   # keep the class and the report

The class is made from the reference and the independent solutions in `samples/independent/hw2/`: each
submission starts from one of them, takes some functions from another (help from a friend), and is then
disguised (its local variables renamed, its comments rewritten, its functions reordered); one in ten is
handed in as a notebook, and one in twenty is a disguised copy of an earlier classmate's. The command runs
in a fresh process (`python -m autograder.cli similarity`, as an instructor would run it), imports
included. It prints one JSON line: the wall time (the median over the runs), the submissions, the pairs
and the pairs flagged; it exits 1 if a run fails or its CSV does not hold every pair.

Student code is only text here too: the bench reads it with `ast` and `tokenize`, never runs it.
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT, FILE = "hw2", "backprop.py"
INDEPENDENT = ROOT / "samples" / "independent" / ASSIGNMENT
THRESHOLD = 0.6  # the command's default
PREFIXES = ("my", "tmp", "the", "cur", "new", "val")
COMMENTS = ("# compute it", "# as in the lecture", "# this part took a while", "# see the notes", "")


def solutions() -> dict[str, str]:
    """Style -> a complete correct solution: the reference (its solution markers removed) and the independent ones."""
    from autograder.authoring.stubs import strip_markers  # noqa: PLC0415

    out = {"reference": strip_markers((ROOT / "reference" / ASSIGNMENT / FILE).read_text("utf-8"))}
    out.update({path.stem: path.read_text("utf-8") for path in sorted(INDEPENDENT.glob("*.py"))})
    return out


def split_functions(source: str) -> tuple[str, list[tuple[str, str]]]:
    """(what comes before the first function, [(name, text)] of each top-level function with what follows it)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [(node.name, node.lineno - 1) for node in tree.body if isinstance(node, ast.FunctionDef)]
    ends = [start for _, start in starts[1:]] + [len(lines)]
    head = "".join(lines[:starts[0][1]]) if starts else source
    return head, [(name, "".join(lines[start:end])) for (name, start), end in zip(starts, ends)]


def local_names(source: str) -> set[str]:
    """Names assigned inside the functions that are neither a parameter anywhere nor a top-level name."""
    tree = ast.parse(source)
    top = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    top |= {node.id for stmt in tree.body if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign))
            for node in ast.walk(stmt) if isinstance(node, ast.Name)}
    params = {a.arg for node in ast.walk(tree) if isinstance(node, ast.arguments)
              for a in (*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg) if a}
    stored = {node.id for fn in tree.body if isinstance(fn, ast.FunctionDef) for node in ast.walk(fn)
              if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    return stored - params - top - {"_"}


def rewrite_tokens(source: str, rename: dict[str, str], comment) -> str:
    """`source` with the names in `rename` renamed (never an attribute) and each comment replaced by `comment(it)`."""
    edits, previous = [], None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in rename and previous != ".":
            edits.append((tok.start, tok.end, rename[tok.string]))
        elif tok.type == tokenize.COMMENT:
            edits.append((tok.start, tok.end, comment(tok.string)))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.string
    lines = source.splitlines(keepends=True)
    for (row, start), (_, end), new in reversed(edits):
        lines[row - 1] = lines[row - 1][:start] + new + lines[row - 1][end:]
    return "".join(lines)


def disguise(source: str, rng: random.Random) -> str:
    """What a student who copied would hand in: local variables renamed, comments rewritten, functions reordered."""
    prefix = rng.choice(PREFIXES)
    rename = {name: f"{prefix}_{name}" for name in sorted(local_names(source))}
    text = rewrite_tokens(source, rename, lambda old: rng.choice(COMMENTS) if old.strip("# ") else old)
    head, functions = split_functions(text)
    rng.shuffle(functions)
    return head + "".join(body if body.endswith("\n\n\n") else body.rstrip("\n") + "\n\n\n" for _, body in functions)


def mixed(styles: dict[str, str], rng: random.Random, share: float = 0.3) -> str:
    """A solution in one style with about `share` of its functions taken from the other styles."""
    base = rng.choice(sorted(styles))
    head, functions = split_functions(styles[base])
    others = {style: dict(split_functions(text)[1]) for style, text in styles.items() if style != base}
    swapped = [(name, others[rng.choice(sorted(others))][name] if rng.random() < share else body)
               for name, body in functions]
    return head + "".join(body for _, body in swapped)


def as_notebook(source: str) -> str:
    """The code as the course's notebook for it (`authoring.notebooks`), with its answer and self-check cells."""
    import nbformat  # noqa: PLC0415

    from autograder.authoring.notebooks import build_notebook  # noqa: PLC0415
    from autograder.core.course import get_assignment  # noqa: PLC0415

    assignment = get_assignment(ASSIGNMENT, ROOT)
    return nbformat.writes(build_notebook(assignment, source, Path(FILE).with_suffix(".ipynb").name))


def make_class(folder: Path, n: int, seed: int = 0) -> Path:
    """N submissions `s0000.py ...` (one in ten `.ipynb`) in `folder`, made as the module docstring says."""
    rng, styles, made = random.Random(seed), solutions(), []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        source = disguise(made[rng.randrange(len(made))] if made and rng.random() < 0.05 else mixed(styles, rng), rng)
        made.append(source)
        if rng.random() < 0.1:
            (folder / f"s{i:04d}.ipynb").write_text(as_notebook(source), "utf-8")
        else:
            (folder / f"s{i:04d}.py").write_text(source, "utf-8")
    return folder


def run_once(subs: Path, out: Path) -> tuple[float, subprocess.CompletedProcess, list[dict]]:
    """One run of the command in a fresh process: (its wall time, the process, the rows of its CSV)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "similarity", ASSIGNMENT, str(subs),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    path = out / "similarity.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8")))) if path.is_file() else []
    return seconds, done, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median wall time is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="make the class and the report here, and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ag-similarity-bench-") as tmp:
        base = args.keep or Path(tmp)
        subs = make_class(base / "submissions", args.n, args.seed)
        times, rows = [], []
        for run in range(args.repeat):
            seconds, done, rows = run_once(subs, base / f"out{run}")
            if done.returncode != 0 or len(rows) != args.n * (args.n - 1) // 2:
                print(f"run {run + 1} failed (exit {done.returncode}, {len(rows)} pairs):\n{done.stdout}{done.stderr}",
                      file=sys.stderr)
                return 1
            times.append(seconds)
    flagged = sum(float(row["similarity"]) >= THRESHOLD for row in rows)
    print(json.dumps({"bench": "similarity", "assignment": ASSIGNMENT, "submissions": args.n, "pairs": len(rows),
                      "flagged": flagged, "wall_s": round(statistics.median(times), 2),
                      "runs_s": [round(t, 2) for t in times]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
