"""Correct: a different state. The checkpoint holds the generator's own state (bit_generator.state: a dict
of Python ints) as drawn at the epoch's start, and the position; resuming restores the generator from it
instead of reseeding. The order itself is a pure function of (seed, epoch) either way."""

import numpy as np


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside [0, {world_size})")
        self.dataset, self.batch_size, self.world_size, self.rank = dataset, batch_size, world_size, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        n = len(dataset)
        self.per_rank = n // world_size if drop_last else -(-n // world_size)
        self.set_epoch(0)

    def set_epoch(self, epoch):
        self.epoch = epoch
        self.rng_state = np.random.default_rng([self.seed, epoch]).bit_generator.state
        self.done = 0            # batches of this epoch yielded
        self.start = 0           # where the next iteration begins

    def __len__(self):
        full, rest = divmod(self.per_rank, self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self):
        start, self.start = self.start, 0
        n = len(self.dataset)
        if self.shuffle:
            rng = np.random.default_rng()
            rng.bit_generator.state = self.rng_state
            order = rng.permutation(n)
        else:
            order = np.arange(n)
        total = self.per_rank * self.world_size
        padded = order[np.arange(total) % n] if n else order      # (total,) wraps around
        mine = padded.reshape(-1, self.world_size)[:, self.rank] if n else padded
        self.done = start
        for b in range(start, len(self)):
            self.done = b + 1
            yield [self.dataset[int(i)] for i in mine[b * self.batch_size:(b + 1) * self.batch_size]]

    def state_dict(self):
        return {"epoch": self.epoch, "rng": self.rng_state, "batch": self.done}

    def load_state_dict(self, state):
        self.epoch, self.rng_state = state["epoch"], state["rng"]
        self.done = self.start = state["batch"]
