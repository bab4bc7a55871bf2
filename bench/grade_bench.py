"""The grader's benchmark: a class of correct submissions, graded by the real engine, timed and weighed.

    .venv/bin/python bench/grade_bench.py --assignment hw5 --n 200 --jobs 3
    .venv/bin/python bench/grade_bench.py --assignment all --n 20 --profile
    AUTOGRADER_COURSE=/tmp/toy .venv/bin/python bench/grade_bench.py --assignment toy --n 200

For each assignment: one fresh `python -c "import torch"` (the yardstick); N copies of the reference as
submissions; `autograder.api.grade_batch` on them in a fresh process per repeat, while this process samples
the memory of that process tree from /proc; the in-process floor; a check that every submission got full
marks (exit 1 otherwise). The code is in `bench/gradebench/` (one module per concern); what each figure
means is in bench/README.md.
"""
import sys

from gradebench.cli import main

if __name__ == "__main__":
    sys.exit(main())
