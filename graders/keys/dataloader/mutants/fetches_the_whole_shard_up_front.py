"""Fetches every item of the rank's shard before yielding the first batch: a large dataset does not fit in memory."""

import math

import numpy as np


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in [0, {world_size})")
        self.dataset = dataset
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last:
            self.num_samples = n // world_size
        else:
            self.num_samples = math.ceil(n / world_size)
        self.total_size = self.num_samples * world_size

    def set_epoch(self, epoch):
        self.epoch = epoch

    def _indices(self):
        n = len(self.dataset)
        if self.shuffle:
            rng = np.random.default_rng(self.seed + self.epoch)
            indices = rng.permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            while len(indices) < self.total_size:  # wrap around, more than once if world_size > n
                indices += indices[:self.total_size - len(indices)]
        return indices[self.rank:self.total_size:self.world_size]

    def __len__(self):
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self):
        items = [self.dataset[i] for i in self._indices()]
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield items[start:start + self.batch_size]
