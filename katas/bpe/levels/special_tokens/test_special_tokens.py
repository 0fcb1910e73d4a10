"""Hidden tests of the bpe kata's level `special_tokens`: encode_bytes(text, merges, special_tokens) and
decode_bytes(ids, merges, special_tokens), special_tokens a {string: id} dict.

Everything is compared exactly, as in the kata: the contract fixes every choice. Each occurrence of a
special string becomes its id (scanning left to right; where several start at the same place, the
longest wins); the pieces between them are encoded exactly as the kata's encode_bytes encodes them
alone, so no merge crosses a special token; decoding gives a special token's string back. Expected ids
come from the level's reference (graders/keys/bpe/levels/special_tokens/reference.py), which its
test_oracle.py checks against a scan written from the rules, the kata's encode_bytes on each piece,
by-hand cases and round trips; some are worked out by hand in the comments.
"""

import random
from functools import lru_cache

import pytest

from graders.keys.bpe import reference as base
from graders.keys.bpe.levels.special_tokens import reference as ref
from katas.bpe.test_bpe import TRAIN_TEXT, assert_same

EOT = "<|endoftext|>"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
# DeepSeek's markers: fullwidth vertical bars (U+FF5C, 3 UTF-8 bytes) and U+2581 (3 bytes)
BOS_DS, EOS_DS = "<\uff5cbegin\u2581of\u2581sentence\uff5c>", "<\uff5cend\u2581of\u2581sentence\uff5c>"

DOCS = ["The cat sat on the mat.", "The dog ran to the park!", "A bird sang in the old tree.",
        "The cat ran after the dog.", "Is the mat on the cat?", "The old dog sat in the park."]


@lru_cache(maxsize=None)
def doc_merges():
    """80 merges learned, as if <|endoftext|> were ordinary text, on documents joined by it: merges such
    as b'.<|endoftext|>The ' glue the special string to its neighbours."""
    return tuple(base.train_bytes(EOT.join(DOCS * 2) + EOT, 256 + 80))


@lru_cache(maxsize=None)
def multilingual_merges():
    return tuple(base.train_bytes(TRAIN_TEXT, 340))


def gpt2_style(merges, *strings):
    """{string: id}, the ids right after the merges', as GPT-2's <|endoftext|> = 50256 follows its merges."""
    return {s: 256 + len(merges) + k for k, s in enumerate(strings)}


def check_encode(solution, text, merges, special_tokens, case):
    expected = ref.encode_bytes(text, list(merges), special_tokens)
    got = solution.encode_bytes(text, list(merges), special_tokens)
    assert_same(got, expected, f"encode_bytes({text!r}, merges, {special_tokens}), {case}")


# -- encoding --------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_a_special_token_is_one_id_between_encoded_pieces(solution):
    # One merge, (h, i) -> 256; <|endoftext|> -> 257, the first id after the merges.
    merges, special = [(104, 105)], {EOT: 257}
    cases = [("hi<|endoftext|>hi", [256, 257, 256]),
             ("<|endoftext|>", [257]),
             ("<|endoftext|><|endoftext|>", [257, 257]),
             ("hi hi", [256, 32, 256]),
             # h and i are on either side of the special token: (h, i) is never a pair
             ("h<|endoftext|>i", [104, 257, 105]),
             ("", [])]
    for text, expected in cases:
        assert_same(solution.encode_bytes(text, merges, special), expected,
                    f"encode_bytes({text!r}, [(104, 105)], {special})")


@pytest.mark.category("correctness")
def test_merges_never_cross_a_special_token(solution):
    # These merges were learned on documents joined by <|endoftext|> as plain text: they glue it to its
    # neighbours (b'.<|endoftext|>The '), so encoding the whole text and looking for the special
    # token's own ids afterwards misses it. Each piece is encoded alone, as the kata's encode_bytes does.
    merges = doc_merges()
    special = gpt2_style(merges, EOT)
    for text in (EOT.join(DOCS[:3]), "The cat sat on the mat." + EOT + "The dog ran.", EOT + "The old tree." + EOT):
        expected = base.encode_bytes(text.split(EOT)[0], list(merges))
        for piece in text.split(EOT)[1:]:
            expected += [special[EOT]] + base.encode_bytes(piece, list(merges))
        assert_same(solution.encode_bytes(text, list(merges), special), expected,
                    f"encode_bytes({text!r}, merges, {special}) with merges learned across <|endoftext|> (each "
                    "piece between special tokens is encoded alone)")


