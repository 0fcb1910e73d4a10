"""Mutant: decodes everything so far and waits while the text ends in U+FFFD (it might be a cut
character): a byte that is invalid for good (0xff at the end of a token) comes out late."""


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.data = b""
        self.printed = 0

    def push(self, token_id):
        self.data += self.vocab[token_id]
        text = self.data.decode("utf-8", errors="replace")
        if text.endswith("\ufffd"):
            return ""
        new, self.printed = text[self.printed:], len(text)
        return new

    def finish(self):
        return self.data.decode("utf-8", errors="replace")[self.printed:]
