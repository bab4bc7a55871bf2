"""Mutation testing of an assignment's tests: would they catch a slightly wrong solution?

Each mutant is the reference with one small change inside a solution region
(an operator swapped, a sign, a constant, a transpose, a dropped term, ...).
All tests, public and hidden, are run against every mutant in a forked child
process with a time limit. A mutant is *killed* when some test fails (or it
times out, or its process dies). A mutant that passes every test is replayed:
the calls the tests made to the reference, recorded once, are sent to the
mutant and the replies compared. If a reply differs, the tests saw a wrong
answer and accepted it: a real *survivor*. If none differs, the mutant is
*equivalent on the tested inputs*. The kill rate is killed / (killed + survived).

    autograder mutate hw2 [--max N] [--timeout S] [--jobs J] [--json]     (api.mutate)
"""
from .children import ChildOutcome, run_in_children
from .operators import assignment_mutants, generate_mutants, sample, solution_regions
from .replay import ATOL, RTOL, RecordingChannel, compare_replies, compare_values, replay
from .report import (
                     CRASHED,
                     EQUIVALENT,
                     KILLED,
                     KILLED_STATUSES,
                     SURVIVED,
                     TIMEOUT,
                     Mutant,
                     MutantResult,
                     MutationReport,
                     format_report,
)
from .running import Recording, ReferenceTimeout, record_reference, run_mutation

__all__ = ["ATOL", "CRASHED", "EQUIVALENT", "KILLED", "KILLED_STATUSES", "RTOL", "SURVIVED", "TIMEOUT",
           "ChildOutcome", "Mutant", "MutantResult", "MutationReport", "Recording", "RecordingChannel",
           "ReferenceTimeout", "assignment_mutants", "compare_replies", "compare_values", "format_report",
           "generate_mutants", "record_reference", "replay", "run_in_children", "run_mutation", "sample",
           "solution_regions"]
