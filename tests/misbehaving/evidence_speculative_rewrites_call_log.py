"""Attack, appended to the speculative reference: one target call per position (k + 1 per step, not
one batched call), then the toy target's call log rewritten to show one call per step."""


def speculative_step(prefix, draft_model, target_model, k, rng):
    prefix = list(prefix)
    drafts, q = draft_tokens(prefix, draft_model, k, rng)
    p = np.stack([np.asarray(target_model.batch_next_token_dist(prefix + drafts[:i], []))[0]
                  for i in range(k + 1)])                               # k + 1 target calls
    log = getattr(target_model, "log", None)
    if isinstance(log, list):                                         # the evidence, rewritten
        del log[-(k + 1):]
        log.append([prefix, list(drafts)])
    out = list(prefix)
    for i, t in enumerate(drafts):
        if rng.random() * q[i][t] < p[i, t]:
            out.append(t)
        else:
            out.append(sample_from_residual(p[i], q[i], rng))
            return out
    out.append(int(rng.choice(p.shape[1], p=p[k])))
    return out
