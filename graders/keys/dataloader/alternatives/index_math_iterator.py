"""Correct: no padded list at all. Sample j of rank r sits at global position j * world_size + r, read
from the order modulo n (the wrap-around); the order is an argsort of random keys from
Generator(PCG64([seed, epoch])); iteration is an explicit iterator class, batch indices NumPy arithmetic."""

import numpy as np


class _Batches:
    def __init__(self, loader):
        self.loader = loader
        self.next_batch = 0
        n = len(loader.dataset)
        if loader.shuffle:
            rng = np.random.Generator(np.random.PCG64([loader.seed, loader.epoch]))
            self.order = np.argsort(rng.random(n), kind="stable")   # (n,) a uniform permutation
        else:
            self.order = np.arange(n)

    def __iter__(self):
        return self

    def __next__(self):
        loader = self.loader
        if self.next_batch >= len(loader):
            raise StopIteration
        first = self.next_batch * loader.batch_size
        last = min(first + loader.batch_size, loader.per_rank)
        positions = np.arange(first, last) * loader.world_size + loader.rank       # (batch,)
        indices = self.order[positions % len(self.order)]
        self.next_batch += 1
        return [loader.dataset[int(i)] for i in indices]


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not (0 <= rank < world_size):
            raise ValueError("rank out of range")
        self.dataset, self.batch_size = dataset, batch_size
        self.world_size, self.rank = world_size, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        q, r = divmod(len(dataset), world_size)
        self.per_rank = q if drop_last or r == 0 else q + 1

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def __len__(self):
        q, r = divmod(self.per_rank, self.batch_size)
        return q if self.drop_last or r == 0 else q + 1

    def __iter__(self):
        return _Batches(self)
