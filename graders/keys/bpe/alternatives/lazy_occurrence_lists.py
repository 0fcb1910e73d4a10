"""Correct, incremental at both levels. Word level: distinct words with their frequencies, an index
pair -> words holding it, and only the words touched by a merge recounted (ties: the first word
holding the pair, then its first position there). Byte level: exact pair counts in a dict, but
append-only occurrence lists that may hold stale positions, checked when they are used."""

from collections import Counter, defaultdict

END = "</w>"


def merge_symbols(symbols, pair, new):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


# -- word level -------------------------------------------------------------------------------------

def bpe_train(corpus, num_merges):
    freq_of = Counter(corpus)
    words = [list(w) + [END] for w in freq_of]          # distinct words, in order of first appearance
    freqs = list(freq_of.values())
    counts = Counter()
    holders = defaultdict(set)                          # pair -> indices of the words holding it
    for w, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            counts[pair] += freqs[w]
            holders[pair].add(w)

    merges = []
    while len(merges) < num_merges:
        counts = +counts                                # drop pairs whose count fell to zero
        if not counts:
            break
        top = max(counts.values())
        tied = [p for p, c in counts.items() if c == top]
        best = min(tied, key=lambda p: first_occurrence(p, words, holders[p]))
        merges.append(best)
        for w in sorted(holders.pop(best)):
            old = words[w]
            new = merge_symbols(old, best, best[0] + best[1])
            for pair in zip(old, old[1:]):
                counts[pair] -= freqs[w]
            for pair in zip(new, new[1:]):
                counts[pair] += freqs[w]
                holders[pair].add(w)
            words[w] = new
    return merges


def first_occurrence(pair, words, holder_indices):
    """(word index, position) of the first occurrence of pair; holder_indices may be stale."""
    for w in sorted(holder_indices):
        symbols = words[w]
        for i in range(len(symbols) - 1):
            if (symbols[i], symbols[i + 1]) == pair:
                return (w, i)
    return (len(words), 0)


def bpe_encode(word, merges):
    symbols = list(word) + [END]
    for a, b in merges:
        symbols = merge_symbols(symbols, (a, b), a + b)
    return symbols


# -- byte level -------------------------------------------------------------------------------------

def train_bytes(text, vocab_size):
    if vocab_size < 256:
        raise ValueError("vocab_size below 256")
    ids = list(text.encode("utf-8"))
    n = len(ids)
    nxt, prv = list(range(1, n + 1)), list(range(-1, n - 1))
    alive = [True] * n
    counts = Counter(zip(ids, ids[1:]))
    occurrences = defaultdict(list)
    for i in range(n - 1):
        occurrences[ids[i], ids[i + 1]].append(i)

    def holds(i, pair):
        return alive[i] and nxt[i] < n and ids[i] == pair[0] and ids[nxt[i]] == pair[1]

    def first_position(pair):
        return min(i for i in occurrences[pair] if holds(i, pair))

    merges = []
    for new in range(256, vocab_size):
        counts = +counts
        if not counts:
            break
        top = max(counts.values())
        tied = [p for p, c in counts.items() if c == top]
        pair = tied[0] if len(tied) == 1 else min(tied, key=first_position)
        merges.append(pair)
        for i in sorted(set(occurrences.pop(pair))):
            if not holds(i, pair):
                continue
            j = nxt[i]
            left, right = prv[i], nxt[j]
            counts[pair] -= 1
            if left >= 0:
                counts[ids[left], ids[i]] -= 1
                counts[ids[left], new] += 1
                occurrences[ids[left], new].append(left)
            if right < n:
                counts[ids[j], ids[right]] -= 1
                counts[new, ids[right]] += 1
                occurrences[new, ids[right]].append(i)
                prv[right] = i
            ids[i], nxt[i], alive[j] = new, right, False
    return merges


def encode_bytes(text, merges):
    rank = {tuple(m): r for r, m in enumerate(merges)}
    ids = list(text.encode("utf-8"))
    while len(ids) > 1:
        candidates = [p for p in zip(ids, ids[1:]) if p in rank]
        if not candidates:
            break
        pair = min(candidates, key=rank.__getitem__)
        ids = merge_symbols(ids, pair, 256 + rank[pair])
    return ids


def decode_bytes(ids, merges):
    vocab = [bytes([i]) for i in range(256)]
    for a, b in merges:
        vocab.append(vocab[a] + vocab[b])
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
