"""Mutant: a strict incremental decoder that catches UnicodeDecodeError and returns a single U+FFFD for
the whole token: the valid text in it and Python's count of U+FFFD are lost (e0 80 80 gives one)."""

import codecs


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def push(self, token_id):
        try:
            return self.decoder.decode(self.vocab[token_id])
        except UnicodeDecodeError:
            self.decoder.reset()
            return "\ufffd"

    def finish(self):
        try:
            return self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self.decoder.reset()
            return "\ufffd"
