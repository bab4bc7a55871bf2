"""grad calls sys.exit(0); square is honest."""
import sys


def square(x):
    return x * x


def grad(x):
    sys.exit(0)
