"""An honest submission with one mistake: square is right, grad forgets the factor 3."""
import numpy as np


def square(x):
    return np.asarray(x) * np.asarray(x)


def grad(x):
    return np.asarray(x) ** 2
