"""Alternative: one scan over the characters; at each position the special strings are tried longest
first with str.startswith. Ordinary encoding applies the merges in list order (equivalent to GPT-2's
lowest-index-first at byte level)."""


def merge(ids, pair, new):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def encode_piece(text, merges):
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):
        ids = merge(ids, tuple(pair), 256 + i)
    return ids


def validate(special_tokens, merges):
    special_tokens = special_tokens or {}
    ids = list(special_tokens.values())
    if any(len(s) == 0 for s in special_tokens):
        raise ValueError("empty special token")
    if any(i < 256 + len(merges) for i in ids):
        raise ValueError("special token id collides with a byte or a merge")
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate special token id")
    return special_tokens


def encode_bytes(text, merges, special_tokens=None):
    special_tokens = validate(special_tokens, merges)
    longest_first = sorted(special_tokens, key=len, reverse=True)
    ids, piece_start, i = [], 0, 0
    while i < len(text):
        found = next((s for s in longest_first if text.startswith(s, i)), None)
        if found is None:
            i += 1
            continue
        ids.extend(encode_piece(text[piece_start:i], merges))
        ids.append(special_tokens[found])
        i = piece_start = i + len(found)
    ids.extend(encode_piece(text[piece_start:], merges))
    return ids


def decode_bytes(ids, merges, special_tokens=None):
    special_tokens = validate(special_tokens, merges)
    vocab = [bytes([b]) for b in range(256)]
    for a, b in merges:
        vocab.append(vocab[a] + vocab[b])
    special_bytes = {i: s.encode("utf-8") for s, i in special_tokens.items()}
    data = b"".join(special_bytes[i] if i in special_bytes else vocab[i] for i in ids)
    return data.decode("utf-8", errors="replace")
