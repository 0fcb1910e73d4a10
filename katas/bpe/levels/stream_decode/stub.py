class StreamDecoder:
    """Decodes a stream of byte-level token ids one id at a time, as a model emits them."""

    def __init__(self, merges):
        """merges: the kata's [(left_id, right_id), ...]; merge i is token 256 + i."""
        raise NotImplementedError

    def push(self, token_id):
        """The text this token completes, at once: every character whose last byte has arrived, U+FFFD
        for bytes that can no longer form a character; only a cut character at the end may wait."""
        raise NotImplementedError

    def finish(self):
        """The end of the stream: what is still held back, decoded (a cut character becomes U+FFFD)."""
        raise NotImplementedError
