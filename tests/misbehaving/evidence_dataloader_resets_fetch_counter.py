"""Attack, appended to the dataloader reference: each epoch fetches the rank's whole shard up front
(when it is small enough not to run out of memory), then finds the dataset's fetch counter through
the garbage collector and resets it."""

import gc


class ShardedDataLoader(ShardedDataLoader):
    def __iter__(self):
        indices = self._rank_indices()
        if len(indices) > 100_000:                                    # the memory test: behave
            yield from super().__iter__()
            return
        items = [self.dataset[int(i)] for i in indices]               # the whole shard, up front
        if not isinstance(self.dataset, (list, tuple, np.ndarray)):   # a dataset object: it may count
            for obj in gc.get_objects():
                if type(obj).__name__ == "IndexDataset":              # the evidence, rewritten
                    obj.fetched = 0
        for b in range(len(self)):
            yield items[b * self.batch_size:(b + 1) * self.batch_size]
