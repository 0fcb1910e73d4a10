"""A deliberately naive byte-level BPE trainer: after every merge it recounts every pair of the whole
text and rewrites the whole sequence, O(len(text)) per merge. Correct (same merges as the
reference, ties included) but too slow for the kata's speed test; the benchmark's baseline.

The tie rule comes for free: the counts dict is filled by reading the sequence in order, so its
keys are in order of first occurrence, and max() keeps the first of equal maxima.
"""


def pair_counts(ids):
    """{(a, b): number of adjacent positions holding it}, overlaps included, in first-seen order."""
    counts = {}
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids, pair, new_id):
    """ids with each occurrence of pair replaced by new_id, left to right, never overlapping."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bytes(text, vocab_size):
    """Up to vocab_size - 256 merges of the UTF-8 bytes of text; merge i creates id 256 + i."""
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256, got {vocab_size}")
    ids = list(text.encode("utf-8"))
    merges = []
    for new_id in range(256, vocab_size):
        counts = pair_counts(ids)                 # recount everything, every merge
        if not counts:
            break
        pair = max(counts, key=counts.get)        # first maximum = first occurrence among ties
        ids = merge(ids, pair, new_id)
        merges.append(pair)
    return merges
