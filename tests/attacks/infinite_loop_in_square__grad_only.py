"""square never returns; grad is honest and must still earn its points."""


def square(x):
    while True:
        pass


def grad(x):
    return 3.0 * x ** 2
