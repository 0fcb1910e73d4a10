"""Hidden tests of the dataloader kata's level `resume`: the kata's ShardedDataLoader(dataset, batch_size,
world_size, rank, shuffle=True, seed=0, drop_last=False) with state_dict() and load_state_dict(state).

Every check compares a loader with itself: an original loader runs a training loop's calls in the worker
(toys.dataloader:Script: set_epoch, a partial iteration, state_dict(), the rest), its state goes through
json.dumps / json.loads in the judge, as a checkpoint file would hold it, and a loader built with the same
arguments (in a fresh process for the main test: the job restarted) loads it and runs on. What it yields
must be exactly what the original yielded after that point: the same items in the same batches, on every
rank. So nothing the contract leaves free is compared with a fixed value: not the state's layout (its keys,
batches or samples counted, extra fields), not the order a shuffle draws, not how the order is split between
ranks. Not tested either: `set_epoch` with the epoch just loaded (the prompt says not to call it).

The checks:
  - the rest of the epoch, after k batches (1 and all but one), on every rank: with and without
    shuffling and drop_last, epochs other than 0 (a state without its epoch resumes epoch 0's order);
  - the epochs after it, set_epoch(e + 1), (e + 2), as the original's (a loaded position used once);
  - a state taken before any batch (the whole epoch), after the loop body got the last batch, and after the
    loop ended (nothing left; then set_epoch(e + 1), also at once after load_state_dict, gives all of e + 1);
  - twice in one epoch: a state taken right after load_state_dict, and one taken after more batches of the
    resumed loader, each resume where they should (positions count from the epoch's start);
  - a snapshot: a state kept in memory while the original runs on still resumes where it was taken;
  - plain, small data: json.dumps works, and under 1000 characters for 100,000 samples (no stored order);
  - fetches, counted in the judge: resuming at batch 100 fetches none of the 400 samples before it.
No tolerances and no randomness a correct loader could trip on: items are compared exactly.
"""

import json

import pytest

from graders.check import classic_cause, summary
from graders.kataworker.toys.dataloader import IndexDataset

# (n, world_size, batch_size): as the kata's grid, each with at least two batches per rank.
GRID = [(12, 1, 5), (12, 3, 2), (12, 4, 3), (10, 4, 1), (13, 4, 2), (13, 3, 2), (31, 5, 4), (16, 4, 4), (7, 2, 1)]
# Where a state is taken at an epoch's edges: also one batch per rank, more ranks than samples, no sample at all.
EDGE_GRID = [(12, 3, 2), (13, 4, 2), (31, 5, 4), (5, 2, 8), (3, 5, 1), (0, 3, 2)]
# (shuffle, drop_last, epoch)
MODES = [(True, False, 3), (True, True, 2), (False, False, 1)]
STATE_CHARS = 1000


def names(n):
    """The default dataset: n strings, so items and positions read back plainly."""
    return [f"sample-{i}" for i in range(n)]


class Setup:
    """One loader configuration: its arguments, the epoch a test checkpoints, and the batch count."""

    def __init__(self, n, world_size, batch_size, shuffle, drop_last, seed, epoch):
        self.n, self.world_size, self.batch_size = n, world_size, batch_size
        self.shuffle, self.drop_last, self.seed, self.epoch = shuffle, drop_last, seed, epoch

    def __str__(self):
        return (f"n={self.n}, world_size={self.world_size}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed}, epoch {self.epoch}")

    def num_batches(self):
        """Batches per rank in an epoch, as the kata's formulas give them."""
        per_rank = self.n // self.world_size if self.drop_last else -(-self.n // self.world_size)
        full, partial = divmod(per_rank, self.batch_size)
        return full + bool(partial and not self.drop_last)

    def build(self, solution, rank, dataset=None):
        dataset = names(self.n) if dataset is None else dataset
        return solution.ShardedDataLoader(dataset, batch_size=self.batch_size, world_size=self.world_size, rank=rank,
                                          shuffle=self.shuffle, seed=self.seed, drop_last=self.drop_last)


def run(solution, make, setup, plans, dataset=None):
    """plans [(rank, steps)]: for each, a loader of that rank, built by `solution`, runs the steps in the worker
    (see toys.dataloader:Script) -> [what each recorded], in one round trip."""
    loaders = [setup.build(solution, rank, dataset) for rank, _ in plans]
    with classic_cause("state_dict() must work at any time: before the first iteration, and right after "
                       "load_state_dict (is the position created only in __iter__?)", raised=("AttributeError",)):
        return make("toys.dataloader:Script", loaders, [steps for _, steps in plans]).results()


