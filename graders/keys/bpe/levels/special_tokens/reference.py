"""Reference of the bpe kata's level `special_tokens`: encode_bytes / decode_bytes with special tokens
(`<|endoftext|>`, chat markers) that are never split or merged and have ids of their own.

The text is cut at each special string, scanning left to right (where several start at the same place,
the longest wins); each piece between them is encoded by the kata's byte-level BPE on its own, so no
merge crosses a special token; each special string becomes its id. Decoding maps a special id to the
UTF-8 bytes of its string, joined with the other tokens' bytes before one decode (errors="replace").
"""

import re


def merge_pair(ids, pair, new):
    """ids with every occurrence of `pair` replaced by `new`, left to right, never overlapping."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def encode_ordinary(text, merges):
    """The kata's encode_bytes: UTF-8 bytes, then the present pair of lowest merge index, repeatedly."""
    rank = {tuple(pair): i for i, pair in enumerate(merges)}       # pair -> merge index
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: rank.get(p, len(rank)))
        if pair not in rank:
            break
        ids = merge_pair(ids, pair, 256 + rank[pair])
    return ids


def checked(special_tokens, merges):
    """special_tokens ({string: id}, or None) as a dict, after the checks: ValueError for an empty
    string, an id of a byte or a merge (below 256 + len(merges)), or an id given to two strings."""
    special_tokens = dict(special_tokens or {})
    first_free = 256 + len(merges)
    if "" in special_tokens:
        raise ValueError("a special token cannot be the empty string")
    taken = [s for s, i in special_tokens.items() if i < first_free]
    if taken:
        raise ValueError(f"special token {taken[0]!r} has id {special_tokens[taken[0]]}, a byte or merge id "
                         f"(ids below {first_free} are taken)")
    if len(set(special_tokens.values())) < len(special_tokens):
        raise ValueError("two special tokens share an id")
    return special_tokens


def encode_bytes(text, merges, special_tokens=None):
    """Token ids of text; each occurrence of a special string is its id, the text between them is
    encoded as without special tokens, piece by piece."""
    special_tokens = checked(special_tokens, merges)
    if not special_tokens:
        return encode_ordinary(text, merges)
    # A regex alternation takes the first alternative that matches: longest first.
    pattern = re.compile("|".join(re.escape(s) for s in sorted(special_tokens, key=len, reverse=True)))
    ids, start = [], 0
    for match in pattern.finditer(text):                           # leftmost matches, in order
        ids += encode_ordinary(text[start:match.start()], merges)
        ids.append(special_tokens[match.group()])
        start = match.end()
    return ids + encode_ordinary(text[start:], merges)


def decode_bytes(ids, merges, special_tokens=None):
    """The text of ids: each token's bytes (a special token's: its string's UTF-8), joined, then
    decoded as UTF-8 with errors="replace"."""
    vocab = {i: bytes([i]) for i in range(256)}                    # id -> the bytes it stands for
    for i, (left, right) in enumerate(merges):
        vocab[256 + i] = vocab[left] + vocab[right]
    for string, i in checked(special_tokens, merges).items():
        vocab[i] = string.encode("utf-8")
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
