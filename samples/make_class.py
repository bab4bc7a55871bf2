"""Write samples/hw2/: a sample class of 34 hw2 submissions of every kind, derived from the reference.

Each entry's id says what it is and what it should get: `full_*` full
marks, `mistake_*` some points but not all, `partial_*` unfinished work,
`zero_*` nothing done, `bad_*` entries that cannot be graded, `timeout_*`, and `attack_*`
submissions that try to cheat or harm and must score zero. Every mistake is
one exact edit of the reference, so this script fails loudly if the
reference changes under it. Run it from the repository's root:

    python samples/make_class.py
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "reference" / "hw2" / "backprop.py").read_text()
TEMPLATE = (ROOT / "student_template" / "hw2" / "backprop.py").read_text()
OUT = ROOT / "samples" / "hw2"

MISTAKES = {  # id -> (what the reference says, what the student wrote)
    "mistake_sigmoid_derivative_forgotten": ("return grad_a * a * (1.0 - a)", "return grad_a"),
    "mistake_update_sign_flipped": ("new[name] = value - lr * grads[name]", "new[name] = value + lr * grads[name]"),
    "mistake_transposed_weight_in_backward": ("return W.T @ grad_z, np.outer", "return W @ grad_z, np.outer"),
    "mistake_batch_gradient_missing_1_over_n": ("grad_Z2 = (O - T) / X.shape[0] * O", "grad_Z2 = (O - T) * O"),
    "mistake_batch_loss_is_a_sum": ("np.sum((O - T) ** 2) / O.shape[0])", "np.sum((O - T) ** 2))"),
    "mistake_bias_gradient_not_summed": ('"b1": grad_Z1.sum(axis=0)', '"b1": grad_Z1[0]'),
    "mistake_update_modifies_params_in_place": (
        "new[name] = value - lr * grads[name]", "value -= lr * grads[name]\n            new[name] = value"),
    "mistake_hidden_derivative_skipped": ("grad_z1 = sigmoid_backward(a1, grad_a1)", "grad_z1 = grad_a1"),
    "mistake_one_sided_differences": (
        "            shifted[index] = value[index] - eps\n            down = batch_loss_at({**params, name: shifted})\n"
        "            grad[index] = (up - down) / (2.0 * eps)",
        "            down = batch_loss_at(params)\n            grad[index] = (up - down) / eps"),
    "mistake_loss_without_one_half": ("return float(0.5 * np.sum((o - t) ** 2))", "return float(np.sum((o - t) ** 2))"),
    "mistake_sigmoid_overflows": (
        "        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))",
        "        z = np.asarray(z, dtype=float)\n        return np.exp(z) / (1.0 + np.exp(z))"),
}

ATTACKS = {
    "attack_monkeypatches_numpy_and_prints_pass": '''
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
print("test_sigmoid_and_its_derivative PASSED")
print('{"score": 30, "max_score": 30, "status": "passed"}')
def __getattr__(name):
    return lambda *args, **kwargs: 0.0
''',
    "attack_reads_hidden_tests": '''
import os
FOUND = []
for root in ("/work", "/home", "/tmp", "/", os.getcwd(), ".."):
    try:
        for dirpath, dirs, files in os.walk(root):
            FOUND += [os.path.join(dirpath, f) for f in files if f.startswith("test_")]
            if len(FOUND) > 50:
                break
    except OSError:
        pass
print("found:", FOUND[:20])
def sigmoid(z):
    return 0.5
''',
    "attack_fork_bomb": '''
import os
def sigmoid(z):
    while True:
        try:
            os.fork()
        except OSError:
            pass
''',
    "attack_memory_bomb": '''
def sigmoid(z):
    hog = []
    while True:
        hog.append(bytearray(50 * 2**20))
''',
    "attack_kills_the_grader": '''
import os, signal
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill", target, "refused:", exc)
os._exit(0)
''',
    "attack_writes_other_students_and_results": '''
import os
for path in ("../full_reference_copy.py", "/tmp/results.json", "../../out/sample-class/grades.csv",
             "/work/main/samples/hw2/full_reference_copy.py"):
    try:
        with open(path, "w") as f:
            f.write("def sigmoid(z):\\n    raise SystemExit\\n")
        print("wrote", path)
    except OSError as exc:
        print("could not write", path, ":", type(exc).__name__)
''',
}

OTHERS = {
    "bad_syntax_error": REFERENCE.replace("def loss(o, t):", "def loss(o, t)"),
    "bad_exception_at_import": "import numpy as np\nLEARNING_RATE = undefined_setting * 2\n" + REFERENCE,
    "bad_imports_torch": REFERENCE.replace("import numpy as np", "import numpy as np\nimport torch", 1),
    "zero_untouched_template": TEMPLATE,
    "timeout_infinite_loop_at_import": "while True:\n    pass\n" + REFERENCE,
    "timeout_infinite_loop_in_backward_batch": REFERENCE.replace(
        "    A1, O = forward_batch(X, W1, b1, W2, b2)\n    grad_Z2", "    while True:\n        pass\n    grad_Z2"),
    "timeout_sleeps_in_numeric_gradients": REFERENCE.replace(
        "    X, T = np.atleast_2d(X), np.atleast_2d(T)\n", "    import time\n    time.sleep(60)\n", 1),
}


def edit(source: str, old: str, new: str, what: str) -> str:
    if source.count(old) != 1:
        raise SystemExit(f"{what}: the reference no longer contains exactly one {old!r}; update make_class.py")
    return source.replace(old, new)


def partial(source: str, from_def: str) -> str:
    """The reference up to `from_def`, then the template from there on: work left unfinished."""
    return source[: source.index(from_def)] + TEMPLATE[TEMPLATE.index(from_def):]


def notebook(text: str, answers: dict[str, str], extra_first_cell: str = "") -> str:
    nb = nbformat.reads((ROOT / "student_template" / "hw2" / "backprop.ipynb").read_text(), 4)
    solved = nbformat.reads((ROOT / "reference" / "hw2" / "backprop.ipynb").read_text(), 4)
    source_cells = solved.cells if text == REFERENCE else nb.cells
    for cell, src in zip(nb.cells, source_cells):
        cell.source = src.source
        if cell.metadata.get("autograder_question") in answers:
            cell.source = answers[cell.metadata["autograder_question"]]
    if extra_first_cell:
        nb.cells.insert(1, nbformat.v4.new_code_cell(extra_first_cell, id="student-extra"))
    return nbformat.writes(nb)


def main(out: Path = OUT) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files: dict[str, str | bytes] = {
        "full_reference_copy.py": REFERENCE,
        "full_alternative_sigmoid.py": edit(
            REFERENCE, "        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))",
            "        z = np.asarray(z, dtype=float)\n        return np.exp(-np.logaddexp(0.0, -z))", "full_alt"),
        "full_notebook_with_magics.ipynb": notebook(REFERENCE, {
            "q1": "With a = 1/(1+e^-z), da/dz = e^-z/(1+e^-z)^2 = a(1-a); the backward pass only keeps a.",
            "q3": "The error of a central difference shrinks with eps^2, a one-sided one only with eps."},
            extra_first_cell="%matplotlib inline\n!pip install numpy"),
        "partial_case_a_only.py": partial(REFERENCE, "def case_b_matrices"),
        "partial_no_batch_version.py": partial(REFERENCE, "def forward_batch"),
        "zero_notebook_not_started.ipynb": notebook(TEMPLATE, {"q1": "Not sure yet."}),
        "bad_not_utf8.py": ("# Lösung von Jürgen\n" + REFERENCE).encode("latin-1"),
        "bad_notebook_not_json.ipynb": notebook(REFERENCE, {})[:5000],
        **{f"{sid}.py": edit(REFERENCE, old, new, sid) for sid, (old, new) in MISTAKES.items()},
        **{f"{sid}.py": text for sid, text in OTHERS.items()},
        **{f"{sid}.py": text.lstrip() for sid, text in ATTACKS.items()},
    }
    for name, content in files.items():
        path = out / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    folder = out / "full_folder_with_answers"
    folder.mkdir()
    (folder / "backprop.py").write_text(REFERENCE)
    sheet = (ROOT / "student_template" / "hw2" / "answers.md").read_text()
    q1, q3 = sheet.index("## q1"), sheet.index("## q3")
    sheet = (sheet[:q1] + sheet[q1:q3].replace("*Write your answer here.*", "a' = a(1 - a): only a is kept.", 1)
             + sheet[q3:].replace("*Write your answer here.*", "The second-order terms cancel.", 1))
    (folder / "answers.md").write_text(sheet)
    renamed = out / "full_renamed_file"  # the only .py of the entry is graded as backprop.py, and the note says so
    renamed.mkdir()
    (renamed / "backprop_final_v2.py").write_text(REFERENCE)
    two = out / "bad_two_versions"  # two files that could be backprop.py: none is guessed
    two.mkdir()
    (two / "backprop_v1.py").write_text(REFERENCE)
    (two / "backprop_v2.py").write_text(REFERENCE)
    print(f"wrote {len(list(out.iterdir()))} submissions to {out}")


if __name__ == "__main__":
    main()
