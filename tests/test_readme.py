"""The README's numbers come from the code: its kata table agrees with kata.yaml and with the hidden
tests as pytest collects them (parametrized cases included), its example report is a real grade of
the mutant it names, and `readme` rewrites only the marked table. Report headers show paths relative
to the repository, as the README does."""

import re
import subprocess
import sys
from collections import Counter

import pytest

from conftest import REPO, run_graders
from graders.manifest import load_manifest
from graders.readme import BEGIN, END, ReadmeError, with_table
from graders.repo import Paths, ready_katas
from test_engine import MISBEHAVING

README = (REPO / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| \[`(\w+)`\]\(katas/\1/prompt\.md\) \| (.+?) \| (★+) \| (\w+) \| (\d+) \| ([\w, ]+) \| (\d+|coming soon) \| "
                 r"(.*?) \| ([^|]+) \|$")
LEVEL = re.compile(r"\[`(\w+)`\]\(katas/(\w+)/levels/\1/prompt\.md\)")
EXAMPLE_MUTANT = REPO / "graders" / "keys" / "attention" / "mutants" / "fill_minus_1e9_uniform_rows.py"


def collected_counts():
    """Hidden tests per kata, as `pytest --collect-only` sees them in a fresh process."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--import-mode=importlib",
                           "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:warnings", "katas"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Counter(line.split("/")[1] for line in proc.stdout.splitlines()
                   if line.startswith("katas/") and "::" in line and "/levels/" not in line)  # a kata's own tests


def test_the_readme_kata_table_agrees_with_the_manifest_and_the_hidden_tests():
    block = README.split(BEGIN)[1].split(END)[0]
    rows = {m[1]: m.groups()[1:] for m in map(ROW.match, block.splitlines()) if m}
    katas, counts = load_manifest(REPO / "kata.yaml"), collected_counts()
    ready = ready_katas(katas, Paths(REPO))
    assert list(rows) == list(katas), "the README's table lists the manifest's katas, in its order"
    for kata in katas.values():
        title, stars, difficulty, minutes, framework, tests, levels, companies = rows[kata.id]
        assert (title, len(stars), difficulty, int(minutes), framework, companies) == (
            kata.title, kata.stars, kata.difficulty, kata.minutes, ", ".join(kata.frameworks), ", ".join(kata.companies)), kata.id
        assert [(m[1], m[2]) for m in LEVEL.finditer(levels)] == [(level.id, kata.id) for level in kata.levels], kata.id
        assert all((REPO / "katas" / kata.id / "levels" / level.id / "prompt.md").is_file() for level in kata.levels)
        collected = str(counts[kata.id]) if kata.id in ready else "coming soon"
        assert tests == collected, f"{kata.id}: the README says {tests} hidden tests, pytest collects {collected}"


def test_the_readme_command_agrees_with_the_readme():
    proc = run_graders("readme", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_example_report_is_a_real_grade_of_the_mutant_it_names():
    """Every line of the README's example (but its "..." and its timings) is a line of the real report,
    in order, as the learner sees it with the mutant as solutions/attention.py."""
    assert f"`{EXAMPLE_MUTANT.relative_to(REPO)}`" in README
    example = README.split("A report looks like this")[1].split("```")[1].strip("\n").splitlines()
    proc = run_graders("grade", "attention", "--solution", EXAMPLE_MUTANT.relative_to(REPO), env={"COLUMNS": "400"})
    report = proc.stdout.replace(f"({EXAMPLE_MUTANT.relative_to(REPO)})", "(solutions/attention.py)").splitlines()
    untimed = lambda line: re.sub(r"\d+\.\d+ ?s\b", "T", line)  # noqa: E731
    remaining = iter(map(untimed, report))
    for line in example:
        assert line.strip() == "..." or untimed(line) in remaining, f"not in the real report (in order): {line}\n" + proc.stdout


def test_readme_rewrites_only_the_marked_table(probe_root):
    stale = f"# Probe\n\nIntro.\n\n{BEGIN}\n| old | table |\n{END}\n\nAfter: 13 tests, kept as written.\n"
    (probe_root / "README.md").write_text(stale)
    check = run_graders("readme", "--check", root=probe_root)
    assert check.returncode == 1 and "-| old | table |" in check.stdout and "out of date" in check.stdout
    assert (probe_root / "README.md").read_text() == stale, "--check changes nothing"
    assert run_graders("readme", root=probe_root).returncode == 0
    text = (probe_root / "README.md").read_text()
    assert text.startswith("# Probe\n\nIntro.\n\n") and text.endswith("After: 13 tests, kept as written.\n")
    assert "| [`probe`](katas/probe/prompt.md) | Engine probe | ★ | easy | 1 | numpy | 5 |  | nobody |" in text
    assert run_graders("readme", "--check", root=probe_root).returncode == 0


@pytest.mark.parametrize("text", ["no markers at all\n", f"{END}\nbackwards\n{BEGIN}\n", f"{BEGIN}\n{BEGIN}\n{END}\n"])
def test_a_readme_without_one_marked_block_is_refused(text):
    with pytest.raises(ReadmeError, match="needs one block between"):
        with_table(text, "| table |")


def test_the_report_header_shows_the_path_relative_to_the_repository(probe_root):
    (probe_root / "solutions").mkdir()
    (probe_root / "solutions" / "probe.py").write_text((MISBEHAVING / "correct.py").read_text())
    proc = run_graders("grade", "probe", root=probe_root)
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == "probe - Engine probe (solutions/probe.py)"
