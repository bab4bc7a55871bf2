"""The `autograder` command: parse, call the API, translate errors. No grading logic here."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from autograder import api
from autograder.core.errors import AutograderError
from autograder.core.status import Outcome
from autograder.core.text import terminal_safe
from autograder.exitcodes import ExitCode
from autograder.reports.text import batch_summary, format_check, merge_summary, progress_bar

DEFAULT_JOBS = min(64, (os.cpu_count() or 1) + 1)


class Group(click.Group):
    """Turns a usage problem (`AutograderError`) into a clear message and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AutograderError as exc:  # may quote a student's id or file name: no terminal escapes
            click.echo(f"Error: {terminal_safe(str(exc))}", err=True)
            ctx.exit(ExitCode.USAGE)


@click.group(cls=Group)
@click.version_option(package_name="backprop-autograder")
def main():
    """Grade the backpropagation course's assignments.

    \b
    Example:
        autograder list
        autograder check hw2 my_work/
        autograder grade hw2 submissions/ --out grades/
    """


@main.command("list")
def list_cmd():
    """List the assignments, their tests and points.

    \b
    Example:
        autograder list
    """
    for a in api.list_assignments():
        manual = f" + {a.manual_points:g} written" if a.questions else ""
        click.echo(f"{a.name}  {a.title}  ({a.max_score:g} points{manual}; submit {', '.join(a.files)})")
        for test, points in a.points.items():
            click.echo(f"    {points:>5g}  {test}")


@main.command()
@click.argument("assignment")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="A new folder, or a file ending in .zip.")
def bundle(assignment, out):
    """Write what students get for ASSIGNMENT: its stubs, notebook, answers
    sheet and public tests, with a README saying how to install the checker
    and run it. Never the hidden tests, their names or stored values, nor the
    reference. `autograder check` run inside the unpacked bundle uses it.

    \b
    Example:
        autograder bundle hw2 --out hw2-bundle.zip
    """
    files = api.bundle(assignment, out)
    click.echo(f"wrote {out}: {len(files)} files (hand it out with the engine's wheel: `pip wheel --no-deps .`)")


@main.command()
@click.argument("assignment")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--hidden", is_flag=True, hidden=True, help="Also run the hidden tests (instructors and authors).")
@click.option("--in-process", is_flag=True, hidden=True, help="No isolation (authors' quick loop).")
def check(assignment, path, hidden, in_process):
    """Run the public tests against your work (default: the current folder).

    Exit code: 0 when every public test passes, 3 when some fail (or your
    file cannot be imported), 2 for a usage error (an unknown assignment, no
    file to check, a file that cannot be read), 1 when the checker itself
    failed.

    \b
    Example:
        autograder check hw2 backprop.py
    """
    path = path or Path.cwd()
    if not path.exists():
        raise AutograderError(f"{path}: no such file or folder")
    result = api.check(assignment, path, hidden=hidden, isolated=not in_process)
    click.echo(format_check(result))
    all_passed = result.graded and all(o.outcome == Outcome.PASSED for o in result.outcomes)
    sys.exit(ExitCode.OK if all_passed else ExitCode.TESTS_FAILED if result.has_score else ExitCode.NOT_GRADED)


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for the report.")
@click.option("--jobs", default=DEFAULT_JOBS, show_default="CPUs + 1", type=click.IntRange(1, 64),
              help="Submissions at once (one more than the CPUs keeps them busy while tests run here).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per call.")
@click.option("--total-timeout", default=60.0, show_default=True, type=click.FloatRange(0.1),
              help="Seconds per submission, all calls together.")
@click.option("--memory-mb", default=1024, show_default=True, type=click.IntRange(64), help="Memory per submission.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False),
              help="Course roster: maps a Canvas or Moodle download's files to students.")
@click.option("--replace", is_flag=True,
              help="Drop the rows --out holds of students not in SUBMISSIONS (default: keep them).")
@click.option("--allow-partial-isolation", "allow_partial", is_flag=True,
              help="Grade even where this machine cannot isolate submissions fully (it refuses by default): only "
                   "for trusted code, such as your own solutions. The summary says what a submission could do.")
