"""A correct probe solution."""


def echo(x):
    return x


def add(a, b):
    return a + b


def check_positive(n):
    if n <= 0:
        raise ValueError(f"{n} is not positive")
    return n
