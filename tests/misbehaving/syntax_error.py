"""Does not parse."""


def echo(x)
    return x
