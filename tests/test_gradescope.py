"""The Gradescope autograder zip, built for hw2 and run in a simulated `/autograder` under tmp_path.

results.json is validated against a JSON Schema written from Gradescope's
"Autograder Specifications" (https://gradescope-autograders.readthedocs.io/en/latest/specs/),
not from our own writer.
"""
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import autograder
from autograder.cli import main
from autograder.core import results
from autograder.core.course import get_assignment
from autograder.core.errors import AutograderError
from autograder.core.results import SubmissionResult
from autograder.gradebooks.gradescope import (
    MISCONFIGURED,
    build_autograder_zip,
    load_config,
    lock_down,
    results_json,
    run,
)
from autograder.gradebooks.gradescope import main as gradescope_main
from autograder.grading import collect
from autograder.grading.notebooks import MAX_NOTEBOOK_BYTES
from autograder.grading.one import grade_one
from autograder.grading.submissions import read_entry
from autograder.isolation.sandbox import Limits, Sandbox

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent  # our venv's python3 on PATH; setup.sh is not run
REFERENCE = REPO / "reference" / "hw2"
TEMPLATE = REPO / "student_template" / "hw2"

# -- the specification, as a schema ------------------------------------------------------------
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "simple_format", "html", "md", "ansi"]}
SPEC_TEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number", "minimum": 0},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"},
        "name_format": FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
}
SPEC_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": SPEC_TEST},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
    # "score: optional, but required if not on each test case"
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}
# What this project promises on top of the specification.
OUR_SCHEMA = {
    "allOf": [SPEC_SCHEMA],
    "required": ["score", "execution_time", "output", "tests"],
    "properties": {"tests": {"items": {"required": ["name", "score", "max_score", "status", "visibility", "output"]}}},
}


def validate(data: dict) -> dict:
    jsonschema.Draft202012Validator(OUR_SCHEMA).validate(data)
    return data


def test_the_schema_is_valid_and_rejects_what_the_specification_forbids():
    jsonschema.Draft202012Validator.check_schema(OUR_SCHEMA)
    good = {"score": 1.0, "execution_time": 0.1, "output": "", "tests": [
        {"name": "t", "score": 1.0, "max_score": 1.0, "status": "passed", "visibility": "visible", "output": ""}]}
    validate(good)
    bad = [
        {**good, "tests": [{**good["tests"][0], "visibility": "later"}]},
        {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
        {**good, "stdout_visibility": "always"},
        {**good, "tests": [{**good["tests"][0], "score": "1"}]},
        {**good, "secret": 1},
    ]
    for doc in bad:
        with pytest.raises(jsonschema.ValidationError):
            validate(doc)
    no_score = {"tests": [{"name": "t", "status": "passed"}]}  # valid for Gradescope, not for us
    jsonschema.Draft202012Validator(SPEC_SCHEMA).validate({"score": 0})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SPEC_SCHEMA).validate(no_score)


# -- building ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zips")
    return {vis: build_autograder_zip("hw2", folder / f"{vis}.zip", hidden_visibility=vis).path
            for vis in ("after_published", "hidden")}


