"""The CLI in two layers: CliRunner for wiring, real processes for exit codes and output."""
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.exitcodes import ExitCode
from tests.conftest import write_class


def all_commands():
    return sorted(main.commands.items())


@pytest.mark.parametrize("name, command", all_commands(), ids=[n for n, _ in all_commands()])
def test_every_command_has_help_with_an_example(name, command):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"autograder {name}" in result.output


def test_list_shows_assignments_tests_and_points(toy_course):
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0
    assert "toy  Toy: squares  (4 points + 2 written; submit toy.py)" in result.output
    assert "2  test_square_values" in result.output


def test_unknown_assignment_is_a_usage_error(toy_course):
    result = CliRunner().invoke(main, ["check", "hw9", "."])
    assert result.exit_code == ExitCode.USAGE
    assert "unknown assignment 'hw9'; known assignments: toy" in result.output


def test_missing_out_option_is_a_usage_error(toy_course, tmp_path):
    result = CliRunner().invoke(main, ["grade", "toy", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE and "--out" in result.output


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          env={**os.environ}, cwd=cwd, timeout=300)


def test_check_end_to_end_exit_codes_and_lines(toy_course):
    ref = run("check", "toy", str(toy_course / "reference" / "toy"))
    assert ref.returncode == ExitCode.OK, ref.stderr
    assert "PASS  test_square_shape  (1/1)" in ref.stdout and "1/1 tests passed, 1/1 points" in ref.stdout
    assert "test_square_values" not in ref.stdout  # hidden tests stay hidden from students
    stub = run("check", "toy", cwd=toy_course / "student_template" / "toy")  # default: the current folder
    assert stub.returncode == ExitCode.TESTS_FAILED
    assert "FAIL  test_square_shape  (0/1)" in stub.stdout and "NotImplementedError: return x squared" in stub.stdout


def test_check_without_work_to_check_is_a_usage_error_and_the_exit_codes_are_in_its_help(toy_course, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing to grade here")
    nothing = run("check", "toy", cwd=empty)
    assert nothing.returncode == ExitCode.USAGE, nothing.stdout
    assert "missing toy.py (or its notebook toy.ipynb; found: notes.txt)" in nothing.stderr
    (empty / "toy.ipynb").write_text("{ not json")
    broken = run("check", "toy", str(empty / "toy.ipynb"))
    assert broken.returncode == ExitCode.USAGE and "toy.ipynb is not a valid notebook" in broken.stderr
    (empty / "toy.py").write_text("def square(x)\n")  # the student's code is at fault: tests fail, not usage
    assert run("check", "toy", str(empty / "toy.py")).returncode == ExitCode.TESTS_FAILED
    shown = " ".join(CliRunner().invoke(main, ["check", "--help"]).output.split())
    assert "Exit code: 0 when every public test passes, 3 when some fail" in shown and "2 for a usage error" in shown


def test_grade_end_to_end_summary_and_exit_code(toy_course, tmp_path):
    subs = write_class(tmp_path / "subs", toy_course, {"amy": "@reference", "bo": "def square(x)\n"})
    result = run("grade", "toy", str(subs), "--out", str(tmp_path / "out"), "--timeout", "3")
    assert result.returncode == ExitCode.NOT_GRADED, result.stderr
    assert "toy: 2 submissions" in result.stdout
    assert "! bo: load_error: toy.py could not be imported: SyntaxError" in result.stdout
    assert f"Report: {tmp_path / 'out' / 'report.html'}" in result.stdout
    ok = run("grade", "toy", str(write_class(tmp_path / "good", toy_course, {"amy": "@reference"})),
             "--out", str(tmp_path / "out2"))
    assert ok.returncode == ExitCode.OK and "full marks 1" in ok.stdout


def test_release_check_reports_stale_templates(toy_course):
    assert CliRunner().invoke(main, ["release", "--check"]).exit_code == 0
    template = toy_course / "student_template" / "toy" / "toy.py"
    template.write_text(template.read_text() + "# edited by hand\n")
    result = CliRunner().invoke(main, ["release", "--check"])
    assert result.exit_code == 1 and f"stale: {template}" in result.output
    assert CliRunner().invoke(main, ["release", "toy"]).exit_code == 0
    assert "edited by hand" not in template.read_text()


ERASE = "\\x1b[1A\\x1b[2K\\r"  # in the submission's source: cursor up, erase the line, back to its start


def test_what_a_submission_prints_or_says_never_moves_the_terminal(toy_course, tmp_path):
    """ANSI sequences in output, messages and file names once rewrote the printed mean and erased error lines."""
    students = {
        "erase_line_at_import__zero": f"raise RuntimeError('{ERASE}  scores: mean 4.00 / 4')\n",
        "ansi_output__zero": ("print('\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil')\n"
                              "def square(x):\n    raise ValueError('\\x1b[31m\\r\\x1b[1A fake PASS')\n"),
        "esc\x1b[2Kname__zero": "@template",
    }
    subs = write_class(tmp_path / "subs", toy_course, students)
    graded = run("grade", "toy", str(subs), "--out", str(tmp_path / "out"), "--timeout", "3")
    for stream in (graded.stdout, graded.stderr):
        assert not set(stream) & {"\x1b", "\x07", "\r", "\u202e"}, repr(stream)
    assert "scores: mean 0.00 / 4" in graded.stdout
    assert "! erase_line_at_import__zero: load_error: toy.py could not be imported: RuntimeError:" in graded.stdout
    checked = run("check", "toy", str(subs / "ansi_output__zero.py"))
    assert not set(checked.stdout) & {"\x1b", "\x07", "\r", "\u202e"}, repr(checked.stdout)
    assert "What your code printed" in checked.stdout and "FAIL  test_square_shape" in checked.stdout
