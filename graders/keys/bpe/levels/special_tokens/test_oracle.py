"""The special_tokens level's reference against independent oracles:

- a brute-force splitter written from the rules, sharing no code with the reference: at each position
  every special string is tried (no regex, no sort), the longest match taken, and each piece encoded
  by the kata's reference encode_bytes (graders/keys/bpe/reference.py) alone;
- hand-worked cases (the prompt's examples, runs of spaces, overlapping matches, cut characters);
- properties: decode_bytes inverts encode_bytes on random Unicode text with random special tokens;
  without special tokens both are the kata's functions; the bad dicts raise ValueError.
Run from the repository root: pytest graders/keys/bpe/levels/special_tokens/test_oracle.py
"""

import random
import warnings

import pytest

from graders.keys.bpe import reference as base
from graders.keys.bpe.levels.special_tokens import reference as ref

with warnings.catch_warnings():                # the hidden tests' category marks are registered by the grader
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    from katas.bpe.levels.special_tokens.test_special_tokens import BOS_DS, DOCS, EOS_DS, EOT, IM_END, IM_START
    from katas.bpe.test_bpe import TRAIN_TEXT


def brute_encode(text, merges, special_tokens):
    """Scan left to right; at each position the longest special string that starts there, if any."""
    ids, piece, i = [], "", 0
    while i < len(text):
        matches = [s for s in special_tokens if text[i:i + len(s)] == s]
        if matches:
            longest = max(matches, key=len)
            ids += base.encode_bytes(piece, merges) + [special_tokens[longest]]
            piece, i = "", i + len(longest)
        else:
            piece, i = piece + text[i], i + 1
    return ids + base.encode_bytes(piece, merges)


def random_case(seed):
    rng = random.Random(seed)
    strings = [EOT, IM_START, IM_END, BOS_DS, EOS_DS, "  ", "    ", "[A][B]", "[B][C]", "é"]
    specials = rng.sample(strings, rng.randint(1, 5))
    alphabet = ["a", "b", " ", "é", "日", "😀", "<|", "|>", "[A]", "[B]", "[C]", "\u0301"] + specials
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
    merges = base.train_bytes(text + text[::-1], 256 + rng.randint(0, 60))
    order = rng.sample(specials, len(specials))                      # the dict's order must not matter
    return text, merges, {s: 256 + len(merges) + rng.randint(0, 5) * 7 + k for k, s in enumerate(order)}


@pytest.mark.parametrize("seed", range(400))
def test_matches_brute_force_and_round_trips(seed):
    text, merges, special = random_case(seed)
    ids = ref.encode_bytes(text, merges, special)
    assert ids == brute_encode(text, merges, special)
    assert ref.decode_bytes(ids, merges, special) == text


def test_prompt_and_hand_worked_cases():
    assert ref.encode_bytes("hi<|endoftext|>hi", [(104, 105)], {EOT: 257}) == [256, 257, 256]
    assert ref.encode_bytes("h<|endoftext|>i", [(104, 105)], {EOT: 257}) == [104, 257, 105]
    assert ref.encode_bytes("", [(104, 105)], {EOT: 257}) == []
    spaces = {"  ": 300, "    ": 301}
    assert ref.encode_bytes("x" + " " * 6 + "y", [(120, 121)], spaces) == [120, 301, 300, 121]
    assert ref.encode_bytes("x" + " " * 5 + "y", [(120, 121)], spaces) == [120, 301, 32, 121]
    assert ref.encode_bytes("[A][B][C]", [], {"[B][C]": 300, "[A][B]": 301}) == [301, 91, 67, 93]
    assert ref.decode_bytes([0xE2, 257, 0x82, 0xAC], [(104, 105)], {EOT: 257}) == "\ufffd<|endoftext|>\ufffd\ufffd"
    assert ref.decode_bytes([256, 257, 256], [(104, 105)], {EOT: 257}) == "hi<|endoftext|>hi"


def test_merges_learned_across_the_special_token_do_cross_it_without_special_tokens():
    """The hidden test's premise: its merges glue <|endoftext|> to its neighbours when it is plain text."""
    merges = base.train_bytes(EOT.join(DOCS * 2) + EOT, 256 + 80)
    text = "The cat sat on the mat." + EOT + "The dog ran."
    special = {EOT: 256 + len(merges)}
    plain = base.encode_bytes(text, merges)
    eot_alone = base.encode_bytes(EOT, merges)
    assert not any(plain[i:i + len(eot_alone)] == eot_alone for i in range(len(plain)))
    assert ref.encode_bytes(text, merges, special) == brute_encode(text, merges, special)


@pytest.mark.parametrize("seed", range(100))
def test_without_special_tokens_it_is_the_kata(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice("ab é日😀<|>") for _ in range(rng.randint(0, 60))) + EOT
    merges = base.train_bytes(TRAIN_TEXT + text, 256 + rng.randint(0, 80))
    ids = base.encode_bytes(text, merges)
    for special in (None, {}):
        assert ref.encode_bytes(text, merges, special) == ids
        assert ref.decode_bytes(ids, merges, special) == base.decode_bytes(ids, merges)


def test_bad_special_tokens_raise():
    merges = base.train_bytes("the cat sat on the mat", 266)
    assert len(merges) == 10
    for special in ({EOT: 97}, {EOT: 265}, {EOT: 266, IM_END: 267, IM_START: 256}, {EOT: 266, IM_END: 266}, {"": 266}):
        with pytest.raises(ValueError):
            ref.encode_bytes("the cat", merges, special)
        with pytest.raises(ValueError):
            ref.decode_bytes([116], merges, special)
    assert ref.encode_bytes(EOT, merges, {EOT: 266}) == [266]                  # the first free id is fine
