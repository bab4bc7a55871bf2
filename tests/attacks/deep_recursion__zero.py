"""Raise the recursion limit to a million and recurse: in Python, and through C (which may segfault)."""
import sys

sys.setrecursionlimit(10**6)


def square(x):
    def down(n):
        return down(n + 1) + 1

    return down(0)


def grad(x):
    def through_c(n):
        return list(map(through_c, [n + 1]))

    return through_c(0)
