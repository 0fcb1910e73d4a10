"""The answer key, checked: the reference and every correct alternative pass the hidden tests,
the starter is not_attempted, every known-buggy mutant fails, and every hidden test catches at
least one mutant (a test that catches none is suspect; a mutant that passes is a hole). A
two-framework kata has one answer key per framework (graders/keys/<id>/ and graders/keys/<id>/torch/),
each checked in full against the same hidden tests; a test may catch a mutant of either framework.
Each level (a graded follow-up) has its own hidden tests and answer key per framework
(graders/keys/<id>/levels/<level>/[torch/]), checked the same way: its report is under "levels".

    python -m graders bank kmeans        # a table of which test fails which mutant
    python -m graders bank softmax:logsumexp     # one level's key only
"""

import json
from pathlib import Path

from graders.grade import grade
from graders.repo import FRAMEWORK_LABELS, attempts_of, check_kata_ids, ready_katas, split_target

MIN_MUTANTS = {"kata": 8, "level": 6}   # per framework's answer key
MIN_ALTERNATIVES = 3                    # per answer key (a kata's first framework's excepted, for now)
from graders.sandbox import detect
from graders.session import Spawner


def bank_files(attempt):
    """{role: {name: solution file}} for the roles reference, alternatives, mutants and starter of one
    attempt's answer key (the first framework's in graders/keys/<id>/, another's in .../<framework>/;
    a level's in graders/keys/<id>/levels/<level>/). A level's starter is what `start` leaves: its
    stub (same file) or starter (fresh file); a same-file level with no stub, the kata's own starter."""
    key = attempt.key_folder
    starter = attempt.starter_path
    if attempt.same_file and not starter.is_file():
        starter = attempt.base.starter_path
    return {
        "reference": {"reference": key / "reference.py"},
        "alternatives": {f.stem: f for f in sorted((key / "alternatives").glob("*.py"))},
        "mutants": {f.stem: f for f in sorted((key / "mutants").glob("*.py"))},
        "starter": {"starter": starter},
    }


def check_kata(kata, paths, spawner, fresh_seed=None, levels=None):
    """Grade every bank file of every framework of one kata, and of each of its levels (`levels`: the
    ids to check; None: all); returns a JSON-ready dict with the problems found (mutants and statuses
    named `torch/<name>` for a second framework's key), each level's under "levels"; with `fresh_seed`,
    on fresh inputs too. A level's problems also appear in the kata's, prefixed `level <id>:`."""
    bases = attempts_of(kata, paths)
    report = {"kata": kata.id, "problems": [], "mutants": {}, "catches": {}, "statuses": {}, "levels": {}}
    if levels is None:
        report.update(_merged([check_bank(a, spawner, fresh_seed) for a in bases]))
    for level in kata.levels:
        if levels is None or level.id in levels:
            level_report = _merged([check_bank(level_attempt, spawner, fresh_seed)
                                    for a in bases for level_attempt in a.levels() if level_attempt.level == level])
            report["levels"][level.id] = level_report
            report["problems"] += [f"level {level.id}: {p}" for p in level_report["problems"]]
    return report


def _merged(reports):
    """One framework's bank reports -> the kata's (or the level's): a test may catch a mutant of either."""
    catches = {test: [m for r in reports for m in r["catches"].get(test, [])] for test in reports[0]["catches"]}
    return {
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
                                     fresh_seed=fresh_seed, level=attempt.level)
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
    kind = "kata" if attempt.level is None else "level"
    if len(graded["mutants"]) < MIN_MUTANTS[kind]:
        problems.append(f"only {len(graded['mutants'])} {FRAMEWORK_LABELS[attempt.framework]} mutants; every "
                        f"{kind}'s answer key needs at least {MIN_MUTANTS[kind]}")
    if (not attempt.default or attempt.level is not None) and len(graded["alternatives"]) < MIN_ALTERNATIVES:
        problems.append(f"only {len(graded['alternatives'])} {FRAMEWORK_LABELS[attempt.framework]} alternatives; "
                        f"a {'second framework' if kind == 'kata' else 'level'}'s key needs at least {MIN_ALTERNATIVES}")
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
    """`bank [KATA | KATA:LEVEL ...]`: a kata with all its levels, or one level's key alone."""
    targets = args.katas or ready_katas(katas, paths)
    check_kata_ids(targets, katas, paths)
    wanted = {}  # kata id -> None (the kata and every level) or the level ids named
    for kata_id, level_id in map(split_target, targets):
        if level_id is None:
            wanted[kata_id] = None
        elif wanted.get(kata_id, ()) is not None:
            wanted[kata_id] = [*wanted.get(kata_id, []), level_id]
    spawner = Spawner(detect(args.sandbox))
    try:
        reports = [check_kata(katas[k], paths, spawner, args.fresh_inputs, levels) for k, levels in wanted.items()]
    finally:
        spawner.close()
    if args.fresh_inputs is not None:
        print(f"fresh inputs from seed {args.fresh_inputs} (replay: --fresh-inputs={args.fresh_inputs})")
    for report in reports:
        print(f"{report['kata']}:")
        _print_key(report)
        for level_id, level_report in report["levels"].items():
            print(f"{report['kata']}:{level_id}:")
            _print_key(level_report)
        for problem in report["problems"]:
            print(f"  PROBLEM: {problem}")
        print(f"  {'ok' if not report['problems'] else str(len(report['problems'])) + ' problem(s)'}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))
    return 0 if not any(r["problems"] for r in reports) else 1


def _print_key(report):
    """Which test fails each mutant, and how many mutants each test catches."""
    for name, m in report["mutants"].items():
        detail = ", ".join(m["failed_tests"]) or (m["message"].splitlines() or [""])[0]
        print(f"  mutant {name:<36} {m['status']:<10} {detail[:150]}")
    for test, mutants in report["catches"].items():
        print(f"  test {test:<52} catches {len(mutants)} mutant(s)")


