"""asyncore_adapter.py: IDispatchContext over the Python 3.11 standard
library's asyncore, driving asyncore.poll (select) or asyncore.poll2
(poll) over a socket map of its own.

    dispatch-cts python:backends/python/adapters/asyncore_adapter.py:AsyncorePoll
    dispatch-cts python:backends/python/adapters/asyncore_adapter.py:AsyncorePoll2

Each registration is a channel in the map: an object with the methods
asyncore calls (readable, writable, handle_*_event, handle_close,
handle_error), which forward to the target.  The timeout is given to
asyncore as it came, and asyncore does with it what it does: the gaps in
spec/expectations/py-asyncore-*.txt are asyncore's, not this file's.
asyncore hides the kernel's bits, so the model is "other", with select's
1, 2, 4 for R, W, E.
"""
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)   # removed in 3.12
    import asyncore

READ, WRITE, EXCEPT = 0x1, 0x2, 0x4


class _Channel:
    """One registration: what asyncore sees in its map."""
    accepting = False

    def __init__(self, context, o, flags):
        self.context = context
        self.o = o
        self.flags = flags

    def readable(self):
        return bool(self.flags & READ)

    def writable(self):
        return bool(self.flags & WRITE)

    # asyncore calls one of these per condition: R, W and E separately.
    def handle_read_event(self):
        self.o.dispatch_event(READ, 0, 0)

    def handle_write_event(self):
        self.o.dispatch_event(0, WRITE, 0)

    def handle_expt_event(self):
        self.o.dispatch_event(0, 0, EXCEPT)

    def handle_close(self):             # poll2: POLLHUP, POLLERR, POLLNVAL
        self.o.dispatch_event(0, 0, EXCEPT)

    def handle_error(self):
        # Called by asyncore inside its `except:`, KeyboardInterrupt and
        # SystemExit excepted (asyncore re-raises those itself).
        handler = self.context.error_in_handler
        if handler is None:
            raise                       # the seed: propagate
        handler(self.o, sys.exc_info())


class _AsyncoreContext:
    event_model = "other"
    poll = None                         # asyncore.poll or asyncore.poll2

    @staticmethod
    def flags_for(r, w, e):
        return (READ if r else 0) | (WRITE if w else 0) | (EXCEPT if e else 0)

    def __init__(self):
        self.map = {}
        self.error_in_handler = None

    def set_dispatch_filter(self, o, R=True, W=True, E=True):
        self.set_poll_dispatch_filter(o, self.flags_for(R, W, E))

    def set_poll_dispatch_filter(self, o, flags):
        # LIM-4 refuses None; removing anything else unregistered is
        # harmless (FLT-1), whatever it lacks.
        if o is None or (flags and not hasattr(o, "dispatch_event")):
            raise TypeError("not a dispatch target")
        if o.fd < 0:
            raise ValueError("negative fd")
        channel = self.map.get(o.fd)
        if not flags:
            if channel is not None and channel.o is o:
                del self.map[o.fd]
        elif channel is not None and channel.o is o:
            channel.flags = flags
        else:
            self.map[o.fd] = _Channel(self, o, flags)

    def socket_closed(self, fd, o=None):
        channel = self.map.get(fd)
        if channel is not None and (o is None or channel.o is o):
            del self.map[fd]

    def dispatch_once(self, timeout, error_in_handler=None):
        self.error_in_handler = error_in_handler
        try:
            type(self).poll(timeout, self.map)
        finally:
            self.error_in_handler = None


class AsyncorePoll(_AsyncoreContext):
    name = "py-asyncore-poll"
    poll = asyncore.poll


class AsyncorePoll2(_AsyncoreContext):
    name = "py-asyncore-poll2"
    poll = asyncore.poll2
