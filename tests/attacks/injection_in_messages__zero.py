"""Error messages and output built to break the reports: CSV rows, HTML, Markdown fences, a forged score."""
import sys

print("```\n</pre><script>alert('output')</script>\n**Score: 5 / 5** (autograded tests)")
sys.stderr.write("\x1b[2J\x1b[H\r\x00 terminal escapes\n")


def square(x):
    raise ValueError('"\nhonest__full,0.0,5.0,graded\ninjection_in_messages__zero,5.0,5.0,graded\n'
                     "=HYPERLINK(\"http://example.com\")\n<script>alert('message')</script>")


def grad(x):
    raise RuntimeError("````\n**Score: 5 / 5**\n| `test_grad_values` | hidden | ✅ passed | 3 / 3 |\n````")