@pytest.mark.category("correctness")
def test_several_special_tokens_in_chat_markup(solution):
    merges = multilingual_merges()
    special = gpt2_style(merges, EOT, IM_START, IM_END)
    texts = [
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nthe cat sat on the mat?<|im_end|>\n"
        "<|im_start|>assistant\nYes, the cat sat.<|im_end|><|endoftext|>",
        "<|im_end|><|im_start|><|endoftext|><|im_start|>",        # only special tokens, adjacent
        "naïve café<|im_end|>日本語のテキスト<|im_start|>👍🏽",
    ]
    for text in texts:
        check_encode(solution, text, merges, special, "three special tokens (ChatML)")


@pytest.mark.category("correctness")
def test_non_ascii_special_tokens(solution):
    # Each fullwidth bar and U+2581 is 3 bytes in UTF-8: a special string's byte length is not its length
    # in characters.
    merges = multilingual_merges()
    special = gpt2_style(merges, BOS_DS, EOS_DS)
    for text in (BOS_DS + "日本語のテキスト" + EOS_DS + "👍🏽 ok" + EOS_DS,
                 "the cat" + EOS_DS + BOS_DS + "café, crème brûlée" + EOS_DS,
                 BOS_DS + EOS_DS):
        check_encode(solution, text, merges, special, "DeepSeek-style special tokens (non-ASCII strings)")


@pytest.mark.category("edge-case")
def test_only_registered_whole_special_strings_are_special(solution):
    merges = multilingual_merges()
    special = gpt2_style(merges, EOT)
    for text, what in (("the <|endoftext cat", "a cut special string"), ("<|endoftext|", "a cut special string"),
                       ("endoftext|>", "a cut special string"), ("<|endoftext |>", "a near miss"),
                       ("<|ENDOFTEXT|>", "another case"), ("the <|im_start|> cat", "a special string not registered")):
        assert_same(solution.encode_bytes(text, list(merges), special), base.encode_bytes(text, list(merges)),
                    f"encode_bytes({text!r}, merges, {special}): {what} is ordinary text, encoded as the kata does")
    for special_tokens in (None, {}):
        text = "the cat<|endoftext|>the mat"
        assert_same(solution.encode_bytes(text, list(merges), special_tokens), base.encode_bytes(text, list(merges)),
                    f"encode_bytes({text!r}, merges, {special_tokens}): no special token registered, so "
                    "<|endoftext|> is ordinary text, encoded as the kata does")


@pytest.mark.category("edge-case")
def test_leftmost_then_longest_match(solution):
    # Runs of 2 and 4 spaces registered as tokens of their own (as code models do), the shorter first in
    # the dict: 4 spaces must be one token, not two of 2. 6 spaces: "    " then "  "; 5: "    " then
    # " y" ordinary.
    merges = [(120, 121)]                                                 # (x, y) -> 256
    special = {"  ": 300, "    ": 301}
    for n, expected in ((1, [120, 32, 121]), (2, [120, 300, 121]), (3, [120, 300, 32, 121]),
                        (4, [120, 301, 121]), (5, [120, 301, 32, 121]), (6, [120, 301, 300, 121]),
                        (9, [120, 301, 301, 32, 121])):
        text = "x" + " " * n + "y"
        assert_same(solution.encode_bytes(text, merges, special), expected,
                    f"encode_bytes('x' + {n} spaces + 'y', [(120, 121)], {special}) (the longest match wins)")
    code = "def f(x):\n    if x:\n        return xy\n  xy"
    check_encode(solution, code, merges, special, "indented code with 2- and 4-space tokens")
    # Overlapping matches of the same length: the leftmost wins, whatever the dict's order.
    special = {"[B][C]": 300, "[A][B]": 301}
    assert_same(solution.encode_bytes("[A][B][C]", [], special), [301, 91, 67, 93],
                f"encode_bytes('[A][B][C]', [], {special}): [A][B] starts first, so [B][C] cannot match")


