"""The dataloader reference (graders/keys/dataloader/reference.py) against independent oracles:
PyTorch's own torch.utils.data.DistributedSampler + BatchSampler (the same padding, cut and strided
split, written by someone else), exhaustive enumeration of small shuffles, and statistics; plus the
chi-square helper of the hidden tests against torch.special.gammaincc.
Run from the repository root: pytest graders/keys/dataloader/test_oracle.py"""

import importlib.util
import itertools
import math
import random
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import BatchSampler, DistributedSampler  # noqa: E402

from graders.keys.dataloader import reference as ref  # noqa: E402

SMALL = [(n, world_size, batch_size) for n in range(0, 14) for world_size in range(1, 6) for batch_size in (1, 2, 3, 5)]


def gammaincc(a, x):
    """The regularised upper incomplete gamma Q(a, x), by torch, in float64."""
    return torch.special.gammaincc(torch.tensor(a, dtype=torch.float64), torch.tensor(x, dtype=torch.float64)).item()


def torch_batches(n, world_size, rank, batch_size, drop_last):
    """Rank `rank`'s batches of indices as PyTorch builds them without shuffling."""
    sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=False, drop_last=drop_last)
    return [list(batch) for batch in BatchSampler(sampler, batch_size, drop_last=drop_last)]


def ref_batches(n, world_size, rank, batch_size, drop_last, shuffle=False, seed=0, epoch=0):
    loader = ref.ShardedDataLoader(list(range(n)), batch_size, world_size, rank, shuffle=shuffle, seed=seed,
                                   drop_last=drop_last)
    loader.set_epoch(epoch)
    return len(loader), list(loader)


@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_batches_match_torch(drop_last):
    for n, world_size, batch_size in SMALL:
        for rank in range(world_size):
            expected = torch_batches(n, world_size, rank, batch_size, drop_last)
            length, got = ref_batches(n, world_size, rank, batch_size, drop_last)
            assert got == expected, (n, world_size, rank, batch_size, drop_last)
            assert length == len(expected), (n, world_size, rank, batch_size, drop_last)


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_batches_are_torch_sharding_of_the_epoch_order(drop_last):
    # PyTorch draws its permutation with torch.randperm: only the structure can be compared. The epoch's
    # global order is what one rank of world_size 1 sees; PyTorch's unshuffled sharding of positions,
    # read through that order, must give every rank's batches.
    for (n, world_size, batch_size), (seed, epoch) in itertools.product(SMALL, [(0, 0), (3, 5)]):
        order = [i for batch in ref_batches(n, 1, 0, max(n, 1), False, True, seed, epoch)[1] for i in batch]
        assert sorted(order) == list(range(n))
        for rank in range(world_size):
            positions = torch_batches(n, world_size, rank, batch_size, drop_last)
            _, got = ref_batches(n, world_size, rank, batch_size, drop_last, True, seed, epoch)
            assert got == [[order[p] for p in batch] for batch in positions], (n, world_size, rank, batch_size)


def test_raises_like_torch_for_a_bad_rank():
    for world_size, rank in ((4, 4), (4, -1), (1, 1)):
        with pytest.raises(ValueError):
            DistributedSampler(range(10), num_replicas=world_size, rank=rank)
        with pytest.raises(ValueError):
            ref.ShardedDataLoader(list(range(10)), 2, world_size, rank)


def test_order_depends_on_seed_and_epoch_only():
    before_np, before_py = np.random.get_state(), random.getstate()
    runs = {}
    for seed, epoch in itertools.product((0, 1), (0, 1, 2)):
        a = ref_batches(30, 3, 1, 4, False, True, seed, epoch)[1]
        loader = ref.ShardedDataLoader(list(range(30)), 4, 3, 1, shuffle=True, seed=seed)
        loader.set_epoch(epoch + 10)
        list(loader)
        loader.set_epoch(epoch)
        assert list(loader) == a == list(loader)
        runs[seed, epoch] = a
    assert len({str(v) for v in runs.values()}) == len(runs)            # all six orders differ
    after_np = np.random.get_state()
    assert random.getstate() == before_py
    assert after_np[0] == before_np[0] and np.array_equal(after_np[1], before_np[1]) and after_np[2:] == before_np[2:]


def test_items_are_fetched_lazily():
    class Counting:
        def __init__(self, n):
            self.n, self.fetched = n, 0

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            self.fetched += 1
            return i

    dataset = Counting(10_000)
    batches = iter(ref.ShardedDataLoader(dataset, 8, 4, 3, shuffle=True, seed=1))
    next(batches), next(batches)
    assert dataset.fetched == 16


def test_shuffle_is_uniform_over_all_permutations():
    # n = 4: every one of the 24 orders, over 24,000 epochs; Pearson chi-square on 23 df.
    n, epochs = 4, 24_000
    loader = ref.ShardedDataLoader(list(range(n)), n, 1, 0, shuffle=True, seed=5)
    counts = Counter()
    for epoch in range(epochs):
        loader.set_epoch(epoch)
        counts[tuple(next(iter(loader)))] += 1
    assert set(counts) == set(itertools.permutations(range(n)))
    expected = epochs / 24
    stat = sum((c - expected) ** 2 / expected for c in counts.values())
    p = gammaincc(23 / 2, stat / 2)
    assert p > 1e-6, (stat, p)


def test_every_shuffle_of_a_small_dataset_appears_with_two_ranks():
    # n = 3 on 2 ranks (one padding index): each of the 6 orders must appear over enough epochs, and
    # each rank's pair of samples is a window of the padded order (strided: positions r, r + 2).
    seen = set()
    for epoch in range(200):
        ranks = [ref_batches(3, 2, r, 2, False, True, 9, epoch)[1][0] for r in range(2)]
        order = ranks[0][:1] + ranks[1][:1] + ranks[0][1:]                  # positions 0, 1, 2
        assert ranks[1][1] == order[0]                                       # position 3 = wrap-around to 0
        seen.add(tuple(order))
    assert seen == set(itertools.permutations(range(3)))


def test_hidden_test_chi2_sf_matches_torch():
    path = Path(__file__).resolve().parents[3] / "katas" / "dataloader" / "test_dataloader.py"
    spec = importlib.util.spec_from_file_location("dataloader_hidden_tests", path)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)   # its category marks
        spec.loader.exec_module(module)
    for df in (1, 2, 5, 23, 80, 81):
        for x in (0.5, df * 0.8, df, df + 3 * math.sqrt(2 * df), df + 10 * math.sqrt(2 * df), 300.0):
            expected = gammaincc(df / 2, x / 2)
            got = module.chi2_sf(x, df)
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300), (df, x, got, expected)
