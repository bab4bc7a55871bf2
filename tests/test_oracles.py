"""Oracle values stored by `autograder release`: used while the test file is unchanged, never trusted after."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograder.grading import oracles

MODULE = '''
import numpy as np
from autograder.testing import oracle

CALLS = []

@oracle
def slow_square(x, scale=1.0):
    CALLS.append(1)
    return {"y": np.asarray(x) ** 2 * scale, "n": len(x)}
'''


def load(path):
    """Import the test module at `path` afresh (as collection does)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"oracle_mod_{abs(hash(path.read_text()))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def stored(tmp_path):
    """A test module and its oracles.json, recorded for x = [1, 2] (and nothing else)."""
    path = tmp_path / "test_mod.py"
    path.write_text(textwrap.dedent(MODULE))
    module = load(path)
    recorded = oracles.record(lambda: module.slow_square([1.0, 2.0]))
    for store, text in oracles.store_texts(recorded).items():
        store.write_text(text)
    oracles._memo.clear()
    oracles._stores.clear()
    return path


def test_stored_values_are_served_without_computing(stored):
    module = load(stored)
    got = module.slow_square([1.0, 2.0])
    assert module.CALLS == [] and np.array_equal(got["y"], [1.0, 4.0]) and got["n"] == 2
    other = module.slow_square([3.0])  # not stored: computed, then remembered
    assert module.CALLS == [1] and np.array_equal(other["y"], [9.0])
    module.slow_square([3.0])
    assert module.CALLS == [1]


def test_an_edited_test_file_never_uses_the_old_values(stored):
    stored.write_text(stored.read_text().replace("** 2 * scale", "** 3 * scale"))
    module = load(stored)
    assert np.array_equal(module.slow_square([1.0, 2.0])["y"], [1.0, 8.0]) and module.CALLS == [1]


def test_a_store_with_other_values_for_the_same_text_is_what_is_served(stored):
    """The store is trusted for its file's exact text: what `release --check` guards (tests/test_stubs.py)."""
    data = json.loads((stored.parent / oracles.STORE).read_text())
    assert list(data) == ["test_mod.py"] and data["test_mod.py"]["source_sha256"] == oracles.file_digest(stored)
    assert len(data["test_mod.py"]["values"]) == 1


def test_each_call_gets_its_own_copy(stored):
    module = load(stored)
    first = module.slow_square([1.0, 2.0])
    first["y"][0] = 99.0
    assert module.slow_square([1.0, 2.0])["y"][0] == 1.0


def test_keyword_arguments_are_part_of_the_key(stored):
    module = load(stored)
    assert module.slow_square([1.0, 2.0], scale=2.0)["y"][1] == 8.0 and module.CALLS == [1]


def test_grading_hw1_hw2_hw5_needs_no_torch_in_the_grader():
    """Their oracles' values are stored: grading hw1, hw2 and hw5 never imports torch in the grader (a 1.5 s import)."""
    script = textwrap.dedent('''
        import sys
        from autograder.grading.collect import collect
        from autograder.core.course import get_assignment
        from autograder.grading.reference import run_reference
        for name in sys.argv[1:]:
            assignment = get_assignment(name)
            result = run_reference(assignment, collect(assignment))
            assert result.score == result.max_score, (name, result)
        print("torch" in sys.modules)
    ''')
    out = subprocess.run([sys.executable, "-c", script, "hw5", "hw1", "hw2"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_test_file_edited_since_release_is_named(stored):
    """So that `autograder grade` can tell the instructor why this run is slower, and how to fix it."""
    load(stored)
    assert stored not in oracles.unstored(stored.parent)
    stored.write_text(stored.read_text() + "\n# edited\n")
    assert oracles.unstored(stored.parent) == [stored]
    assert oracles.unstored(stored.parent / "elsewhere") == []


def test_the_summary_shows_the_notes(tmp_path):
    from autograder.core.course import get_assignment
    from autograder.grading.batch import BatchResult
    from autograder.reports.text import batch_summary

    batch = BatchResult(get_assignment("hw5"), [], tmp_path, 0, 0.1, notes=("hidden/test_hidden.py changed",))
    assert "  note: hidden/test_hidden.py changed" in batch_summary(batch).splitlines()


def _store_with(stored, change):
    """The store beside `stored`, with `change(values)` applied to its one file's values, as text."""
    data = json.loads((stored.parent / oracles.STORE).read_text())
    change(data["test_mod.py"]["values"])
    return json.dumps(data)


def _scaled(values, factor):
    from autograder.isolation import wire

    for key, value in values.items():
        decoded = wire.from_wire(value)
        decoded["y"] = decoded["y"] * factor
        values[key] = wire.to_wire(decoded)


def test_a_store_agrees_with_values_that_differ_only_in_their_last_bits(stored):
    """Another CPU (other SIMD kernels in NumPy) computes the same oracle to within a few ulp: still current."""
    text = (stored.parent / oracles.STORE).read_text()
    assert oracles.stores_agree(text, text)
    assert oracles.stores_agree(text, _store_with(stored, lambda v: _scaled(v, 1 + 4e-16)))


@pytest.mark.parametrize("change", ["value", "key", "digest", "shape"])
def test_a_store_that_differs_for_real_is_stale(stored, change):
    text = (stored.parent / oracles.STORE).read_text()

    def edit(values):
        if change == "value":
            _scaled(values, 1 + 1e-6)
        elif change == "key":
            values["0" * 64] = values.pop(next(iter(values)))
        elif change == "shape":
            from autograder.isolation import wire

            key = next(iter(values))
            decoded = wire.from_wire(values[key])
            decoded["y"] = decoded["y"][:1]
            values[key] = wire.to_wire(decoded)

    fresh = _store_with(stored, edit)
    if change == "digest":
        data = json.loads(text)
        data["test_mod.py"]["source_sha256"] = "0" * 64
        fresh = json.dumps(data)
    assert not oracles.stores_agree(text, fresh)
