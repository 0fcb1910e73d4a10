"""Starts a long-lived child process and then hangs: the whole process group must die."""
import subprocess

from correct import add, check_positive  # noqa: F401


def echo(x):
    subprocess.Popen(["sleep", "424242"])
    while True:
        pass
