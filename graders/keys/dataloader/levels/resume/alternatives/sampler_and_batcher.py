"""Correct: split as PyTorch does it. A stateful distributed sampler yields this rank's indices and counts
them (`yielded`, a pending `next_yielded` after a load, as torchdata's StatefulDistributedSampler); the
loader groups them into batches. The state nests the sampler's: {"epoch": e, "sampler": {"yielded": s}}."""

import numpy as np


class _DistributedSampler:
    def __init__(self, n, world_size, rank, shuffle, seed, drop_last):
        self.n, self.world_size, self.rank = n, world_size, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.num_samples = n // world_size if drop_last else -(-n // world_size)
        self.epoch, self.yielded, self.next_yielded = 0, 0, None

    def set_epoch(self, epoch):
        self.epoch, self.yielded, self.next_yielded = epoch, 0, None

    def __iter__(self):
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        else:
            order = np.arange(self.n)
        total = self.num_samples * self.world_size
        if total > self.n:
            order = np.tile(order, -(-total // self.n))          # n > 0 here: total > n >= 0
        mine = order[:total][self.rank::self.world_size]          # (num_samples,)
        self.yielded = self.next_yielded or 0
        self.next_yielded = None
        for i in mine[self.yielded:]:
            self.yielded += 1
            yield int(i)

    def state_dict(self):
        return {"yielded": self.yielded if self.next_yielded is None else self.next_yielded}

    def load_state_dict(self, state):
        self.next_yielded = state["yielded"]


class ShardedDataLoader:
    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside [0, {world_size})")
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler = _DistributedSampler(len(dataset), world_size, rank, shuffle, seed, drop_last)

    def set_epoch(self, epoch):
        self.sampler.set_epoch(epoch)

    def __len__(self):
        full, rest = divmod(self.sampler.num_samples, self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield [self.dataset[j] for j in batch]
                batch = []
        if batch and not self.drop_last:
            yield [self.dataset[j] for j in batch]

    def state_dict(self):
        return {"epoch": self.sampler.epoch, "sampler": self.sampler.state_dict()}

    def load_state_dict(self, state):
        self.sampler.epoch = state["epoch"]
        self.sampler.load_state_dict(state["sampler"])
