"""Byte level: GPT-2-like pre-tokenisation (words with their leading space) before training and
encoding, so no pair spans a word boundary; the kata trains on the whole text as one sequence."""

import re
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


def chunks(text):
    """GPT-2-like pre-tokenisation: words with their leading space, and runs of whitespace."""
    return re.findall(r" ?[^\s]+|\s+", text)


def train_bytes(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("vocab_size must be at least 256")
    words = {}
    for chunk in chunks(text):
        key = tuple(chunk.encode("utf-8"))
        words[key] = words.get(key, 0) + 1
    merges = []
    for new_id in range(256, vocab_size):
        pairs = get_stats(words)
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        merges.append(best)
        words = {tuple(merge_symbols(w, best, new_id)): f for w, f in words.items()}
    return merges


def encode_bytes(text, merges):
    ranks = {tuple(p): i for i, p in enumerate(merges)}
    out = []
    for chunk in chunks(text):
        ids = list(chunk.encode("utf-8"))
        while len(ids) >= 2:
            pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
            if pair not in ranks:
                break
            ids = merge_symbols(ids, pair, 256 + ranks[pair])
        out.extend(ids)
    return out


def decode_bytes(ids, merges):
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
