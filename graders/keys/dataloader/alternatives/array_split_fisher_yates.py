"""Correct, with other free choices: a hand-written Fisher-Yates shuffle (random.Random per (seed, epoch));
ranks take np.array_split blocks; with drop_last=True each rank keeps the first floor(n / world_size) of
its block, so the samples left out are spread over the blocks, not the tail of the order."""

import math
import random

import numpy as np


def fisher_yates(n, rng):
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.randrange(i + 1)            # uniform in [0, i]
        order[i], order[j] = order[j], order[i]
    return order


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if rank < 0 or rank >= world_size:
            raise ValueError("rank must satisfy 0 <= rank < world_size")
        self.dataset = dataset
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        self.num_samples = n // world_size if drop_last else math.ceil(n / world_size)

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def _my_indices(self):
        n = len(self.dataset)
        if self.shuffle:
            order = np.array(fisher_yates(n, random.Random(self.seed * 7919 + self.epoch * 104729 + 1)), dtype=np.int64)
        else:
            order = np.arange(n)
        if self.drop_last:
            return np.array_split(order, self.world_size)[self.rank][:self.num_samples]
        total = self.num_samples * self.world_size
        padded = order[np.arange(total) % n] if total else order   # wrap around
        return np.array_split(padded, self.world_size)[self.rank]

    def __iter__(self):
        indices = self._my_indices()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield [self.dataset[int(i)] for i in indices[start:start + self.batch_size]]
