"""Correct: pure Python, no NumPy. random.Random seeded with the string "seed/epoch", contiguous blocks of
the padded order (a position past n wraps around with % n), each batch filled item by item."""

import random


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if rank < 0 or rank >= world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        self.per_rank = n // world_size if drop_last else (n + world_size - 1) // world_size

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        if self.drop_last:
            return self.per_rank // self.batch_size
        return (self.per_rank + self.batch_size - 1) // self.batch_size

    def _order(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:
            random.Random(f"{self.seed}/{self.epoch}").shuffle(order)
        return order

    def __iter__(self):
        order = self._order()
        n = len(order)
        start = self.rank * self.per_rank          # this rank's block of the padded order
        batch = []
        for position in range(start, start + self.per_rank):
            batch.append(self.dataset[order[position % n]])
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch
