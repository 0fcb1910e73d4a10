"""Correct: standard library only. The order is a list shuffled by a private random.Random seeded with the
string f"{seed}/{epoch}"; a rank's share is a contiguous block of the padded order; the batches of indices
come from a generator, and resuming skips the consumed ones with itertools.islice (indices only, no item
fetched). The state is a list [epoch, batches]."""

import itertools
import random


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if rank < 0 or rank >= world_size:
            raise ValueError(f"rank {rank} not in [0, {world_size})")
        self.dataset, self.batch_size, self.world_size, self.rank = dataset, batch_size, world_size, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch, self.position, self.skip = 0, 0, 0

    def set_epoch(self, epoch):
        self.epoch, self.position, self.skip = epoch, 0, 0

    def _per_rank(self):
        n = len(self.dataset)
        return n // self.world_size if self.drop_last else (n + self.world_size - 1) // self.world_size

    def __len__(self):
        per_rank = self._per_rank()
        if self.drop_last:
            return per_rank // self.batch_size
        return (per_rank + self.batch_size - 1) // self.batch_size

    def _index_batches(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:
            random.Random(f"{self.seed}/{self.epoch}").shuffle(order)
        per_rank = self._per_rank()
        total = per_rank * self.world_size
        padded = list(itertools.islice(itertools.cycle(order), total)) if order else []
        mine = padded[self.rank * per_rank:(self.rank + 1) * per_rank]
        for b in range(len(self)):
            yield mine[b * self.batch_size:(b + 1) * self.batch_size]

    def __iter__(self):
        skip, self.skip = self.skip, 0
        self.position = skip
        for batch in itertools.islice(self._index_batches(), skip, None):
            self.position += 1
            yield [self.dataset[i] for i in batch]

    def state_dict(self):
        return [self.epoch, self.position]

    def load_state_dict(self, state):
        self.epoch, self.position = state
        self.skip = self.position