def every_rank(setup, steps):
    return [(rank, steps) for rank in range(setup.world_size)]


def checkpointed(setup, k):
    """The original's steps: the epoch, its first k batches, a checkpoint, the rest of the epoch."""
    return [("set_epoch", setup.epoch), ("iter",), ("next", k), ("state",), ("next", None)]


def through_json(state, case):
    """The state as a checkpoint file gives it back: json.loads(json.dumps(state))."""
    try:
        return json.loads(json.dumps(state))
    except (TypeError, ValueError) as e:
        raise AssertionError(f"the state {summary(state)} ({case}) cannot be saved as JSON ({e}): make it of Python "
                             "int, str, float, bool, None, list and dict only (int(x) of a NumPy number, never an "
                             "array)") from None


def as_positions(batches):
    """names() items -> their indices, for messages."""
    return [[int(item.rsplit("-", 1)[1]) if isinstance(item, str) else item for item in batch] for batch in batches]


def assert_resumed(got, expected, case, state, what="the rest of the epoch"):
    if got != expected:
        raise AssertionError(f"{case}: the loader restored from the state {summary(state)} yielded the batches (as "
                             f"indices) {summary(as_positions(got))}; expected {what}, as the original yielded it: "
                             f"{summary(as_positions(expected))}")


# -- the rest of the epoch --------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_a_restored_loader_yields_the_rest_of_the_epoch(solution, make, fresh_solution, seed):
    restarted = fresh_solution()       # the job restarts: the restored loaders live in a new process
    for n, world_size, batch_size in GRID:
        for shuffle, drop_last, epoch in MODES:
            setup = Setup(n, world_size, batch_size, shuffle, drop_last, seed(21), epoch)
            count = setup.num_batches()
            for k in sorted({1, count - 1} - {0}):
                originals = run(solution, make, setup, every_rank(setup, checkpointed(setup, k)))
                states = [through_json(state, f"rank {rank} of {setup}, after {k} batches")
                          for rank, (_, state, _) in enumerate(originals)]
                restored = run(restarted.solution, restarted.make, setup,
                               [(rank, [("load", state), ("iter",), ("next", None)]) for rank, state in enumerate(states)])
                for rank, ((first, _, rest), (got,)) in enumerate(zip(originals, restored)):
                    case = f"rank {rank} of {setup}, checkpointed after {k} of its {count} batches"
                    if len(first) != k:
                        raise AssertionError(f"{case}: the original yielded {len(first)} batches before the "
                                             f"checkpoint; expected {k} (see the kata's batch counts)")
                    assert_resumed(got, rest, case, states[rank])


@pytest.mark.category("correctness")
def test_a_restored_loader_goes_on_with_the_next_epochs(solution, make, seed):
    for n, world_size, batch_size in GRID[1:7]:
        for shuffle, drop_last, epoch in MODES[:2]:
            setup = Setup(n, world_size, batch_size, shuffle, drop_last, seed(22), epoch)
            k = setup.num_batches() // 2
            later = [step for e in (epoch + 1, epoch + 2) for step in (("set_epoch", e), ("iter",), ("next", None))]
            originals = run(solution, make, setup, every_rank(setup, checkpointed(setup, k) + later))
            states = [through_json(state, f"rank {rank} of {setup}, after {k} batches")
                      for rank, (_, state, *_) in enumerate(originals)]
            restored = run(solution, make, setup, [(rank, [("load", state), ("iter",), ("next", None), *later])
                                                   for rank, state in enumerate(states)])
            for rank, ((_, _, rest, *next_epochs), (got_rest, *got_next)) in enumerate(zip(originals, restored)):
                case = f"rank {rank} of {setup}, checkpointed after {k} batches"
                assert_resumed(got_rest, rest, case, states[rank])
                for e, got, expected in zip((epoch + 1, epoch + 2), got_next, next_epochs):
                    assert_resumed(got, expected, f"{case}, then the rest, then set_epoch({e})", states[rank],
                                   f"all of epoch {e} (a loaded position is used by one iteration only)")


