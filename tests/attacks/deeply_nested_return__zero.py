"""Return a list nested 100,000 deep, and a list that contains itself."""


def square(x):
    value = [0.0]
    for _ in range(100_000):
        value = [value]
    return value


def grad(x):
    loop = [1.0]
    loop.append(loop)
    return loop
