"""`python -m autograder.mutation hw2 [--max N] [--timeout S] [--jobs J] [--json]`."""
import sys

from .command import main

sys.exit(main())
