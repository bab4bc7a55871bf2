"""Grading: from a submission's files to its result row, and from a folder of submissions to all their rows.

`submissions` reads and resolves entries, `collect` finds the tests, `protocol` is the `submission` fixture a
test calls, `runner` runs the tests, `one` grades one submission (the one function every caller uses),
`planning` sends the tests' calls ahead, `oracles` stores expected values, `reference` runs the reference in
process, `scheduling` spreads submissions over slots, `store` keeps results between runs, `batch` grades a
class. `testing` is what test authors import (also as `autograder.testing`).
"""
