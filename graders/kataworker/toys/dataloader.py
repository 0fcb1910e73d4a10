"""Trusted helpers of the dataloader kata's hidden tests, built in the worker with `make`:

    dataset = make("toys.dataloader:IndexDataset", n)             # dataset[i] -> i; dataset.fetches()
    dataset = IndexDataset(n); lend(dataset)                      # the same, counting in the judge
    dataset = make("toys.dataloader:IndexDataset", n, width=512)  # dataset[i] -> a fresh 4 KB sample
    items = make("toys.dataloader:in_worker", [...])              # a list that stays in the worker
    epoch = make("toys.dataloader:EpochRun", loaders, 3)          # set_epoch, len, list on every rank
    first = make("toys.dataloader:FirstBatches", loader, 2)       # the loader's first 2 batches only
    runs = make("toys.dataloader:EpochOrders", loader, [0, 1])    # each epoch's flattened order
    runs = make("toys.dataloader:Script", loaders, [steps, ...])  # a training loop's calls, checkpoints too

Iterating a loader over millions of samples, or over thousands of epochs, happens here in the worker:
only the few batches a test looks at cross the process boundary; EpochRun saves round trips (one
instead of three per rank). NumPy and the standard library only.
"""

import copy
import itertools
import operator

import numpy as np


class IndexDataset:
    """A read-only sequence of n samples: len(dataset) and dataset[i] for an int 0 <= i < n, nothing else
    (no slicing, no iteration protocol of its own). Sample i is i itself, or, with `width`, a fresh
    int64 array of `width` copies of i (512 -> 4 KB, like a tokenised sequence): holding a whole
    shard of those at once costs gigabytes. `fetches()`: how many items were fetched so far.
    Lent (kept in the judge, its fetches counted there), it takes the index the solution sent as hostile
    input: one int, nothing else."""

    LENT_METHODS = ("__len__", "__getitem__")

    def __init__(self, n, width=None):
        self.n, self.width = int(n), width
        self.fetched = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if isinstance(i, (bool, np.bool_)):
            raise TypeError(f"dataset index {i!r} is a bool; expected an int in [0, {self.n})")
        try:
            i = operator.index(i)  # Python and NumPy ints; floats, slices and arrays are refused
        except TypeError:
            raise TypeError(f"dataset index of type {type(i).__name__}; expected one int in [0, {self.n}) "
                            "(fetch the samples one at a time: dataset[i])") from None
        if not 0 <= i < self.n:
            raise IndexError(f"dataset index {i} out of range [0, {self.n})")
        self.fetched += 1
        return i if self.width is None else np.full(self.width, i, dtype=np.int64)

    def fetches(self):
        return self.fetched


def in_worker(value):
    """`value` itself: `make` keeps it in the worker, so a test can pass the very same list to the
    solution and read it back afterwards (`list(handle)`) to see whether it was modified in place."""
    return value


class EpochRun:
    """One epoch on every rank: for each loader (rank 0, 1, ...), loader.set_epoch(epoch), len(loader)
    and list(loader), in that order; `results()` -> [(len, batches) per rank]."""

    def __init__(self, loaders, epoch):
        self._results = []
        for loader in loaders:
            loader.set_epoch(epoch)
            length = len(loader)
            self._results.append((length, list(loader)))

    def results(self):
        return self._results


class FirstBatches:
    """Iterates `loader` in the worker and keeps only its first k batches (`batches()`)."""

    def __init__(self, loader, k):
        self._batches = list(itertools.islice(iter(loader), k))

    def batches(self):
        return self._batches


class EpochOrders:
    """For each epoch e: loader.set_epoch(e), then the loader's batches flattened into one list of
    samples; `orders()` returns those lists, one per epoch."""

    def __init__(self, loader, epochs):
        self._orders = []
        for epoch in epochs:
            loader.set_epoch(epoch)
            self._orders.append([sample for batch in loader for sample in batch])

    def orders(self):
        return self._orders



class Script:
    """Runs a training loop's calls on each loader (level `resume`), all in the worker: `steps[r]` for
    `loaders[r]`, each step one of
        ("set_epoch", e)   loader.set_epoch(e)
        ("load", state)    loader.load_state_dict(state)
        ("iter",)          a new iteration: it = iter(loader)
        ("next", k)        the next k batches of it, fewer at its end; k None: all the rest  -> recorded
        ("state",)         a copy of loader.state_dict(), made at once (a checkpoint written now) -> recorded
        ("kept_state",)    loader.state_dict() itself, read only when the script ends (a checkpoint kept in
                           memory and written later) -> recorded
    `results()` -> [the recorded values, in order, per loader]."""

    def __init__(self, loaders, steps):
        self._results = [self._run(loader, loader_steps) for loader, loader_steps in zip(loaders, steps)]

    @staticmethod
    def _run(loader, steps):
        recorded, it = [], None
        for step in steps:
            op, args = step[0], step[1:]
            if op == "set_epoch":
                loader.set_epoch(*args)
            elif op == "load":
                loader.load_state_dict(*args)
            elif op == "iter":
                it = iter(loader)
            elif op == "next":
                recorded.append(list(itertools.islice(it, *args)))
            elif op == "state":
                recorded.append(copy.deepcopy(loader.state_dict()))
            elif op == "kept_state":
                recorded.append(loader.state_dict())
            else:
                raise ValueError(f"unknown step {step!r}")
        return recorded

    def results(self):
        return self._results
