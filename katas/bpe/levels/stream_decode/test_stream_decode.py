"""Hidden tests of the bpe kata's level `stream_decode`: StreamDecoder(merges), .push(token_id) -> str,
.finish() -> str, for token ids that arrive one at a time.

What the contract fixes, and so what is compared:
- the whole text: every push's piece and finish()'s, concatenated, equal the stream's bytes decoded with
  errors="replace" (Python's own replacements: one U+FFFD per maximal invalid subpart), exactly;
- when it comes out, between two bounds. At most a cut character may wait: a lead byte 0xC2-0xF4
  followed by fewer continuation bytes than it needs (`may_hold` below). So after each push, the text
  returned so far must hold at least the decoding of everything before those bytes, and be the start
  of the whole stream's text (a U+FFFD returned for bytes the next token completes is not).
  Between the bounds the contract is free: Python's incremental decoder returns two U+FFFD for
  e0 80 at once (e0 needs a0-bf next), a decoder that waits for the third byte returns them then;
  both are right. Where the bounds meet (every hand-worked case below), the pieces are compared
  exactly.
Expected texts come from bytes.decode("utf-8", errors="replace") on the whole stream, which the
level's test_oracle.py also checks the reference against (with a brute force over continuations for
the bounds).
"""

import random
from functools import lru_cache

import pytest

from graders.check import summary
from graders.keys.bpe import reference as base
from graders.keys.bpe.levels.stream_decode import reference as ref
from katas.bpe.test_bpe import TRAIN_TEXT

FFFD = "\ufffd"


def needs(byte):
    """How many bytes a character starting with `byte` has: 2-4 for a lead byte, 0 for any other."""
    return 2 if 0xC2 <= byte <= 0xDF else 3 if 0xE0 <= byte <= 0xEF else 4 if 0xF0 <= byte <= 0xF4 else 0


def may_hold(data):
    """How many bytes at the end of `data` a decoder may still hold back: a lead byte and the
    continuation bytes (0x80-0xBF) after it, fewer than its character needs. 0 otherwise."""
    for back in range(1, min(3, len(data)) + 1):
        if not 0x80 <= data[-back] <= 0xBF:
            return back if back < needs(data[-back]) else 0
    return 0


def run_stream(solution, merges, ids, case, expected_pieces=None):
    """Push ids one by one into a new StreamDecoder, check each piece against the bounds, then finish()
    and the whole text. With expected_pieces (the pushes' pieces and finish()'s), compare them exactly."""
    vocab = ref.token_bytes(merges)
    whole = b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
    decoder = solution.StreamDecoder(list(merges))
    so_far, data, pieces = "", b"", []
    for k, token in enumerate(ids):
        piece = decoder.push(token)
        where = f"push({token}), token {k} of {case}"
        if not isinstance(piece, str):
            raise AssertionError(f"{where} returned {summary(piece)}; expected a str")
        pieces.append(piece)
        so_far, data = so_far + piece, data + vocab[token]
        got = f"{where}, returned {summary(piece)} (pieces so far: {summary(pieces)})"
        if not whole.startswith(so_far):
            raise AssertionError(
                f"{got}: the text so far is {summary(so_far)}, but the whole stream decodes to {whole!r}, which does "
                "not start so. A U+FFFD for a character that the next tokens complete (keep a cut character's "
                "bytes until its last byte arrives)? Or not Python's count: one U+FFFD for each maximal invalid "
                "part (e2 82 then 'A' is one)")
        hold = may_hold(data)
        certain = data[:len(data) - hold].decode("utf-8", errors="replace")
        if len(so_far) < len(certain):
            held = (f"only its last {hold} byte(s) {data[-hold:]!r}, a cut character, may wait" if hold
                    else "nothing may wait: they end with no cut character")
            raise AssertionError(
                f"{got}: the bytes so far end with {data[-6:]!r} and {held}; the text so far must be at least "
                f"{certain!r}, got {summary(so_far)}. Return complete characters at once, and U+FFFD at once for "
                "bytes that can never start or continue one")
    end = decoder.finish()
    if not isinstance(end, str):
        raise AssertionError(f"finish() after {case} returned {summary(end)}; expected a str")
    pieces.append(end)
    if so_far + end != whole:
        raise AssertionError(f"finish() after {case} returned {summary(end)}: the whole text is "
                             f"{summary(so_far + end)}, expected {whole!r} (the stream's bytes decoded with "
                             f"errors='replace'; pieces: {summary(pieces)})")
    if expected_pieces is not None and pieces != expected_pieces:
        raise AssertionError(f"pieces {summary(pieces)} for {case} (the pushes', then finish()'s); "
                             f"expected {expected_pieces}")


