"""The report's chart, the score histogram, as inline SVG text drawn by a pure function (data in, SVG out).

They replace matplotlib, whose import and tight-bbox PNG rendering cost about a second per grading run
for a simple chart. Every piece of text goes through `html.escape`: test names and titles come from
course authors, so they are data, never markup. Bars carry `data-*` attributes with the numbers they
show, which keeps the charts testable without reading pixels.
"""
from __future__ import annotations

import bisect
import html
import math

FONT = "system-ui, sans-serif"
HIST_COLOUR = "#3b6ea8"
GRID, INK, MUTED = "#e3e3e3", "#222", "#555"


def histogram_svg(scores: list[float], max_score: float, bins: int, title: str, xlabel: str) -> str:
    """Students per score bin over [0, max_score] (or [0, 1] if max_score is 0).

    Binning is numpy.histogram's: equal bins, each closed on the left, the last one closed on both
    sides, and values outside the range (or NaN) left out.
    """
    top = float(max_score or 1)
    edges = [i * (top / bins) for i in range(bins)] + [top]
    counts = [0] * bins
    for score in scores:
        if 0 <= score <= top:  # False for NaN
            counts[min(bisect.bisect_right(edges, score) - 1, bins - 1)] += 1
    width, height, left, right, above, below = 600, 320, 56, 16, 34, 50
    plot_w, plot_h = width - left - right, height - above - below
    headroom = max(counts, default=0) * 1.1 or 1  # room above the tallest bar for its count
    y_step = max(1, _step(headroom, 5))
    y_top = math.ceil(headroom / y_step) * y_step
    base = above + plot_h

    def x_at(value: float) -> float:
        return left + value / top * plot_w

    def y_at(count: float) -> float:
        return base - count / y_top * plot_h

    parts = [_y_tick(left, y_at(i * y_step), left + plot_w, str(round(i * y_step)))
             for i in range(round(y_top / y_step) + 1)]
    x_step = _step(top, 6)
    parts += [_x_tick(x_at(i * x_step), base, f"{i * x_step:g}") for i in range(math.floor(top / x_step + 1e-9) + 1)]
    for lo, hi, count in zip(edges, edges[1:], counts):
        x, y = x_at(lo) + 0.5, y_at(count)
        tip = f"{lo:g} to {hi:g}: {count} student{'s' * (count != 1)}"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(x_at(hi) - x - 0.5, 0.5):.1f}" '
                     f'height="{base - y:.1f}" fill="{HIST_COLOUR}" data-count="{count}" data-lo="{lo!r}" '
                     f'data-hi="{hi!r}"><title>{_esc(tip)}</title></rect>')
        if count:
            parts.append(_text((x_at(lo) + x_at(hi)) / 2, y - 4, str(count), size=10, anchor="middle", fill=MUTED))
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    parts.append(_text(left + plot_w / 2, height - 10, xlabel, anchor="middle"))
    middle = above + plot_h / 2
    parts.append(_text(14, middle, "students", anchor="middle", transform=f"rotate(-90 14 {middle})"))
    label = f"{title}: {sum(counts)} students in {bins} bins"
    return _svg(width, height, title, label, left + plot_w / 2, parts)


def _step(span: float, most: int) -> float:
    """The smallest 1, 2 or 5 × 10^k tick step that cuts `span` into at most `most` intervals."""
    raw = span / most
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = INK,
          transform: str = "", bold: bool = False) -> str:
    extra = (f' transform="{transform}"' if transform else "") + (' font-weight="600"' if bold else "")
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{_esc(text)}</text>")


def _y_tick(x: float, y: float, grid_end: float, label: str) -> str:
    """A horizontal grid line with its value on the left."""
    return (f'<line x1="{x}" y1="{y:.1f}" x2="{grid_end}" y2="{y:.1f}" stroke="{GRID}"/>'
            + _text(x - 6, y + 4, label, size=10, anchor="end", fill=MUTED))


def _x_tick(x: float, y: float, label: str, grid_top: float | None = None) -> str:
    """A tick mark below the axis with its value under it, and a vertical grid line if `grid_top` is given."""
    grid = f'<line x1="{x:.1f}" y1="{grid_top}" x2="{x:.1f}" y2="{y}" stroke="{GRID}"/>' if grid_top is not None else ""
    return (grid + f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="{INK}"/>'
            + _text(x, y + 16, label, size=10, anchor="middle", fill=MUTED))


def _svg(width: int, height: int, title: str, label: str, title_x: float, parts: list[str]) -> str:
    """The outer element: scalable (viewBox), titled and labelled for screen readers."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_esc(label)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">'
            f"<title>{_esc(title)}</title>"
            + _text(title_x, 22, title, size=13, anchor="middle", bold=True)
            + "".join(parts) + "</svg>")
