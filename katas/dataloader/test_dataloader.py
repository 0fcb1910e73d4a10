"""Hidden tests of the `dataloader` kata: ShardedDataLoader(dataset, batch_size, world_size, rank,
shuffle=True, seed=0, drop_last=False), with set_epoch(e), len() and iteration.

Every loader lives in the worker: the tests build one per rank, as each process of a distributed job
would, and read back len() and list(loader). The toys in graders/kataworker/toys/dataloader.py run an
epoch on every rank in one round trip (EpochRun) and iterate the big and the many-epoch cases inside
the worker so only a few batches cross the process boundary. The dataset whose fetches are counted
stays in the judge (`lend`): each fetch calls back across the pipe and is counted where the solution
cannot reach it. "The order depends on (seed, epoch) alone" is checked in fresh worker processes too
(`fresh_solution`), so an order cached in the solution's process cannot pass for one.

The contract leaves free how the (padded) global order is split between ranks (every world_size-th
index, contiguous blocks, ...), how a generator is seeded from (seed, epoch), which samples
drop_last=True leaves out, and how the shuffle consumes the generator. So no test compares a shuffled
batch with a fixed value; the checks are properties every correct loader has:
  - counts: len() and the number of batches on every rank, and each batch's size, exactly as the
    formulas say (ceil / floor of n / world_size samples per rank; the last partial batch kept /
    dropped);
  - coverage: over all ranks, every index exactly once, plus the wrap-around padding. Without
    shuffling the padding is known exactly (the first indices again, cyclically); with shuffling
    its indices are unknown, but each index appears q or q + 1 times (q = padded size // n), and
    exactly (padded size % n) indices appear q + 1 times. With drop_last=True no index repeats.
    Items are the dataset's own (strings, floats, array rows, a toy sequence's ints), not indices;
  - order: without shuffling one rank gets the dataset in order; with shuffling, the same
    (seed, epoch) gives the same batches (fresh loader, second iteration, epoch set back, global
    random state reseeded), another epoch or seed gives another order, and the samples a rank gets
    change between epochs (the dataset is shuffled before it is sharded);
  - side effects: the global np.random / random states untouched, the dataset list unmodified;
  - uniformity: over 2000 epochs of a 10-sample dataset, how often each sample lands at each
    position, by a Pearson chi-square (see test_shuffle_is_uniform_over_positions);
  - fetches, counted: len() fetches nothing, the first batch not the whole shard;
  - memory: 10 million samples of 4 KB each, fetched batch by batch, within the kata's memory_mb
    (1024). Measured peak address space (the limit is on it) for len() and the first two batches:
    ~100 MB for the worker with NumPy, 176 MB for NumPy index arrays, 490-510 MB for the alternatives
    that hold Python lists of 10M ints (list(range(n)), .tolist()); fetching the shard's 2.5M
    samples up front needs 10 GB.
No tolerances: indices and items are compared exactly. Random events a correct loader could hit
are given with their probabilities where they are checked; all are below 1e-10 except the
chi-square's 1e-7.
"""

from collections import Counter

import numpy as np
import pytest

from graders.check import chi2_sf, classic_cause, summary
from graders.kataworker.toys.dataloader import IndexDataset
from graders.session import SolutionOutOfMemory, SolutionTimeout

# (n, world_size, batch_size): n divisible by world_size or not, samples per rank divisible by
# batch_size or not, batch_size 1 and larger than a rank's share, one rank and many.
GRID = [(12, 1, 5), (12, 3, 2), (12, 4, 3), (10, 4, 1), (10, 4, 3), (13, 4, 2), (13, 3, 5),
        (7, 2, 3), (31, 5, 4), (10, 2, 3), (16, 4, 4), (9, 8, 2), (5, 2, 8), (1, 1, 1)]


# -- running loaders --------------------------------------------------------------------------------

def names(n):
    """The default dataset: n strings, so an index yielded instead of an item shows."""
    return [f"sample-{i}" for i in range(n)]