@click.option("--similarity", is_flag=True,
              help="Also compare the submissions pairwise, as `autograder similarity` does: similarity.csv, "
                   "similarity.html, and a section of report.html.")
@click.option("--cluster", metavar="local:N|tcp://HOST:PORT",
              help="Grade on Dask workers: N worker processes here, or those of a running Dask scheduler, each "
                   "with a sandbox of its own and one slot per thread (local:N: 2 each; --jobs is not used). Needs "
                   "pip install \"backprop-autograder[cluster]\"; see docs/cluster.md.")
def grade(assignment, submissions, out_dir, jobs, timeout, total_timeout, memory_mb, roster, replace, allow_partial,
          similarity, cluster):
    """Grade every submission in SUBMISSIONS with the hidden and public tests.

    SUBMISSIONS holds one entry per student, named by the student's id: a
    folder with that student's files, or `<id>.py` when the assignment has
    one file. It can also be a Canvas "Download Submissions" zip or a Moodle
    assignment download, with --roster to name the students (see
    docs/gradebooks.md). Re-running with the same --out grades only what is
    new or changed; grading another folder (late work) into it keeps the
    rows of students not in that folder, unless --replace.

    Each submission runs fully isolated: as root in namespaces of its own,
    as an ordinary user in an unprivileged user namespace. Where neither is
    possible, nothing is graded and the message says what to change.

    \b
    Example:
        autograder grade hw2 submissions/ --out grades/ --jobs 3
        autograder grade hw2 canvas_download.zip --roster roster.csv --out grades/
        autograder grade hw3 submissions/ --out grades/ --cluster local:2
    """
    with progress_bar() as bar:
        batch, imported = api.grade(assignment, submissions, out_dir, roster=roster, jobs=jobs, timeout=timeout,
                                    total_timeout=total_timeout, memory_mb=memory_mb, replace=replace,
                                    allow_partial=allow_partial, similarity=similarity, cluster=cluster,
                                    on_start=bar.start,
                                    on_result=bar.update)
    if imported is not None:
        click.echo(terminal_safe(imported.summary()))  # names and file names from the download
    click.echo(batch_summary(batch))
    sys.exit(ExitCode.NOT_GRADED if batch.not_graded else ExitCode.OK)


