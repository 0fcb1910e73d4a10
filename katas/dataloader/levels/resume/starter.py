"""Level `resume` of dataloader: your ShardedDataLoader, checkpointable mid-epoch.

Start from your solution of the kata: paste its class here, or import it and subclass it
(`from dataloader import ShardedDataLoader as KataLoader`, then `class ShardedDataLoader(KataLoader)`).
"""


class ShardedDataLoader:
    """One rank's loader in data-parallel training, as in the kata (same arguments, set_epoch, len(),
    iteration), whose position in an epoch can be saved with state_dict() and restored with
    load_state_dict() into a loader built after a restart with the same arguments."""

    def __init__(self, dataset, batch_size, world_size, rank, shuffle=True, seed=0, drop_last=False):
        """As in the kata: store the arguments; raise ValueError if rank is not in [0, world_size)."""
        raise NotImplementedError

    def set_epoch(self, epoch):
        """Start epoch `epoch` at its first batch (the shuffled order depends on (seed, epoch)), also right
        after load_state_dict."""
        raise NotImplementedError

    def __len__(self):
        """The number of batches this rank yields in an epoch, computed without iterating."""
        raise NotImplementedError

    def __iter__(self):
        """Yield this rank's batches of the epoch, from the first or from a loaded position, each a list
        of dataset items fetched only when it is yielded; count each batch as consumed as it is yielded."""
        raise NotImplementedError

    def state_dict(self):
        """Where this loader stands, as a new value of plain, JSON-able data (a few ints, in dicts or lists):
        its epoch and how many batches of that epoch the latest iteration has yielded."""
        raise NotImplementedError

    def load_state_dict(self, state):
        """Go to the position `state` records: its epoch, and the next iteration yields the batches after
        the ones already yielded, fetching none of those."""
        raise NotImplementedError