class Setup:
    """One loader configuration (epoch None: several epochs), and the counts the contract's formulas
    give for it."""

    def __init__(self, n, world_size, batch_size, shuffle, drop_last, seed=0, epoch=0):
        self.n, self.world_size, self.batch_size = n, world_size, batch_size
        self.shuffle, self.drop_last, self.seed, self.epoch = shuffle, drop_last, seed, epoch

    def __str__(self):
        epoch = "" if self.epoch is None else f", epoch={self.epoch}"
        return (f"n={self.n}, world_size={self.world_size}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed}{epoch}")

    def samples_per_rank(self):
        return self.n // self.world_size if self.drop_last else -(-self.n // self.world_size)

    def batch_sizes(self):
        """The sizes of one rank's batches: full batches, then a partial one unless drop_last."""
        full, partial = divmod(self.samples_per_rank(), self.batch_size)
        return [self.batch_size] * full + ([partial] if partial and not self.drop_last else [])

    def rule(self):
        per_rank = self.samples_per_rank()
        how = (f"floor({self.n} / {self.world_size}) = {per_rank}" if self.drop_last
               else f"ceil({self.n} / {self.world_size}) = {per_rank}")
        last = "a last partial batch dropped" if self.drop_last else "a last partial batch kept"
        return f"each rank gets {how} samples, in batches of {self.batch_size}, {last}"

    def build(self, solution, rank, dataset=None):
        dataset = names(self.n) if dataset is None else dataset
        return solution.ShardedDataLoader(dataset, batch_size=self.batch_size, world_size=self.world_size,
                                          rank=rank, shuffle=self.shuffle, seed=self.seed, drop_last=self.drop_last)


def read_batches(batches, n, case, item_index=None):
    """A loader's batches (list(loader)) as lists of dataset indices, after checking each batch is a list
    of dataset items. item_index maps an item to its index (default: the names() dataset)."""
    item_index = item_index or (lambda item: NAME_INDEX.get(item) if isinstance(item, str) else None)
    out = []
    for b, batch in enumerate(batches):
        if not isinstance(batch, list):
            raise AssertionError(f"batch {b} is {summary(batch)} for {case}; expected a list "
                                 "of dataset items")
        indices = [item_index(item) for item in batch]
        for item, index in zip(batch, indices):
            if index is None or not 0 <= index < n:
                raise AssertionError(f"batch {b} holds {summary(item)}, which is not an item of the dataset, "
                                     f"for {case}; "
                                     "yield the items dataset[i], not the indices i")
        out.append(indices)
    return out


NAME_INDEX = {name: i for i, name in enumerate(names(100))}


def run_epoch(solution, make, setup, dataset=None, item_index=None):
    """One epoch on every rank: [(len(loader), batches as index lists)] for ranks 0..world_size-1.
    Each rank's loader is built by the solution; set_epoch, len and list run in the worker (EpochRun)."""
    loaders = [setup.build(solution, rank, dataset) for rank in range(setup.world_size)]
    results = make("toys.dataloader:EpochRun", loaders, setup.epoch).results()
    return [(length, read_batches(batches, setup.n, f"rank {rank} of {setup}", item_index))
            for rank, (length, batches) in enumerate(results)]


def flat(batches):
    return [i for batch in batches for i in batch]


# -- checks -----------------------------------------------------------------------------------------

def assert_counts(runs, setup):
    """len() on every rank, the number of batches and their sizes, as the contract's formulas say."""
    sizes = setup.batch_sizes()
    yielded = [len(batches) for _, batches in runs]
    lengths = [length for length, _ in runs]
    for rank, (length, batches) in enumerate(runs):
        got = [len(b) for b in batches]
        if got != sizes:
            raise AssertionError(
                f"rank {rank} yielded {len(got)} batches of sizes {summary(got)} for {setup}; expected {len(sizes)} "
                f"of sizes "
                f"{sizes}: {setup.rule()} (batches per rank over all ranks: {yielded}; every rank must yield the "
                "same number, or a distributed step hangs)")
        if length != len(sizes):
            raise AssertionError(f"len(loader) is {length} on rank {rank} for {setup}, which yields {len(sizes)} "
                                 f"batches ({setup.rule()}); len() over all ranks: {lengths}")