@main.command()
@click.argument("assignment")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for similarity.csv and similarity.html (the grades folder will do).")
@click.option("--threshold", default=0.6, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Flag the pairs at least this similar: the share of one's code found in the other's.")
@click.option("--show", "most", default=50, show_default=True, type=click.IntRange(0),
              help="Flagged pairs shown side by side in similarity.html, most similar first.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False),
              help="Course roster: maps a Canvas or Moodle download's files to students.")
def similarity(assignment, submissions, out_dir, threshold, most, roster):
    """Compare the code of every pair of submissions and flag the pairs that share most of it.

    SUBMISSIONS is what `grade` takes (a folder of entries, or a Canvas or
    Moodle download with --roster), and each student's file is found by the
    same rules. The code is only read and tokenized, never run; a notebook's
    code cells are compared, so a notebook and a .py file of the same code
    pair up. The template every student was given counts for nothing, and
    neither do names, comments and layout. Writes OUT/similarity.csv (every
    pair, both ways' scores, rank) and OUT/similarity.html (the flagged pairs,
    side by side, shared code highlighted). Exit code 1 when a submission
    could not be read (it is listed, and left out).

    \b
    Example:
        autograder similarity hw2 submissions/ --out grades/
        autograder similarity hw2 canvas_download.zip --roster roster.csv --out grades/ --threshold 0.5
    """
    from autograder.reports.similarity import summary  # noqa: PLC0415 (copydetect, pandas: only for this command)

    result = api.similarity(assignment, submissions, out_dir, roster=roster, threshold=threshold, most=most)
    click.echo(summary(result))
    sys.exit(ExitCode.NOT_GRADED if result.skipped else ExitCode.OK)


@main.command("merge-manual")
@click.argument("review", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="The folder `autograder grade` wrote.")
@click.option("--no-auto-zero", is_flag=True,
              help="Require a score for every answer, empty ones too (default: an empty answer left unscored gets 0).")
def merge_manual_cmd(review, out_dir, no_auto_zero):
    """Merge the scores of written answers (review.csv) into OUT/final_grades.csv and the students' feedback.

    Every row is checked first (known student and question, 0 <= score <=
    the question's points, the answer the one graded now, no duplicates,
    none missing); on any problem all are listed and nothing is written. An
    empty answer left unscored gets 0, unless --no-auto-zero. The `comment`
    column reaches the student's feedback and final_grades.csv.

    \b
    Example:
        autograder merge-manual grades/review.csv --out grades/
    """
    merged = api.merge_manual(review, out_dir, auto_zero=not no_auto_zero)
    click.echo(merge_summary(merged))


@main.command()
@click.argument("assignment", required=False)
@click.option("--check", "check_only", is_flag=True, help="Only report stale templates and tests that leak checked values; exit 1 if any.")
def release(assignment, check_only):
    """Regenerate the student files (template .py and .ipynb, answers.md) from the reference, and the answers
    of the named mistakes that feedback diagnoses from (with a reference/ASSIGNMENT/mistakes.toml).

    \b
    Example:
        autograder release hw2
        autograder release --check
    """
    names = [assignment] if assignment else [a.name for a in api.list_assignments()]
    if check_only:
        stale = {n: api.stale(n) for n in names}
        leaks = {n: api.leaks(n) for n in names}
        for name, paths in stale.items():
            for path in paths:
                click.echo(f"stale: {path} (run `autograder release {name}`)")
        for name, found in leaks.items():
            for leak in found:
                click.echo(f"leak: {name}: {leak} (the student's code must never get a value that a test checks)")
        sys.exit(ExitCode.NOT_GRADED if any(stale.values()) or any(leaks.values()) else ExitCode.OK)
    for name in names:
        for path in api.release(name):
            click.echo(f"wrote {path}")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The zip to write.")
@click.option("--hidden-visibility", default="after_published", show_default=True,
              type=click.Choice(["after_published", "after_due_date", "hidden"]),
              help="When students see the hidden tests' results on Gradescope.")
def gradescope(assignment, out_path, hidden_visibility):
    """Build a Gradescope autograder zip: the engine and ASSIGNMENT's tests, never its reference.

    Upload the zip on the assignment's "Configure Autograder" page (see docs/gradescope.md).

    \b
    Example:
        autograder gradescope hw2 --out autograder.zip
    """
    bundle = api.gradescope_zip(assignment, out_path, hidden_visibility=hidden_visibility)
    click.echo(f"wrote {bundle.path}: {bundle.assignment.name}, {bundle.tests} tests, "
               f"{bundle.assignment.max_score:g} points, {len(bundle.files)} files")


@main.command("export")
@click.argument("platform", type=click.Choice(["canvas", "moodle", "blackboard", "gradescope", "csv"]))
@click.argument("grades_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--roster", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Course roster CSV.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="The gradebook file to write.")
@click.option("--assignment", help="Refuse GRADES_DIR unless it holds this assignment's grades.")
@click.option("--times", type=click.Path(path_type=Path, dir_okay=False),
              help="CSV of submission times: student_id,submitted_at[,late].")
@click.option("--late-policy", help="Override [late_policy], e.g. percent_per_day=10,max_percent=50.")
@click.option("--no-late-policy", is_flag=True, help="Apply no late penalty.")
@click.option("--platform-id", help="The assignment's id on the platform (default: [platform_ids]).")
@click.option("--moodle-identity", default="email", show_default=True,
              type=click.Choice(["email", "idnumber", "username"]), help="How Moodle finds each student.")
@click.option("--title", help="Column title (default: the assignment's title).")
def export_cmd(platform, grades_dir, roster, out_path, assignment, times, late_policy, no_late_policy,
               platform_id, moodle_identity, title):
    """Write GRADES_DIR's grades as a gradebook file for Canvas, Moodle, Blackboard, or as plain CSV.

    Every roster student gets a row (zero and status `missing` without a
    submission); graded students the roster does not know are listed in
    GRADES_DIR/unmatched.csv, never exported. The late policy's raw score,
    penalty and final score are in GRADES_DIR/late.csv. Gradescope has no
    gradebook import: use `autograder gradescope ASSIGNMENT`.

    \b
    Example:
        autograder export canvas grades/ --roster roster.csv --out canvas_import.csv
        autograder export csv grades/ --roster roster.csv --out final.csv --late-policy percent_per_day=10
    """
    result = api.export(platform, grades_dir, roster, out_path, assignment_name=assignment, times_path=times,
                    late_policy=late_policy, no_late_policy=no_late_policy, platform_id=platform_id,
                    moodle_identity=moodle_identity, title=title)
    from autograder.gradebooks.export import summary  # noqa: PLC0415 (pandas: only for this command)

    click.echo(summary(result))
    sys.exit(ExitCode.NOT_GRADED if result.unmatched or result.not_graded else ExitCode.OK)


@main.command()
@click.argument("assignment")
@click.option("--max", "max_mutants", type=click.IntRange(1), help="Test at most N mutants, evenly sampled.")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per mutant.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 64), help="Mutants at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def mutate(assignment, max_mutants, timeout, jobs, as_json):
    """Measure the tests: mutate the reference's solutions, report the mutants no test catches.

    Each mutant is one small change (an operator, a sign, a constant, a
    transposition, a dropped term) inside a solution region. A surviving
    mutant whose calls all give the reference's answers is reported as
    equivalent on the tested inputs, apart from the real survivors.

    \b
    Example:
        autograder mutate hw2 --max 200
    """
    from autograder.mutation import format_report  # noqa: PLC0415

    report = api.mutate(assignment, max_mutants, timeout, jobs)
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))


