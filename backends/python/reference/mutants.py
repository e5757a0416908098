"""mutants.py: the reference (dispatch.py) with one defect each, so that
tests/python.sh sees the suite catch, through the bridge, what it catches
in C: the mapping must carry a Python implementation's mistakes to the
case, not hide them.  Each mutant names in `catches` the case that must
FAIL.  Booleans is no defect: the seed allows bools for R, W and E, which
the bridge maps to the field's native bits, so it must pass everything.
"""
import sys

import dispatch


class HandlerGetsInterrupt(dispatch.PollContext):
    """ERR-2 broken: catches BaseException, so KeyboardInterrupt and
    SystemExit reach error_in_handler."""
    name = "py-mutant-handler-gets-interrupt"
    catches = "err-interrupt-bypasses-handler"

    def _run_pass(self, ready, error_in_handler):
        for fd, generation, r, w, e, unasked in ready:
            reg = self._registry.get(fd)
            if reg is None or reg.generation != generation:
                continue
            try:
                reg.o.dispatch_event(r, w, e)
            except BaseException:
                if error_in_handler is None:
                    raise
                error_in_handler(reg.o, sys.exc_info())


class SplitFields(dispatch.PollContext):
    """DSP-1 broken: one call per pending field, as asyncore makes."""
    name = "py-mutant-split-fields"
    catches = "dsp-one-call-all-fields"

    @staticmethod
    def _call(o, r, w, e):
        for fields in ((r, 0, 0), (0, w, 0), (0, 0, e)):
            if any(fields):
                o.dispatch_event(*fields)


class NoNestingGuard(dispatch.SelectContext):
    """DSP-9 broken: a nested dispatch_once runs instead of -EBUSY."""
    name = "py-mutant-no-nesting-guard"
    catches = "dsp-nested-dispatch"

    def dispatch_once(self, timeout, error_in_handler=None):
        self._dispatching = False
        super().dispatch_once(timeout, error_in_handler)


class Booleans(dispatch.SelectContext):
    """No defect: R, W and E given as bools (the seed: each field only has
    to be true or false), which the bridge maps to select's 0x1, 0x2, 0x4."""
    name = "py-booleans"

    @staticmethod
    def _call(o, r, w, e):
        o.dispatch_event(bool(r), bool(w), bool(e))