def assert_total(runs, setup, expected):
    total = sum(len(flat(batches)) for _, batches in runs)
    if total != expected:
        raise AssertionError(f"the ranks yielded {total} samples in all for {setup}; expected {expected}: "
                             f"{setup.rule()} (see the batch count tests)")


def index_counts(runs, n):
    """(n,) how many times each index was yielded, over all ranks."""
    return np.bincount([i for _, batches in runs for i in flat(batches)], minlength=n)


def assert_padded_cover(runs, setup):
    """drop_last=False: every index once plus the wrap-around padding. Without shuffling the padded
    indices are the first ones, 0, 1, ... (cyclically); with shuffling, which ones is unknown, but each
    index appears q or q + 1 times and exactly r = padded % n of them q + 1 times."""
    padded = setup.world_size * setup.samples_per_rank()
    assert_total(runs, setup, padded)
    q, r = divmod(padded, setup.n)
    counts = index_counts(runs, setup.n)
    padding = f"{padded - setup.n} padding indices" if padded > setup.n else "no padding"
    if not setup.shuffle:
        expected = q + (np.arange(setup.n) < r)
        bad = np.flatnonzero(counts != expected)
        if bad.size:
            i = bad[0]
            raise AssertionError(
                f"index {i} was yielded {counts[i]} times over all ranks for {setup}; expected {expected[i]}: the "
                f"order 0..{setup.n - 1} plus {padding}, which wrap around to its start (0, 1, ..., cyclically): "
                f"count per index {counts.tolist()}, expected {expected.tolist()}")
        return
    got = Counter(counts.tolist())
    want = Counter({q + 1: r, q: setup.n - r}) if r else Counter({q: setup.n})
    if got != want:
        missing = np.flatnonzero(counts < q)
        extra = np.flatnonzero(counts > q + (r > 0))
        detail = (f"index {missing[0]} was never yielded" if missing.size else
                  f"index {extra[0]} was yielded {counts[extra[0]]} times" if extra.size else
                  "the repeats are not a wrap-around of the order")
        raise AssertionError(
            f"{detail} over all ranks for {setup}: each of the {setup.n} indices must appear {q} time(s) and "
            f"{r} of them {q + 1} (the order, identical on every rank, split between the ranks, plus {padding} "
            f"that wrap around the order); got {dict(sorted(got.items()))} as {{times: how many indices}}, "
            f"expected {dict(sorted(want.items()))}. Is the order seeded by anything but (seed, epoch), the rank say?")


def assert_disjoint(runs, setup):
    """drop_last=True: no index twice over all ranks; each rank's full batches only."""
    assert_total(runs, setup, setup.world_size * sum(setup.batch_sizes()))
    counts = index_counts(runs, setup.n)
    if counts.max() > 1:
        i = int(counts.argmax())
        where = [rank for rank, (_, batches) in enumerate(runs) if i in flat(batches)]
        raise AssertionError(f"index {i} was yielded {counts[i]} times (ranks {where}) for {setup}; with drop_last=True "
                             f"nothing is padded: {setup.rule()}, no index on two ranks or twice on one")


# -- counts -----------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_batch_counts_without_drop_last(solution, make, seed):
    for n, world_size, batch_size in GRID:
        for shuffle in (True, False):
            setup = Setup(n, world_size, batch_size, shuffle=shuffle, drop_last=False, seed=seed(3), epoch=1)
            assert_counts(run_epoch(solution, make, setup), setup)


@pytest.mark.category("correctness")
def test_batch_counts_with_drop_last(solution, make, seed):
    for n, world_size, batch_size in GRID:
        for shuffle in (True, False):
            setup = Setup(n, world_size, batch_size, shuffle=shuffle, drop_last=True, seed=seed(4), epoch=2)
            assert_counts(run_epoch(solution, make, setup), setup)


# -- coverage ---------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_unshuffled_padding_wraps_around_the_order(solution, make):
    for n, world_size, batch_size in GRID:
        setup = Setup(n, world_size, batch_size, shuffle=False, drop_last=False)
        assert_padded_cover(run_epoch(solution, make, setup), setup)


