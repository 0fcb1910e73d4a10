"""Alternative: a UTF-8 decoder written by hand, byte by byte, from Unicode's table of well-formed
sequences (which second bytes each lead byte allows). Returns U+FFFD as soon as a cut character can no
longer be completed, one per maximal invalid part, as Python's decoder counts them."""


def lead(byte):
    """(length, lowest, highest allowed second byte) of a character starting with byte, or None."""
    if 0xC2 <= byte <= 0xDF:
        return 2, 0x80, 0xBF
    if byte == 0xE0:
        return 3, 0xA0, 0xBF                  # no overlong 3-byte forms
    if byte == 0xED:
        return 3, 0x80, 0x9F                  # no surrogates
    if 0xE1 <= byte <= 0xEF:
        return 3, 0x80, 0xBF
    if byte == 0xF0:
        return 4, 0x90, 0xBF                  # no overlong 4-byte forms
    if 0xF1 <= byte <= 0xF3:
        return 4, 0x80, 0xBF
    if byte == 0xF4:
        return 4, 0x80, 0x8F                  # nothing above U+10FFFF
    return None


class StreamDecoder:
    def __init__(self, merges):
        self.vocab = [bytes([b]) for b in range(256)]
        for a, b in merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.cut = []                         # the bytes of the character begun but not finished

    def push(self, token_id):
        return "".join(self.feed(byte) for byte in self.vocab[token_id])

    def feed(self, byte):
        if self.cut:
            length, low, high = lead(self.cut[0])
            if len(self.cut) > 1:
                low, high = 0x80, 0xBF
            if low <= byte <= high:
                self.cut.append(byte)
                if len(self.cut) < length:
                    return ""
                code = self.cut[0] & (0xFF >> (length + 1))
                for c in self.cut[1:]:
                    code = (code << 6) | (c & 0x3F)
                self.cut = []
                return chr(code)
            self.cut = []                     # the cut character is one U+FFFD; byte starts afresh
            return "\ufffd" + self.feed(byte)
        if byte < 0x80:
            return chr(byte)
        if lead(byte):
            self.cut = [byte]
            return ""
        return "\ufffd"                       # a continuation byte alone, c0, c1, f5-ff

    def finish(self):
        held, self.cut = self.cut, []
        return "\ufffd" if held else ""
