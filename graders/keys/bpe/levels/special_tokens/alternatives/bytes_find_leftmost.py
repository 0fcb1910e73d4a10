"""Alternative: works on the UTF-8 bytes throughout. The next special token is the leftmost bytes.find
hit over all special strings (ties to the longest); ordinary pieces are encoded with a rank dict and
GPT-2's loop; decoding is done run by run (each run of ordinary ids decoded alone, special strings
between them)."""


def encode_chunk(data, ranks):
    ids = list(data)
    while len(ids) > 1:
        best = None
        for pair in zip(ids, ids[1:]):
            if pair in ranks and (best is None or ranks[pair] < ranks[best]):
                best = pair
        if best is None:
            break
        new, out, i = 256 + ranks[best], [], 0
        while i < len(ids):
            if i < len(ids) - 1 and ids[i] == best[0] and ids[i + 1] == best[1]:
                out.append(new)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


def special_bytes(special_tokens, merges):
    """{utf-8 bytes: id}, after the checks."""
    special_tokens = special_tokens or {}
    if "" in special_tokens:
        raise ValueError("empty special token")
    if min(special_tokens.values(), default=256 + len(merges)) < 256 + len(merges):
        raise ValueError("special token ids must come after the merges")
    if len(set(special_tokens.values())) != len(special_tokens):
        raise ValueError("special token ids must be distinct")
    return {s.encode("utf-8"): i for s, i in special_tokens.items()}


def encode_bytes(text, merges, special_tokens=None):
    specials = special_bytes(special_tokens, merges)
    ranks = {(a, b): i for i, (a, b) in enumerate(merges)}
    data, ids, pos = text.encode("utf-8"), [], 0
    while True:
        hits = [(data.find(s, pos), -len(s), s) for s in specials]
        hits = [h for h in hits if h[0] >= 0]
        if not hits:
            break
        start, _, s = min(hits)
        ids += encode_chunk(data[pos:start], ranks)
        ids.append(specials[s])
        pos = start + len(s)
    return ids + encode_chunk(data[pos:], ranks)


def decode_bytes(ids, merges, special_tokens=None):
    by_id = {i: s for s, i in special_bytes(special_tokens, merges).items()}
    vocab = {b: bytes([b]) for b in range(256)}
    for k, (a, b) in enumerate(merges):
        vocab[256 + k] = vocab[a] + vocab[b]
    parts, run = [], b""
    for i in ids:
        if i in by_id:
            parts += [run.decode("utf-8", errors="replace"), by_id[i].decode("utf-8")]
            run = b""
        else:
            run += vocab[i]
    parts.append(run.decode("utf-8", errors="replace"))
    return "".join(parts)
