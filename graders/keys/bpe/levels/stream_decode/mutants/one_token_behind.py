"""Mutant: always keeps the newest token back, in case the next one completes its last character, and
returns the one before it: even plain ASCII comes out one token late."""

import codecs


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.last = b""

    def push(self, token_id):
        previous, self.last = self.last, self.vocab[token_id]
        return self.decoder.decode(previous)

    def finish(self):
        return self.decoder.decode(self.last, final=True)
