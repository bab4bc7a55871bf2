"""What a student reads when a test fails: their own functions and methods, never the tests' probes."""
import ast
import re

from autograder import api
from autograder.core.course import get_assignment


def defined(path):
    return {node.name for node in ast.parse(path.read_text()).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def probe_names(name):
    """The probes that are no function of the student's file (hw5's `gradient_check` probe drives theirs)."""
    a = get_assignment(name)
    return {n for n in defined(a.probes_path) if not n.startswith("_")} - defined(a.template_dir / a.files[0])


def test_a_failure_inside_a_probe_names_the_students_method_never_the_probe(tmp_path):
    template = get_assignment("hw5").template_dir / "engine.py"
    result = api.check("hw5", template, hidden=True, isolated=False)
    messages = [o.message for o in result.outcomes if o.outcome != "passed"]
    assert len(messages) == len(result.outcomes)
    named = {m for message in messages for m in re.findall(r"`([A-Za-z_.]+)`", message.split("\nWhat this test")[0])}
    assert not named & probe_names("hw5"), named & probe_names("hw5")
    assert "your `Value.backward` (engine.py, line" in messages[0] and "raised NotImplementedError" in messages[0]


def test_a_method_the_tests_need_and_the_class_lacks_is_named(tmp_path):
    reference = (get_assignment("hw5").reference_dir / "engine.py").read_text()
    start = reference.index("    def tanh(self):")
    end = reference.index("    def relu(self):")
    (tmp_path / "engine.py").write_text(reference[:start] + reference[end:])
    result = api.check("hw5", tmp_path / "engine.py", hidden=True, isolated=False)
    tanh = next(o for o in result.outcomes if o.test == "test_tanh_derivative")
    assert "] `Value.tanh` is not defined in engine.py\n" in tanh.message, tanh.message


def test_an_error_raised_deeper_down_names_the_function_it_came_from(tmp_path):
    reference = (get_assignment("hw2").reference_dir / "backprop.py").read_text()
    (tmp_path / "backprop.py").write_text(reference.replace("return grad_a * a * (1.0 - a)", "raise ValueError('no')"))
    result = api.check("hw2", tmp_path / "backprop.py", isolated=False)
    gradients = next(o for o in result.outcomes if o.test == "test_case_a_gradients")
    assert re.match(r"`backward`, in `sigmoid_backward` \(backprop\.py, line \d+\), raised ValueError: no", gradients.message)