@pytest.mark.category("correctness")
def test_shuffled_ranks_cover_the_dataset_once_plus_padding(solution, make, seed):
    # A correct loader yields the counts checked here with probability 1 (whatever its permutation).
    for n, world_size, batch_size in GRID:
        for case_seed, epoch in ((5, 0), (6, 3)):
            setup = Setup(n, world_size, batch_size, shuffle=True, drop_last=False, seed=seed(case_seed), epoch=epoch)
            assert_padded_cover(run_epoch(solution, make, setup), setup)


@pytest.mark.category("correctness")
def test_drop_last_ranks_are_disjoint(solution, make, seed):
    for n, world_size, batch_size in GRID:
        for shuffle in (True, False):
            setup = Setup(n, world_size, batch_size, shuffle=shuffle, drop_last=True, seed=seed(7), epoch=1)
            assert_disjoint(run_epoch(solution, make, setup), setup)


@pytest.mark.category("correctness")
def test_one_unshuffled_rank_yields_the_dataset_in_order(solution, make):
    for drop_last in (False, True):
        for epoch in (0, 5):
            setup = Setup(11, 1, 3, shuffle=False, drop_last=drop_last, epoch=epoch)
            (_, batches), = run_epoch(solution, make, setup)
            expected = [[0, 1, 2], [3, 4, 5], [6, 7, 8]] + ([] if drop_last else [[9, 10]])
            if batches != expected:
                raise AssertionError(f"the batches (as indices) are {summary(batches)} for {setup}; "
                                     f"expected {expected}: "
                                     "without shuffling the order is 0, 1, ..., n-1 in every epoch")


@pytest.mark.category("correctness")
def test_items_come_from_any_sequence(solution, make, seed):
    n = 9
    rows = np.arange(3 * n, dtype=np.float64).reshape(n, 3) * 1.5          # (n, 3): row i starts at 4.5 i
    datasets = {
        "a list of strings": (names(n), lambda item: NAME_INDEX.get(item) if isinstance(item, str) else None),
        "a tuple of floats": (tuple(0.25 * i for i in range(n)), lambda item: _exact_index(item, 0.25)),
        "a (9, 3) float64 array, items its rows": (rows, lambda item: _row_index(item, rows)),
        "a sequence object with only __len__ and __getitem__ (dataset[i] = i)":
            (make("toys.dataloader:IndexDataset", n), lambda item: _exact_index(item, 1)),
    }
    for what, (dataset, item_index) in datasets.items():
        setup = Setup(n, 2, 2, shuffle=True, drop_last=False, seed=seed(8), epoch=1)
        runs = run_epoch(solution, make, setup, dataset, item_index)
        try:
            assert_padded_cover(runs, setup)
        except AssertionError as e:
            raise AssertionError(f"with {what} as the dataset: {e}") from None


def _exact_index(item, step):
    """The index i of an item equal to step * i (a Python or NumPy number of step's kind: an int for an int
    step), else None."""
    kinds = (int, np.integer) if isinstance(step, int) else (int, float, np.integer, np.floating)
    if isinstance(item, (bool, np.bool_)) or not isinstance(item, kinds):
        return None
    i = round(float(item) / step)
    return i if i * step == item else None


def _row_index(item, rows):
    if not (isinstance(item, np.ndarray) and item.shape == rows.shape[1:]):
        return None
    i = round(float(item[0]) / 4.5)
    return i if 0 <= i < len(rows) and np.array_equal(item, rows[i]) else None


@pytest.mark.category("correctness")
def test_each_rank_gets_other_samples_each_epoch(solution, seed):
    # The dataset is shuffled, then sharded: a rank's set of 20 samples out of 40 repeats between two
    # epochs with probability 1 / C(40, 20) = 7e-12 for a correct loader.
    setup = Setup(40, 2, 4, shuffle=True, drop_last=False, seed=seed(9), epoch=None)
    loaders = [setup.build(solution, rank) for rank in range(2)]
    seen = {}
    for epoch in (0, 1, 2):
        for rank, loader in enumerate(loaders):
            loader.set_epoch(epoch)
            seen[rank, epoch] = sorted(flat(read_batches(list(loader), 40, f"rank {rank}, epoch {epoch} of {setup}")))
    for rank in (0, 1):
        for a, b in ((0, 1), (1, 2)):
            if seen[rank, a] == seen[rank, b]:
                raise AssertionError(
                    f"rank {rank} got the same 20 samples {seen[rank, a]} in epochs {a} and {b} for {setup}: shuffle "
                    "the whole dataset (one global order, the same on every rank), then shard it; shuffling only "
                    "within each rank's fixed shard never mixes samples across ranks")