def test_zip_holds_scripts_engine_and_this_assignment_only(zips):
    with zipfile.ZipFile(zips["after_published"]) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        names = set(infos)
        for script in ("setup.sh", "run_autograder"):
            assert (infos[script].external_attr >> 16) & 0o111 == 0o111, f"{script} is not executable"
        package = Path(autograder.__file__).parent
        engine = {p.relative_to(package).as_posix() for p in package.rglob("*")  # code and package data (templates)
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
        assert {n.split("/", 1)[1] for n in names if n.startswith("autograder/")} == engine
        assert {"pyproject.toml", "README.md", "gradescope.json", "assignments/hw2/assignment.toml",
                "assignments/hw2/public/test_public.py", "assignments/hw2/hidden/test_hidden.py"} <= names
        assert json.loads(zf.read("gradescope.json")) == {"assignment": "hw2", "hidden_visibility": "after_published"}
        assert not [n for n in names if n.startswith("assignments/") and not n.startswith("assignments/hw2/")]
        contents = {n: zf.read(n) for n in names}
    for name in names:
        parts = name.split("/")
        assert not name.startswith("/") and ".." not in parts
        assert not {"__pycache__", ".venv", ".git", ".pytest_cache"} & set(parts), name
        assert not name.endswith((".pyc", ".zip")) and ".egg-info" not in name, name
        assert parts[0] not in ("reference", "student_template", "tests"), name
    solution = (REFERENCE / "backprop.py").read_bytes()
    assert all(data != solution for data in contents.values()), "the reference solution is in the zip"
    assert not any(b"BEGIN SOLUTION" in data for n, data in contents.items() if n.startswith("assignments/"))


def test_setup_pins_torch_names_no_host_and_scripts_parse(zips, tmp_path):
    with zipfile.ZipFile(zips["after_published"]) as zf:
        zf.extractall(tmp_path)
    setup = (tmp_path / "setup.sh").read_text()
    torch_version = importlib.metadata.version("torch").split("+")[0]
    assert f'pip install "torch=={torch_version}"' in setup
    assert setup.index("torch==") < setup.index('pip install "$ROOT/source"'), "torch must be pinned before the engine"
    assert setup.index("--check-install") < setup.index('-m autograder.gradebooks.gradescope --lock-down --root "$ROOT"')
    for text in (setup, (tmp_path / "run_autograder").read_text()):
        assert "://" not in text and "index-url" not in text and "find-links" not in text
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / script)], check=False).returncode == 0, f"{script}: bash syntax"


def test_same_course_gives_the_same_zip_byte_for_byte(zips, tmp_path):
    again = build_autograder_zip("hw2", tmp_path / "again.zip").path
    assert again.read_bytes() == zips["after_published"].read_bytes()


def test_bad_visibility_or_assignment_is_a_usage_error_and_writes_nothing(tmp_path):
    with pytest.raises(AutograderError, match="after_published, after_due_date, hidden"):
        build_autograder_zip("hw2", tmp_path / "a.zip", hidden_visibility="later")
    with pytest.raises(AutograderError, match="unknown assignment 'hw9'"):
        build_autograder_zip("hw9", tmp_path / "a.zip")
    assert list(tmp_path.iterdir()) == []


def test_cli_builds_the_zip(tmp_path):
    result = CliRunner().invoke(main, ["gradescope", "hw2", "--out", str(tmp_path / "ag.zip"),
                                       "--hidden-visibility", "hidden"])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'ag.zip'}: hw2, {len(get_assignment('hw2').points)} tests, 30 points" in result.output
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        assert json.loads(zf.read("gradescope.json"))["hidden_visibility"] == "hidden"
    bad = CliRunner().invoke(main, ["gradescope", "hw9", "--out", str(tmp_path / "x.zip")])
    assert bad.exit_code == 2 and "unknown assignment 'hw9'" in bad.output


