"""Reference solution of the `dataloader` kata: DistributedSampler + DataLoader batching in one class.

Each epoch has one global order of the n sample indices, the same on every rank: a permutation drawn
from a generator seeded by (seed, epoch) alone, or 0..n-1 without shuffling. It is padded by wrapping
around (drop_last=False) or cut (drop_last=True) to world_size * samples_per_rank; rank r takes every
world_size-th index from position r. Its indices are cut into batches, and the samples of a batch are
fetched from the dataset only when that batch is yielded.
"""

import numpy as np


class ShardedDataLoader:
    """Iterating yields this rank's batches, each a list of dataset items; len() is their number."""

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
        self.epoch = 0

        n = len(dataset)
        # Every rank gets the same number of samples, or a collective op in the training step hangs.
        self.samples_per_rank = n // world_size if drop_last else -(-n // world_size)  # floor or ceil
        self.total_size = self.samples_per_rank * world_size                           # padded or cut

    def set_epoch(self, epoch):
        """Call before iterating each epoch: the shuffled order depends on (seed, epoch) only."""
        self.epoch = epoch

    def __len__(self):
        full, partial = divmod(self.samples_per_rank, self.batch_size)
        return full if self.drop_last or partial == 0 else full + 1

    def _global_order(self):
        """(n,) the epoch's order of all sample indices, identical on every rank."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = np.random.default_rng([self.seed, self.epoch])  # a private generator: global state untouched
        return rng.permutation(n)

    def _rank_indices(self):
        """(samples_per_rank,) this rank's share of the padded (or cut) global order."""
        order = self._global_order()                     # (n,)
        if self.total_size > len(order):
            order = np.resize(order, self.total_size)    # wrap around: np.resize repeats the order cyclically
        order = order[:self.total_size]                  # (total_size,)
        return order[self.rank::self.world_size]         # (samples_per_rank,)

    def __iter__(self):
        indices = self._rank_indices()
        for b in range(len(self)):
            batch = indices[b * self.batch_size:(b + 1) * self.batch_size]
            yield [self.dataset[int(i)] for i in batch]  # fetch only this batch's samples
