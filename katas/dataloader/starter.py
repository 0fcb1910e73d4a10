class ShardedDataLoader:
    """One rank's loader in data-parallel training: iterating yields this rank's batches of an epoch.

    dataset:    any sequence: len(dataset) and dataset[i] for an int 0 <= i < len(dataset); not modified.
    batch_size: samples per batch; a rank cuts its samples, in its order, into batches of this size.
    world_size: the number of ranks; rank: this loader's rank, in [0, world_size) (else ValueError).
    shuffle:    True: each epoch's global order is a uniformly random permutation of range(n) from a
                private generator seeded by (seed, epoch) alone (never the global np.random / random
                state, never the number of past iterations); False: 0, 1, ..., n-1 every epoch.
    drop_last:  False: the global order is padded by wrapping around to world_size * ceil(n / world_size)
                indices, so each rank gets ceil(n / world_size) samples, last partial batch kept.
                True: each rank gets floor(n / world_size) distinct samples, last partial batch dropped.
    The global order is identical on every rank; ranks share no index except through the padding.
    """

    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        """Store the arguments; raise ValueError if rank is not in [0, world_size)."""
        raise NotImplementedError

    def set_epoch(self, epoch):
        """Set the epoch the next iterations use (the shuffled order depends on (seed, epoch))."""
        raise NotImplementedError

    def __len__(self):
        """The number of batches this rank yields in an epoch, computed without iterating."""
        raise NotImplementedError

    def __iter__(self):
        """Yield this rank's batches, each a list of dataset items [dataset[i], ...], fetching a
        batch's items only when it is yielded."""
        raise NotImplementedError
