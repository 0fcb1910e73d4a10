"""Looks for the judge's secrets: its own environment, every /proc/<pid>/environ it can read, and a
TCP connection to a listener on localhost (port from the environment it hopes to see)."""
import os
import socket

from correct import check_positive, echo  # noqa: F401


def add(a, b):
    found = [f"env:{k}" for k, v in os.environ.items() if "hunter2" in v]
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if b"hunter2" in f.read():
                    found.append(f"proc:{pid}")
        except OSError:
            pass
    for port in range(int(a), int(b)):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                found.append(f"tcp:{port}:{s.recv(64).decode(errors='replace')}")
        except OSError:
            pass
    return found
