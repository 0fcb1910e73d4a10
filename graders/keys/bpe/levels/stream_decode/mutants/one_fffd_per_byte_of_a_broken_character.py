"""Mutant: when a cut character is broken by a byte that cannot continue it, returns one U+FFFD per byte
held (e2 82 then 'A' gives two) instead of one for the whole maximal invalid part, as Python does."""

# lead byte -> (bytes in the character, allowed range of the second byte)
LEADS = {}
for b in range(0xC2, 0xE0):
    LEADS[b] = (2, 0x80, 0xBF)
for b in range(0xE0, 0xF0):
    LEADS[b] = (3, 0xA0 if b == 0xE0 else 0x80, 0x9F if b == 0xED else 0xBF)
for b in range(0xF0, 0xF5):
    LEADS[b] = (4, 0x90 if b == 0xF0 else 0x80, 0x8F if b == 0xF4 else 0xBF)


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        self.buf = []

    def push(self, token_id):
        out = ""
        for b in self.vocab[token_id]:
            out += self.step(b)
        return out

    def step(self, b):
        if self.buf:
            n, lo, hi = LEADS[self.buf[0]]
            if len(self.buf) > 1:
                lo, hi = 0x80, 0xBF
            if lo <= b <= hi:
                self.buf.append(b)
                if len(self.buf) == n:
                    ch = bytes(self.buf).decode("utf-8")
                    self.buf.clear()
                    return ch
                return ""
            out = "\ufffd" * len(self.buf)
            self.buf.clear()
            return out + self.step(b)
        if b < 0x80:
            return chr(b)
        if b in LEADS:
            self.buf.append(b)
            return ""
        return "\ufffd"

    def finish(self):
        out = "\ufffd" if self.buf else ""
        self.buf.clear()
        return out
