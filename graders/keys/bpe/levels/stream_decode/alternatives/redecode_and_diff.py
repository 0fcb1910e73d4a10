"""Alternative: keep every byte of the stream and decode all of it again at each push (O(length) per
token). The text the bytes decide is what the end of the stream and two probes that complete any cut
character (80 80 80, bf bf bf: every lead byte accepts one of them) agree on; return what is new."""


def common_prefix_length(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


class StreamDecoder:
    PROBES = (b"\x80\x80\x80", b"\xbf\xbf\xbf")

    def __init__(self, merges):
        self.token_bytes = [bytes([i]) for i in range(256)]
        for left, right in merges:
            self.token_bytes.append(self.token_bytes[left] + self.token_bytes[right])
        self.data = bytearray()
        self.sent = 0                                   # characters already returned

    def push(self, token_id):
        self.data += self.token_bytes[token_id]
        text = self.data.decode("utf-8", errors="replace")
        decided = len(text)
        for probe in self.PROBES:
            decided = min(decided, common_prefix_length(text, (self.data + probe).decode("utf-8", errors="replace")))
        piece, self.sent = text[self.sent:decided], decided
        return piece

    def finish(self):
        return self.data.decode("utf-8", errors="replace")[self.sent:]
