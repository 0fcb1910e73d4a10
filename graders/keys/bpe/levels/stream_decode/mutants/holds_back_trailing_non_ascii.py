"""Mutant: holds back every byte >= 0x80 at the end of the bytes so far, in case it is a cut character:
a complete é or 😀 at the end of a token waits for the next ASCII byte."""


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.pending = b""

    def push(self, token_id):
        data = self.pending + self.vocab[token_id]
        cut = len(data)
        while cut > 0 and data[cut - 1] >= 0x80:
            cut -= 1
        self.pending = data[cut:]
        return data[:cut].decode("utf-8", errors="replace")

    def finish(self):
        text, self.pending = self.pending.decode("utf-8", errors="replace"), b""
        return text
