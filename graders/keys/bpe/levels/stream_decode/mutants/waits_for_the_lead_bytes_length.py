"""Mutant: reads the character's length off its first byte and waits for that many bytes without
checking them: after e2 then 'A' it still waits, and a lone 0xff waits for 3 more bytes."""


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.pending = b""

    def push(self, token_id):
        self.pending += self.vocab[token_id]
        out = ""
        while self.pending:
            first = self.pending[0]
            length = 1 if first < 0xC0 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4
            if len(self.pending) < length:
                break
            out += self.pending[:length].decode("utf-8", errors="replace")
            self.pending = self.pending[length:]
        return out

    def finish(self):
        text, self.pending = self.pending.decode("utf-8", errors="replace"), b""
        return text
