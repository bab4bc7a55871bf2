"""report.html: the instructor's page of a batch, from the DataFrames of `frames` (rendering only).

What the run was first (date, version, limits, isolation), then who needs help, the pass rate of each test
(worst first, among graded entries), and a student × test grid that stays readable for a class of hundreds.
Every string a student controls (ids, messages, test output) is escaped here, at the one place it meets HTML."""
from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import NamedTuple
from urllib.parse import quote

import pandas as pd

from autograder.core.course import Assignment
from autograder.core.outfolder import FEEDBACK_DIR
from autograder.core.status import NOT_GRADED_OUTCOME, Outcome, Status
from autograder.isolation import backends as isolation
from autograder.isolation.sandbox import Limits
from autograder.reports import frames as R
from autograder.reports.plots import histogram_svg

esc = html.escape


class RunInfo(NamedTuple):
    """What the page says of the run itself: when, by which version of the grader, with which limits, how many
    entries were graded now and how many kept their saved result (unchanged since), the isolation warning and
    the notes for the instructor. Filled in by `api.grade_batch` (the package's version lives above reports)."""

    when: str = ""
    version: str = ""
    limits: Limits | None = None
    graded_now: int | None = None
    unchanged: int | None = None
    warning: str = ""
    notes: tuple[str, ...] = ()
    similarity: str = ""  # `grade --similarity`: the section of similar pairs (reports.similarity_html), as HTML

    @staticmethod
    def now(**fields) -> "RunInfo":
        return RunInfo(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **fields)


def num(value) -> str:
    """A score or points as people write them: at most two decimals, no trailing zeros; "–" for none."""
    if value is None or pd.isna(value):
        return "–"
    return f"{round(float(value), 2):g}"


def outcome_label(value: str) -> str:
    """Any outcome by its label in `status.Outcome` (a new outcome appears by itself), without the label's
    leading symbol (the page colours each outcome instead: emoji need fonts a browser may lack); "not graded"
    as it is."""
    try:
        label = Outcome(value).label
    except ValueError:
        return str(value)
    return label[next((i for i, c in enumerate(label) if c.isalnum()), 0):]


def _css_name(value: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(value))


def feedback_link(student_id: str) -> str:
    """The student's id, linking to their feedback file (relative: the folder can move)."""
    return f"<a href='{FEEDBACK_DIR}/{esc(quote(student_id, safe=''))}.md'>{esc(student_id)}</a>"


def _stats(assignment: Assignment, grades: pd.DataFrame) -> str:
    n, scores = len(grades), grades[R.SCORE].dropna()  # no score: the grader failed
    graded = int((grades[R.STATUS] == R.GRADED).sum())
    stats = [("entries", n), ("graded", graded), ("not graded", n - graded),
             ("mean score", f"{scores.mean():.2f}" if len(scores) else "–"),
             ("median", num(scores.median()) if len(scores) else "–"),
             ("full marks", int((grades[R.SCORE] >= assignment.max_score).sum()))]
    return "<div class='stats'>" + "".join(f"<div class='stat'><b>{esc(str(v))}</b>{esc(k)}</div>"
                                           for k, v in stats) + "</div>"


def _limits(limits: Limits) -> str:
    return (f"{limits.call_timeout_s:g} s a call, {limits.submission_timeout_s:g} s a submission, "
            f"{limits.cpu_s} s CPU, {limits.memory_mb} MB memory, {limits.max_output_kb} KB of output")