# -- running, in a simulated /autograder ----------------------------------------------------------
def autograder_root(folder: Path, zip_path: Path, submission: dict[str, Path | str], lock: bool = True) -> Path:
    """Gradescope's layout: source/ (the zip), run_autograder, submission/ (what the student uploaded); locked
    down as setup.sh leaves it, unless `lock` is False."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(folder / "source")
    shutil.copy2(folder / "source" / "run_autograder", folder / "run_autograder")
    (folder / "run_autograder").chmod(0o755)  # extractall drops the mode bits
    for rel, content in submission.items():
        target = folder / "submission" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.read_bytes() if isinstance(content, Path) else content.encode())
    (folder / "submission").mkdir(exist_ok=True)
    if lock:
        assert lock_down(folder) == 0
    return folder


def start(root: Path, **env) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_COURSE", "PYTHONPATH")}
    environ.update(PATH=f"{VENV_BIN}:{environ.get('PATH', '/usr/bin:/bin')}", AUTOGRADER_ROOT=str(root), **env)
    return subprocess.Popen([str(root / "run_autograder")], env=environ, cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


SCENARIOS = {
    "reference": ("after_published", {"backprop.py": REFERENCE / "backprop.py"}),
    "template_nested": ("after_published", {"Homework 2/hw2/backprop.py": TEMPLATE / "backprop.py",
                                            "Homework 2/hw2/answers.md": TEMPLATE / "answers.md"}),
    "missing_file": ("after_published", {"notes.txt": "my answers", "hw2/backprop.txt": "def forward(): pass\n"}),
    "renamed_notebook_hidden": ("hidden", {"__MACOSX/._hw2 (1).ipynb": "junk",
                                           "hw2 (1).ipynb": REFERENCE / "backprop.ipynb"}),
}


@pytest.fixture(scope="module")
def graded(zips, tmp_path_factory):
    """Every scenario run through run_autograder, all at once (each is its own process and sandbox)."""
    roots = {name: autograder_root(tmp_path_factory.mktemp(name), zips[vis], files)
             for name, (vis, files) in SCENARIOS.items()}
    procs = {name: start(root) for name, root in roots.items()}
    out = {}
    for name, proc in procs.items():
        stdout, _ = proc.communicate(timeout=240)
        data = json.loads((roots[name] / "results" / "results.json").read_text())
        out[name] = (proc.returncode, stdout, validate(data), roots[name])
    return out


def test_reference_gets_full_marks_through_the_bundled_engine(graded):
    code, stdout, data, root = graded["reference"]
    assert code == 0
    assignment = get_assignment("hw2")
    assert data["score"] == pytest.approx(assignment.max_score, abs=1e-9)
    assert [t["name"] for t in data["tests"]] == list(assignment.points)
    assert all(t["status"] == "passed" and t["score"] == pytest.approx(t["max_score"]) for t in data["tests"])
    assert data["extra_data"]["status"] == "graded"
    assert f"engine: {root / 'source' / 'autograder'}\n" in stdout, "not the bundled engine"
    assert "score" not in data["output"].lower() and "30" not in data["output"], "the total leaks before publishing"


def test_hidden_tests_are_after_published_public_ones_visible(graded):
    tests = graded["reference"][2]["tests"]
    hidden = [t for t in tests if t["tags"] == ["hidden"]]
    public = [t for t in tests if t["tags"] == ["public"]]
    assert len(hidden) == 17 and len(public) == 19  # hw2's public tests: 6 worked examples, 13 building blocks
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in public} == {"visible"}
    assert "when your instructor publishes" in graded["reference"][2]["output"]


def test_template_in_a_nested_folder_is_graded_and_gets_zero(graded):
    code, _, data, _ = graded["template_nested"]
    assert code == 0 and data["extra_data"]["status"] == "graded"
    assert data["score"] == pytest.approx(0.0, abs=1e-12)
    assert all(t["status"] == "failed" and t["score"] == pytest.approx(0.0, abs=1e-12) for t in data["tests"])
    assert all(t["output"].strip() for t in data["tests"]), "a failed test without a hint"
    assert sum("NotImplementedError" in t["output"] for t in data["tests"]) >= 10


def test_missing_file_still_writes_a_results_json_with_zero_and_a_clear_message(graded):
    code, _, data, _ = graded["missing_file"]
    assert code == 0
    assert data["score"] == 0 and data["extra_data"]["status"] == "invalid"
    assert "not graded" in data["output"] and "missing backprop.py (or its notebook backprop.ipynb" in data["output"]
    assert "hw2/backprop.txt" in data["output"] and "notes.txt" in data["output"]
    assert len(data["tests"]) == len(get_assignment("hw2").points) and all(t["status"] == "failed" for t in data["tests"])


def test_renamed_notebook_is_found_graded_and_hidden_tests_stay_hidden(graded):
    _, _, data, _ = graded["renamed_notebook_hidden"]
    assert data["score"] == pytest.approx(30.0, abs=1e-9), data["output"]
    assert "graded hw2 (1).ipynb as your backprop.ipynb" in data["output"]
    assert {t["visibility"] for t in data["tests"] if t["tags"] == ["hidden"]} == {"hidden"}
    assert "for your instructor only" in data["output"]


def test_engine_that_cannot_start_still_leaves_a_results_json(zips, tmp_path):
    root = autograder_root(tmp_path, zips["after_published"], {"backprop.py": REFERENCE / "backprop.py"})
    proc = start(root, AUTOGRADER_PYTHON="/bin/false")
    proc.communicate(timeout=30)
    data = validate(json.loads((root / "results" / "results.json").read_text()))
    assert data["score"] == 0 and data["extra_data"]["status"] == "grader_error"
    assert "not your fault" in data["output"]


def test_forbidden_import_is_reported_and_never_run(zips, tmp_path):
    root = autograder_root(tmp_path, zips["after_published"], {"hw2/backprop.py": "import torch\n"})
    data = validate(run(root, log=lambda *a: None))
    assert data["score"] == 0 and data["extra_data"]["status"] == "forbidden_import"
    assert "backprop.py:1 imports torch, which this assignment forbids" in data["output"]
    assert all(t["status"] == "failed" for t in data["tests"])


def test_broken_bundle_is_a_grader_error_not_a_crash(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "gradescope.json").write_text("{not json")
    data = validate(run(tmp_path, log=lambda *a: None))
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == data
    assert data["score"] == 0 and data["extra_data"]["status"] == "grader_error"
    assert "gradescope.json" in data["extra_data"]["error"]


# -- pure parts: matching files, writing results ----------------------------------------------------
def upload(folder: Path, *names: str) -> Path:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x = 1\n")
    return folder


SECRET = "TOPSECRET-GS-51c2"


def _link_file(sub: Path, outside: Path) -> None:
    (sub / "backprop.py").symlink_to(outside / "backprop.py")


def _link_folder(sub: Path, outside: Path) -> None:
    (sub / "hw2").symlink_to(outside)


def _link_deep_folder(sub: Path, outside: Path) -> None:
    (sub / "a").mkdir()
    (sub / "a" / "b").symlink_to(outside)


def _hard_link(sub: Path, outside: Path) -> None:
    os.link(outside / "backprop.py", sub / "backprop.py")


def _fifo(sub: Path, outside: Path) -> None:
    os.mkfifo(sub / "backprop.py")


def _sparse(sub: Path, outside: Path) -> None:
    with open(sub / "backprop.ipynb", "wb") as f:
        f.truncate(3 * 2**30)


def _pagemap(sub: Path, outside: Path) -> None:
    (sub / "backprop.py").symlink_to("/proc/self/pagemap")


def _deep_notebook(sub: Path, outside: Path) -> None:
    (sub / "backprop.ipynb").write_text("[" * 100_000 + "]" * 100_000)


def _linked_answers(sub: Path, outside: Path) -> None:
    (sub / "hw2").mkdir()
    (sub / "hw2" / "backprop.py").write_text("x = 1\n")
    (sub / "hw2" / "answers.md").symlink_to(outside / "backprop.py")


def _not_utf8(sub: Path, outside: Path) -> None:
    (sub / "backprop.py").write_bytes(b"x = '\xff'\n")


@pytest.mark.parametrize("make, problem", [
    (_link_file, "backprop.py is a symbolic link, and links are never followed"),
    (_link_folder, "missing backprop.py (or its notebook backprop.ipynb; found: hw2)"),
    (_link_deep_folder, "missing backprop.py (or its notebook backprop.ipynb; found: a/b)"),
    (_hard_link, "backprop.py is a hard link (the same file has 2 names"),
    (_fifo, "backprop.py is a named pipe, not a regular file"),
    (_sparse, f"backprop.ipynb is larger than {MAX_NOTEBOOK_BYTES} bytes"),
    (_pagemap, "backprop.py is a symbolic link"),
    (_deep_notebook, "backprop.ipynb is not a valid notebook: its JSON is nested too deeply"),
    (_linked_answers, "hw2/answers.md is a symbolic link"),
    (_not_utf8, "backprop.py is not UTF-8 text"),
])
def test_uploads_are_read_as_data_never_through_a_link(tmp_path, make, problem):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "backprop.py").write_text((REFERENCE / "backprop.py").read_text() + f"\n# {SECRET}\n")
    (tmp_path / "submission").mkdir()
    make(tmp_path / "submission", outside)
    assignment = get_assignment("hw2")
    prepared = read_entry(assignment, "submission", tmp_path / "submission")
    assert prepared.status == "invalid" and problem in prepared.message, prepared.message
    assert SECRET not in prepared.message and str(tmp_path) not in prepared.message and not prepared.files


def test_a_linked_upload_gets_a_results_json_that_says_why_and_shows_nothing_of_the_target(zips, tmp_path):
    root = autograder_root(tmp_path / "ag", zips["after_published"], {})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "backprop.py").write_text((REFERENCE / "backprop.py").read_text() + f"\n# {SECRET}\n")
    _link_file(root / "submission", outside)
    data = validate(run(root, log=lambda *a: None))
    assert data["score"] == 0 and data["extra_data"]["status"] == "invalid"
    assert "backprop.py is a symbolic link" in data["output"]
    assert SECRET not in json.dumps(data) and str(outside) not in json.dumps(data)


@pytest.mark.parametrize("visibility", ["after_published", "after_due_date", "hidden"])
def test_results_json_maps_outcomes_and_visibility(visibility):
    assignment = get_assignment("hw2")
    outcomes = (results.TestOutcome("test_a", "public", 1.0, 1.0, "passed", "", 0.0),
                results.TestOutcome("test_b", "hidden", 0.5, 2.0, "partial", "check the 1/N factor", 0.0))
    specs = [collect.TestSpec("test_a", None, 1.0, "public", "hint a", ()),
             collect.TestSpec("test_b", None, 2.0, "hidden", "hint b", ())]
    result = SubmissionResult("s", "graded", "", outcomes, 0.1, output="<b>hi</b>\n")
    data = validate(results_json(assignment, specs, result, hidden_visibility=visibility, elapsed_s=1.23456,
                                 warning="partial isolation only (no namespaces)"))
    assert data["score"] == pytest.approx(1.5) and data["execution_time"] == pytest.approx(1.235)
    a, b = data["tests"]
    assert (a["status"], a["visibility"], a["output"]) == ("passed", "visible", "What this test checks: hint a")
    assert (b["status"], b["visibility"], b["output"]) == ("failed", visibility, "check the 1/N factor")
    assert data["output_format"] == "text" and "<b>hi</b>" in data["output"]  # printed output is never HTML
    assert data["stdout_visibility"] == "hidden"
    visible = data["output"] + "".join(t["output"] + t["name"] for t in data["tests"])
    assert "isolation" not in visible and "namespaces" not in visible  # it would tell an attacker what to try
    assert data["extra_data"]["isolation_warning"] == "partial isolation only (no namespaces)"


# -- the hidden tests, kept from submissions by file modes ------------------------------------------------------
ATTACK = """
import os  # (what the zygote imported: here the Python install is under /root, which a slot's user cannot read)
ROOT = {root!r}
found = [os.path.join(top, "oracles.json") for top, _, names in os.walk(ROOT) if "oracles.json" in names]
for path in [ROOT + "/source/assignments/hw2/hidden/test_hidden.py", *sorted(found)]:
    try:
        print("READ", path, open(path).read()[:400])
    except OSError as exc:
        print("DENIED", path, type(exc).__name__)
