"""Mutation testing: a throwaway assignment whose tests are weak in known ways.

`offset` is only checked for its sign (its `+` -> `-` mutant must survive),
`same` multiplies by 1.0 (its `*` -> `/` mutant is truly equivalent), `relu`
is never tested at 0 (its `>` -> `>=` mutant is equivalent on the tested
inputs), `halvings` loops forever when `/` becomes `*` (a timeout), and
`noisy` draws an unseeded random number (its call cannot be replayed).
"""
import json
import os
import sys
import textwrap

import numpy as np
import pytest
import torch

from autograder.core.course import load_assignment
from autograder.core.errors import AutograderError
from autograder.grading.collect import collect
from autograder.grading.submissions import Prepared
from autograder.mutation import (
    CRASHED,
    EQUIVALENT,
    KILLED,
    SURVIVED,
    TIMEOUT,
    compare_replies,
    compare_values,
    format_report,
    generate_mutants,
    record_reference,
    run_in_children,
    run_mutation,
    sample,
    solution_regions,
)

TIMEOUT_S = 2.0

REFERENCE = '''\
import numpy as np


def scale(x):
    """Three times x."""
    # BEGIN SOLUTION: return three times x
    return 3.0 * x
    # END SOLUTION


def relu(x):
    """x when positive, else 0."""
    # BEGIN SOLUTION: return x when it is positive, else 0
    return x if x > 0 else 0.0
    # END SOLUTION


def same(x):
    """x, as a float."""
    # BEGIN SOLUTION: return x as a float
    return x * 1.0
    # END SOLUTION


def offset(x):
    """2x + 1."""
    # BEGIN SOLUTION: return 2x + 1
    return 2.0 * x + 1.0
    # END SOLUTION


def halvings(x):
    """How many times x can be halved before it is at most 1."""
    # BEGIN SOLUTION: count the halvings
    k = 0
    while x > 1.0:
        x = x / 2.0
        k += 1
    return k
    # END SOLUTION


def noisy():
    """A uniform random number in [0, 1)."""
    # BEGIN SOLUTION: draw one uniform number
    return np.random.rand()
    # END SOLUTION


def untouched(x):
    """Outside any solution region: never mutated."""
    return x + 1
'''

OFFSET_LINE = REFERENCE.splitlines().index("    return 2.0 * x + 1.0") + 1

PUBLIC_TESTS = '''\
import pytest
from autograder.testing import as_float


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.0])
def test_scale(submission, x):
    """scale(x) is three times x."""
    assert abs(as_float(submission.scale(x)) - 3.0 * x) < 1e-9, "scale is off"


def test_offset_sign(submission):
    """offset(1) is positive (deliberately weak: the sign only)."""
    assert as_float(submission.offset(1.0)) > 0, "offset has the wrong sign"
'''

HIDDEN_TESTS = '''\
import pytest
from autograder.testing import as_float


@pytest.mark.parametrize("x,want", [(-1.5, 0.0), (0.5, 0.5), (2.0, 2.0)])
def test_relu(submission, x, want):
    """relu keeps positive numbers and zeroes negative ones (never tried at 0)."""
    assert abs(as_float(submission.relu(x)) - want) < 1e-9, "relu is off"


def test_same(submission):
    """same(x) gives x back."""
    assert abs(as_float(submission.same(2.5)) - 2.5) < 1e-9, "same changes its input"


@pytest.mark.parametrize("x,want", [(8.0, 3), (10.0, 4)])
def test_halvings(submission, x, want):
    """halvings counts the halvings."""
    assert submission.halvings(x) == want, "wrong count"


def test_noisy(submission):
    """noisy gives a number in [0, 1)."""
    assert 0.0 <= as_float(submission.noisy()) < 1.0, "out of range"
'''

TOML = '''\
title = "Calculator"
files = ["calc.py"]
[tests]
test_scale = 1
test_offset_sign = 1
test_relu = 1
test_same = 1
test_halvings = 1
test_noisy = 1
'''


def make_course(root, reference=REFERENCE):
    """A one-assignment course folder under `root`; returns the loaded assignment."""
    folder = root / "assignments" / "calc"
    for sub, text in (("public/test_public.py", PUBLIC_TESTS), ("hidden/test_hidden.py", HIDDEN_TESTS),
                      ("assignment.toml", TOML)):
        (folder / sub).parent.mkdir(parents=True, exist_ok=True)
        (folder / sub).write_text(text)
    (root / "reference" / "calc").mkdir(parents=True, exist_ok=True)
    (root / "reference" / "calc" / "calc.py").write_text(reference)
    return load_assignment(folder, root)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    assignment = make_course(tmp_path_factory.mktemp("course"))
    return run_mutation(assignment, timeout_s=TIMEOUT_S, jobs=2)


