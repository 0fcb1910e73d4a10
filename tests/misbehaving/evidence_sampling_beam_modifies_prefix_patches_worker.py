"""Attack, appended to the sampling reference: beam_search appends its answer to the caller's prefix
list, and the worker's request handler is patched so that the arguments it reports after a call are
copies taken before it."""

import copy
import sys

_reference_beam_search = beam_search


def beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id=None):
    tokens, score = _reference_beam_search(log_prob_fn, prefix, beam_width, max_new_tokens, eos_id)
    new = tokens[len(prefix):]
    prefix += new                                                     # the caller's list is changed
    return list(prefix), score


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
