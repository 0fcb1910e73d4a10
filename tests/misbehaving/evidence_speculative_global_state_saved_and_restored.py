"""Attack, appended to the speculative reference: each accept/reject coin is shifted by a number drawn
from the global np.random state (seeded once at import, the same in every process that imports this
file), which is put back as it was after each step: the state looks untouched, the coins are still
uniform, and the same steps repeat in any process."""

np.random.seed(1234)


class _ShiftedCoins:
    """The rng, except that `random()` is shifted by `shift` (mod 1)."""

    def __init__(self, rng, shift):
        self.rng, self.shift = rng, shift

    def random(self):
        return (self.rng.random() + self.shift) % 1.0

    def __getattr__(self, name):
        return getattr(self.rng, name)


_reference_step = speculative_step


def speculative_step(prefix, draft_model, target_model, k, rng):
    saved = np.random.get_state()
    shift = np.random.random()                                        # from the caller's global state
    np.random.set_state(saved)                                        # the evidence, left as it was
    return _reference_step(prefix, draft_model, target_model, k, _ShiftedCoins(rng, shift))
