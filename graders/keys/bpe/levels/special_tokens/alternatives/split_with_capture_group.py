"""Alternative (minbpe style): re.split on a capturing alternation of the escaped special strings,
longest first, so the matched strings come back at the odd positions; a recursive vocab builder."""

import re


def encode_ordinary(text, merges):
    ranks = {tuple(m): r for r, m in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        ranked = [(ranks[p], k) for k, p in enumerate(zip(ids, ids[1:])) if p in ranks]
        if not ranked:
            break
        rank = min(ranked)[0]
        pair, new, out, k = tuple(merges[rank]), 256 + rank, [], 0
        while k < len(ids):
            if tuple(ids[k:k + 2]) == pair:
                out.append(new)
                k += 2
            else:
                out.append(ids[k])
                k += 1
        ids = out
    return ids


def check(special_tokens, merges):
    special_tokens = dict(special_tokens or {})
    for string, i in special_tokens.items():
        if not string:
            raise ValueError("a special token must be a non-empty string")
        if i < 256 + len(merges):
            raise ValueError(f"id {i} of {string!r} is a byte or merge id")
    if len(set(special_tokens.values())) < len(special_tokens):
        raise ValueError("special token ids must be unique")
    return special_tokens


def encode_bytes(text, merges, special_tokens=None):
    special_tokens = check(special_tokens, merges)
    if not special_tokens:
        return encode_ordinary(text, merges)
    pattern = "(" + "|".join(re.escape(s) for s in sorted(special_tokens, key=lambda s: -len(s))) + ")"
    ids = []
    for k, part in enumerate(re.split(pattern, text)):
        ids += [special_tokens[part]] if k % 2 else encode_ordinary(part, merges)
    return ids


def token_bytes(i, merges, memo):
    if i < 256:
        return bytes([i])
    if i not in memo:
        a, b = merges[i - 256]
        memo[i] = token_bytes(a, merges, memo) + token_bytes(b, merges, memo)
    return memo[i]


def decode_bytes(ids, merges, special_tokens=None):
    strings = {i: s for s, i in check(special_tokens, merges).items()}
    memo = {}
    data = b"".join(strings[i].encode("utf-8") if i in strings else token_bytes(i, merges, memo) for i in ids)
    return data.decode("utf-8", errors="replace")