# -- determinism ------------------------------------------------------------------------------------

@pytest.mark.category("determinism")
def test_same_seed_and_epoch_give_the_same_batches(solution, make, fresh_solution, seed):
    setup = Setup(23, 3, 4, shuffle=True, drop_last=False, seed=seed(11), epoch=2)
    make("toys.common:seed_global_random", 1)           # the fresh process's with 2: an order drawn from it differs
    firsts = []
    for rank in range(3):
        case = f"rank {rank} of {setup}"
        loader = setup.build(solution, rank)
        loader.set_epoch(2)
        first = read_batches(list(loader), 23, case)
        again = read_batches(list(loader), 23, case)
        if again != first:
            raise AssertionError(f"iterating the same loader twice in epoch 2 gave {first} then {again} for {case}; "
                                 "the order must depend on (seed, epoch) only, not on how often the loader was "
                                 "iterated (seed a fresh generator from (seed, epoch) in every __iter__)")
        loader.set_epoch(3)
        list(loader)
        loader.set_epoch(2)
        back = read_batches(list(loader), 23, case)
        if back != first:
            raise AssertionError(f"epoch 2 gave {first}, then, after set_epoch(3), an epoch, and set_epoch(2) again, "
                                 f"{back} for {case}; the same (seed, epoch) must give the same order")
        fresh = setup.build(solution, rank)
        fresh.set_epoch(2)
        other = read_batches(list(fresh), 23, case)
        if other != first:
            raise AssertionError(f"two loaders built with the same arguments gave {first} and {other} in epoch 2 for "
                                 f"{case}; the order must depend on (seed, epoch) only")
        firsts.append(first)
    fresh_process = fresh_solution(global_seed=2).solution   # a new worker: nothing kept from the calls above
    for rank in range(3):
        other = _epoch_order(fresh_process, setup, rank)
        if other != firsts[rank]:
            raise AssertionError(f"a fresh process gave rank {rank} the batches {other} in epoch 2 for {setup}, where "
                                 f"this one gave {firsts[rank]}; the same (seed, epoch) must give the same order in any "
                                 "process (an order cached in the process, or drawn from an unseeded generator or the "
                                 "global random state, does not)")


def _epoch_order(solution, setup, rank):
    """Rank `rank`'s batches in epoch setup.epoch, as indices, from a loader `solution` builds."""
    loader = setup.build(solution, rank)
    loader.set_epoch(setup.epoch)
    return read_batches(list(loader), setup.n, f"rank {rank} of {setup}, in a fresh process")


def _rank_orders(solution, setup, rank, epochs):
    loader = setup.build(solution, rank)
    orders = {}
    for epoch in epochs:
        loader.set_epoch(epoch)
        orders[epoch] = flat(read_batches(list(loader), setup.n, f"rank {rank}, epoch {epoch} of {setup}"))
    return orders


@pytest.mark.category("determinism")
def test_order_changes_with_the_epoch(solution, seed):
    # Two epochs of a correct loader give a rank the same 15 of 30 samples in the same order with
    # probability 15! / 30! = 5e-21 per pair.
    setup = Setup(30, 2, 4, shuffle=True, drop_last=False, seed=seed(12), epoch=None)
    for rank in range(2):
        orders = _rank_orders(solution, setup, rank, range(5))
        for a in range(5):
            for b in range(a + 1, 5):
                if orders[a] == orders[b]:
                    raise AssertionError(f"rank {rank} got the same order {orders[a]} in epochs {a} and {b} for "
                                         f"{setup}; the shuffle must depend on the epoch set by set_epoch")


