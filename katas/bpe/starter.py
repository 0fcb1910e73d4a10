"""BPE tokenizer, word level (Sennrich et al.) and byte level (GPT-2), in plain Python.

Training rules, both levels: a pair's count includes overlaps ("a a a" holds (a, a) twice); the
most frequent pair is merged left to right without overlap ("a a a" -> "aa a"); ties go to the pair
whose first occurrence comes first in the current sequence (the corpus as the merges so far left it).
"""


def bpe_train(corpus, num_merges):
    """Learn word-level merges.

    corpus: list of words (no whitespace); a word appearing k times has frequency k. Each word starts
    as its characters plus the symbol '</w>' ("low" -> l o w </w>). Pair counts are weighted by word
    frequency; pairs never span two words; merging (a, b) creates the symbol a + b.
    Returns up to num_merges (left, right) string pairs in the order learned, fewer when every word
    is a single symbol.
    """
    raise NotImplementedError


def bpe_encode(word, merges):
    """Symbols of word: its characters plus '</w>', then merges[0] applied everywhere (left to right),
    then merges[1], and so on. E.g. "lower" with [('l','o'), ('lo','w'), ('low','</w>')] gives
    ['low', 'e', 'r', '</w>'].
    """
    raise NotImplementedError


def train_bytes(text, vocab_size):
    """Learn byte-level merges on the UTF-8 bytes of text (one sequence, no split into words).

    Tokens 0..255 are bytes; merge i creates token 256 + i. Returns up to vocab_size - 256
    (left_id, right_id) pairs, fewer when the text is down to one token. vocab_size < 256 raises
    ValueError. Must be incremental: on 100 kB to vocab_size 512, at most the CPU time of 50 naive
    passes over the text (one pass = recount every pair + rewrite the sequence once).
    """
    raise NotImplementedError


def encode_bytes(text, merges):
    """Token ids of text: its UTF-8 bytes, then repeatedly the adjacent pair with the lowest merge
    index is merged everywhere, until no adjacent pair is a merge (GPT-2). Any str, "" included.
    """
    raise NotImplementedError


def decode_bytes(ids, merges):
    """The str of token ids: their bytes concatenated, decoded as UTF-8 with errors="replace".
    decode_bytes(encode_bytes(s, merges), merges) == s for every str s.
    """
    raise NotImplementedError
