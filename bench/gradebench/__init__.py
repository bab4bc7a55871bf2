"""The grader's benchmark, run as `bench/grade_bench.py`: one module per concern.

`cli` parses and runs; `runs` measures each assignment (the yardstick, a fresh worker process per
measurement, its memory sampled by `memory`) and `summary` folds the runs into one summary; `worker`
is what runs in those processes (a batch, the in-process floor, the gate for `all`), `profiling` the
`--profile` run; `classes` builds the class of submissions; `output` prints the table and JSON lines.
Everything it measures goes through the grader's public API (see bench/README.md).
"""