@pytest.mark.category("determinism")
def test_order_changes_with_the_seed(solution, seed):
    for epoch in (0, 1):
        by_seed = {}
        for case_seed in (0, 1, 2, 3):
            setup = Setup(30, 2, 4, shuffle=True, drop_last=False, seed=seed(case_seed), epoch=epoch)
            by_seed[seed(case_seed)] = _rank_orders(solution, setup, 0, [epoch])[epoch]
        for a in by_seed:
            for b in by_seed:
                if a < b and by_seed[a] == by_seed[b]:
                    raise AssertionError(f"seeds {a} and {b} gave rank 0 the same order {by_seed[a]} in epoch {epoch} "
                                         "(n=30, world_size=2, batch_size=4, shuffle=True); the shuffle must depend "
                                         "on the seed")


@pytest.mark.category("determinism")
def test_order_ignores_the_global_random_state(solution, make, seed):
    setup = Setup(25, 2, 5, shuffle=True, drop_last=False, seed=seed(13), epoch=4)
    for rank in range(2):
        case = f"rank {rank} of {setup}"
        make("toys.common:seed_global_random", 1)
        loader = setup.build(solution, rank)
        loader.set_epoch(4)
        first = read_batches(list(loader), 25, case)
        make("toys.common:seed_global_random", 2)
        again = read_batches(list(loader), 25, case)
        fresh = setup.build(solution, rank)
        fresh.set_epoch(4)
        other = read_batches(list(fresh), 25, case)
        for what, got in (("iterating the loader again", again), ("a new loader", other)):
            if got != first:
                raise AssertionError(f"the batches changed from {summary(first)} to {summary(got)} when the "
                                     f"global np.random / random "
                                     f"state was reseeded before {what}, for {case}; draw from your own generator "
                                     "seeded by (seed, epoch)")


# -- side effects -----------------------------------------------------------------------------------

@pytest.mark.category("side-effects")
def test_global_random_state_is_neither_used_nor_reseeded(solution, make, seed):
    # In-process evidence (GlobalRandomWatch runs beside the solution, which could rewrite it): it names
    # a reseed, which no other test sees. That the order does not depend on the global state is checked
    # out of the solution's reach, in a fresh process seeded otherwise (the determinism test).
    watch = make("toys.common:GlobalRandomWatch")
    for shuffle in (True, False):
        setup = Setup(20, 2, 3, shuffle=shuffle, drop_last=False, seed=seed(14))
        for epoch in (0, 1):
            setup.epoch = epoch
            run_epoch(solution, make, setup)
    touched = watch.touched()
    if touched:
        raise AssertionError(f"the loader used or reseeded the global {' and '.join(touched)} state (n=20, "
                             "world_size=2, batch_size=3, epochs 0 and 1); the training script's other randomness "
                             "depends on it: use a private generator, e.g. np.random.default_rng((seed, epoch))")


@pytest.mark.category("side-effects")
def test_dataset_is_not_modified(solution, make, seed):
    # What the judge sees, not only the worker's account of the list: after shuffled epochs over a list,
    # an unshuffled loader over the same list must yield what it yields over a new copy of it.
    n = 12
    original = names(n)
    dataset = make("toys.dataloader:in_worker", original)       # a list that stays in the worker
    for shuffle in (True, False):
        setup = Setup(n, 2, 5, shuffle=shuffle, drop_last=False, seed=seed(15))
        for epoch in (0, 1):
            setup.epoch = epoch
            run_epoch(solution, make, setup, dataset)
    in_order = Setup(n, 2, 5, shuffle=False, drop_last=False, epoch=0)
    got, expected = run_epoch(solution, make, in_order, dataset), run_epoch(solution, make, in_order, original)
    if got != expected:
        raise AssertionError(f"after epochs 0 and 1 with shuffle=True then False over one list, an unshuffled loader "
                             f"over it ({in_order}) yields the items {[b for _, b in got]} (as indices of the "
                             f"original list); over a new copy of the list, {[b for _, b in expected]}: the dataset "
                             "list was modified in place. Shuffle indices, not the dataset")
    after = list(dataset)
    if after != original:
        raise AssertionError(f"the dataset list was modified in place (epochs 0 and 1 with shuffle=True then False, "
                             f"n={n}, world_size=2, batch_size=5): it is now {after}; expected {original}. Shuffle "
                             "indices, not the dataset")


