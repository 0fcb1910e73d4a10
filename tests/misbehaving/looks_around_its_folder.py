"""Lists its own folder and the one above, and reads every file there it can: reports each entry
that is not a Python file and each file holding the secret (self-contained: no sibling import)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def echo(x):
    return x


def check_positive(n):
    if n <= 0:
        raise ValueError(f"{n} is not positive")
    return n


def _secret_in(path):
    try:
        with open(path, "rb") as f:
            return b"hunter2" in f.read(1 << 20)
    except OSError:
        return False


def add(a, b):
    found = []
    for folder in (HERE, os.path.dirname(HERE), os.path.expanduser("~"), "@HOME@"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            if path == os.path.abspath(__file__):  # itself (it names the secret)
                continue
            if folder == HERE and not name.endswith(".py"):
                found.append(f"entry:{name}")
            if _secret_in(path) or os.path.isdir(os.path.join(path, ".ssh")) or name == ".ssh":
                found.append(f"secret:{path}")
    return sorted(set(found))
