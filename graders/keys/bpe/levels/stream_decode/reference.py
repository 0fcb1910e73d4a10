"""Reference of the bpe kata's level `stream_decode`: decode token ids one at a time, as a model emits
them, returning at each step the text that step completes.

A token may end in the middle of a character (a 4-byte emoji over two tokens), and a byte-level model
may emit bytes that never form valid UTF-8. Python's incremental UTF-8 decoder does exactly what is
asked: it returns every character completed so far, U+FFFD for each invalid sequence (the same
replacements as bytes.decode(errors="replace") on the whole stream), and keeps only a trailing
incomplete character for the next call; final=True turns a character cut by the end into U+FFFD.
"""

import codecs


def token_bytes(merges):
    """{id: the bytes it stands for}: 0..255 are the bytes, merge i is token 256 + i."""
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (left, right) in enumerate(merges):
        vocab[256 + i] = vocab[left] + vocab[right]
    return vocab


class StreamDecoder:
    """Decodes one stream of token ids, one id at a time."""

    def __init__(self, merges):
        self.vocab = token_bytes(merges)
        self.utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def push(self, token_id):
        """The text that this token completes (often "", while a character is cut)."""
        return self.utf8.decode(self.vocab[token_id])

    def finish(self):
        """The end of the stream: a character still cut becomes U+FFFD ("" when nothing is held back)."""
        return self.utf8.decode(b"", final=True)