# -- edge cases -------------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_world_size_larger_than_the_dataset(solution, make, seed):
    # Padding longer than the dataset wraps around it more than once: n=2 on 7 ranks pads 5 indices.
    for n, world_size, batch_size in ((3, 5, 1), (2, 7, 2), (1, 4, 3)):
        for shuffle in (False, True):
            setup = Setup(n, world_size, batch_size, shuffle=shuffle, drop_last=False, seed=seed(16), epoch=1)
            runs = run_epoch(solution, make, setup)
            assert_counts(runs, setup)
            assert_padded_cover(runs, setup)
            setup = Setup(n, world_size, batch_size, shuffle=shuffle, drop_last=True, seed=seed(16), epoch=1)
            assert_counts(run_epoch(solution, make, setup), setup)


@pytest.mark.category("edge-case")
def test_empty_dataset_gives_no_batches(solution, make, seed):
    for world_size in (1, 3):
        for shuffle in (True, False):
            for drop_last in (False, True):
                setup = Setup(0, world_size, 2, shuffle=shuffle, drop_last=drop_last, seed=seed(17), epoch=1)
                with classic_cause(f"an empty dataset ({setup}) must give 0 batches on every rank: is the "
                                   "wrap-around padding dividing by len(dataset)?",
                                   raised=("ZeroDivisionError", "RuntimeWarning")):
                    runs = run_epoch(solution, make, setup)
                assert_counts(runs, setup)


# -- errors -----------------------------------------------------------------------------------------

@pytest.mark.category("errors")
def test_rank_outside_the_world_raises(solution):
    for world_size, rank in ((4, 4), (4, 7), (4, -1), (1, 1), (1, -1)):
        with pytest.raises(ValueError):
            solution.ShardedDataLoader(names(10), batch_size=2, world_size=world_size, rank=rank)
            raise AssertionError(f"no ValueError for rank={rank} with world_size={world_size} (ranks are "
                                 f"0..{world_size - 1}), from the constructor")


# -- memory -----------------------------------------------------------------------------------------

BIG_N = 10_000_000


@pytest.mark.category("memory")
def test_ten_million_samples_are_fetched_batch_by_batch(solution, make):
    # 10M samples of 4 KB (IndexDataset with width=512: dataset[i] is a fresh int64 array of 512 i's)
    # are 40 GB: a loader fetching a rank's whole shard (2.5M samples, 10 GB) before yielding runs out of
    # memory at once. Index arrays are cheap: 80 MB as int64, ~360 MB as a Python list of ints.
    setup = Setup(BIG_N, 4, 16, shuffle=False, drop_last=False)
    case = f"a dataset of 10 million 4 KB samples, rank 2 of {setup}"
    dataset = make("toys.dataloader:IndexDataset", BIG_N, width=512)
    try:
        loader = setup.build(solution, 2, dataset)
        length = len(loader)
        batches = make("toys.dataloader:FirstBatches", loader, 2).batches()
    except SolutionOutOfMemory as e:
        raise SolutionOutOfMemory(f"{case}: {e}. Fetch a batch's samples only when it is yielded (a generator), "
                                  "never the whole shard of samples at once") from None
    except SolutionTimeout as e:
        raise SolutionTimeout(f"{case}: {e}. len() and the first two batches need no pass over the 2.5 million "
                              "samples of the shard: is len() iterating, or every sample fetched up front?") from None
    expected = setup.batch_sizes()
    if length != len(expected):
        raise AssertionError(f"len(loader) is {length} for {case}; expected {len(expected)} ({setup.rule()})")
    seen = set()
    for b, batch in enumerate(batches):
        if not isinstance(batch, list):
            raise AssertionError(f"batch {b} is {type(batch).__name__} for {case}; expected a list of dataset items")
        if len(batch) != 16:
            raise AssertionError(f"batch {b} holds {len(batch)} items for {case}; expected 16 (see the batch count "
                                 "tests)")
        for item in batch:
            if not (isinstance(item, np.ndarray) and item.shape == (512,) and 0 <= item[0] < BIG_N
                    and (item == item[0]).all()):
                raise AssertionError(f"batch {b} holds {summary(item)} for {case}; expected the dataset's items, "
                                     "(512,) int64 arrays")
            seen.add(int(item[0]))
    if len(seen) != 32:
        raise AssertionError(f"the first two batches repeat samples ({len(seen)} distinct of 32) for {case}")


