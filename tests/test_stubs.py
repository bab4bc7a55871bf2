import pytest

from autograder.authoring.release import stale_files
from autograder.authoring.stubs import has_solution_markers, make_stub, strip_markers
from autograder.core.course import list_assignments
from autograder.core.errors import AutograderError

REF = """def f(x):
    \"\"\"Doc.\"\"\"
    y = x + 1
    # BEGIN SOLUTION: return y doubled
    return 2 * y
    # END SOLUTION
"""


def test_solution_region_becomes_todo_and_raise():
    stub = make_stub(REF)
    assert "2 * y" not in stub
    assert "    # TODO: return y doubled\n    raise NotImplementedError('return y doubled')\n" in stub
    assert stub.startswith('def f(x):\n    """Doc."""\n    y = x + 1\n')
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="return y doubled"):
        namespace["f"](1)


def test_reference_without_markers_is_a_valid_module():
    namespace = {}
    exec(strip_markers(REF), namespace)
    assert namespace["f"](1) == 4
    assert has_solution_markers(REF) and not has_solution_markers(strip_markers(REF))


@pytest.mark.parametrize("bad, problem", [
    ("# BEGIN SOLUTION: a\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "without BEGIN"),
    ("# BEGIN SOLUTION: a\n# BEGIN SOLUTION: b\n# END SOLUTION\n", "nested"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "needs an instruction"),
])
def test_unbalanced_markers_are_refused_with_the_line(bad, problem):
    with pytest.raises(AutograderError, match=problem):
        make_stub(bad, where="ref.py")


@pytest.mark.parametrize("assignment", list_assignments(), ids=lambda a: a.name)
def test_committed_template_matches_its_reference(assignment):
    """The template sync check (templates, notebooks, answers sheet): `autograder release NAME` fixes it."""
    assert stale_files(assignment) == []
    for name in assignment.files:
        assert has_solution_markers((assignment.reference_dir / name).read_text())
