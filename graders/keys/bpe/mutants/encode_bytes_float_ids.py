"""Byte level: encode_bytes returns the ids as floats equal to the right ints (counted through
a float, say): decode_bytes still finds them (256.0 hashes as 256), but ids are ints."""

from collections import Counter, defaultdict

END_OF_WORD = "</w>"


def merge_pair(symbols, pair, new):
    """symbols with every occurrence of `pair` replaced by `new`, left to right, never overlapping."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new)
            i += 2                                    # both halves consumed: "a a a" -> "aa a"
        else:
            out.append(symbols[i])
            i += 1
    return out


# -- word level (Sennrich et al. 2016) ---------------------------------------------------------------

def bpe_train(corpus, num_merges):
    """Learn up to num_merges merges from a list of words; each word is its characters plus '</w>'.
    Returns [(left, right), ...] in the order learned (fewer when no pair is left)."""
    # Distinct words in order of first appearance, each with its frequency. Reading this dict in
    # order finds every pair's first occurrence as early as reading the whole corpus would.
    vocab = {tuple(word) + (END_OF_WORD,): freq for word, freq in Counter(corpus).items()}
    merges = []
    for _ in range(num_merges):
        counts = pair_counts(vocab)                   # pair -> weighted count, in first-seen order
        if not counts:
            break                                     # every word is a single symbol
        best = max(counts, key=counts.get)            # max() keeps the first maximum: the tie rule
        merges.append(best)
        vocab = {tuple(merge_pair(symbols, best, best[0] + best[1])): freq for symbols, freq in vocab.items()}
    return merges


def pair_counts(vocab):
    """{pair: count weighted by word frequency}, keys in order of first occurrence."""
    counts = {}
    for symbols, freq in vocab.items():
        for pair in zip(symbols, symbols[1:]):
            counts[pair] = counts.get(pair, 0) + freq
    return counts


def bpe_encode(word, merges):
    """The symbols of `word` + '</w>' after applying the merges in order (each one everywhere,
    left to right, before the next)."""
    symbols = list(word) + [END_OF_WORD]
    for left, right in merges:
        symbols = merge_pair(symbols, (left, right), left + right)
    return symbols


# -- byte level (GPT-2, without the regex pre-tokenisation) -------------------------------------------

class LinkedIds:
    """The token sequence as a doubly linked list over the original byte positions, plus an index
    pair -> set of positions i where (ids[i], ids[next[i]]) is that pair. A position keeps its
    place in the order forever, so the smallest index of a pair is its first occurrence."""

    def __init__(self, data):
        n = len(data)
        self.ids = list(data)                         # (n,) token at each live position
        self.next = list(range(1, n + 1))             # (n,) next live position; n = the end
        self.prev = list(range(-1, n - 1))            # (n,) previous live position; -1 = the start
        self.end = n
        self.where = defaultdict(set)                 # pair -> positions of its left token
        for i in range(n - 1):
            self.where[data[i], data[i + 1]].add(i)

    def best_pair(self):
        """The most frequent pair; on a tie, the one occurring first. None when no pair is left."""
        if not self.where:
            return None
        top = max(map(len, self.where.values()))
        tied = [pair for pair, positions in self.where.items() if len(positions) == top]
        return min(tied, key=lambda pair: min(self.where[pair]))

    def merge(self, pair, new_id):
        """Replace each occurrence of pair by new_id, left to right; update the index around each."""
        for i in sorted(self.where[pair]):
            if i not in self.where.get(pair, ()):     # consumed by the previous occurrence ("a a a")
                continue
            j = self.next[i]                          # position of the right token, absorbed into i
            left, right = self.prev[i], self.next[j]
            self._forget(pair, i)
            if left >= 0:
                self._forget((self.ids[left], self.ids[i]), left)
            if right < self.end:
                self._forget((self.ids[j], self.ids[right]), j)
            self.ids[i] = new_id                      # unlink j
            self.next[i] = right
            if right < self.end:
                self.prev[right] = i
            if left >= 0:
                self.where[self.ids[left], new_id].add(left)
            if right < self.end:
                self.where[new_id, self.ids[right]].add(i)

    def _forget(self, pair, position):
        positions = self.where[pair]
        positions.discard(position)
        if not positions:
            del self.where[pair]


def train_bytes(text, vocab_size):
    """Learn vocab_size - 256 merges on the UTF-8 bytes of text (fewer when no pair is left);
    merge i creates token 256 + i. Returns [(left_id, right_id), ...]."""
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256 (the byte tokens), got {vocab_size}")
    sequence = LinkedIds(text.encode("utf-8"))
    merges = []
    while len(merges) < vocab_size - 256:
        pair = sequence.best_pair()
        if pair is None:
            break                                     # the text is a single token (or empty)
        sequence.merge(pair, 256 + len(merges))
        merges.append(pair)
    return merges


def encode_bytes(text, merges):
    """Token ids of text: its UTF-8 bytes, then repeatedly the adjacent pair with the lowest merge
    index is merged everywhere (as GPT-2), until no adjacent pair is a merge."""
    rank = {tuple(pair): i for i, pair in enumerate(merges)}       # pair -> merge index
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: rank.get(p, len(rank)))
        if pair not in rank:
            break
        ids = merge_pair(ids, pair, 256 + rank[pair])
    return [float(i) for i in ids]


def decode_bytes(ids, merges):
    """The text of token ids: their bytes concatenated, decoded as UTF-8 with errors='replace'
    (a token may hold part of a character; only the whole byte string is decoded)."""
    vocab = {i: bytes([i]) for i in range(256)}                    # id -> the bytes it stands for
    for i, (left, right) in enumerate(merges):
        vocab[256 + i] = vocab[left] + vocab[right]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
