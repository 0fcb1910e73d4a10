"""Mutant: an incremental decoder with errors="ignore": invalid bytes vanish instead of becoming U+FFFD."""

import codecs


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")

    def push(self, token_id):
        return self.decoder.decode(self.vocab[token_id])

    def finish(self):
        return self.decoder.decode(b"", final=True)
