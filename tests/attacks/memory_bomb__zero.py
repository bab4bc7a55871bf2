"""Allocate until something gives."""
import numpy as np


def square(x):
    hoard = []
    while True:
        hoard.append(bytearray(64 * 2**20))


def grad(x):
    return np.ones(2**31)  # 16 GB
