"""Similarity between the submissions of a class: how much of each pair's code is shared, and where.

Student code is untrusted, and here it is only ever text: read as the grader reads it (`grading.submissions`:
no link followed, sizes checked, a notebook's code cells extracted), tokenized by copydetect with Pygments'
lexer and compared. Nothing here imports, compiles or runs it. What every student was handed (the template,
`authoring.boilerplate`) is left out, so that stubs and docstrings make no two students alike.

The method is copydetect's (winnowing, as MOSS does): names become V, F or O, strings S, comments and
whitespace go, and every run of `NOISE` characters of what is left is a fingerprint. A pair's score one way is
the share of one submission's fingerprinted code found in the other's; `similarity` is the larger of the two.
The scores of every pair come from copydetect's fingerprints through one lookup table per submission (the
numbers of copydetect's `compare_files`, which takes 2 ms a pair: 40 s for a class of 200); the regions
highlighted in the pairs shown are `compare_files`' own.
"""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from copydetect import CodeFingerprint, compare_files

from autograder.core.text import terminal_safe
from autograder.grading.submissions import MAX_FILE_BYTES, Prepared

NOISE = 25  # copydetect's default noise and guarantee thresholds: equal, so every fingerprint is kept
DEFAULT_THRESHOLD = 0.6
MOST_SHOWN = 50
RANK, STUDENT_A, STUDENT_B, FILE = "rank", "student_a", "student_b", "file"
SIMILARITY, SIMILARITY_A, SIMILARITY_B, SHARED = "similarity", "similarity_a", "similarity_b", "shared_tokens"
COLUMNS = [RANK, STUDENT_A, STUDENT_B, FILE, SIMILARITY, SIMILARITY_A, SIMILARITY_B, SHARED]


@dataclass(frozen=True)
class Submitted:
    """One student's code for one of the assignment's files (`file`: the assignment's name for it)."""

    student_id: str
    file: str
    text: str
    notebook: bool = False  # the code cells of a notebook, joined

    @property
    def label(self) -> str:
        return f"{self.file.removesuffix('.py')}.ipynb (code cells)" if self.notebook else self.file


def code_to_compare(prepared: Iterable[Prepared]) -> tuple[list[Submitted], dict[str, str]]:
    """Each readable submission's code, and why each other one is skipped (student id -> reason)."""
    codes, skipped = [], {}
    for p in prepared:
        problem = p.message if not p.ok else next(filter(None, (_unreadable(n, t) for n, t in p.files.items())), "")
        if problem:
            skipped[p.student_id] = problem
        else:
            codes += [Submitted(p.student_id, name, text, p.cells is not None) for name, text in p.files.items()]
    return codes, skipped


def _unreadable(name: str, text: str) -> str:
    """Why this code is not compared ('' when it is): binary content, or more than a submitted file may hold."""
    if "\x00" in text:
        return f"{name} holds NUL bytes: it is binary, not source code"
    if len(text) > MAX_FILE_BYTES:
        return f"the code of {name} is longer than {MAX_FILE_BYTES} characters"
    return ""


def fingerprint(text: str, file: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    """copydetect's fingerprint of `text`, tokenized by the lexer of `file`'s name, without `boilerplate`'s."""
    return CodeFingerprint(file, NOISE, 1, boilerplate, fp=io.StringIO(text))


def boilerplate_hashes(texts: Sequence[str], file: str) -> np.ndarray:
    """Every fingerprint of the texts every student was given, to be left out of theirs."""
    hashes = [h for text in texts for h in fingerprint(text, file).hashes]
    return np.unique(np.array(hashes, dtype=np.int64))


def fingerprint_all(codes: Sequence[Submitted],
                    boilerplate: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], CodeFingerprint]:
    """(student id, file) -> the fingerprint of that code, the template's (`boilerplate`, by file) left out."""
    left_out = {file: boilerplate_hashes(boilerplate.get(file, ()), file) for file in {c.file for c in codes}}
    return {(c.student_id, c.file): fingerprint(c.text, c.file, left_out[c.file]) for c in codes}


def _covered(positions: np.ndarray) -> int:
    """How many characters the fingerprints starting at these sorted positions cover (NOISE each, unioned)."""
    return int(NOISE + np.minimum(np.diff(positions), NOISE).sum()) if len(positions) else 0