# -- performance ------------------------------------------------------------------------------------

@pytest.mark.category("performance")
def test_items_are_fetched_only_when_needed(solution, make, lend, seed):
    # Counted, not timed: len() fetches no item, and the first batch does not fetch the whole shard.
    # The dataset stays here, in the judge: every dataset[i] calls back and is counted here.
    setup = Setup(1000, 2, 4, shuffle=True, drop_last=False, seed=seed(18), epoch=1)
    case = f"rank 1 of {setup}, dataset[i] counting its fetches"
    dataset = IndexDataset(1000)
    loader = setup.build(solution, 1, lend(dataset))
    loader.set_epoch(1)
    length = len(loader)
    fetched = dataset.fetches()
    if fetched:
        raise AssertionError(f"len(loader) fetched {fetched} items from the dataset for {case}; compute the number of "
                             "batches from n, world_size and batch_size, without iterating")
    if length != 125:
        raise AssertionError(f"len(loader) is {length} for {case}; expected 125 ({setup.rule()})")
    make("toys.dataloader:FirstBatches", loader, 1)
    fetched = dataset.fetches()
    if fetched >= 500:
        raise AssertionError(f"the loader fetched {fetched} items to yield its first batch of 4 for {case}, its whole "
                             "shard of 500 samples: fetch each batch's items only as it is yielded")


# -- statistics -------------------------------------------------------------------------------------

POSITION_ALPHA = 1e-7
POSITION_EPOCHS = 2000


@pytest.mark.category("statistics")
def test_shuffle_is_uniform_over_positions(solution, make):
    """How often sample i lands at position j over E epochs of a uniform shuffle: E/n each. The Pearson
    statistic over the n x n table, times (n-1)/n, is chi-square with (n-1)^2 df (a random permutation
    matrix's covariance is (P x P)/(n-1), P = I - 1/n): 81 df for n = 10, critical value 165.3 at 1e-7,
    expected counts 200. Simulated over 4000 sets of 2000 uniform permutations: mean 80.8, variance 162
    (chi-square: 81, 162), exceeded at the 1e-3 critical value 0.100% of the time. The classic biased
    shuffle (swap a[i] with a uniform a[j], j over all of 0..n-1) adds 0.104 per epoch (exact, from
    its position distribution): ~290 expected at 2000 epochs, 272 observed, p = 2e-22."""
    n, seed = 10, 2024
    setup = Setup(n, 1, 4, shuffle=True, drop_last=False, seed=seed, epoch=None)
    case = f"epochs 0..{POSITION_EPOCHS - 1} of {setup}"
    loader = setup.build(solution, 0, list(range(n)))
    orders = make("toys.dataloader:EpochOrders", loader, list(range(POSITION_EPOCHS))).orders()
    for epoch, order in enumerate(orders):
        if sorted(order) != list(range(n)):
            raise AssertionError(f"epoch {epoch} yielded {order} for {case}; expected a permutation of 0..{n - 1} "
                                 "(see the coverage tests)")
    counts = np.zeros((n, n), dtype=np.int64)                        # (sample, position)
    np.add.at(counts, (np.array(orders), np.arange(n)[None, :]), 1)
    expected = POSITION_EPOCHS / n
    stat = float(((counts - expected) ** 2 / expected).sum()) * (n - 1) / n
    df = (n - 1) ** 2
    p_value = chi2_sf(stat, df)
    if p_value < POSITION_ALPHA:
        worst = np.unravel_index(np.argmax(np.abs(counts - expected)), counts.shape)
        raise AssertionError(
            f"the shuffle is not uniform over {case}: how often each sample lands at each position gives "
            f"chi-square {stat:.1f} on {df} df, p = {p_value:.2g} (< {POSITION_ALPHA:g}); e.g. sample {worst[0]} "
            f"at position {worst[1]}: observed {counts[worst]} times, expected {expected:.0f}. A hand-written "
            "Fisher-Yates swaps a[i] with a[j] for j uniform in [0, i] (or [i, n)), not in [0, n)")
