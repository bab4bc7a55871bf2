"""The three helpers that make student-controlled text safe where people open it."""
import re

import pandas as pd
import pytest

from autograder.core.text import (
    formula_like,
    markdown_code,
    spreadsheet_plain,
    spreadsheet_plain_frame,
    spreadsheet_safe,
    spreadsheet_safe_frame,
    terminal_safe,
)

DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]")


@pytest.mark.parametrize("text, shown", [
    ("mean \x1b[1A\x1b[2K4.00 / 4", "mean 4.00 / 4"),  # cursor up, erase line
    ("\x1b]0;pwned title\x07ok", "ok"),  # OSC: the window title
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
    ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),  # DCS (sixel)
    ("\x1b(0lqk\x1b(B", "lqk"),  # charset switches
    ("\x1bc reset", " reset"),  # RIS: full terminal reset
    ("\x9b2J8-bit CSI", "8-bit CSI"),
    ("bell\x07 back\x08space nul\x00 del\x7f nel\x85", "bell backspace nul del nel"),
    ("good \u202egnirts\u202c \u2066iso\u2069", "good gnirts iso"),  # bidi override, isolate
    ("progress 10%\rprogress 20%", "progress 10%\nprogress 20%"),  # CR cannot overwrite a line
    ("win\r\nline", "win\nline"),
    ("\x1b]0;no terminator\nnext line", "0;no terminator\nnext line"),  # an open string eats no lines
    ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
    ("café ∑ 🙂", "café ∑ 🙂"),
])
def test_terminal_safe_strips_what_moves_the_cursor_and_keeps_text(text, shown):
    assert terminal_safe(text) == shown
    assert not DANGEROUS.search(terminal_safe(text)) and "\x1b" not in terminal_safe(text)


def test_terminal_safe_on_one_line():
    assert terminal_safe("id\nforged line\tx\x1b[31m", one_line=True) == "id forged line x"


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("'=already", "''=already"), ("'quoted", "''quoted"),  # a leading quote is doubled: exact round trip
    ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_spreadsheet_safe_and_back(cell, safe):
    assert spreadsheet_safe(cell) == safe
    assert spreadsheet_plain(safe) == cell
    assert not formula_like(safe)


def test_spreadsheet_plain_leaves_a_quote_that_escaping_did_not_add():
    assert spreadsheet_plain("'typed by a person") == "'typed by a person"


@pytest.mark.parametrize("number", [-1.5, 0, 3, float("nan"), None, True])
def test_numbers_stay_numbers(number):
    assert spreadsheet_safe(number) is number and spreadsheet_plain(number) is number


def test_frame_helpers_touch_text_columns_only():
    frame = pd.DataFrame({"student_id": ["=evil", "ok", "'q"], "score": [-1.0, 2.0, float("nan")],
                          "message": ["-fail", None, "+x"]})
    safe = spreadsheet_safe_frame(frame)
    assert list(safe["student_id"]) == ["'=evil", "ok", "''q"] and list(safe["message"][[0, 2]]) == ["'-fail", "'+x"]
    assert safe["score"].dtype == float and safe["score"][0] == -1.0
    assert frame["student_id"][0] == "=evil"  # a copy
    pd.testing.assert_frame_equal(spreadsheet_plain_frame(safe), frame)


def inline_code_content(span: str) -> str | None:
    """What a CommonMark renderer shows for a line that is one code span (None: it is not one)."""
    match = re.fullmatch(r"(`+)(.+?)\1", span)
    if match is None or "\n" in span or re.search(rf"(?<!`){match[1]}(?!`)", match[2]):
        return None
    content = match[2]
    if content.startswith(" ") and content.endswith(" ") and content.strip():
        content = content[1:-1]
    return content


@pytest.mark.parametrize("text", ["plain", "a `tick`", "``double`` and `single`", "`starts", "ends`",
                                  "<script>alert(1)</script>", "**Score: 5 / 5**", " padded ", "```\nfence\n```"])
def test_markdown_code_is_one_span_showing_the_text(text):
    span = markdown_code(text)
    assert "\n" not in span
    assert inline_code_content(span) == " ".join(text.splitlines())