@pytest.mark.category("correctness")
def test_random_texts_with_special_tokens(solution, seed):
    specials = [EOT, IM_START, IM_END]
    for case in range(16):
        rng = random.Random(seed(case))
        alphabet = ["a", "b", " ", "é", "日", "😀", "<|", "|>", "end"] + specials
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        merges = base.train_bytes(text + text[::-1], 256 + rng.randint(0, 40))
        special = gpt2_style(merges, *rng.sample(specials, rng.randint(1, 3)))
        check_encode(solution, text, merges, special, f"random text (seed {seed(case)})")


# -- decoding --------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_decode_gives_special_tokens_back(solution):
    merges, special = [(104, 105)], {EOT: 257}
    assert_same(solution.decode_bytes([256, 257, 256], merges, special), "hi<|endoftext|>hi",
                "decode_bytes([256, 257, 256], [(104, 105)], {'<|endoftext|>': 257})")
    assert_same(solution.decode_bytes([257, 257], merges, special), EOT + EOT,
                "decode_bytes([257, 257], [(104, 105)], {'<|endoftext|>': 257})")
    # e2 | <|endoftext|> | 82 ac: a special token holds whole characters, so the bytes cut around it stay
    # invalid: U+FFFD for e2 (cut by '<'), then one for each lone continuation byte.
    assert_same(solution.decode_bytes([0xE2, 257, 0x82, 0xAC], merges, special), "\ufffd<|endoftext|>\ufffd\ufffd",
                "decode_bytes([0xe2, 257, 0x82, 0xac], [(104, 105)], {'<|endoftext|>': 257}) (errors='replace')")


@pytest.mark.category("correctness")
def test_round_trip_with_special_tokens(solution):
    merges = multilingual_merges()
    special = gpt2_style(merges, EOT, IM_START, IM_END, BOS_DS, EOS_DS)
    chat = "<|im_start|>user\nthe cat<|im_end|>\n<|im_start|>assistant\n日本語 👍🏽<|im_end|><|endoftext|>"
    for text in (chat, BOS_DS + "naïve café" + EOS_DS + EOT, "<|endoftext", ""):
        ids = ref.encode_bytes(text, list(merges), special)
        assert_same(solution.decode_bytes(ids, list(merges), special), text,
                    f"decode_bytes of the reference's ids {ids[:6]}... for {text!r} (five special tokens)")
        assert_same(solution.decode_bytes(solution.encode_bytes(text, list(merges), special), list(merges), special),
                    text, f"decode_bytes(encode_bytes(s)) for {text!r} (five special tokens)")


# -- errors ----------------------------------------------------------------------------------------

@pytest.mark.category("errors")
def test_bad_special_tokens_raise_value_error(solution):
    merges = base.train_bytes("the cat sat on the mat", 266)                # ids 256..265 are merges
    bad = [({EOT: 97}, "an id of a byte (97)"),
           ({EOT: 265}, "the id of the last merge (265)"),
           ({EOT: 266, IM_END: 267, IM_START: 256}, "one id of a merge among good ones"),
           ({EOT: 266, IM_END: 266}, "two special tokens with one id"),
           ({"": 266}, "an empty special string")]
    for special, what in bad:
        for call in ("encode_bytes", "decode_bytes"):
            with pytest.raises(ValueError):
                if call == "encode_bytes":
                    solution.encode_bytes("the cat<|endoftext|>", merges, special)
                else:
                    solution.decode_bytes([116, 256], merges, special)
                raise AssertionError(f"no ValueError from {call}(..., merges, {special}): {what} (10 merges: ids "
                                     "256-265 are taken)")