def _hash_positions(fp: CodeFingerprint) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, positions) of every fingerprint of `fp`, in the order of their positions."""
    if not fp.hash_idx:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    hashes = np.repeat(np.fromiter(fp.hash_idx, np.int64), [len(v) for v in fp.hash_idx.values()])
    positions = np.concatenate([np.asarray(v, np.int64) for v in fp.hash_idx.values()])
    order = np.argsort(positions, kind="stable")
    return hashes[order], positions[order]


def shared_matrix(fps: Sequence[CodeFingerprint]) -> np.ndarray:
    """shared[i, j]: how many characters of i's filtered code are covered by fingerprints j also has."""
    if not fps:
        return np.zeros((0, 0), np.int64)
    hashes, positions = zip(*map(_hash_positions, fps))
    everything = np.concatenate(hashes)
    _, ids = np.unique(everything, return_inverse=True)
    ids = np.split(ids, np.cumsum([len(h) for h in hashes])[:-1])
    present = np.zeros(len(everything), bool)
    shared = np.zeros((len(fps), len(fps)), np.int64)
    for j, theirs in enumerate(ids):
        present[theirs] = True
        for i, mine in enumerate(ids):
            if i != j:
                shared[i, j] = _covered(positions[i][present[mine]])
        present[theirs] = False
    return shared


def pairs_frame(fps: Mapping[tuple[str, str], CodeFingerprint]) -> pd.DataFrame:
    """One row per pair of students and file: both ways' scores, the larger, the characters shared, the rank."""
    rows = []
    for file in sorted({f for _, f in fps}):
        keys = sorted(k for k in fps if k[1] == file)
        shared = shared_matrix([fps[k] for k in keys])
        coverage = np.array([fps[k].token_coverage for k in keys], dtype=float)
        share = np.divide(shared, coverage[:, None], out=np.zeros(shared.shape), where=coverage[:, None] > 0)
        rows += [(keys[i][0], keys[j][0], file, share[i, j], share[j, i], int(shared[i, j]))
                 for i in range(len(keys)) for j in range(i + 1, len(keys))]
    frame = pd.DataFrame(rows, columns=[STUDENT_A, STUDENT_B, FILE, SIMILARITY_A, SIMILARITY_B, SHARED])
    frame[[SIMILARITY_A, SIMILARITY_B]] = frame[[SIMILARITY_A, SIMILARITY_B]].astype(float).round(4)
    frame[SIMILARITY] = frame[[SIMILARITY_A, SIMILARITY_B]].max(axis=1)
    frame = frame.sort_values([SIMILARITY, SHARED, STUDENT_A, STUDENT_B], ascending=[False, False, True, True])
    frame[RANK] = frame[SIMILARITY].rank(method="min", ascending=False).fillna(0).astype(int)
    return frame[COLUMNS].reset_index(drop=True)


