"""Reject forbidden imports and calls before a solution runs: read its AST, never execute it.

A rule `a.b` forbids `import a.b`, `import a.b.c`, `from a import b`, `from a.b import x`, and any
use of `a.b` or `a.b.x` through an imported name (`import a as z; z.b.x()`), as well as
`__import__("a.b")` / `importlib.import_module("a.b")` with a literal name.
A rule naming a method, `module.Class.method` (a capitalised next-to-last part: `torch.Tensor.softmax`),
also forbids `.method` on any object (`x.softmax(-1)`, `(a + b).softmax(dim=0)`): the check cannot
know an object's type, so the method's name is what is forbidden, unless a class of the solution defines
a method of that name (`layer.backward(g)` on its own `Linear`): then the worker's tripwire on the class
(kataworker/guard.py) is what catches the forbidden one at run time.
"""

import ast
from dataclasses import dataclass

ALWAYS_FORBIDDEN = ("graders", "katas")  # the answer key and the hidden tests


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    rule: str

    def describe(self, filename):
        return f"{filename}:{self.line}: `{self.code}` uses {self.rule}, which this kata forbids"


def _matches(dotted, rule):
    return dotted == rule or dotted.startswith(rule + ".")


def _dotted(node):
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def method_rules(rules):
    """{method name: rule} for the rules that name a method of a class (`torch.Tensor.softmax`)."""
    methods = {}
    for rule in rules:
        parts = rule.split(".")
        if len(parts) >= 3 and parts[-2][:1].isupper() and not parts[-1][:1].isupper():
            methods[parts[-1]] = rule
    return methods


def own_methods(tree):
    """The names of the methods the solution's own classes define."""
    return {item.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}


def check_source(source, forbidden):
    """Source text + rules -> findings, sorted by line. Raises SyntaxError for unparsable source."""
    rules = tuple(forbidden) + ALWAYS_FORBIDDEN
    tree = ast.parse(source)
    methods = {name: rule for name, rule in method_rules(rules).items() if name not in own_methods(tree)}
    lines = source.splitlines()
    findings = []

    def flag(node, dotted):
        for rule in rules:
            if _matches(dotted, rule):
                code = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else dotted
                findings.append(Finding(node.lineno, code, rule))
                return True
        return False

    aliases = {}  # local name -> the dotted module path it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                flag(node, a.name)
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not flag(node, node.module):
                for a in node.names:
                    flag(node, f"{node.module}.{a.name}")
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):  # inner links of a chain repeat a finding; dropped below
            dotted = _dotted(node)
            root, _, rest = (dotted or "").partition(".")
            if not (dotted and root in aliases and flag(node, aliases[root] + ("." + rest if rest else ""))) \
                    and node.attr in methods:
                flag(node, methods[node.attr])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            callee = _dotted(node.func)
            if callee in ("__import__", "importlib.import_module", "import_module"):
                flag(node, node.args[0].value)
    unique = {(f.line, f.rule): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.line, f.rule))
