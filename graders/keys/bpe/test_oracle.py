"""The bpe reference (graders/keys/bpe/reference.py) against independent oracles:

- brute-force trainers written straight from the rules, sharing no code with the reference: every
  occurrence of every pair listed with its position, the winner chosen by (count, first position)
  explicitly, the corpus kept as one list per word occurrence (no frequency table);
- the naive recount-everything trainer (graders/keys/bpe/naive.py), whose tie rule comes from dict
  order, on random texts and on the hidden speed test's 100 kB text;
- hand-worked cases, and properties: encoding the training data with the learned merges gives the
  trainer's final segmentation; GPT-2's lowest-index-first encoding equals applying the merges in
  order; decoding inverts encoding for random Unicode strings.
Run from the repository root: pytest graders/keys/bpe/test_oracle.py
"""

import random
import warnings

import pytest

from graders.keys.bpe import naive
from graders.keys.bpe import reference as ref

with warnings.catch_warnings():                # the hidden tests' category marks are registered by the grader
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    from katas.bpe.test_bpe import TRAIN_TEXT, UNICODE_STRINGS, english_like_text  # the hidden tests' data

END = "</w>"


# -- brute force, straight from the rules -------------------------------------------------------------

def occurrences(sequences):
    """[(pair, (sequence index, position))] for every adjacent pair of every sequence, in reading order."""
    return [((s[i], s[i + 1]), (k, i)) for k, s in enumerate(sequences) for i in range(len(s) - 1)]


def pick(sequences):
    """The pair with the highest count (overlaps included); on a tie, the smallest first position."""
    count, first = {}, {}
    for pair, where in occurrences(sequences):
        count[pair] = count.get(pair, 0) + 1
        first[pair] = min(first.get(pair, where), where)
    return min(count, key=lambda p: (-count[p], first[p])) if count else None


def replace_left_to_right(seq, pair, new):
    out = list(seq)
    i = 0
    while i < len(out) - 1:
        if (out[i], out[i + 1]) == pair:
            out[i:i + 2] = [new]
        i += 1
    return out


def brute_word_train(corpus, num_merges):
    """-> (merges, final segmentation of every corpus occurrence)."""
    words = [list(w) + [END] for w in corpus]
    merges = []
    while len(merges) < num_merges and (pair := pick(words)) is not None:
        merges.append(pair)
        words = [replace_left_to_right(w, pair, pair[0] + pair[1]) for w in words]
    return merges, words


def brute_byte_train(text, vocab_size):
    """-> (merges, final token sequence)."""
    ids = list(text.encode("utf-8"))
    merges = []
    while len(merges) < vocab_size - 256 and (pair := pick([ids])) is not None:
        ids = replace_left_to_right(ids, pair, 256 + len(merges))
        merges.append(pair)
    return merges, ids


def encode_in_order(text, merges):
    """Apply merge 0 everywhere, then merge 1, ... (equivalent to GPT-2's priority at byte level)."""
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):
        ids = replace_left_to_right(ids, tuple(pair), 256 + i)
    return ids


def encode_word_by_priority(word, merges):
    """GPT-2's rule on symbols: repeatedly merge the present pair of lowest rank."""
    rank = {tuple(m): r for r, m in enumerate(merges)}
    symbols = list(word) + [END]
    while True:
        present = [p for p in zip(symbols, symbols[1:]) if p in rank]
        if not present:
            return symbols
        best = min(present, key=rank.get)
        symbols = replace_left_to_right(symbols, best, best[0] + best[1])


def token_bytes(token, merges):
    return bytes([token]) if token < 256 else b"".join(token_bytes(t, merges) for t in merges[token - 256])


# -- data -------------------------------------------------------------------------------------------

def random_corpus(seed):
    rng = random.Random(seed)
    alphabet = rng.choice(["ab", "abc", "aab", "abcde", "xyzw"])
    kinds = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(rng.randint(1, 15))]
    return [rng.choice(kinds) for _ in range(rng.randint(1, 40))]


def random_text(seed, n_max=150):
    rng = random.Random(seed)
    alphabet = rng.choice(["ab", "aab ", "abc d", "aé日😀 ", "ab\n\t", "é"])
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n_max)))


def random_unicode(seed):
    """Random code points from every plane (surrogates excluded), plus combining marks."""
    rng = random.Random(seed)
    chars = []
    for _ in range(rng.randint(0, 40)):
        plane = rng.choice([0x7F, 0x7FF, 0xFFFF, 0x10FFFF])
        c = rng.randint(0, plane)
        chars.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "\u0301")
    return "".join(chars)


# -- word level -------------------------------------------------------------------------------------

