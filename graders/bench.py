"""How fast grading is, as ratios measured in one run (not timed assertions):

- per attempt (a kata's PyTorch key is a row of its own: softmax_torch), the warm grade of the reference: isolated (a worker process in the OS sandbox, the
  real thing, pre-spawned as in a run over several katas) vs the same worker unsandboxed (what the
  sandbox costs) vs bare (the same hidden tests calling the solution directly, no isolation);
- with --commands, per kata, whole commands from a cold start: `python -m graders grade` vs
  `nox -s grade` (when nox is on PATH), i.e. what nox adds on a reused venv.
"""

import shutil
import statistics
import subprocess
import sys
import time

from graders.grade import grade, seam_framework
from graders.repo import attempts_of, check_kata_ids, ready_katas
from graders.sandbox import detect
from graders.session import InProcess, Spawner


def median_seconds(run, repeat):
    return median_seconds_of({"run": run}, repeat)["run"]


def median_seconds_of(runs, repeat):
    """{name: run} -> {name: median seconds}; the runs take turns, so a busy spell of the machine
    falls on all of them alike, and each is warmed up once first (imports, caches)."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) for name, t in times.items()}


def check_passed(result):
    if result.status != "passed":
        raise SystemExit(f"the reference of {result.kata} did not pass ({result.status}): fix that before timing it")


def run_bench(args, katas, paths):
    ids = args.katas or ready_katas(katas, paths)
    check_kata_ids(ids, katas, paths)
    nox = shutil.which("nox") if args.commands else None
    sandbox = detect(args.sandbox)
    # as in a run over several katas: each worker starts warm
    spawners = {"sandboxed": Spawner(sandbox)} if sandbox.enabled else {}
    spawners["unsandboxed"] = Spawner(detect("off"))
    try:
        _bench(args, katas, paths, ids, nox, spawners)
    finally:
        for spawner in spawners.values():
            spawner.close()
    return 0


def _bench(args, katas, paths, ids, nox, spawners):
    print(f"median of {args.repeat} warm runs; isolated = a worker process per kata (in the sandbox when there is one), "
          "bare = no isolation; sandbox = what the sandbox adds to a grade")
    header = f"{'kata':<18}{'isolated':>10}{'bare':>10}{'overhead':>10}{'sandbox':>10}"
    print(header + (f"{'cmd: python':>13}{'cmd: nox':>10}{'nox adds':>10}" if args.commands else ""))
    for attempt in [a for kata_id in ids for a in attempts_of(katas[kata_id], paths)]:
        kata, reference, framework, kata_id = attempt.kata, attempt.reference_path, attempt.framework, attempt.key
        runs = {name: (lambda spawner=spawner: check_passed(grade(kata, paths, reference, spawner=spawner,
                                                                  framework=framework)))
                for name, spawner in spawners.items()}
        runs["bare"] = lambda: check_passed(grade(kata, paths, reference, framework=framework,
                                                  backend=InProcess(reference, seam_framework(attempt))))
        times = median_seconds_of(runs, args.repeat)
        t_bare = times["bare"]
        t_iso = times.get("sandboxed", times["unsandboxed"])
        cost = f"{(t_iso - times['unsandboxed']) * 1000:>+8.0f}ms" if "sandboxed" in times else f"{'none':>10}"
        line = f"{kata_id:<18}{t_iso:>9.3f}s{t_bare:>9.3f}s{t_iso / t_bare - 1:>+10.0%}{cost}"
        grade_args = [kata.id, "--solution", str(reference), *(["--torch"] if not attempt.default else [])]
        command = ["-m", "graders", "--root", str(paths.root), "grade", *grade_args]
        if args.commands:
            t_cmd = median_seconds(lambda: _run([sys.executable, *command]), args.repeat)
            line += f"{t_cmd:>12.3f}s"
        if nox:
            nox_command = [nox, "-f", str(paths.root / "noxfile.py"), "-s", "grade", "--", *grade_args]
            t_nox = median_seconds(lambda: _run(nox_command), args.repeat)
            line += f"{t_nox:>9.3f}s{t_nox - t_cmd:>+9.3f}s"
        print(line, flush=True)
    if "bpe" in ids:
        bench_bpe_trainers()


def bench_bpe_trainers(n_bytes=100_000, vocab_size=512):
    """The bpe kata's point: the incremental reference trainer against the naive one that recounts
    every pair of the whole text after each merge, on the speed test's text (one run each)."""
    from graders.keys.bpe import naive, reference
    from graders.keys.bpe.corpus import english_like_text

    text = english_like_text(n_bytes)
    times = {}
    for name, trainer in (("incremental (reference)", reference.train_bytes), ("naive recount", naive.train_bytes)):
        started = time.perf_counter()
        merges = trainer(text, vocab_size)
        times[name] = time.perf_counter() - started
    same = "the same merges" if merges == reference.train_bytes(text, vocab_size) else "DIFFERENT merges"
    (t_ref, t_naive) = times.values()
    print(f"bpe train_bytes, {n_bytes // 1000} kB to vocab {vocab_size}: incremental {t_ref:.2f} s, "
          f"naive {t_naive:.2f} s: {t_naive / t_ref:.0f}x ({same})", flush=True)


def _run(command):
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