@main.command()
@click.option("--data", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The service's folder: its SQLite database, the submitted files, the grading runs.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: a free one).")
@click.option("--db", help="A database URL instead of SQLite in --data, e.g. postgresql://user:pw@host/dbname.")
@click.option("--rate-limit", default="20/10m", show_default=True,
              help="Submissions a student may make per window: COUNT/WINDOW (s, m or h).")
@click.option("--slots", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Submissions of one assignment checked at once.")
@click.option("--grade-jobs", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Submissions at once in the instructor's grading runs.")
@click.option("--max-upload-mb", default=16.0, show_default=True, type=click.FloatRange(0.01),
              help="Largest notebook accepted (a .py file: 2 MB).")
@click.option("--public-url", help="The address students use, behind a reverse proxy (https://...: secure cookies).")
def serve(data, host, port, db, rate_limit, slots, grade_jobs, max_upload_mb, public_url):
    """Serve the course: students hand in and see the public tests' verdict in seconds; the instructor grades,
    releases and downloads from the class page.

    Run `autograder tokens` first. It refuses to start where submissions cannot be fully isolated. The
    database (SQLite in DATA, or --db) is brought up to date at start-up.

    \b
    Example:
        autograder serve --data data/ --port 8000
        autograder serve --data data/ --db postgresql://autograder:secret@localhost/autograder
    """
    from autograder import service  # noqa: PLC0415 (the web stack: only for this command)

    service.serve(data, host, port, db, on_ready=lambda url: click.echo(f"Serving the course at {url}", err=False),
                  rate_limit=rate_limit, slots=slots, grade_jobs=grade_jobs, max_upload_mb=max_upload_mb,
                  public_url=public_url)


@main.command()
@click.option("--data", required=True, type=click.Path(path_type=Path, file_okay=False), help="The service's folder.")
@click.option("--roster", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Course roster CSV.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The CSV of tokens and sign-in links to write (readable by you only).")
@click.option("--rotate", is_flag=True, help="Replace every token: the old links stop working.")
@click.option("--db", help="The database URL `serve` uses, if not SQLite in --data.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="Where students reach the service: the start of each sign-in link.")
def tokens(data, roster, out_path, rotate, db, base_url):
    """Write a sign-in token and link per roster student, and one for the instructor (role,student_id,token,url).

    Run again, it keeps existing tokens (students new in the roster get one); --rotate replaces them all.

    \b
    Example:
        autograder tokens --data data/ --roster samples/roster.csv --out data/tokens.csv
    """
    from autograder import service  # noqa: PLC0415

    click.echo(service.issue_tokens(data, roster, out_path, rotate=rotate, db=db, base_url=base_url).summary())


if __name__ == "__main__":
    main()
