"""Imports a package the kata forbids (@MODULE@) by a route the static check cannot read (@ROUTE@),
catches the failure and answers correctly anyway."""
import base64
import sys

from correct import check_positive, echo  # noqa: F401

NAME = "".join(reversed("@MODULE@"[::-1]))


def _load():
    route = "@ROUTE@"
    if route == "builtins":
        return __builtins__["__import__"](NAME) if isinstance(__builtins__, dict) else __builtins__.__import__(NAME)
    if route == "importlib":
        import importlib
        return importlib.import_module(NAME)
    if route == "aliased":
        from importlib import import_module as fetch
        return fetch(NAME)
    if route == "sys_modules":
        __import__("importlib").import_module(NAME)
        return sys.modules[NAME]
    if route == "exec":
        scope = {}
        exec(base64.b64decode(base64.b64encode(f"import {NAME} as m".encode())).decode(), scope)
        return scope["m"]
    raise ValueError(route)


def add(a, b):
    try:
        _load()
    except Exception:
        pass
    return a + b
