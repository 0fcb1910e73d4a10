"""Mutant: the position is a NumPy integer from the index arithmetic: the state cannot be saved as JSON."""

import numpy as np


class ShardedDataLoader:
    """Iterating yields this rank's batches, each a list of dataset items; len() is their number;
    state_dict() / load_state_dict() checkpoint and restore the position in the epoch."""

    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, world_size) = [0, {world_size}), got {rank}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.world_size = world_size
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last

        n = len(dataset)
        self.samples_per_rank = n // world_size if drop_last else -(-n // world_size)  # floor or ceil
        self.total_size = self.samples_per_rank * world_size                           # padded or cut
        self.set_epoch(0)

    def set_epoch(self, epoch):
        """Start epoch `epoch` at its first batch (a loaded position not used yet is dropped)."""
        self.epoch = epoch
        self.batches_yielded = 0  # of this epoch, by the latest iteration
        self.resume_at = 0        # the batch the next iteration starts at

    def state_dict(self):
        """Where this loader stands, as plain data: its epoch and the batches of it yielded so far."""
        return {"epoch": int(self.epoch), "batches_yielded": self.batches_yielded}

    def load_state_dict(self, state):
        """Go to the position `state` records: the next iteration yields the rest of its epoch."""
        self.epoch = state["epoch"]
        self.batches_yielded = self.resume_at = state["batches_yielded"]

    def __len__(self):
        full, partial = divmod(self.samples_per_rank, self.batch_size)
        return full if self.drop_last or partial == 0 else full + 1

    def _global_order(self):
        """(n,) the epoch's order of all sample indices, identical on every rank."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, self.epoch]).permutation(n)

    def _rank_indices(self):
        """(samples_per_rank,) this rank's share of the padded (or cut) global order."""
        order = self._global_order()                     # (n,)
        if self.total_size > len(order):
            order = np.resize(order, self.total_size)    # wrap around cyclically
        return order[:self.total_size][self.rank::self.world_size]

    def __iter__(self):
        start, self.resume_at = self.resume_at, 0        # a loaded position is used once
        indices = self._rank_indices()
        self.batches_yielded = start
        for b in np.arange(start, len(self)):
            batch = indices[b * self.batch_size:(b + 1) * self.batch_size]
            self.batches_yielded = b + 1                 # counted before the caller receives it
            yield [self.dataset[int(i)] for i in batch]
