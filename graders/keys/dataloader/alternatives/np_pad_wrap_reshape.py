"""Correct: the epoch's generator from SeedSequence(seed, spawn_key=(epoch,)), a shuffled arange, padding
with np.pad(mode="wrap"), contiguous blocks via reshape(world_size, -1)[rank]; __iter__ returns a
generator from a helper method."""

import numpy as np


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if rank not in range(world_size):
            raise ValueError(f"bad rank {rank} for world_size {world_size}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def _per_rank(self):
        n = len(self.dataset)
        return n // self.world_size if self.drop_last else -(-n // self.world_size)

    def __len__(self):
        full, rest = divmod(self._per_rank(), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def _shard(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(self.epoch,)))
            rng.shuffle(order)                                   # our own array, shuffled in place
        total = self._per_rank() * self.world_size
        if total > n:
            order = np.pad(order, (0, total - n), mode="wrap")   # the first indices again, cyclically
        blocks = order[:total].reshape(self.world_size, -1)       # (world_size, per_rank)
        return blocks[self.rank]

    def _generate(self):
        shard = self._shard()
        for b in range(len(self)):
            batch = shard[b * self.batch_size:(b + 1) * self.batch_size].tolist()
            yield [self.dataset[i] for i in batch]

    def __iter__(self):
        return self._generate()
