"""The resume level's reference against the kata's reference (itself checked against brute force in
graders/keys/dataloader/test_oracle.py) and by hand: for every rank, every configuration of a grid and
every checkpoint position k, a loader restored from the JSON of the state taken after k batches yields
the kata reference's epoch from batch k on, then its next epoch; resuming twice, at an epoch's edges, and
the fetch count of a resume, by hand."""

import itertools
import json

import pytest

from graders.keys.dataloader import reference as kata_ref
from graders.keys.dataloader.levels.resume import reference as ref

GRID = [(12, 1, 5), (12, 3, 2), (13, 4, 2), (31, 5, 4), (10, 4, 1), (5, 2, 8), (3, 5, 1), (0, 3, 2), (9, 8, 2)]
MODES = [(True, False, 3), (True, True, 2), (False, False, 1), (False, True, 0)]


class CountingDataset:
    def __init__(self, n):
        self.n, self.fetched = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.fetched += 1
        return i


def build(module, n, world_size, batch_size, rank, shuffle, drop_last, dataset=None):
    return module.ShardedDataLoader(list(range(n)) if dataset is None else dataset, batch_size, world_size, rank,
                                    shuffle=shuffle, seed=7, drop_last=drop_last)


def kata_epoch(n, world_size, batch_size, rank, shuffle, drop_last, epoch):
    loader = build(kata_ref, n, world_size, batch_size, rank, shuffle, drop_last)
    loader.set_epoch(epoch)
    return list(loader)


def checkpoint(loader, epoch, k):
    """set_epoch(epoch), k batches, the state through JSON; the batches and the state."""
    loader.set_epoch(epoch)
    it = iter(loader)
    first = list(itertools.islice(it, k))
    return first, json.loads(json.dumps(loader.state_dict()))


@pytest.mark.parametrize("n, world_size, batch_size", GRID)
@pytest.mark.parametrize("shuffle, drop_last, epoch", MODES)
def test_every_resume_matches_the_kata_reference(n, world_size, batch_size, shuffle, drop_last, epoch):
    args = (n, world_size, batch_size)
    for rank in range(world_size):
        whole = kata_epoch(*args, rank, shuffle, drop_last, epoch)
        following = kata_epoch(*args, rank, shuffle, drop_last, epoch + 1)
        for k in range(len(whole) + 1):
            first, state = checkpoint(build(ref, *args, rank, shuffle, drop_last), epoch, k)
            assert first == whole[:k]
            restored = build(ref, *args, rank, shuffle, drop_last)
            restored.load_state_dict(state)
            assert list(restored) == whole[k:]
            restored.set_epoch(epoch + 1)
            assert list(restored) == following
            at_once = build(ref, *args, rank, shuffle, drop_last)
            at_once.load_state_dict(state)
            at_once.set_epoch(epoch + 1)
            assert list(at_once) == following


def test_by_hand_without_shuffling():
    # n=10 on 2 ranks, batches of 2: rank 1 gets indices 1, 3, 5, 7, 9 -> [1, 3], [5, 7], [9].
    loader = build(ref, 10, 2, 2, 1, shuffle=False, drop_last=False)
    first, state = checkpoint(loader, 4, 1)
    assert first == [[1, 3]]
    restored = build(ref, 10, 2, 2, 1, shuffle=False, drop_last=False)
    restored.load_state_dict(state)
    assert list(restored) == [[5, 7], [9]]
    ended = json.loads(json.dumps(restored.state_dict()))
    again = build(ref, 10, 2, 2, 1, shuffle=False, drop_last=False)
    again.load_state_dict(ended)
    assert list(again) == []


def test_twice_in_one_epoch_counts_from_the_epoch_start():
    args = (40, 2, 3, 1, True, False)
    whole = kata_epoch(*args, 5)
    _, state = checkpoint(build(ref, *args), 5, 2)
    second = build(ref, *args)
    second.load_state_dict(state)
    assert json.loads(json.dumps(second.state_dict())) == state     # before iterating: the position loaded
    it = iter(second)
    assert list(itertools.islice(it, 3)) == whole[2:5]
    third = build(ref, *args)
    third.load_state_dict(json.loads(json.dumps(second.state_dict())))
    assert list(third) == whole[5:]


def test_a_resume_fetches_only_the_batches_it_yields():
    dataset = CountingDataset(1000)
    _, state = checkpoint(build(ref, 1000, 2, 4, 1, True, False), 1, 100)
    restored = build(ref, 1000, 2, 4, 1, True, False, dataset)
    restored.load_state_dict(state)
    batch = next(iter(restored))
    assert batch == kata_epoch(1000, 2, 4, 1, True, False, 1)[100]
    assert dataset.fetched == 4
