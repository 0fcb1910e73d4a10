"""Mutant: push returns all the text decoded so far instead of only what this token adds, so a printer
that writes each piece repeats the whole stream."""

import codecs


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text = ""

    def push(self, token_id):
        self.text += self.decoder.decode(self.vocab[token_id])
        return self.text

    def finish(self):
        return self.decoder.decode(b"", final=True)