@lru_cache(maxsize=None)
def multilingual_merges():
    return tuple(base.train_bytes(TRAIN_TEXT, 340))


# -- valid UTF-8 ------------------------------------------------------------------------------------

@pytest.mark.category("correctness")
def test_ascii_tokens_come_out_at_once(solution):
    merges = base.train_bytes("the cat sat on the mat; the cats sat on the mats.", 280)
    text = "the cats sat on the mat, then the cat sat."
    ids = base.encode_bytes(text, merges)
    vocab = ref.token_bytes(merges)
    run_stream(solution, merges, ids, f"the {len(ids)} tokens of {text!r}",
               [vocab[i].decode("ascii") for i in ids] + [""])


@pytest.mark.category("correctness")
def test_a_cut_character_comes_out_with_its_last_byte(solution):
    # € = e2 82 ac, 😀 = f0 9f 98 80
    cases = [
        ([], [0xE2, 0x82, 0xAC], ["", "", "€", ""], "€ as three byte tokens"),
        ([(0x82, 0xAC)], [0xE2, 256], ["", "€", ""], "€ as e2 + a token (82 ac)"),
        ([(0x61, 0xF0), (0x98, 0x80), (257, 0x62)], [256, 0x9F, 258], ["a", "", "😀b", ""],
         "'a😀b' as (61 f0), 9f, (98 80 62)"),
        # the token (ac e2) ends one € and starts the next
        ([(0xAC, 0xE2)], [0xE2, 0x82, 256, 0x82, 0xAC], ["", "", "€", "", "€", ""],
         "'€€' with a token (ac e2)"),
    ]
    for merges, ids, expected, name in cases:
        run_stream(solution, merges, ids, f"{name}: ids {ids}, merges {merges}", expected)


@pytest.mark.category("correctness")
def test_complete_characters_are_not_held_back(solution):
    # é = c3 a9, 日 = e6 97 a5, 😀 = f0 9f 98 80: each one token, returned by its own push
    merges = [(0xC3, 0xA9), (0xE6, 0x97), (257, 0xA5), (0xF0, 0x9F), (0x98, 0x80), (259, 260)]
    run_stream(solution, merges, [256, 258, 261, 0x21, 261, 256], "é 日 😀 ! 😀 é, one token each",
               ["é", "日", "😀", "!", "😀", "é", ""])


@pytest.mark.category("correctness")
def test_random_texts_token_by_token(solution, seed):
    merges = multilingual_merges()
    rng = random.Random(seed(0))
    alphabet = "the cat 日本語のテキスト naïve café 👍🏽🎉👨‍👩‍👧 Ελληνικά\n"
    for case in range(12):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        ids = base.encode_bytes(text, list(merges))
        run_stream(solution, merges, ids, f"the tokens {ids} of {text!r} (84 merges learned on a multilingual text, "
                                          f"seed {seed(0)})")


@pytest.mark.category("correctness")
def test_two_decoders_do_not_share_held_bytes(solution):
    first, second = solution.StreamDecoder([]), solution.StreamDecoder([])
    got = [first.push(0xE2), second.push(0x41), first.push(0x82), second.push(0x42), first.push(0xAC),
           second.finish(), first.finish()]
    expected = ["", "A", "", "B", "€", "", ""]
    if got != expected:
        raise AssertionError(f"two StreamDecoders fed in turn (the first e2 82 ac, the second 'AB') returned "
                             f"{summary(got)}; expected {expected}: each decoder holds its own cut character")


