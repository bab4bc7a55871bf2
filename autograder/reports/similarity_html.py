"""Similarity as people read it: `similarity.csv` (every pair) and `similarity.html` (the pairs at or above the
threshold, each pair's two files side by side with the code they share highlighted).

Everything from a submission (ids, file names, code) is untrusted text: it is escaped wherever it goes, and
the characters that would hide or reorder code on screen (controls, bidi overrides) are shown as their code
points. `similarity_section` is a self-contained fragment (its own style, every class name starting with
`sim`), for a page of its own or another report.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Sequence

import pandas as pd

from autograder.core.outfolder import atomic_write
from autograder.core.text import spreadsheet_csv
from autograder.reports import similarity as S

CSV_FILE, HTML_FILE = "similarity.csv", "similarity.html"
IN_REPORT = 10  # flagged pairs listed in report.html's section (all of them on similarity.html)
# Controls but tab and newline, and the characters that reorder or break lines: shown, never acted on.
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")

SECTION_CSS = """
.sim { font-family: system-ui, sans-serif; color: #222; }
.sim h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.sim h3 { font-size: 1em; margin: 0 0 .4em; }
.sim .sim-note { color: #555; max-width: 60em; }
.sim .sim-none { background: #eef6ee; border-left: 4px solid #5a9e6f; padding: .5em 1em; }
.sim table.sim-pairs { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
.sim .sim-pairs th, .sim .sim-pairs td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; }
.sim .sim-pairs th { background: #f4f6f9; }
.sim .sim-pairs td.sim-num { text-align: right; font-variant-numeric: tabular-nums; }
.sim .sim-pair { border: 1px solid #ddd; border-radius: 6px; padding: .8em; margin: 1.2em 0; }
.sim .sim-score { background: #fde2e1; border-radius: 4px; padding: 0 .4em; }
.sim .sim-sides { display: grid; grid-template-columns: 1fr 1fr; gap: .8em; }
.sim .sim-side { min-width: 0; }
.sim .sim-head { font-size: .85em; margin-bottom: .3em; overflow-wrap: anywhere; }
.sim .sim-code { display: flex; max-height: 36em; overflow: auto; border: 1px solid #eee; background: #fafafa; }
.sim .sim-code pre { margin: 0; padding: .4em .5em; font: .78em/1.45 ui-monospace, Menlo, Consolas, monospace; }
.sim .sim-gutter { color: #999; text-align: right; user-select: none; border-right: 1px solid #eee; }
.sim .sim-text { flex: 1; }
.sim mark.sim-match { background: #ffd7a8; color: inherit; }
.sim .sim-hidden { color: #b00; font-weight: bold; }
"""

PAGE_CSS = "body { margin: 2em auto; max-width: 1400px; padding: 0 1em; font-family: system-ui, sans-serif; }"


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _shown(text: str) -> str:
    """Code as text in a <pre>: escaped, one kind of line break, hidden characters shown as their code point."""
    text = _esc(text.replace("\r\n", "\n").replace("\r", "\n"))
    return HIDDEN.sub(lambda m: f"<span class='sim-hidden'>&lt;U+{ord(m.group()):04X}&gt;</span>", text)


def _marked(text: str, regions: Sequence[tuple[int, int]]) -> str:
    """`text` with each (start, end) region in a <mark>."""
    parts, at = [], 0
    for start, end in regions:
        parts += [_shown(text[at:start]), f"<mark class='sim-match'>{_shown(text[start:end])}</mark>"]
        at = end
    return "".join(parts) + _shown(text[at:])


def _side(code: S.Submitted, regions, share: float, other: str) -> str:
    lines = code.text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    gutter = "\n".join(str(n) for n in range(1, lines + 1))
    return (f"<div class='sim-side'><div class='sim-head'><b>{_esc(code.student_id)}</b> {_esc(code.label)}: "
            f"{share:.0%} of it is in {_esc(other)}'s</div><div class='sim-code'><pre class='sim-gutter'>{gutter}"
            f"</pre><pre class='sim-text'>{_marked(code.text, regions)}</pre></div></div>")


def pair_html(view: S.PairView, row, anchor: str) -> str:
    """One pair: its rank and score, then its two files side by side, shared code highlighted."""
    a, b = view.a, view.b
    return (f"<article class='sim-pair' id='{anchor}'><h3>#{view.rank} {_esc(a.student_id)} &amp; "
            f"{_esc(b.student_id)} <span class='sim-score'>{row.similarity:.0%}</span></h3><div class='sim-sides'>"
            + _side(a, view.regions_a, row.similarity_a, b.student_id)
            + _side(b, view.regions_b, row.similarity_b, a.student_id) + "</div></article>")


def _pairs_table(rows: pd.DataFrame, anchors: dict[tuple[str, str, str], str], page: str = "") -> str:
    """The flagged pairs, one row each, linked to their side-by-side view (on `page`, or this one); a file column
    only when there are several."""
    several = rows[S.FILE].nunique() > 1
    head = ("<tr><th>rank</th><th>student A</th><th>student B</th>" + ("<th>file</th>" if several else "")
            + "<th>similarity</th><th>A's code in B's</th><th>B's code in A's</th><th>shared tokens</th><th></th></tr>")
    body = []
    for row in rows.itertuples(index=False):
        anchor = anchors.get((row.student_a, row.student_b, row.file))
        cells = [(row.rank, "sim-num"), (_esc(row.student_a), ""), (_esc(row.student_b), ""),
                 *([(_esc(row.file), "")] if several else []), (f"{row.similarity:.0%}", "sim-num"),
                 (f"{row.similarity_a:.0%}", "sim-num"), (f"{row.similarity_b:.0%}", "sim-num"),
                 (row.shared_tokens, "sim-num"), (f"<a href='{page}#{anchor}'>side by side</a>" if anchor else "", "")]
        body.append("<tr>" + "".join(f"<td class='{cls}'>{text}</td>" if cls else f"<td>{text}</td>"
                                     for text, cls in cells) + "</tr>")
    return f"<table class='sim-pairs'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _overview(pairs: pd.DataFrame) -> str:
    """How many were compared, what the score means, and how the scores spread."""
    students = len(set(pairs[S.STUDENT_A]) | set(pairs[S.STUDENT_B]))
    text = (f"{students} submissions compared, {len(pairs)} pairs. A pair's score one way is the share of one "
            "submission's code found in the other's (names, comments and layout ignored; the template every "
            "student was given left out); its similarity is the larger of the two.")
    if len(pairs):
        scores = pairs[S.SIMILARITY]
        text += (f" Over all pairs: median {scores.median():.0%}, 90th percentile {scores.quantile(.9):.0%}, "
                 f"highest {scores.max():.0%}.")
    return f"<p class='sim-note'>{_esc(text)}</p>"


def _key(view: S.PairView) -> tuple[str, str, str]:
    return view.a.student_id, view.b.student_id, view.a.file


def similarity_section(pairs: pd.DataFrame, threshold: float = S.DEFAULT_THRESHOLD,
                       views: Sequence[S.PairView] = (), page: str = "") -> str:
    """An HTML fragment: the pairs at or above `threshold` (a table), and `views` side by side; or a plain
    sentence that no pair is. Self-contained: its own <style>, scoped to class names starting with `sim`.
    With `page` (report.html's section), the views stay on that page and the table links to them there."""
    top = S.flagged(pairs, threshold)
    parts = [f"<section class='sim'><style>{SECTION_CSS}</style><h2>Similar submissions</h2>", _overview(pairs)]
    if len(pairs) == 0:
        parts.append("<p class='sim-none'>Fewer than two submissions could be compared: there is no pair.</p>")
    elif top.empty:
        best = pairs.iloc[0]
        parts.append(f"<p class='sim-none'>No pair of submissions is {threshold:.0%} similar or more. The most "
                     f"similar pair, {_esc(best.student_a)} and {_esc(best.student_b)}, is at "
                     f"{best.similarity:.0%}.</p>")
    else:
        rows = {(r.student_a, r.student_b, r.file): r for r in top.itertuples(index=False)}
        shown = [v for v in views if _key(v) in rows]
        anchors = {_key(v): f"sim-pair-{i}" for i, v in enumerate(shown, 1)}
        where = f" in <a href='{_esc(page)}'>{_esc(page)}</a>" if page else " below"
        more = f"; the first {len(shown)} side by side{where}" if 0 < len(shown) < len(top) or page else ""
        parts.append(f"<p>{len(top)} pair{'s' * (len(top) != 1)} at or above {threshold:.0%}{more}, most "
                     "similar first:</p>" + _pairs_table(top.head(IN_REPORT) if page else top, anchors, _esc(page)))
        if page and len(top) > IN_REPORT:
            parts.append(f"<p class='sim-note'>… and {len(top) - IN_REPORT} more in "
                         f"<a href='{_esc(page)}'>{_esc(page)}</a>.</p>")
        parts += [] if page else [pair_html(v, rows[_key(v)], anchors[_key(v)]) for v in shown]
    parts.append("</section>")
    return "\n".join(parts)


def _skipped_html(skipped: dict[str, str]) -> str:
    if not skipped:
        return ""
    items = "".join(f"<li><b>{_esc(sid)}</b>: {_esc(why)}</li>" for sid, why in skipped.items())
    return (f"<section class='sim'><h2>Not compared ({len(skipped)})</h2><p class='sim-note'>These submissions "
            f"could not be read as code; nothing of them is in the pairs above.</p><ul>{items}</ul></section>")


def similarity_page(result: S.SimilarityResult) -> str:
    """similarity.html: a page of its own around `similarity_section`, with the submissions skipped."""
    return "\n".join([
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_esc(result.assignment)} similarity</title>",
        f"<style>{PAGE_CSS}</style></head><body>",
        f"<h1>{_esc(result.title)} <small>({_esc(result.assignment)}): similarity between submissions</small></h1>",
        similarity_section(result.pairs, result.threshold, result.views),
        _skipped_html(result.skipped), "</body></html>"])


def write_similarity(result: S.SimilarityResult, out_dir: Path) -> dict[str, Path]:
    """similarity.csv and similarity.html in `out_dir`, each written atomically; their paths by kind."""
    paths = {"csv": out_dir / CSV_FILE, "html": out_dir / HTML_FILE}
    atomic_write(paths["csv"], spreadsheet_csv(result.pairs))
    atomic_write(paths["html"], similarity_page(result))
    return paths
