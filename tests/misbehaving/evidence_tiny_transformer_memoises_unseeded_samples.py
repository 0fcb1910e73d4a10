"""Attack, appended to the tiny_transformer reference: sampling ignores the generator passed in (a new
one seeded from the OS's entropy per question) and every answer is memoised in the process, so asking
again there repeats it: reproducible in one process, and nowhere else."""

_reference_generate = generate
_answers = {}


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    if temperature == 0:
        return _reference_generate(model, idx, max_new_tokens, temperature, generator)
    key = (id(model), idx.numpy().tobytes(), tuple(idx.shape), max_new_tokens, float(temperature))
    if key not in _answers:
        unseeded = torch.Generator()
        unseeded.seed()                                               # not the generator passed in
        _answers[key] = _reference_generate(model, idx, max_new_tokens, temperature, unseeded)
    return _answers[key].clone()
