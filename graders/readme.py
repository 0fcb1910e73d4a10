"""`readme` (maintainers): the README's kata table, generated from kata.yaml and the hidden tests, so
its numbers cannot drift. Only the block between BEGIN and END is rewritten; `--check` changes nothing
and exits 1 when the README disagrees.

    table = kata_table(katas, ready, {kata_id: count_tests(paths, kata_id)})
    text = with_table(readme_text, table)
"""

import difflib
import os

from graders.repo import Paths, ready_katas

BEGIN, END = "<!-- katas:begin -->", "<!-- katas:end -->"
HEADER = ["| kata | what | asked | difficulty | minutes | frameworks | hidden tests | levels | where |",
          "| --- | --- | --- | --- | --- | --- | --: | --- | --- |"]


class ReadmeError(Exception):
    """The README has no marked block, or a kata's hidden tests do not collect."""


class _Collector:
    """A pytest plugin that keeps the collected tests' count and runs none of them."""

    def __init__(self):
        self.count, self.errors = 0, []

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"{report.nodeid}: {str(report.longrepr).strip().splitlines()[-1:]}")

    def pytest_collection_modifyitems(self, items):
        self.count = len(items)  # every test item the grader runs, parametrized cases included
        items.clear()


def count_tests(paths, kata_id):
    """How many hidden tests grading `kata_id` runs: collected as the grader collects them."""
    from graders.grade import _run_pytest

    collector = _Collector()
    _run_pytest(paths.kata_dir(kata_id), collector)
    if collector.errors or not collector.count:
        raise ReadmeError(f"the hidden tests of {kata_id} do not collect: {'; '.join(collector.errors) or 'no test'}")
    return collector.count


def kata_table(katas, ready, counts):
    """The markdown table: one row per kata of the manifest, in its order; `counts`: kata id -> tests."""
    rows = [*HEADER]
    for kata in katas.values():
        tests = counts[kata.id] if kata.id in ready else "coming soon"
        levels = ", ".join(f"[`{level.id}`](katas/{kata.id}/levels/{level.id}/prompt.md)" for level in kata.levels)
        rows.append(f"| [`{kata.id}`](katas/{kata.id}/prompt.md) | {kata.title} | {'★' * kata.stars} | "
                    f"{kata.difficulty} | {kata.minutes} | {', '.join(kata.frameworks)} | {tests} | {levels} | "
                    f"{', '.join(kata.companies)} |")
    return "\n".join(rows)


def with_table(text, table):
    """`text` with the block between BEGIN and END replaced by `table`; ReadmeError without one such block."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ReadmeError(f"README.md needs one block between {BEGIN} and {END} (the kata table goes there)")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    return f"{head}{BEGIN}\n\n{table}\n\n{END}{tail}"  # blank lines: the table stays a markdown table


def readme(args, katas):
    """The `readme` command: rewrite the kata table (0), or with --check say whether it is current (0 / 1)."""
    paths = Paths(args.root)
    path = paths.root / "README.md"
    ready = ready_katas(katas, paths)
    try:
        text = path.read_text(encoding="utf-8")
        wanted = with_table(text, kata_table(katas, ready, {k: count_tests(paths, k) for k in ready}))
    except (OSError, ReadmeError) as e:
        print(f"error: {e}")
        return 1
    if wanted == text:
        print("README.md: the kata table matches kata.yaml and the hidden tests.")
        return 0
    if args.check:
        diff = difflib.unified_diff(text.splitlines(), wanted.splitlines(), "README.md", "generated", lineterm="", n=0)
        print("\n".join(diff) + "\nREADME.md's kata table is out of date: python -m graders readme rewrites it.")
        return 1
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(wanted, encoding="utf-8")
    os.replace(temporary, path)
    print("README.md: the kata table is rewritten from kata.yaml and the hidden tests.")
    return 0