# -- invalid UTF-8 ----------------------------------------------------------------------------------

@pytest.mark.category("edge-case")
def test_invalid_bytes_become_fffd_at_once(solution):
    cases = [
        ([0x68, 0xFF, 0x69], ["h", FFFD, "i", ""], "a lone 0xff (never in UTF-8)"),
        ([0x61, 0x80, 0x62], ["a", FFFD, "b", ""], "a lone continuation byte 0x80"),
        ([0xC0, 0xAF], [FFFD, FFFD, ""], "c0 af (c0 never starts a character)"),
        ([0xF5, 0x41], [FFFD, "A", ""], "f5 then 'A' (f5-ff never start a character)"),
        # e2 82 is the start of €; 'A' breaks it: one U+FFFD for the two bytes, as Python's decoder does
        ([0xE2, 0x82, 0x41], ["", "", FFFD + "A", ""], "e2 82 cut by 'A'"),
        ([0xE2, 0xE2, 0x82, 0xAC], ["", FFFD, "", "€", ""], "e2 cut by a new e2 82 ac"),
    ]
    for ids, expected, name in cases:
        run_stream(solution, [], ids, f"{name}: ids {ids}", expected)
    # f0 9f (cut 😀) then the token e2 82 ac: U+FFFD and € together
    run_stream(solution, [(0xF0, 0x9F), (0xE2, 0x82), (257, 0xAC)], [256, 258], "(f0 9f) then (e2 82 ac)",
               ["", FFFD + "€", ""])


@pytest.mark.category("edge-case")
def test_python_replacement_counts(solution):
    # Unicode's table of well-formed sequences: e0 needs a0-bf next, ed 80-9f (no surrogates), f0 90-bf,
    # f4 80-8f (nothing above U+10FFFF). Python replaces each maximal invalid subpart by one U+FFFD:
    # e0 80 80 -> 3, ed a0 80 -> 3, f4 90 80 80 -> 4, f0 80 'A' -> 2 + 'A', e0 'A' -> 1 + 'A'.
    # Whether e0 80 comes out at once or with the next byte is free; the text is not.
    cases = [[0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x80, 0x41], [0xE0, 0x41],
             [0xC2, 0xC2, 0xA9], [0xF0, 0x9F, 0x98, 0x98, 0x80], [0xE0, 0x80], [0xED, 0xA0]]
    for ids in cases:
        expected = bytes(ids).decode("utf-8", errors="replace")
        run_stream(solution, [], ids, f"byte tokens {[hex(i) for i in ids]} (decode to {expected!r})")


@pytest.mark.category("edge-case")
def test_a_character_cut_by_the_end_becomes_one_fffd(solution):
    cases = [
        ([(0xF0, 0x9F), (256, 0x98)], [0x41, 257], ["A", "", FFFD], "'A' then (f0 9f 98), the end of the stream"),
        ([], [0xE2], ["", FFFD], "a lone e2, then the end"),
        ([], [0x61, 0x62], ["a", "b", ""], "'ab': nothing held back at the end"),
        ([], [], [""], "an empty stream"),
    ]
    for merges, ids, expected, name in cases:
        run_stream(solution, merges, ids, f"{name}: ids {ids}, merges {merges}", expected)


@pytest.mark.category("edge-case")
def test_random_invalid_streams_never_raise(solution, seed):
    # Random ids over the 340-token vocabulary, bytes 0x80-0xff drawn often: cut characters, stray
    # continuation bytes, invalid leads and valid text mixed.
    merges = multilingual_merges()
    rng = random.Random(seed(1))
    for case in range(12):
        ids = [rng.choice([rng.randrange(0x80, 0x100), rng.randrange(256 + len(merges)), rng.randrange(0x80)])
               for _ in range(rng.randint(1, 30))]
        run_stream(solution, merges, ids, f"random ids {ids} (seed {seed(1)}, case {case})")
