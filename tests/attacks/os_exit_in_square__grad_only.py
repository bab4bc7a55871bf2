"""square ends its process; grad is honest and must be answered by a fresh process."""
import os


def square(x):
    os._exit(0)


def grad(x):
    return 3.0 * x ** 2
