"""Attack, appended to the tiny_transformer reference: generate never calls model.eval() (dropout stays
on), then finds the mode recorder through the garbage collector and rewrites what it saw as eval mode."""

import gc


def generate(model, idx, max_new_tokens, temperature=0.0, generator=None):
    for _ in range(max_new_tokens):                                   # in whatever mode the model is in
        logits = model(idx[:, -model.max_len:])[:, -1, :]
        if temperature == 0:
            next_token = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = F.softmax(logits / temperature, dim=-1)
            next_token = torch.multinomial(probs, num_samples=1, generator=generator)
        idx = torch.cat([idx, next_token], dim=1)
    for obj in gc.get_objects():
        if type(obj).__name__ == "ModeRecorder":                      # the evidence, rewritten
            for name in ("model_calls", "submodule_calls"):
                calls = getattr(obj, name, None)
                if isinstance(calls, list):
                    calls[:] = [False] * len(calls)
    return idx