def find(report, function, description):
    matches = [r for r in report.results if r.mutant.function == function and r.mutant.description == description]
    assert len(matches) == 1, f"expected one mutant {description!r} in {function}, got {len(matches)}"
    return matches[0]


def test_weakly_tested_mutant_survives(report):
    survivor = find(report, "offset", "`+` -> `-` in `2.0 * x + 1.0`")
    assert survivor.status == SURVIVED
    assert "offset()" in survivor.difference and "values differ" in survivor.difference
    assert survivor in report.survivors
    assert survivor.mutant.line == OFFSET_LINE


def test_well_tested_mutants_are_killed(report):
    scale = [r for r in report.results if r.mutant.function == "scale"]
    assert {r.mutant.operator for r in scale} >= {"arith-swap", "constant", "unary-minus-insert"}
    assert all(r.status == KILLED for r in scale)
    assert all(r.failed_tests == ("test_scale",) for r in scale)
    assert find(report, "offset", "`2.0 * x + 1.0` -> `-(2.0 * x + 1.0)`").status == KILLED
    assert find(report, "relu", "`0` -> `1`").failed_tests == ("test_relu",)


def test_equivalent_mutants_are_recognised(report):
    assert find(report, "same", "`*` -> `/` in `x * 1.0`").status == EQUIVALENT  # equivalent everywhere
    assert find(report, "relu", "`>` -> `>=` in `x > 0`").status == EQUIVALENT  # x = 0 is never tested
    assert find(report, "same", "`1.0` -> `2.0`").status == KILLED


def test_endless_loop_is_killed_by_timeout(report):
    looping = find(report, "halvings", "`/` -> `*` in `x / 2.0`")
    assert looping.status == TIMEOUT and looping.killed
    assert TIMEOUT_S <= looping.duration_s < TIMEOUT_S + 5
    assert find(report, "halvings", "`k += ...` -> `k = ...`").status == KILLED


def test_only_solution_regions_are_mutated(report):
    regions = solution_regions(REFERENCE)
    assert all(any(a <= r.mutant.line <= b for a, b in regions) for r in report.results)
    assert "untouched" not in {r.mutant.function for r in report.results}


def test_unseeded_call_is_not_compared(report):
    assert report.unstable_calls == 1  # noisy() draws a new number on replay
    assert find(report, "noisy", "`np.random.rand()` -> `-np.random.rand()`").status == KILLED


def test_counts_and_kill_rate_add_up(report):
    assert report.total == report.generated == len(report.results) > 20
    assert report.killed + report.survived + report.equivalent == report.total
    assert report.killed == sum(r.status in (KILLED, TIMEOUT, CRASHED) for r in report.results)
    assert report.timeouts == 1
    assert report.survived >= 1 and report.equivalent >= 2
    assert abs(report.kill_rate - report.killed / (report.killed + report.survived)) < 1e-12
    assert [r.mutant.index for r in report.results] == sorted(r.mutant.index for r in report.results)


def test_report_as_json_and_text(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert data["survived"] == report.survived and data["timeouts"] == 1
    assert len(data["mutants"]) == report.total and "source" not in data["mutants"][0]
    assert all(r["duration_s"] > 0 for r in data["mutants"])
    text = format_report(report)
    assert "kill rate" in text and f"calc.py:{OFFSET_LINE} in offset  [arith-swap]" in text
    assert "Equivalent on the tested inputs" in text and "per mutant mean" in text


def test_reference_without_full_marks_is_refused(tmp_path):
    assignment = make_course(tmp_path, REFERENCE.replace("return 3.0 * x", "return 4.0 * x"))
    with pytest.raises(AutograderError, match="does not get full marks.*test_scale"):
        run_mutation(assignment, timeout_s=TIMEOUT_S)


def test_recording_leaves_this_process_as_it_was(tmp_path):
    assignment = make_course(tmp_path)
    specs = collect(assignment)
    path, state = list(sys.path), np.random.get_state()
    recording = record_reference(assignment, specs, Prepared("ref", tmp_path, {"calc.py": REFERENCE}, ""), 30.0)
    assert sys.path == path and "calc" not in sys.modules
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
               for a, b in zip(np.random.get_state(), state))
    names = [message.get("name") for message, _ in recording.calls]
    assert names.count("halvings") == 2 and names.count("scale") == 3 and recording.unstable == {names.index("noisy")}


