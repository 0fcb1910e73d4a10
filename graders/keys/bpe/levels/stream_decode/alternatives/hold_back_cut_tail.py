"""Alternative: keep the pending bytes; each push holds back only a cut character at their end (found
with a regex: a lead byte and too few continuation bytes) and decodes everything before it with
bytes.decode(errors="replace"). A cut character that can no longer be completed (e0 80) waits for the
next byte."""

import re

CUT_AT_END = re.compile(rb"(?:[\xc2-\xdf]|[\xe0-\xef][\x80-\xbf]?|[\xf0-\xf4][\x80-\xbf]{0,2})\Z")


def vocab_of(merges):
    vocab = {i: bytes([i]) for i in range(256)}
    for i, (a, b) in enumerate(merges):
        vocab[256 + i] = vocab[a] + vocab[b]
    return vocab


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = vocab_of(merges)
        self.pending = b""

    def push(self, token_id):
        data = self.pending + self.vocab[token_id]
        cut = CUT_AT_END.search(data)
        split = cut.start() if cut else len(data)
        self.pending = data[split:]
        return data[:split].decode("utf-8", errors="replace")

    def finish(self):
        text = self.pending.decode("utf-8", errors="replace")
        self.pending = b""
        return text
