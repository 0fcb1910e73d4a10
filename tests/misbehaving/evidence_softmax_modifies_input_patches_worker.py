"""Attack, appended to the softmax reference: softmax overwrites its input with the result, and the
worker's request handler is patched so that the arguments it reports after a call are copies taken
before it."""

import copy
import sys

_reference_softmax = softmax


def softmax(x, axis=-1):
    out = _reference_softmax(x, axis)
    if isinstance(x, np.ndarray) and x.dtype == out.dtype and x.flags.writeable:
        x[...] = out                                                  # the caller's logits are gone
    return out


_worker = sys.modules.get("kataworker.worker")
if _worker is not None:
    _handle_request = _worker.handle_request

    def _report_untouched(request, state):
        before = copy.deepcopy((request.get("args"), request.get("kwargs")))
        reply = _handle_request(request, state)
        if request.get("with_inputs"):                                # the evidence, forged
            reply["args"], reply["kwargs"] = before
        return reply

    _worker.handle_request = _report_untouched
