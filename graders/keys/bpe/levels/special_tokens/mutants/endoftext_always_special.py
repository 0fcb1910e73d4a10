"""Mutant: registers GPT-2's <|endoftext|> by default (id 256 + len(merges)) when no special tokens are
given, so the kata's plain encoding changes."""

import re


def merge(ids, pair, idx):
    newids, i = [], 0
    while i < len(ids):
        if i < len(ids) - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            newids.append(idx)
            i += 2
        else:
            newids.append(ids[i])
            i += 1
    return newids


def encode_ordinary(text, merges):
    ranks = {tuple(p): i for i, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
        if pair not in ranks:
            break
        ids = merge(ids, pair, 256 + ranks[pair])
    return ids


def check_special_tokens(special_tokens, merges):
    if "" in special_tokens:
        raise ValueError("empty special token")
    if any(i < 256 + len(merges) for i in special_tokens.values()):
        raise ValueError("special token id already used by a byte or a merge")
    if len(set(special_tokens.values())) != len(special_tokens):
        raise ValueError("two special tokens share an id")


def encode_bytes(text, merges, special_tokens=None):
    special_tokens = special_tokens or {"<|endoftext|>": 256 + len(merges)}
    check_special_tokens(special_tokens, merges)
    if not special_tokens:
        return encode_ordinary(text, merges)
    pattern = "(" + "|".join(re.escape(s) for s in sorted(special_tokens, key=len, reverse=True)) + ")"
    ids = []
    for part in re.split(pattern, text):
        if part in special_tokens:
            ids.append(special_tokens[part])
        else:
            ids.extend(encode_ordinary(part, merges))
    return ids


def decode_bytes(ids, merges, special_tokens=None):
    special_tokens = special_tokens or {}
    check_special_tokens(special_tokens, merges)
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    for s, i in special_tokens.items():
        vocab[i] = s.encode("utf-8")
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
