"""Correct: no padded list. An explicit iterator class reads sample j of rank r at global position
j * world_size + r of the order (modulo n: the wrap-around); the state counts samples, not batches,
and resuming starts the iterator at that sample. The order is an argsort of random keys."""

import numpy as np


class _Batches:
    def __init__(self, loader, start_sample):
        self.loader = loader
        self.next_sample = start_sample
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
        end = loader.last_sample()
        if self.next_sample >= end:
            raise StopIteration
        stop = min(self.next_sample + loader.batch_size, end)
        positions = np.arange(self.next_sample, stop) * loader.world_size + loader.rank   # (batch,)
        indices = self.order[positions % len(self.order)]
        self.next_sample = stop
        loader.samples_consumed = stop          # before the caller gets the batch
        return [loader.dataset[int(i)] for i in indices]


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not (0 <= rank < world_size):
            raise ValueError("rank out of range")
        self.dataset, self.batch_size = dataset, batch_size
        self.world_size, self.rank = world_size, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        q, r = divmod(len(dataset), world_size)
        self.per_rank = q if drop_last or r == 0 else q + 1
        self.set_epoch(0)

    def set_epoch(self, epoch):
        self.epoch = int(epoch)
        self.samples_consumed = 0
        self.pending = None

    def last_sample(self):
        """The end of this rank's samples that batches cover (a partial batch cut with drop_last)."""
        return len(self) * self.batch_size if self.drop_last else self.per_rank

    def __len__(self):
        q, r = divmod(self.per_rank, self.batch_size)
        return q if self.drop_last or r == 0 else q + 1

    def __iter__(self):
        start, self.pending = self.pending or 0, None
        self.samples_consumed = start
        return _Batches(self, start)

    def state_dict(self):
        return {"epoch": self.epoch, "samples_consumed": int(self.samples_consumed)}

    def load_state_dict(self, state):
        self.epoch = int(state["epoch"])
        self.samples_consumed = self.pending = int(state["samples_consumed"])
