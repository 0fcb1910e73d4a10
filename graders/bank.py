"""The answer key, checked: the reference and every correct alternative pass the hidden tests,
the starter is not_attempted, every known-buggy mutant fails, and every hidden test catches at
least one mutant (a test that catches none is suspect; a mutant that passes is a hole). A
two-framework kata has one answer key per framework (graders/keys/<id>/ and graders/keys/<id>/torch/),
each checked in full against the same hidden tests; a test may catch a mutant of either framework.

    python -m graders bank kmeans        # a table of which test fails which mutant
"""

import json
from pathlib import Path

from graders.grade import grade
from graders.repo import FRAMEWORK_LABELS, attempts_of, check_kata_ids, ready_katas
from graders.sandbox import detect
from graders.session import Spawner


def bank_files(attempt):
    """{role: {name: solution file}} for the roles reference, alternatives, mutants and starter of one
    attempt's answer key (the first framework's in graders/keys/<id>/, another's in .../<framework>/)."""
    key = attempt.paths.key_dir(attempt.kata.id) / ("" if attempt.default else attempt.framework)
    return {
        "reference": {"reference": key / "reference.py"},
        "alternatives": {f.stem: f for f in sorted((key / "alternatives").glob("*.py"))},
        "mutants": {f.stem: f for f in sorted((key / "mutants").glob("*.py"))},
        "starter": {"starter": attempt.starter_path},
    }


def check_kata(kata, paths, spawner, fresh_seed=None):
    """Grade every bank file of every framework of one kata; returns a JSON-ready dict with the
    problems found (mutants and statuses named `torch/<name>` for a second framework's key); with
    `fresh_seed`, on fresh inputs too."""
    reports = [check_bank(attempt, spawner, fresh_seed) for attempt in attempts_of(kata, paths)]
    catches = {test: [m for r in reports for m in r["catches"].get(test, [])] for test in reports[0]["catches"]}
    return {
        "kata": kata.id,
        "problems": [p for r in reports for p in r["problems"]]
                    + [f"hidden test {test} fails no mutant: what mistake is it for?" for test, c in catches.items() if not c],
        "mutants": {name: m for r in reports for name, m in r["mutants"].items()},
        "catches": catches,
        "statuses": {role: {name: s for r in reports for name, s in r["statuses"][role].items()}
                     for role in reports[0]["statuses"]},
    }


def check_bank(attempt, spawner, fresh_seed=None):
    """Grade one framework's answer key; its problems name the framework when the kata has several."""
    kata, paths = attempt.kata, attempt.paths
    files = bank_files(attempt)
    prefix = "" if attempt.default else f"{attempt.framework}/"
    graded = {role: {prefix + name: grade(kata, paths, f, spawner=spawner, framework=attempt.framework,
                                     fresh_seed=fresh_seed)
                     for name, f in fs.items()}
              for role, fs in files.items()}
    problems = []
    for role, expected in (("reference", "passed"), ("alternatives", "passed"), ("starter", "not_attempted")):
        for name, result in graded[role].items():
            if result.status != expected:
                failing = [f"{t.name}: {t.message.splitlines()[0] if t.message else t.status}"
                           for t in result.tests if t.status != "passed"]
                problems.append(f"{role} {name} is {result.status}, expected {expected}: "
                                f"{result.message or '; '.join(failing[:5])}")
    tests = [t.name for t in graded["reference"][prefix + "reference"].tests]
    catches = {test: [] for test in tests}
    for name, result in graded["mutants"].items():
        if result.status == "passed":
            problems.append(f"mutant {name} passes every hidden test: a hole in the tests")
        for t in result.tests:
            if t.status != "passed" and t.name in catches:
                catches[t.name].append(name)
    if len(graded["mutants"]) < 8:
        problems.append(f"only {len(graded['mutants'])} {FRAMEWORK_LABELS[attempt.framework]} mutants; every "
                        "answer key needs at least 8")
    if not attempt.default and len(graded["alternatives"]) < 3:
        problems.append(f"only {len(graded['alternatives'])} {FRAMEWORK_LABELS[attempt.framework]} alternatives; "
                        "a second framework's key needs at least 3")
    return {
        "framework": attempt.framework,
        "problems": problems,
        "mutants": {name: {"status": r.status, "failed_tests": [t.name for t in r.tests if t.status != "passed"],
                           "message": r.message}
                    for name, r in graded["mutants"].items()},
        "catches": catches,
        "statuses": {role: {name: r.status for name, r in rs.items()} for role, rs in graded.items()},
    }


def run_bank(args, katas, paths):
    ids = args.katas or ready_katas(katas, paths)
    check_kata_ids(ids, katas, paths)
    spawner = Spawner(detect(args.sandbox))
    try:
        reports = [check_kata(katas[k], paths, spawner, args.fresh_inputs) for k in ids]
    finally:
        spawner.close()
    if args.fresh_inputs is not None:
        print(f"fresh inputs from seed {args.fresh_inputs} (replay: --fresh-inputs={args.fresh_inputs})")
    for report in reports:
        print(f"{report['kata']}:")
        for name, m in report["mutants"].items():
            detail = ", ".join(m["failed_tests"]) or (m["message"].splitlines() or [""])[0]
            print(f"  mutant {name:<36} {m['status']:<10} {detail[:150]}")
        for test, mutants in report["catches"].items():
            print(f"  test {test:<52} catches {len(mutants)} mutant(s)")
        for problem in report["problems"]:
            print(f"  PROBLEM: {problem}")
        print(f"  {'ok' if not report['problems'] else str(len(report['problems'])) + ' problem(s)'}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))
    return 0 if not any(r["problems"] for r in reports) else 1