HAND_WORKED_WORDS = [
    (["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3, 10,
     [("e", "s"), ("es", "t"), ("est", END), ("l", "o"), ("lo", "w"), ("n", "e"), ("ne", "w"), ("new", "est</w>"),
      ("low", END), ("w", "i")]),
    (["bc", "bc", "aaaa"], 10, [("a", "a"), ("b", "c"), ("bc", END), ("aa", "aa"), ("aaaa", END)]),
    (["aaa"], 10, [("a", "a"), ("aa", "a"), ("aaa", END)]),
    (["cd", "ab"], 10, [("c", "d"), ("cd", END), ("a", "b"), ("ab", END)]),
    (["ab", "cb", "db"], 10, [("b", END), ("a", "b</w>"), ("c", "b</w>"), ("d", "b</w>")]),
    (["ab", "a"], 10, [("a", "b"), ("ab", END), ("a", END)]),
]


@pytest.mark.parametrize("corpus, num_merges, expected", HAND_WORKED_WORDS)
def test_word_hand_worked(corpus, num_merges, expected):
    assert ref.bpe_train(corpus, num_merges) == expected
    assert brute_word_train(corpus, num_merges)[0] == expected


@pytest.mark.parametrize("seed", range(300))
def test_word_train_matches_brute_force(seed):
    corpus = random_corpus(seed)
    merges, segmentation = brute_word_train(corpus, 40)
    assert ref.bpe_train(corpus, 40) == merges
    # encoding a training word with the learned merges gives its final training segmentation,
    # in list order and by GPT-2's lowest-rank-first rule alike
    for word, symbols in zip(corpus, segmentation):
        assert ref.bpe_encode(word, merges) == symbols
        assert encode_word_by_priority(word, merges) == symbols


@pytest.mark.parametrize("seed", range(50))
def test_word_encode_unseen_words_in_order_equals_priority(seed):
    merges = ref.bpe_train(random_corpus(seed), 30)
    for word in random_corpus(seed + 1000):
        assert ref.bpe_encode(word, merges) == encode_word_by_priority(word, merges)


def test_word_encode_hand_worked():
    assert ref.bpe_encode("abc", [("b", "c"), ("a", "b")]) == ["a", "bc", END]
    assert ref.bpe_encode("aaaaa", [("a", "a")]) == ["aa", "aa", "a", END]
    assert ref.bpe_encode("cab", [("c", "a"), ("a", "b")]) == ["ca", "b", END]
    assert ref.bpe_encode("lower", [("l", "o"), ("lo", "w"), ("low", END)]) == ["low", "e", "r", END]


# -- byte level -------------------------------------------------------------------------------------

HAND_WORKED_BYTES = [
    ("aaabdaaabac", 1000, [(97, 97), (256, 97), (257, 98), (258, 100), (259, 258), (260, 97), (261, 99)]),
    ("bcbcaaaa", 1000, [(97, 97), (98, 99), (257, 257), (258, 256), (259, 256)]),
    ("aaa", 1000, [(97, 97), (256, 97)]),
    ("a" * 8, 1000, [(97, 97), (256, 256), (257, 257)]),
    ("a b a b a b", 1000, [(97, 32), (256, 98), (257, 32), (258, 258), (259, 257)]),
    ("ééé", 1000, [(0xC3, 0xA9), (256, 256), (257, 256)]),
    ("abcd", 1000, [(97, 98), (256, 99), (257, 100)]),
    ("abcd", 257, [(97, 98)]),
    ("hello", 256, []),
    ("", 300, []),
    ("x", 300, []),
]


@pytest.mark.parametrize("text, vocab_size, expected", HAND_WORKED_BYTES)
def test_bytes_hand_worked(text, vocab_size, expected):
    assert ref.train_bytes(text, vocab_size) == expected
    assert naive.train_bytes(text, vocab_size) == expected
    assert brute_byte_train(text, vocab_size)[0] == expected


@pytest.mark.parametrize("seed", range(300))
def test_bytes_train_matches_brute_force_and_naive(seed):
    text = random_text(seed)
    merges, final_ids = brute_byte_train(text, 400)
    assert ref.train_bytes(text, 400) == merges
    assert naive.train_bytes(text, 400) == merges
    # encoding the training text reproduces the trainer's final sequence
    assert ref.encode_bytes(text, merges) == final_ids
    assert ref.decode_bytes(final_ids, merges) == text


@pytest.mark.parametrize("vocab_size", [255, 0, -3])
def test_vocab_size_below_256_raises(vocab_size):
    with pytest.raises(ValueError):
        ref.train_bytes("hello", vocab_size)


def test_the_hidden_speed_text_matches_naive():
    """The 100 kB text of the hidden speed test: the incremental reference and the naive trainer
    agree on all 256 merges (ties included)."""
    text = english_like_text(100_000, seed=2024)
    assert len(text.encode("utf-8")) > 99_990
    assert ref.train_bytes(text, 512) == naive.train_bytes(text, 512)


def test_a_longer_text_matches_naive_with_many_ties():
    """Little text, many merges: the counts fall to 1-2 and nearly every merge is a tie."""
    text = english_like_text(3_000, seed=7)
    assert ref.train_bytes(text, 2000) == naive.train_bytes(text, 2000)


@pytest.mark.parametrize("seed", range(100))
def test_encode_priority_equals_in_order_and_round_trips(seed):
    merges = ref.train_bytes(random_text(seed, 300), 330)
    for text in (random_text(seed + 500), random_unicode(seed)):
        ids = ref.encode_bytes(text, merges)
        assert ids == encode_in_order(text, merges)
        assert ref.decode_bytes(ids, merges) == text


def test_round_trips_on_the_hidden_strings():
    merges = ref.train_bytes(TRAIN_TEXT, 340)
    for text in UNICODE_STRINGS.values():
        ids = ref.encode_bytes(text, merges)
        assert ids == encode_in_order(text, merges)
        assert ref.decode_bytes(ids, merges) == text
        assert b"".join(token_bytes(t, merges) for t in ids) == text.encode("utf-8")


@pytest.mark.parametrize("seed", range(50))
def test_decode_random_ids_matches_python_decoder(seed):
    rng = random.Random(seed)
    merges = ref.train_bytes(random_text(seed, 200), 300)
    ids = [rng.randrange(256 + len(merges)) for _ in range(rng.randint(0, 30))]
    expected = b"".join(token_bytes(t, merges) for t in ids).decode("utf-8", errors="replace")
    assert ref.decode_bytes(ids, merges) == expected
