"""The kata's forbidden list inside the worker, installed before the solution is imported.

    guard.install(rules, report_fd, solution_dir, needed)   # rules as in kata.yaml: "torch", "scipy.special.softmax"

- A module a rule names, or any module under it, cannot be imported: ModuleNotFoundError. In the
  sandbox its files are absent anyway (graders/sandbox.py hides them); this makes the failure say why.
  An import the solution's own code asks for (by any route: `__import__`, importlib, exec'd text) is
  reported to the judge, which grades the kata `disallowed`; a library probing for an optional
  package is not. A module of a package the worker itself imports (`needed`: numpy, torch for a
  PyTorch attempt) stays loaded and importable by the libraries; only the solution's own import of
  one not loaded yet is refused and reported here (a plain `import numpy` in a PyTorch attempt is the
  static check's to find: a loaded module is imported without asking any finder).
- A rule naming an attribute of a module (`torch.nn.functional.scaled_dot_product_attention`,
  `torch.nn.MultiheadAttention`) is a tripwire: as soon as its module is imported, the function is
  replaced, wherever that module or any other loaded module binds it, by one that reports to the
  judge and raises; a class reports when it is instantiated; a rule naming a method of a class
  (`torch.Tensor.softmax`) replaces that method on the class, for every instance. The report is
  written at once, so a solution that catches the exception is still graded `disallowed`.

What this cannot do: code in the same process can reach the original objects (the tripwire holds
them; an attribute kept under another name before the tripwire was set, such as a C function's
alias deeper in the package, or `torch.ops.aten.*`, is not covered). The static check and the
hidden files are the other two layers.
"""

import importlib.abc
import os
import sys
import types

REPORT_EXIT = 86  # the worker exits with this when a report cannot be written (the pipe was closed or filled)


class ForbiddenCall(RuntimeError):
    """Raised where a forbidden function or class was used."""


def install(rules, report_fd, solution_dir, needed=()):
    """Block the forbidden modules and set the tripwires (see the module docstring)."""
    guard = _Guard(tuple(rules), report_fd, solution_dir, tuple(needed))
    for name in [n for n in sys.modules if guard.rule_for_module(n) and not guard.needed_module(n)]:
        del sys.modules[name]  # loaded before the kata was known
    sys.meta_path.insert(0, guard)
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType):
            guard.set_tripwires(module)
    return guard


class _Guard(importlib.abc.MetaPathFinder):
    def __init__(self, rules, report_fd, solution_dir, needed=()):
        self.rules, self.report_fd, self.solution_dir, self.needed = rules, report_fd, solution_dir, needed
        self.attribute_rules = {}  # holder module -> [(rule, attribute)]
        self.method_rules = {}  # the class's module -> [(rule, class name, method)]: "torch.Tensor.softmax"
        for rule in rules:
            holder, _, attribute = rule.rpartition(".")
            if holder:
                self.attribute_rules.setdefault(holder, []).append((rule, attribute))
            module, _, class_name = holder.rpartition(".")
            if module and class_name[:1].isupper() and not attribute[:1].isupper():  # as static_check.method_rules
                self.method_rules.setdefault(module, []).append((rule, class_name, attribute))

    def rule_for_module(self, name):
        return next((r for r in self.rules if name == r or name.startswith(r + ".")), None)

    def needed_module(self, name):
        """Whether `name` is one of the worker's own packages or a module under one."""
        return any(name == p or name.startswith(p + ".") for p in self.needed)

    def find_spec(self, name, path=None, target=None):
        rule = self.rule_for_module(name)
        if rule is not None:
            asked_by_solution = self._asked_by_solution()
            if asked_by_solution:
                self.report("import", name, rule)
            if self.needed_module(name) and not asked_by_solution:
                return None  # a library loading a module of the worker's own package (torch's lazy imports)
            raise ModuleNotFoundError(f"No module named {name!r}: this kata forbids {rule} (disallowed)", name=name)
        if name not in self.attribute_rules and name not in self.method_rules:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenTripwires(spec.loader, self)
                return spec
        return None

    def set_tripwires(self, module):
        """Replace the forbidden attributes of `module` and the forbidden methods of its classes (no-op
        for a module no rule names)."""
        for rule, class_name, method in self.method_rules.get(module.__name__, ()):
            self._set_method_tripwire(rule, vars(module).get(class_name), method)
        for rule, attribute in self.attribute_rules.get(module.__name__, ()):
            original = vars(module).get(attribute)  # never getattr: a lazy __getattr__ would import
            if original is None or isinstance(original, types.ModuleType) or getattr(original, "_kata_tripwire", False):
                continue
            if isinstance(original, type):
                try:
                    original.__init__ = self._tripwire(rule, original.__init__)
                except TypeError:  # a built-in type: its attributes cannot be set
                    pass
                continue
            wire = self._tripwire(rule, original)
            for other in list(sys.modules.values()):  # every alias: F.x is also torch._C._nn.x
                namespace = getattr(other, "__dict__", None)
                if isinstance(namespace, dict):
                    for key, value in list(namespace.items()):
                        if value is original:
                            namespace[key] = wire

    def _set_method_tripwire(self, rule, cls, method):
        """`cls.method` reports and raises, on every instance (a class whose attributes cannot be set,
        a built-in type, is left to the static check)."""
        original = getattr(cls, method, None) if isinstance(cls, type) else None
        if original is None or getattr(original, "_kata_tripwire", False):
            return
        try:
            setattr(cls, method, self._tripwire(rule, original))
        except TypeError:
            pass

    def _tripwire(self, rule, original):
        guard = self

        def tripwire(*args, **kwargs):
            guard.report("call", rule, rule)
            raise ForbiddenCall(f"{rule} is forbidden in this kata (disallowed): write it yourself")

        tripwire._kata_tripwire = True
        tripwire.__name__ = tripwire.__qualname__ = getattr(original, "__name__", rule)
        return tripwire

    def _asked_by_solution(self):
        """Whether the nearest caller outside the import machinery is the solution's code (its
        folder, or text it compiled itself)."""
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not (filename.startswith("<frozen importlib") or filename.endswith(os.sep + "importlib" + os.sep + "__init__.py")
                    or filename == __file__):
                return filename.startswith(self.solution_dir + os.sep) or (filename.startswith("<")
                                                                           and not filename.startswith("<frozen"))
            frame = frame.f_back
        return False

    def report(self, kind, name, rule):
        """One line to the judge: `kind<TAB>name<TAB>rule`. If it cannot be written, the worker ends."""
        line = f"{kind}\t{name}\t{rule}\n".encode()[:512]
        try:
            written = os.write(self.report_fd, line)
        except OSError:
            written = 0
        if written != len(line):
            os._exit(REPORT_EXIT)


class _ThenTripwires(importlib.abc.Loader):
    """A module's own loader, then the guard's tripwires on the module it executed."""

    def __init__(self, loader, guard):
        self._loader, self._guard = loader, guard

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._guard.set_tripwires(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)