"""


@pytest.fixture
def reachable_folder():
    """A folder other users can reach, so that only the modes the lock-down sets stand between a submission and
    the files. Not under pytest's tmp folder: that tree is root's, 0700, and pytest sets it back to 0700 whenever
    a pytest run starts, which would deny the submission for another reason than the lock-down."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-lockdown-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _what_an_attack_reads(root: Path) -> str:
    """What the attack printed, graded without namespaces (as root, its process still runs as a slot's user)."""
    assignment, _ = load_config(root)
    specs = collect.collect(assignment)
    folder = root / "submission"
    prepared = read_entry(assignment, "submission", folder)
    with Sandbox(Limits(call_timeout_s=10, submission_timeout_s=30), isolate=False, course_root=assignment.course_root,
                 torch="torch" not in assignment.forbid_imports) as sandbox:
        return grade_one(assignment, specs, prepared, sandbox).output


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: file modes protect the hidden tests only from a "
                                              "submission that runs as another user, which needs a root grader")
def test_lock_down_keeps_hidden_tests_and_oracles_from_a_submission_without_namespaces(zips, reachable_folder,
                                                                                       monkeypatch):
    root = reachable_folder / "ag"
    root.mkdir()
    autograder_root(root, zips["after_published"], {"backprop.py": ATTACK.format(root=str(root))}, lock=False)
    hidden = (root / "source" / "assignments" / "hw2" / "hidden" / "test_hidden.py").read_text()[:200]
    before = _what_an_attack_reads(root)
    assert hidden in before and '"source_sha256"' in before, before[:2000]  # without the lock-down: read
    assert lock_down(root) == 0
    after = _what_an_attack_reads(root)
    assert "DENIED" in after and "PermissionError" in after, after[:2000]
    assert hidden not in after and "source_sha256" not in after
    monkeypatch.setattr(Sandbox, "_probe", lambda self, backend: "no namespaces in this container")
    data = validate(run(root, log=lambda *a: None))  # Docker's default: run still grades, as a slot's user
    assert data["extra_data"]["status"] == "graded" and "DENIED" in data["output"]
    assert hidden not in json.dumps(data) and "source_sha256" not in json.dumps(data)
    visible = data["output"] + "".join(t["output"] for t in data["tests"])
    assert "isolation" not in visible.lower() and "world-readable" not in visible
    assert "partial isolation" in data["extra_data"]["isolation_warning"]