def test_hanging_reference_is_stopped(tmp_path):
    assignment = make_course(tmp_path, REFERENCE.replace("x = x / 2.0", "x = x * 2.0"))
    specs = collect(assignment)
    prepared = Prepared("ref", tmp_path, {"calc.py": (assignment.reference_dir / "calc.py").read_text()}, "")
    with pytest.raises(AutograderError, match="did not finish within 1 s"):
        record_reference(assignment, specs, prepared, 1.0)


def test_cli_samples_and_prints_json(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from autograder.cli import main

    make_course(tmp_path)
    monkeypatch.setenv("AUTOGRADER_COURSE", str(tmp_path))
    ran = CliRunner().invoke(main, ["mutate", "calc", "--max", "3", "--timeout", str(TIMEOUT_S), "--jobs", "1", "--json"])
    assert ran.exit_code == 0, ran.output
    data = json.loads(ran.output)
    assert data["total"] == 3 and data["generated"] > 3 and data["jobs"] == 1
    unknown = CliRunner().invoke(main, ["mutate", "nosuch"])
    assert unknown.exit_code == 2 and "unknown assignment" in unknown.output


def test_generation_is_deterministic_and_covers_the_operators():
    source = textwrap.dedent('''\
        import numpy as np
        def f(W, x, a, b, g):
            # BEGIN SOLUTION: all operators
            h = W.T @ x + np.dot(W, x) - a.dot(b)
            g += a ** 2 / -b
            y = np.maximum(a, b) if a < b else a * 0.5
            return h, {"g": g, "y": y, "z": np.zeros(2)}
            # END SOLUTION
        def outside(a, b):
            return a + b
        ''')
    mutants = generate_mutants(source, "f.py")
    assert [m.to_dict() for m in mutants] == [m.to_dict() for m in generate_mutants(source, "f.py")]
    operators = {m.operator for m in mutants}
    assert operators == {"arith-swap", "drop-term", "unary-minus-insert", "unary-minus-remove", "constant",
                         "transpose-remove", "transpose-add", "compare-swap", "augassign-to-assign",
                         "augassign-swap", "swap-args", "drop-element"}
    assert all(4 <= m.line <= 7 and m.function == "f" for m in mutants)
    assert len({m.source for m in mutants}) == len(mutants)
    descriptions = {m.description for m in mutants}
    assert {"`W.T` -> `W`", "`W` -> `W.T` in `np.dot(W, x)`", "`a` -> `a.T` in `a.dot(b)`",
            "`0.5` -> `1.0`", "`<` -> `<=` in `a < b`", "`**` -> `*` in `a ** 2`"} <= descriptions
    assert not any("-np.zeros" in m.source for m in mutants)  # -0.0 == 0.0: always equivalent
    for m in mutants:
        compile(m.source, "f.py", "exec")


def test_sampling_is_even_and_deterministic():
    items = list(range(100))
    assert sample(items, 4) == [0, 25, 50, 75]
    assert sample(items, 1000) == items and sample(items, None) == items


def test_unbalanced_markers_are_an_error():
    with pytest.raises(AutograderError, match="never closed"):
        generate_mutants("def f(x):\n    # BEGIN SOLUTION: x\n    return x + 1\n", "bad.py")


def test_replies_compare_with_a_relative_tolerance():
    x = np.array([1.0, -2.0, 3e6])
    assert compare_values(x, x * (1 + 1e-12)) == ""
    assert "largest relative difference 1.0e-06" in compare_values(x, x * (1 + 1e-6))
    assert "shape" in compare_values(x, x[:2])
    assert compare_values({"a": (1.0, [x])}, {"a": (1.0, [torch.tensor(x)])}) == ""
    assert "at ['a'][1][0]" in compare_values({"a": (1.0, [x])}, {"a": (1.0, [x + 1])})
    assert compare_values([float("nan")], [float("nan")]) == ""
    assert "keys" in compare_values({"a": 1}, {"b": 1})
    value, error = {"ok": 1.5}, {"error": {"kind": "raised", "type": "ZeroDivisionError"}}
    assert compare_replies(value, {"ok": 1.5}) == "" and compare_replies(error, dict(error)) == ""
    assert "raised ZeroDivisionError" in compare_replies(value, error)
    assert "returned a value" in compare_replies(error, value)


def test_children_keep_order_and_report_crashes(tmp_path):
    def value(i):
        return lambda: {"i": i}

    def raises():
        raise ValueError("broken")

    outcomes = run_in_children([value(0), raises, lambda: os._exit(3), value(3)], 2, 5.0, str(tmp_path))
    assert [o.status for o in outcomes] == ["ok", CRASHED, CRASHED, "ok"]
    assert outcomes[0].payload == {"i": 0} and outcomes[3].payload == {"i": 3}
    assert "ValueError: broken" in outcomes[1].error and "exit status 3" in outcomes[2].error
