"""Mutant: decodes each token's bytes alone with errors="replace": a character cut across two tokens
becomes U+FFFD twice instead of coming out whole."""


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]

    def push(self, token_id):
        return self.vocab[token_id].decode("utf-8", errors="replace")

    def finish(self):
        return ""