def _run_info(assignment: Assignment, grades: pd.DataFrame, run: RunInfo) -> str:
    """The run, before any grade: what was graded, when, by which version, under which limits and isolation."""
    backends = sorted({b for b in grades[R.ISOLATION].fillna("") if b})
    rows = [("assignment", f"{assignment.name} ({assignment.max_score:g} points)"),
            ("run", run.when or "–"), ("autograder", run.version or "–")]
    if run.graded_now is not None:
        rows.append(("entries", f"{run.graded_now} graded now, {run.unchanged or 0} unchanged since their last "
                                f"grading (saved results)"))
    if run.limits is not None:
        rows.append(("limits", _limits(run.limits)))
    labels = [isolation.label(b) for b in backends]
    rows.append(("isolation", "; ".join(labels) or "nothing ran in this folder"))
    notes = [n for n in run.notes if n not in {f"isolation: {label}" for label in labels}]  # said just above
    parts = ["<table class='run'>"] + [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows]
    parts.append("</table>")
    if run.warning:
        parts.append(f"<p class='warn'><b>Isolation:</b> {esc(run.warning)}</p>")
    if notes:
        parts.append("<ul class='notes'>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(parts)


def _chips(flags) -> str:
    return "".join(f"<span class='flag f-{_css_name(f)}'>{esc(f)}</span>" for f in flags)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _first_line(text: str, limit: int = 160) -> str:
    line = str(text or "").strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _needs_help(assignment: Assignment, grades: pd.DataFrame, tests: pd.DataFrame, flags: pd.DataFrame) -> str:
    """Entries not graded, flagged, or below half marks: worst first (not graded, then by score), each with its
    message, or else that of its first test that failed."""
    rows = grades.merge(flags, on=R.STUDENT_ID, how="left")
    rows[R.FLAGS] = rows[R.FLAGS].apply(lambda f: f if isinstance(f, tuple) else ())
    low = rows[R.SCORE].isna() | (rows[R.SCORE] < assignment.max_score / 2)
    rows = rows[low | (rows[R.STATUS] != R.GRADED) | rows[R.FLAGS].map(bool)]
    rows = rows.assign(_g=rows[R.STATUS] == R.GRADED, _s=rows[R.SCORE].fillna(-1))
    rows = rows.sort_values(["_g", "_s", R.STUDENT_ID], kind="stable")
    head = f"<h2 id='help'>Who needs help ({len(rows)} of {len(grades)})</h2>"
    if rows.empty:
        return head + "<p>Nobody: every entry was graded, nothing was flagged, and every score is at least half marks.</p>"
    failures = R.first_failures(tests)
    body = "".join(
        f"<tr><td>{feedback_link(r[R.STUDENT_ID])}</td><td class='n'>{num(r[R.SCORE])}</td>"
        f"<td>{esc(str(Status(r[R.STATUS])))}</td><td>{_chips(r[R.FLAGS])}</td><td class='message'>"
        f"{esc(_first_line(_text(r[R.MESSAGE]) or failures.get(r[R.STUDENT_ID], '')))}</td></tr>"
        for _, r in rows.iterrows())
    return (head + "<p class='hint'>Not graded, flagged, or below half marks; the message is the entry's, or its first failed test's. The id opens the student's feedback.</p>"
            "<div class='scroll'><table><thead><tr><th>student</th><th>score</th><th>status</th><th>flags</th>"
            "<th>message</th></tr></thead><tbody>" + body + "</tbody></table></div>")


def _pass_rates(rates: pd.DataFrame) -> str:
    """One view of the pass rates: a table, worst test first, each rate drawn as a bar in its row."""
    if rates.empty:
        return "<p>No graded entry: no pass rate.</p>"
    body = "".join(
        f'<tr data-test="{esc(r[R.TEST])}">'
        f"<td class='n'>{i}</td><td><code>{esc(r[R.TEST])}</code></td>"
        f"<td class='bar'><span style='width:{r[R.PASS_RATE] * 100:.1f}%'></span><em>{r[R.PASS_RATE]:.0%}</em></td>"
        f"<td class='n'>{r[R.PASSED_N]}</td><td class='n'>{r[R.PARTIAL_N]}</td><td class='n'>{r[R.GRADED_N]}</td>"
        f"<td class='n'>{num(r[R.MEAN_POINTS])} / {num(r[R.MAX_POINTS])}</td></tr>"
        for i, (_, r) in enumerate(rates.iterrows(), 1))
    return ("<table class='rates'><tr><th>#</th><th>test</th><th>pass rate</th><th>passed</th><th>partly</th>"
            "<th>of graded</th><th>mean points</th></tr>" + body + "</table>")


def _legend(not_graded: bool) -> str:
    """Every outcome of `status.Outcome` (so one added there shows here), and "not graded" where it occurs."""
    shown = [o.value for o in Outcome] + ([NOT_GRADED_OUTCOME] if not_graded else [])
    return "<p class='legend'>" + " ".join(
        f"<span class='cell o-{_css_name(v)}'></span> {esc(outcome_label(v))}" for v in shown) + "</p>"


def _grid(grades: pd.DataFrame, tests: pd.DataFrame, flags: pd.DataFrame, order: list[str]) -> str:
    """Students × tests, columns numbered as the pass-rate table (worst first); each cell the points, coloured
    by outcome, its title the test and the outcome's label. The row starts with the score and the flags."""
    outcomes, points = R.outcome_grid(tests, order), R.points_grid(tests, order)
    by_id = grades.set_index(R.STUDENT_ID)
    flag_of = dict(zip(flags[R.STUDENT_ID], flags[R.FLAGS]))
    head = "".join(f"<th class='t' title='{esc(t)}'>{i}</th>" for i, t in enumerate(order, 1))
    rows = []
    for sid in by_id.index:
        cells, ran = [], by_id.at[sid, R.STATUS] == R.GRADED  # no test of an entry not graded ran
        for i, t in enumerate(order, 1):
            value = outcomes.at[sid, t] if sid in outcomes.index else None
            value = (value if isinstance(value, str) else "") if ran else NOT_GRADED_OUTCOME
            got = points.at[sid, t] if sid in points.index else None
            title = f"{i}. {t}: {outcome_label(value) if value else 'no result'}"
            text = num(got) if value and value != NOT_GRADED_OUTCOME else ""
            cells.append(f"<td class='cell o-{_css_name(value or 'none')}' title='{esc(title)}'>{text}</td>")
        rows.append(f"<tr><th>{feedback_link(sid)}</th><td class='n'>{num(by_id.at[sid, R.SCORE])}</td>"
                    f"<td class='flags'>{_chips(flag_of.get(sid, ()))}</td>{''.join(cells)}</tr>")
    return ("<div class='scroll grid'><table class='grid'><thead><tr><th>student</th><th>score</th><th>flags</th>"
            + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def _slowest(grades: pd.DataFrame) -> str:
    slow = grades.sort_values(R.DURATION, ascending=False).head(5)
    return "<p class='hint'>Slowest: " + ", ".join(
        f"{feedback_link(r[R.STUDENT_ID])} {r[R.DURATION]:.1f} s" for _, r in slow.iterrows()) + ".</p>"


def html_report(assignment: Assignment, grades: pd.DataFrame, tests: pd.DataFrame,
                flags: pd.DataFrame | None = None, run: RunInfo = RunInfo()) -> str:
    """A self-contained page for the instructor (no script, no external file): run, totals, who needs help,
    score distribution, pass rates, and every student's result per test."""
    flags = flags if flags is not None else pd.DataFrame(columns=[R.STUDENT_ID, R.FLAGS])
    rates = R.pass_rates(grades, tests)
    order = rates[R.TEST].tolist() + [t for t in assignment.points if t not in set(rates[R.TEST])]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment.name)} report</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>{esc(assignment.title)} <small>({esc(assignment.name)})</small></h1>",
             _run_info(assignment, grades, run), _stats(assignment, grades)]
    if len(grades):
        parts.append("<p class='nav'><a href='#help'>who needs help</a> · <a href='#scores'>scores</a> · "
                     "<a href='#rates'>pass rates</a> · <a href='#grid'>every student, every test</a>"
                     + (" · <a href='#similar'>similar submissions</a>" if run.similarity else "") + "</p>")
        parts.append(_needs_help(assignment, grades, tests, flags))
        scores = grades[R.SCORE].dropna().tolist()
        parts.append("<h2 id='scores'>Scores</h2><figure>"
                     + histogram_svg(scores, assignment.max_score, min(20, max(5, len(grades) // 2)),
                                     "Score distribution", f"score (out of {assignment.max_score:g})")
                     + "</figure>" + _slowest(grades))
        graded = int((grades[R.STATUS] == R.GRADED).sum())
        parts.append(f"<h2 id='rates'>Pass rate per test, worst first (among the {graded} graded entries)</h2>"
                     + _pass_rates(rates))
        parts.append("<h2 id='grid'>Every student, every test</h2><p class='hint'>Columns numbered as the pass rates above; "
                     "each cell the points earned (hover for the test).</p>"
                     + _legend(bool((grades[R.STATUS] != R.GRADED).any())) + _grid(grades, tests, flags, order))
    if run.similarity:
        parts.append(f"<div id='similar'>{run.similarity}</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .3em; } h1 small { color: #666; font-weight: normal; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .2em .45em; text-align: left; vertical-align: top; }
th { background: #f4f6f9; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.message { max-width: 38em; color: #444; }
table.run th { width: 8em; } table.run { font-size: .9em; }
.notes { font-size: .85em; color: #555; }
.stats { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
.stat { background: #f4f6f9; border-radius: 6px; padding: .5em 1em; }
.stat b { display: block; font-size: 1.35em; }
.warn { background: #fff4e5; border-left: 4px solid #e8a33d; padding: .5em 1em; }
.hint { color: #555; font-size: .85em; }
figure { margin: 0; max-width: 100%; } figure svg { display: block; max-width: 100%; height: auto; }
.flag { display: inline-block; font-size: .8em; padding: 0 .4em; margin: 0 .2em .1em 0; border-radius: 3px;
        background: #eee; white-space: nowrap; }
.f-not_graded, .f-crashed { background: #f8d0d0; } .f-timed_out { background: #fde2b8; }
.f-forbidden_import { background: #e6d3f5; } .f-tests_not_run { background: #fff1a8; }
.f-output_cut { background: #dde7f5; }
table.rates td.bar { width: 14em; position: relative; padding: 0; }
td.bar span { display: block; height: 1.5em; background: #7fb77e; }
td.bar em { position: absolute; left: .4em; top: .15em; font-style: normal; }
.scroll { max-height: 70vh; overflow: auto; border: 1px solid #ddd; } .scroll table { margin: 0; }
.scroll thead th { position: sticky; top: 0; z-index: 1; } .scroll.grid { max-height: 85vh; }
.nav { font-size: .9em; }
table.grid { font-size: .75em; }
table.grid tbody th { position: sticky; left: 0; background: #fff; font-weight: normal; white-space: nowrap; }
table.grid td, table.grid th.t { padding: .1em .25em; text-align: center; min-width: 1.6em; }
table.grid td.flags { text-align: left; white-space: nowrap; }
.cell { background: #ccc; } span.cell { display: inline-block; width: 1em; height: 1em; vertical-align: middle; }
.o-passed { background: #b7dfb0; } .o-partial { background: #fde9a0; } .o-failed { background: #f4b6b0; }
.o-skipped { background: #ddd; } .o-not_graded { background: repeating-linear-gradient(45deg, #eee 0 4px, #ccc 4px 8px); }
.o-none { background: #fff; }
.legend { font-size: .85em; } .legend .cell { margin-left: .8em; }
"""