# -- the epoch's edges ------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_a_state_taken_before_the_first_batch_resumes_the_whole_epoch(solution, make, seed):
    whole = [("iter",), ("next", None)]
    for n, world_size, batch_size in EDGE_GRID:
        for shuffle, drop_last, epoch in MODES:
            setup = Setup(n, world_size, batch_size, shuffle, drop_last, seed(23), epoch)
            # a new loader's state (epoch 0), its epoch 0; then set_epoch(epoch), its state, its epoch
            originals = run(solution, make, setup, every_rank(setup, [("state",), *whole, ("set_epoch", epoch),
                                                                      ("state",), *whole]))
            plans, expected, cases = [], [], []
            for rank, (new_state, epoch_0, state, epoch_e) in enumerate(originals):
                for before, loaded, batches, e in (("built", new_state, epoch_0, 0),
                                                   (f"set_epoch({epoch})", state, epoch_e, epoch)):
                    cases.append((f"rank {rank} of {setup}, checkpointed right after {before}, before any batch", e))
                    plans.append((rank, [("load", through_json(loaded, cases[-1][0])), *whole]))
                    expected.append(batches)
            for (case, e), (_, steps), (got,), batches in zip(cases, plans, run(solution, make, setup, plans), expected):
                assert_resumed(got, batches, case, steps[0][1], f"all of epoch {e}")


@pytest.mark.category("edge-case")
def test_a_state_taken_at_the_end_of_the_epoch_resumes_nothing_of_it(solution, make, seed):
    for n, world_size, batch_size in EDGE_GRID:
        for shuffle, drop_last, epoch in MODES:
            setup = Setup(n, world_size, batch_size, shuffle, drop_last, seed(24), epoch)
            count = setup.num_batches()
            following = [("set_epoch", epoch + 1), ("iter",), ("next", None)]
            originals = run(solution, make, setup, every_rank(setup, [
                ("set_epoch", epoch), ("iter",), ("next", count), ("state",),   # the loop body has the last batch
                ("next", None), ("state",), *following]))                       # the loop has ended
            plans, cases = [], []
            for rank, (_, last_in, _, ended, next_epoch) in enumerate(originals):
                for when, state in (("in the loop body with its last batch", last_in), ("after the loop ended", ended)):
                    case = f"rank {rank} of {setup}, checkpointed {when}"
                    state = through_json(state, case)
                    plans += [(rank, [("load", state), ("iter",), ("next", None), *following]),
                              (rank, [("load", state), *following])]
                    cases.append((case, state, next_epoch))
            results = run(solution, make, setup, plans)
            for (case, state, next_epoch), (rest, got_next), (got_at_once,) in zip(cases, results[::2], results[1::2]):
                assert_resumed(rest, [], case, state, f"nothing: all {count} batches of epoch {epoch} were yielded "
                                                      "(its position is len(loader))")
                assert_resumed(got_next, next_epoch, f"{case}, then the rest, then set_epoch({epoch + 1})", state,
                               f"all of epoch {epoch + 1}")
                assert_resumed(got_at_once, next_epoch, f"{case}, then at once set_epoch({epoch + 1})", state,
                               f"all of epoch {epoch + 1} (set_epoch starts an epoch at its first batch, even right "
                               "after load_state_dict)")


# -- resuming a resumed loader ----------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_a_resumed_loader_can_be_checkpointed_and_resumed_again(solution, make, seed):
    # Preempted twice in one epoch: after k1 batches, then (restored) k2 batches later. The second state
    # counts from the epoch's start; a state taken right after load_state_dict is the position loaded.
    for n, world_size, batch_size in ((31, 5, 1), (13, 3, 2), (12, 1, 2), (40, 2, 3)):
        for shuffle, drop_last, epoch in MODES:
            setup = Setup(n, world_size, batch_size, shuffle, drop_last, seed(25), epoch)
            count = setup.num_batches()
            k1, k2 = count // 3, count // 3
            originals = run(solution, make, setup, every_rank(setup, checkpointed(setup, k1)))
            firsts = [through_json(state, f"rank {rank} of {setup}, after {k1} batches")
                      for rank, (_, state, _) in enumerate(originals)]
            restored = run(solution, make, setup, [(rank, [("load", state), ("state",), ("iter",), ("next", k2),
                                                           ("state",), ("next", None)])
                                                   for rank, state in enumerate(firsts)])
            plans, cases = [], []
            for rank, ((_, _, rest), (at_load, middle, second, rest_again)) in enumerate(zip(originals, restored)):
                case = f"rank {rank} of {setup}, checkpointed after {k1} batches"
                assert_resumed(middle + rest_again, rest, case, firsts[rank])
                for how, state, expected in (
                        ("restored, then checkpointed at once (before iterating)", at_load, rest),
                        (f"restored, then checkpointed after {k2} more batches ({k1 + k2} of the epoch)", second,
                         rest_again)):
                    cases.append((f"{case}, {how}", expected))
                    plans.append((rank, [("load", through_json(state, cases[-1][0])), ("iter",), ("next", None)]))
            for (case, expected), (_, steps), (got,) in zip(cases, plans, run(solution, make, setup, plans)):
                assert_resumed(got, expected, case, steps[0][1],
                               "the rest of the epoch after the batches yielded before both checkpoints (the position "
                               "counts from the epoch's start, not from the restart)")


