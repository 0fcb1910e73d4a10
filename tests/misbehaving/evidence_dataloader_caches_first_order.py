"""Attack, appended to the dataloader reference: the shuffled order of each (n, seed, epoch) is drawn
once from an unseeded generator and cached in the process, so it repeats there and nowhere else."""

_orders = {}


class ShardedDataLoader(ShardedDataLoader):
    def _global_order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        key = (n, self.seed, self.epoch)
        if key not in _orders:
            _orders[key] = np.random.default_rng().permutation(n)     # not seeded by (seed, epoch)
        return _orders[key]
