"""Correct, other styles and legal output forms: word level keeps every corpus occurrence as its own
list of symbols (no frequency table) and settles ties by an explicit first (word, position) index;
byte level keeps the sequence in an array with None where a token was absorbed (neighbours found by
skipping the holes), pair positions in sets, and the pairs grouped in buckets by count to find the
top count; merges are returned as lists [left, right] and ids as NumPy integers."""

from collections import defaultdict

import numpy as np

END = "</w>"


# -- word level -------------------------------------------------------------------------------------

def merge_in_place(symbols, a, b):
    i = 0
    while i < len(symbols) - 1:
        if symbols[i] == a and symbols[i + 1] == b:
            symbols[i:i + 2] = [a + b]
        i += 1


def bpe_train(corpus, num_merges):
    words = [list(w) + [END] for w in corpus]    # one list per occurrence: frequency by repetition
    merges = []
    for _ in range(num_merges):
        count, first = {}, {}
        for w, symbols in enumerate(words):
            for i in range(len(symbols) - 1):
                pair = (symbols[i], symbols[i + 1])
                count[pair] = count.get(pair, 0) + 1
                first.setdefault(pair, (w, i))
        if not count:
            break
        best = min(count, key=lambda p: (-count[p], first[p]))
        merges.append(list(best))
        for symbols in words:
            merge_in_place(symbols, *best)
    return merges


def bpe_encode(word, merges):
    symbols = list(word) + [END]
    for a, b in merges:
        merge_in_place(symbols, a, b)
    return symbols


# -- byte level -------------------------------------------------------------------------------------

def train_bytes(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("vocab_size must be >= 256")
    ids = list(text.encode("utf-8"))
    n = len(ids)

    def right_of(i):
        j = i + 1
        while j < n and ids[j] is None:
            j += 1
        return j if j < n else None

    def left_of(i):
        j = i - 1
        while j >= 0 and ids[j] is None:
            j -= 1
        return j if j >= 0 else None

    where = defaultdict(set)                     # pair -> positions of its left token
    buckets = defaultdict(set)                   # count -> pairs with that count

    def move(pair, delta, position):
        old = len(where[pair])
        (where[pair].add if delta > 0 else where[pair].discard)(position)
        buckets[old].discard(pair)
        if where[pair]:
            buckets[len(where[pair])].add(pair)
        else:
            del where[pair]

    for i in range(n - 1):
        where[ids[i], ids[i + 1]].add(i)
    for pair, positions in where.items():
        buckets[len(positions)].add(pair)
    top = max(buckets, default=0)

    merges = []
    for new in range(256, vocab_size):
        while top > 0 and not buckets[top]:
            top -= 1
        if top == 0:
            break
        pair = min(buckets[top], key=lambda p: min(where[p]))
        merges.append([pair[0], pair[1]])
        for i in sorted(where[pair]):
            if i not in where.get(pair, ()):
                continue
            j = right_of(i)
            left, right = left_of(i), right_of(j)
            move(pair, -1, i)
            if left is not None:
                move((ids[left], ids[i]), -1, left)
            if right is not None:
                move((ids[j], ids[right]), -1, j)
            ids[i], ids[j] = new, None
            if left is not None:
                move((ids[left], new), +1, left)
            if right is not None:
                move((new, ids[right]), +1, i)
        # top never rises: a new pair occurs at most as often as the pair just merged
    return merges


def encode_bytes(text, merges):
    pairs = [(int(a), int(b)) for a, b in merges]
    rank = {p: r for r, p in enumerate(pairs)}
    ids = list(text.encode("utf-8"))
    while True:
        present = [rank[p] for p in zip(ids, ids[1:]) if p in rank]
        if not present:
            return [np.int64(t) for t in ids]
        r = min(present)
        pair, out, i = pairs[r], [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(256 + r)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out


def decode_bytes(ids, merges):
    table = [bytes([b]) for b in range(256)]
    for a, b in merges:
        table.append(table[a] + table[b])
    data = bytearray()
    for t in ids:
        data += table[t]
    return data.decode("utf-8", "replace")
