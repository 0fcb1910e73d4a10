"""Byte level: overlapping occurrences are not counted (a a a a holds (a, a) twice, as many as one merge replaces)."""

from collections import defaultdict

END = "</w>"


def get_stats(vocab):
    """Weighted counts of adjacent symbol pairs, in the order they are first seen."""
    pairs = defaultdict(int)
    for symbols, freq in vocab.items():
        for i in range(len(symbols) - 1):
            pairs[symbols[i], symbols[i + 1]] += freq
    return pairs


def merge_symbols(symbols, pair, new):
    out = []
    i = 0
    while i < len(symbols):
        if i < len(symbols) - 1 and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def word_symbols(word):
    return tuple(word) + (END,)


def bpe_train(corpus, num_merges):
    vocab = {}
    for word in corpus:
        key = word_symbols(word)
        vocab[key] = vocab.get(key, 0) + 1
    merges = []
    for _ in range(num_merges):
        pairs = get_stats(vocab)
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        merges.append(best)
        vocab = {tuple(merge_symbols(s, best, best[0] + best[1])): f for s, f in vocab.items()}
    return merges


def bpe_encode(word, merges):
    symbols = list(word_symbols(word))
    for a, b in merges:
        symbols = merge_symbols(symbols, (a, b), a + b)
    return symbols


def train_bytes(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("vocab_size must be at least 256")
    ids = list(text.encode("utf-8"))
    n = len(ids)
    nxt = list(range(1, n + 1))
    prv = list(range(-1, n - 1))
    counts = {}
    positions = defaultdict(set)

    def add(pair, i):
        counts[pair] = counts.get(pair, 0) + 1
        positions[pair].add(i)

    def remove(pair, i):
        counts[pair] -= 1
        positions[pair].discard(i)
        if counts[pair] == 0:
            del counts[pair], positions[pair]

    for i in range(n - 1):
        if i - 1 in positions.get((ids[i], ids[i + 1]), ()):
            continue
        add((ids[i], ids[i + 1]), i)

    merges = []
    for new_id in range(256, vocab_size):
        if not counts:
            break
        top = max(counts.values())
        tied = [p for p, c in counts.items() if c == top]
        best = min(tied, key=lambda p: min(positions[p]))
        merges.append(best)
        for i in sorted(positions[best]):
            if i not in positions.get(best, ()):
                continue
            j = nxt[i]
            left, right = prv[i], nxt[j]
            remove(best, i)
            if left >= 0:
                remove((ids[left], ids[i]), left)
            if right < n:
                remove((ids[j], ids[right]), j)
            ids[i] = new_id
            nxt[i] = right
            if right < n:
                prv[right] = i
            if left >= 0:
                add((ids[left], new_id), left)
            if right < n:
                add((new_id, ids[right]), i)
    return merges


def encode_bytes(text, merges):
    ranks = {tuple(p): i for i, p in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
        if pair not in ranks:
            break
        ids = merge_symbols(ids, pair, 256 + ranks[pair])
    return ids


def decode_bytes(ids, merges):
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