def test_run_refuses_to_grade_when_the_hidden_tests_are_readable_by_others(zips, tmp_path):
    root = autograder_root(tmp_path, zips["after_published"], {"backprop.py": REFERENCE / "backprop.py"}, lock=False)
    log = []
    data = validate(run(root, log=log.append))
    assert data["score"] == 0 and data["tests"] == [] and data["output"] == MISCONFIGURED
    assert data["extra_data"]["status"] == "grader_error"
    assert "source/assignments/hw2/hidden" in data["extra_data"]["error"] and "--lock-down" in data["extra_data"]["error"]
    assert "source/assignments/hw2/hidden" in "\n".join(log)


def test_lock_down_command_sets_the_modes_run_checks(zips, tmp_path):
    root = autograder_root(tmp_path, zips["after_published"], {}, lock=False)
    (root / "results").mkdir()
    for folder in (root / "submission", root / "results"):
        folder.chmod(0o777)
    assert gradescope_main(["--lock-down", "--root", str(root)]) == 0
    hidden = root / "source" / "assignments" / "hw2" / "hidden"
    assert hidden.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in hidden.iterdir()} == {"test_hidden.py": 0o600,
                                                                            "oracles.json": 0o600,
                                                                            "mistakes.json": 0o600}
    if os.geteuid() == 0:
        assert {p.stat().st_uid for p in [hidden, *hidden.iterdir()]} == {0}
    assert all(f.stat().st_mode & 0o022 == 0 for f in (root / "submission", root / "results"))
    assert gradescope_main(["--lock-down", "--root", str(tmp_path / "nothing")]) == 1
