"""asyncio_adapter.py: IDispatchContext over an asyncio event loop (the
default, a selector loop on epoll): add_reader/add_writer per target, one
loop iteration per dispatch_once.

    dispatch-cts python:backends/python/adapters/asyncio_adapter.py:Asyncio

One iteration: every callback stops the loop, so run_forever returns
after the iteration that ran it; the timeout is a timer that stops it too
(None and 0: a stop scheduled at once, so the iteration does not wait).
A raised exception goes to error_in_handler inside the callback; without
one (or when it raises) it is kept and raised once run_forever returns,
since asyncio catches everything but KeyboardInterrupt and SystemExit in
callbacks.  asyncio has no exceptional interest: E is accepted in the
flags but nothing waits for it.  The gaps are in
spec/expectations/py-asyncio.txt.
"""
import asyncio
import errno
import sys

READ, WRITE, EXCEPT = 0x1, 0x2, 0x4


class Asyncio:
    name = "py-asyncio"
    event_model = "other"

    @staticmethod
    def flags_for(r, w, e):
        return (READ if r else 0) | (WRITE if w else 0) | (EXCEPT if e else 0)

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.targets = {}           # fd -> (o, flags)
        self.error_in_handler = None
        self.pending = None         # an exception to raise after the iteration

    def set_dispatch_filter(self, o, R=True, W=True, E=True):
        self.set_poll_dispatch_filter(o, self.flags_for(R, W, E))

    def set_poll_dispatch_filter(self, o, flags):
        # LIM-4 refuses None; removing anything else unregistered is
        # harmless (FLT-1), whatever it lacks.
        if o is None or (flags and not hasattr(o, "dispatch_event")):
            raise TypeError("not a dispatch target")
        fd = o.fd
        if fd < 0:
            raise ValueError("negative fd")
        held = self.targets.get(fd)
        if not flags:
            if held is not None and held[0] is o:
                self._unwatch(fd)
            return
        if flags & READ:
            self.loop.add_reader(fd, self._ready, o, READ)
        else:
            self.loop.remove_reader(fd)
        if flags & WRITE:
            self.loop.add_writer(fd, self._ready, o, WRITE)
        else:
            self.loop.remove_writer(fd)
        self.targets[fd] = (o, flags)

    def _unwatch(self, fd):
        del self.targets[fd]
        self.loop.remove_reader(fd)
        self.loop.remove_writer(fd)

    def socket_closed(self, fd, o=None):
        held = self.targets.get(fd)
        if held is not None and (o is None or held[0] is o):
            self._unwatch(fd)

    def _ready(self, o, field):
        self.loop.stop()            # this iteration is the only one
        if self.pending is not None:
            return                  # propagating: call nobody else
        try:
            o.dispatch_event(field & READ, field & WRITE, 0)
        except Exception:
            try:
                if self.error_in_handler is None:
                    raise
                self.error_in_handler(o, sys.exc_info())
            except Exception as exc:
                self.pending = exc

    def dispatch_once(self, timeout, error_in_handler=None):
        if self.loop.is_running():
            raise OSError(errno.EBUSY, "the loop is already running")
        self.error_in_handler = error_in_handler
        if timeout is None or timeout == 0:
            stop = self.loop.call_soon(self.loop.stop)
        else:
            stop = self.loop.call_later(timeout, self.loop.stop)
        try:
            self.loop.run_forever()
        finally:
            stop.cancel()
            self.error_in_handler = None
            exc, self.pending = self.pending, None
        if exc is not None:
            raise exc

    def close(self):
        self.loop.close()
