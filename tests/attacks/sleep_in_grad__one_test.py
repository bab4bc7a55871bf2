"""grad sleeps for an hour; square is honest."""
import time


def square(x):
    return x * x


def grad(x):
    time.sleep(3600)
    return 3.0 * x ** 2