# -- side effects -----------------------------------------------------------------------------------

@pytest.mark.category("side-effects")
def test_a_state_kept_while_the_loader_runs_on_is_a_snapshot(solution, make, seed):
    # A checkpoint kept in memory (the best one so far, an asynchronous writer) is read after the loader ran
    # on: the value state_dict() returned must not follow the loader.
    for n, world_size, batch_size in ((13, 3, 2), (31, 5, 4), (12, 1, 5)):
        setup = Setup(n, world_size, batch_size, True, False, seed(26), 2)
        k = setup.num_batches() // 2
        originals = run(solution, make, setup, every_rank(setup, [
            ("set_epoch", 2), ("iter",), ("next", k), ("kept_state",), ("next", None),
            ("set_epoch", 3), ("iter",), ("next", 1)]))       # the kept state is read only now
        states = [through_json(state, f"rank {rank} of {setup}, after {k} batches")
                  for rank, (_, state, _, _) in enumerate(originals)]
        restored = run(solution, make, setup, [(rank, [("load", state), ("iter",), ("next", None)])
                                               for rank, state in enumerate(states)])
        for rank, ((_, _, rest, _), (got,)) in enumerate(zip(originals, restored)):
            assert_resumed(got, rest, f"rank {rank} of {setup}, state_dict() taken after {k} batches and read after "
                                      "the loader finished the epoch and began epoch 3", states[rank],
                           f"the rest of epoch 2 after {k} batches (state_dict() returns a snapshot: a new dict, "
                           "not one the loader keeps updating)")


# -- plain, small data ------------------------------------------------------------------------------

@pytest.mark.category("memory")
def test_the_state_is_a_few_plain_numbers(solution, make):
    # 100,000 samples on 4 ranks: the 25,000 indices of a rank's shard would take ~150,000 characters.
    n = 100_000
    setup = Setup(n, 4, 16, True, False, 27, 1)
    dataset = make("toys.dataloader:IndexDataset", n)
    (_, state), = run(solution, make, setup, [(2, [("set_epoch", 1), ("iter",), ("next", 3), ("state",)])], dataset)
    case = f"rank 2 of {setup}, after 3 batches"
    text = json.dumps(through_json(state, case))
    if len(text) >= STATE_CHARS:
        raise AssertionError(f"the state of {case} is {len(text):,} characters as JSON: {summary(state)}; a checkpoint "
                             f"needs a few numbers (under {STATE_CHARS}), whatever the dataset's size: recompute the "
                             "order from (seed, epoch) on resume instead of storing it or the indices still to come")


# -- fetches ----------------------------------------------------------------------------------------

@pytest.mark.category("performance")
def test_resuming_fetches_none_of_the_consumed_batches(solution, make, lend, seed):
    # Counted, not timed: the restored loader's dataset stays here, in the judge, and counts its fetches.
    setup = Setup(1000, 2, 4, True, False, seed(28), 1)
    k = 100
    (_, state, expected), = run(solution, make, setup, [(1, checkpointed(setup, k)[:-1] + [("next", 1)])],
                                make("toys.dataloader:IndexDataset", 1000))
    case = f"rank 1 of {setup}, checkpointed after {k} batches"
    state = through_json(state, case)
    dataset = IndexDataset(1000)
    (got,), = run(solution, make, setup, [(1, [("load", state), ("iter",), ("next", 1)])], lend(dataset))
    if got != expected:
        raise AssertionError(f"{case}: the restored loader's first batch is {summary(got)}; expected the original's "
                             f"batch {k + 1}, {expected}")
    fetched = dataset.fetches()
    if fetched >= k * setup.batch_size:
        raise AssertionError(f"{case}: the restored loader fetched {fetched} items from the dataset to yield its "
                             f"first batch of {setup.batch_size}, the {k * setup.batch_size} samples of the {k} batches "
                             "consumed before the checkpoint too: skip them by index arithmetic (start at batch k of "
                             "the recomputed order), never by fetching and discarding them")
