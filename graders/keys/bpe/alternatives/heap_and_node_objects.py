"""Correct, other styles: word level as in Sennrich et al.'s paper (space-joined strings, a regex
bounded by whitespace), word encoding editing the symbol list in place, one merge at a time; byte level with Node objects in a linked list and a lazy max-heap of (count, pair) entries,
ties settled by popping every entry of the top count; byte encoding applies the merges in list
order; decoding expands tokens recursively."""

import heapq
import re
from collections import defaultdict


# -- word level -------------------------------------------------------------------------------------

def word_pair_stats(vocab):
    stats = {}
    for word, freq in vocab.items():
        symbols = word.split()
        for pair in zip(symbols, symbols[1:]):
            stats[pair] = stats.get(pair, 0) + freq
    return stats


def apply_merge(pair, vocab):
    pattern = re.compile(r"(?<!\S)" + re.escape(" ".join(pair)) + r"(?!\S)")
    return {pattern.sub("".join(pair), word): freq for word, freq in vocab.items()}


def bpe_train(corpus, num_merges):
    vocab = {}
    for word in corpus:
        key = " ".join(list(word) + ["</w>"])
        vocab[key] = vocab.get(key, 0) + 1
    merges = []
    while len(merges) < num_merges:
        stats = word_pair_stats(vocab)
        if not stats:
            break
        best = max(stats, key=stats.get)
        merges.append(best)
        vocab = apply_merge(best, vocab)
    return merges


def bpe_encode(word, merges):
    symbols = list(word) + ["</w>"]
    for left, right in merges:                      # each merge once, in list order, edited in place
        i = 0
        while i < len(symbols) - 1:
            if symbols[i] == left and symbols[i + 1] == right:
                symbols[i:i + 2] = [left + right]
            i += 1
    return symbols


# -- byte level -------------------------------------------------------------------------------------

class Node:
    __slots__ = ("token", "pos", "prev", "next")

    def __init__(self, token, pos):
        self.token, self.pos, self.prev, self.next = token, pos, None, None


def train_bytes(text, vocab_size):
    if vocab_size < 256:
        raise ValueError(f"vocab_size={vocab_size} < 256")
    nodes = [Node(b, i) for i, b in enumerate(text.encode("utf-8"))]
    for a, b in zip(nodes, nodes[1:]):
        a.next, b.prev = b, a
    occurrences = defaultdict(set)               # pair -> left nodes
    for a in nodes[:-1]:
        occurrences[a.token, a.next.token].add(a)
    heap = [(-len(nodes_of), pair) for pair, nodes_of in occurrences.items()]
    heapq.heapify(heap)

    def pop_best():
        """Pop entries until one is current; gather all current ones with that count, keep the pair
        occurring first, push the others back."""
        while heap:
            neg, pair = heapq.heappop(heap)
            if len(occurrences.get(pair, ())) == -neg and -neg > 0:
                tied = [pair]
                while heap and heap[0][0] == neg:
                    _, other = heapq.heappop(heap)
                    if len(occurrences.get(other, ())) == -neg and other not in tied:
                        tied.append(other)
                best = min(tied, key=lambda p: min(n.pos for n in occurrences[p]))
                for other in tied:
                    if other != best:
                        heapq.heappush(heap, (neg, other))
                return best
        return None

    merges = []
    for new in range(256, vocab_size):
        pair = pop_best()
        if pair is None:
            break
        merges.append(pair)
        touched = set()
        for a in sorted(occurrences[pair], key=lambda n: n.pos):
            if a not in occurrences[pair]:
                continue
            b = a.next
            if a.prev is not None:
                occurrences[a.prev.token, a.token].discard(a.prev)
                touched.add((a.prev.token, a.token))
            if b.next is not None:
                occurrences[b.token, b.next.token].discard(b)
                touched.add((b.token, b.next.token))
            occurrences[pair].discard(a)
            a.token, a.next = new, b.next
            if b.next is not None:
                b.next.prev = a
            if a.prev is not None:
                occurrences[a.prev.token, new].add(a.prev)
                touched.add((a.prev.token, new))
            if a.next is not None:
                occurrences[new, a.next.token].add(a)
                touched.add((new, a.next.token))
        touched.discard(pair)
        del occurrences[pair]
        for key in touched:
            if occurrences[key]:
                heapq.heappush(heap, (-len(occurrences[key]), key))
            else:
                del occurrences[key]
    return merges


def encode_bytes(text, merges):
    ids = list(text.encode("utf-8"))
    for index, (a, b) in enumerate(merges):
        if len(ids) < 2:
            break
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and ids[i] == a and ids[i + 1] == b:
                out.append(256 + index)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


def decode_bytes(ids, merges):
    memo = {}

    def expand(token):
        if token < 256:
            return bytes([token])
        if token not in memo:
            a, b = merges[token - 256]
            memo[token] = expand(a) + expand(b)
        return memo[token]

    return b"".join(expand(t) for t in ids).decode("utf-8", errors="replace")
