"""selectors_adapter.py: IDispatchContext over selectors.DefaultSelector
(epoll on Linux), with the loop the selectors documentation shows:

    for key, mask in selector.select(timeout):
        key.data.dispatch_event(...)

    dispatch-cts python:backends/python/adapters/selectors_adapter.py:Selectors

R and W are EVENT_READ and EVENT_WRITE; selectors has no exceptional
interest, so E (0x4) is accepted in the flags but cannot be waited for.
The timeout goes to select() as it came.  The gaps are in
spec/expectations/py-selectors.txt.
"""
import selectors
import sys

READ, WRITE, EXCEPT = selectors.EVENT_READ, selectors.EVENT_WRITE, 0x4


class Selectors:
    name = "py-selectors"
    event_model = "other"

    @staticmethod
    def flags_for(r, w, e):
        return (READ if r else 0) | (WRITE if w else 0) | (EXCEPT if e else 0)

    def __init__(self):
        self.selector = selectors.DefaultSelector()

    def set_dispatch_filter(self, o, R=True, W=True, E=True):
        self.set_poll_dispatch_filter(o, self.flags_for(R, W, E))

    def set_poll_dispatch_filter(self, o, flags):
        # LIM-4 refuses None; removing anything else unregistered is
        # harmless (FLT-1), whatever it lacks.
        if o is None or (flags and not hasattr(o, "dispatch_event")):
            raise TypeError("not a dispatch target")
        events = flags & (READ | WRITE)
        try:
            key = self.selector.get_key(o.fd)
        except KeyError:
            key = None
        if not flags:
            if key is not None and key.data is o:
                self.selector.unregister(o.fd)
        elif key is None:
            self.selector.register(o.fd, events, o)   # E-only: ValueError
        else:
            self.selector.modify(o.fd, events, o)

    def socket_closed(self, fd, o=None):
        try:
            key = self.selector.get_key(fd)
        except KeyError:
            return
        if o is None or key.data is o:
            self.selector.unregister(fd)

    def dispatch_once(self, timeout, error_in_handler=None):
        for key, mask in self.selector.select(timeout):
            try:
                key.data.dispatch_event(mask & READ, mask & WRITE, 0)
            except Exception:
                if error_in_handler is None:
                    raise
                error_in_handler(key.data, sys.exc_info())

    def close(self):
        self.selector.close()