def similarity_frame(codes: Sequence[Submitted], boilerplate: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """The pairs of `codes` (see `pairs_frame`), the `boilerplate` texts of each file left out: a pure function."""
    return pairs_frame(fingerprint_all(codes, boilerplate))


def flagged(pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The pairs at or above `threshold`, most similar first."""
    return pairs[pairs[SIMILARITY] >= threshold]


@dataclass(frozen=True)
class PairView:
    """A pair's two files side by side: each text with its matched regions, (start, end) character offsets."""

    rank: int
    a: Submitted
    b: Submitted
    regions_a: list[tuple[int, int]]
    regions_b: list[tuple[int, int]]


def _shown_regions(slices: np.ndarray, text: str) -> list[tuple[int, int]]:
    """The code a pair shares, to highlight: copydetect's matched slices, less the strings and comments inside
    them (a slice of the filtered code stretches over whole docstrings, which are the template's)."""
    return _without(_regions(slices, len(text)), ignored_spans(text), text)


def _regions(slices: np.ndarray, length: int) -> list[tuple[int, int]]:
    """copydetect's slices (starts; ends) as sorted, disjoint (start, end) pairs inside a text of `length`."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(zip(*(slices.tolist() if len(slices) else ([], [])))):
        start, end = max(0, min(int(start), length)), max(0, min(int(end), length))
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


def ignored_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the strings and comments of `text`, which the comparison ignores, found by `tokenize`
    (text only: nothing is compiled or run); as far as it gets through code that is not valid Python."""
    starts = np.cumsum([0] + [len(line) for line in text.split("\n")][:-1]) + np.arange(text.count("\n") + 1)
    spans = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT):
                spans.append((int(starts[tok.start[0] - 1]) + tok.start[1], int(starts[tok.end[0] - 1]) + tok.end[1]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return spans


def _without(regions: list[tuple[int, int]], holes: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """`regions` less the `holes`, each piece trimmed of the white space at its ends and dropped if empty."""
    pieces = []
    for start, end in regions:
        for hole_start, hole_end in holes:
            if hole_start < end and hole_end > start:
                if hole_start > start:
                    pieces.append((start, hole_start))
                start = max(start, hole_end)
        pieces.append((start, end))
    trimmed = [(s + len(text[s:e]) - len(text[s:e].lstrip()), e - len(text[s:e]) + len(text[s:e].rstrip()))
               for s, e in pieces]
    return [(s, e) for s, e in trimmed if e > s]


def pair_views(pairs: pd.DataFrame, codes: Sequence[Submitted], fps: Mapping[tuple[str, str], CodeFingerprint],
               most: int = MOST_SHOWN) -> list[PairView]:
    """The first `most` rows of `pairs` with their code and matched regions (copydetect's `compare_files`)."""
    by_key = {(c.student_id, c.file): c for c in codes}
    views = []
    for row in pairs.head(most).itertuples(index=False):
        a, b = by_key[(row.student_a, row.file)], by_key[(row.student_b, row.file)]
        _, _, (slices_a, slices_b) = compare_files(fps[(a.student_id, a.file)], fps[(b.student_id, b.file)])
        views.append(PairView(int(row.rank), a, b, _shown_regions(slices_a, a.text), _shown_regions(slices_b, b.text)))
    return views


@dataclass(frozen=True)
class SimilarityResult:
    """What `autograder similarity` found: every pair, the pairs shown side by side, the submissions skipped."""

    assignment: str
    title: str
    pairs: pd.DataFrame
    threshold: float
    compared: int
    views: list[PairView] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    files: dict[str, object] = field(default_factory=dict)

    @property
    def flagged(self) -> pd.DataFrame:
        return flagged(self.pairs, self.threshold)


def compare_class(assignment: str, title: str, prepared: Sequence[Prepared], boilerplate: Mapping[str, Sequence[str]],
                  threshold: float = DEFAULT_THRESHOLD, most: int = MOST_SHOWN) -> SimilarityResult:
    """Every pair of a class's readable submissions compared, the flagged ones (up to `most`) ready to show."""
    codes, skipped = code_to_compare(prepared)
    fps = fingerprint_all(codes, boilerplate)
    pairs = pairs_frame(fps)
    views = pair_views(flagged(pairs, threshold), codes, fps, most)
    return SimilarityResult(assignment, title, pairs, threshold, len({c.student_id for c in codes}), views, skipped)


def summary(result: SimilarityResult) -> str:
    """What `autograder similarity` prints: the counts, the flagged pairs (the first ten), the skipped, the files."""
    top = result.flagged
    lines = [f"{result.assignment}: {result.compared} submissions compared, {len(result.pairs)} pairs; "
             f"{len(top)} at or above {result.threshold:.0%} similar"]
    several = result.pairs[FILE].nunique() > 1
    for row in top.head(10).itertuples(index=False):
        a, b = terminal_safe(row.student_a, True), terminal_safe(row.student_b, True)
        lines.append(f"  {row.rank:>3}. {a} & {b}  {row.similarity:.0%}  ({f'{row.file}: ' if several else ''}"
                     f"{row.similarity_a:.0%} of {a}'s code is in {b}'s, {row.similarity_b:.0%} the other way)")
    if len(top) > 10:
        lines.append(f"  ... and {len(top) - 10} more (similarity.html, similarity.csv)")
    if result.skipped:
        lines.append(f"Skipped ({len(result.skipped)}), not compared:")
        lines += [f"  {terminal_safe(sid, True)}: {terminal_safe(why, True)}" for sid, why in result.skipped.items()]
    lines += [f"Wrote {path}" for path in result.files.values()]
    return "\n".join(lines)
