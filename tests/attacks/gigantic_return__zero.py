"""Send back more than the reply limit (square), and a 500 MB array that costs nothing to make (grad)."""
import numpy as np


def square(x):
    return np.random.default_rng(0).normal(size=(2**20 + len(x),)) + x.sum()  # ~11 MB as data


def grad(x):
    return np.broadcast_to(np.float64(1.0), (500 * 2**20 // 8,))  # a 500 MB view of one number
