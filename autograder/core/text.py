"""Student-controlled text made safe for where people open it: a terminal, a spreadsheet, a Markdown viewer.

A leaf module (it imports nothing of the package), so that every writer of
text for people can use it:

- `terminal_safe`: no escape sequence, control character or bidi override,
  so what a submission printed cannot move the cursor, recolour or rewrite
  the lines a grader prints around it;
- `spreadsheet_safe` / `spreadsheet_safe_frame`: a cell that a spreadsheet
  would run as a formula gets a leading `'` (OWASP, "CSV Injection"), and
  `spreadsheet_plain` / `spreadsheet_plain_frame` undo it exactly when the
  grader reads its own files back;
- `markdown_code`: text as one inline code span that nothing inside can end.
"""
from __future__ import annotations

import re

# ESC sequences (ECMA-48): CSI, OSC/DCS/SOS/PM/APC strings up to their terminator on the same line, other
# escapes (an unterminated string loses only its introducer), the 8-bit CSI. Stray controls go with _CONTROLS.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)"
                      r"|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?")
# C0 controls but tab and newline, DEL, C1 controls, and the characters that reorder or break lines on screen
# (bidi embeddings, overrides, isolates and marks; the line and paragraph separators).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def terminal_safe(text: str, one_line: bool = False) -> str:
    """`text` without escape sequences, control or bidi characters; a carriage return becomes a line break.

    `one_line`: line breaks and tabs become spaces too, for a value printed inside a line (a student id)."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    return text.replace("\n", " ").replace("\t", " ") if one_line else text


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this cell for a formula (OWASP's list of first characters)."""
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def spreadsheet_safe(value):
    """A string cell that cannot run as a formula: `'` before one that could, and before one starting with `'`
    (so that `spreadsheet_plain` gives back exactly the original). Anything else (numbers) unchanged."""
    if isinstance(value, str) and (formula_like(value) or value.startswith(QUOTE)):
        return QUOTE + value
    return value


def spreadsheet_plain(value):
    """The cell `spreadsheet_safe` was given: its extra `'` removed (only where `spreadsheet_safe` adds one)."""
    if isinstance(value, str) and value.startswith(QUOTE) and (formula_like(value[1:]) or value[1:2] == QUOTE):
        return value[1:]
    return value


def _map_text_columns(frame, function):
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype.kind not in "biufcmM":  # text or mixed: not numbers, booleans or times
            frame[column] = frame[column].map(function)
    return frame


def spreadsheet_safe_frame(frame):
    """A copy of a pandas DataFrame with `spreadsheet_safe` applied to its text cells; numbers stay numbers."""
    return _map_text_columns(frame, spreadsheet_safe)


def spreadsheet_csv(frame) -> str:
    """A pandas DataFrame as CSV for people: no text cell can run as a formula; numbers are written as numbers."""
    return spreadsheet_safe_frame(frame).to_csv(index=False)


def spreadsheet_plain_frame(frame):
    """A copy of a pandas DataFrame read from a file the grader wrote, with `spreadsheet_plain` on its text cells."""
    return _map_text_columns(frame, spreadsheet_plain)


def markdown_code(text: str) -> str:
    """`text` as one inline code span: delimited by a backtick run longer than any inside it, on one line,
    so that nothing in it becomes Markdown or HTML."""
    text = " ".join(str(text).splitlines()) or " "
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ") and text.strip()):
        text = f" {text} "  # CommonMark strips one space each side when both are there
    return f"{fence}{text}{fence}"
