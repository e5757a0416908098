"""dispatch.py: the reference IDispatchContext, in Python, on select, poll
and epoll.

This is the Python textbook of the contract, as backends/select/select.c
is the C one: each rule of spec/CONTRACT.md is named beside the code that
keeps it (grep for an id: TMO-9, DSP-7, ...).  It imports nothing from
dispatch-cts; a target is anything with an ``fd`` attribute and a
``dispatch_event(R, W, E)`` method, as in the seed.

    dispatch-cts python:backends/python/reference/dispatch.py:SelectContext
    dispatch-cts python:backends/python/reference/dispatch.py:PollContext
    dispatch-cts python:backends/python/reference/dispatch.py:EpollContext

One dispatch_once goes:

  1. refuse nesting, check the timeout          (DSP-9, TMO-7)
  2. wait once; Python retries after a signal   (TMO-1..10)
  3. snapshot what was ready: fd, generation, bits  (DSP-5..7)
  4. walk the snapshot, re-checking before each call (_Context._run_pass)

Failures are exceptions, which the bridge turns into negated errnos:
OSError(errno.X) is -X, ValueError and TypeError are -EINVAL.
"""
import errno
import itertools
import math
import os
import select
import sys

# TMO-6: the longest wait any mechanism below is given.  poll and epoll
# take an int of milliseconds (2**31 - 1 ms is 24.8 days), and Python
# raises OverflowError past it, so every timeout is clamped below that.
MAX_WAIT_S = 2_000_000.0


class _Registration:
    """Who holds an fd, with which native interest, and which registration
    this is: a fresh generation for every new holder (DSP-7)."""
    __slots__ = ("o", "flags", "generation")

    def __init__(self, o, flags, generation):
        self.o = o
        self.flags = flags
        self.generation = generation


class _Context:
    """The half every mechanism shares: the registry, the timeout and the
    pass.  A subclass says what its native bits are (R_BITS, W_BITS,
    E_BITS, UNASKED) and how to wait (_wait) and keep the kernel in step
    (_kernel_set, _kernel_remove)."""

    fd_limit = 0            # LIM-1: none of its own
    reentrant = False       # DSP-9: nesting is refused
    R_BITS = W_BITS = E_BITS = UNASKED = EXTRA_BITS = 0

    def __init__(self):
        self._registry = {}                 # fd -> _Registration
        self._generations = itertools.count(1)
        self._dispatching = False

    # ---- interest --------------------------------------------------------

    @classmethod
    def flags_for(cls, r, w, e):
        """ABI-2: the OR of the single fields' disjoint bits."""
        return ((cls.R_BITS if r else 0) | (cls.W_BITS if w else 0) |
                (cls.E_BITS if e else 0))

    def set_dispatch_filter(self, o, R=True, W=True, E=True):
        # FLT-5: literally the native call, so the two cannot drift apart.
        self.set_poll_dispatch_filter(o, self.flags_for(R, W, E))

    def set_poll_dispatch_filter(self, o, flags):
        # LIM-4 asks only that None be refused; removing anything else that
        # is not registered is harmless (FLT-1), whatever it lacks.
        fd = self._check_target(o, registering=bool(flags))
        known = self.R_BITS | self.W_BITS | self.E_BITS | self.EXTRA_BITS
        if flags & ~known:
            raise ValueError(f"flags {flags:#x}: bits this mechanism "
                             "does not have")
        if not flags:
            self._remove(fd, o)             # FLT-1, FLT-6: 0 is removal
            return
        reg = self._registry.get(fd)
        # ABI-5: the kernel first; if it refuses, nothing here changed.
        self._kernel_set(fd, flags, new=reg is None)
        if reg is not None and reg.o is o:
            reg.flags = flags               # a change: same registration
        else:
            # A new holder (FLT-4 replaces the old one): a new generation,
            # so a pass under way gives it nothing stale (DSP-7).
            self._registry[fd] = _Registration(o, flags,
                                               next(self._generations))

    def socket_closed(self, fd, o=None):
        # CLS-1: the registry, and the kernel only where it must (epoll);
        # CLS-7: nothing is closed here.  CLS-4: an unknown fd, or a second
        # call, is nothing to do.
        self._remove(fd, o)

    def _remove(self, fd, o):
        reg = self._registry.get(fd)
        # CLS-3: o None is whoever holds fd; CLS-5: a different target
        # now holding fd is left alone.
        if reg is None or (o is not None and reg.o is not o):
            return
        del self._registry[fd]              # DSP-6: the pass skips it now
        self._kernel_remove(fd)

    def _check_target(self, o, registering=True):
        if o is None:
            raise TypeError("None is not a dispatch target")     # LIM-4
        if registering and not callable(getattr(o, "dispatch_event", None)):
            # LIM-4 allows refusing it; refusing changes nothing (ABI-5).
            raise TypeError(f"{o!r} has no dispatch_event")
        fd = o.fd
        if not isinstance(fd, int):
            raise TypeError(f"fd {fd!r} is not an int")
        if fd < 0:
            raise OSError(errno.EBADF, f"negative fd {fd}")      # LIM-2
        if registering and self.fd_limit and fd >= self.fd_limit:
            # LIM-1; a removal past the limit removes what was never
            # registered, which is harmless (FLT-1).
            raise OSError(errno.ERANGE, f"fd {fd} is past the limit "
                          f"{self.fd_limit}")
        return fd

    # ---- the pass -------------------------------------------------------

    def dispatch_once(self, timeout, error_in_handler=None):
        if self._dispatching:               # DSP-9: checked first, so a
            raise OSError(errno.EBUSY,      # nested call never waits
                          "dispatch_once is already running")
        seconds = self._check_timeout(timeout)
        self._dispatching = True
        try:
            ready = self._wait(seconds)
            self._run_pass(ready, error_in_handler)
        finally:
            self._dispatching = False       # the only way out

    @staticmethod
    def _check_timeout(timeout):
        if timeout is None:
            return 0.0                      # TMO-1: None is "do not block"
        seconds = float(timeout)            # TypeError for what is no number
        # TMO-7: refuse at once what no wait can mean (-EINVAL); NaN is
        # named, since every comparison with it is false.  -0.0 is 0.
        if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
            raise ValueError(f"timeout {timeout!r}: not a finite "
                             "non-negative number")
        return min(seconds, MAX_WAIT_S)     # TMO-6

    def _snapshot_entry(self, fd, bits, unasked=0):
        """DSP-5..7: what was ready on fd, with the generation waited on,
        taken before any callback can change the registry."""
        reg = self._registry.get(fd)
        if reg is None:
            return None
        return (fd, reg.generation, bits & (self.R_BITS | self.EXTRA_BITS),
                bits & self.W_BITS, bits & self.E_BITS, unasked)

    def _run_pass(self, ready, error_in_handler):
        for fd, generation, r, w, e, unasked in ready:
            reg = self._registry.get(fd)    # looked up afresh (DSP-8)
            if reg is None or reg.generation != generation:
                continue                    # DSP-6 removed; DSP-7 newer
            keep = reg.flags | unasked      # DSP-5, EVT-4
            r, w, e = r & keep, w & keep, e & keep
            if not (r or w or e):
                continue                    # DSP-4: nothing wanted left
            o = reg.o
            try:
                self._call(o, r, w, e)
            except Exception:
                # ERR-2: KeyboardInterrupt and SystemExit are no Exception,
                # so they propagate at once and never reach the handler.
                if error_in_handler is None:
                    raise                   # ERR-4
                # ERR-3: once, with the raising target; a further exception
                # propagates (ERR-5); returning goes on (ERR-6).  ERR-7:
                # what was not called yet is still pending (level-triggered,
                # DSP-2), so the next call reports it.
                error_in_handler(o, sys.exc_info())

    @staticmethod
    def _call(o, r, w, e):
        o.dispatch_event(r, w, e)           # DSP-1: one call, combined

    # ---- what a mechanism provides -----------------------------------------

    def _kernel_set(self, fd, flags, new):
        pass

    def _kernel_remove(self, fd):
        pass

    def _wait(self, seconds):
        raise NotImplementedError

    def close(self):
        """CLS-6: memory only, unless the mechanism has an fd of its own;
        no target is called and no caller fd is closed."""
        self._registry.clear()


class SelectContext(_Context):
    """select(2): three sets.  urgent data in E; hangups in R and W."""

    name = "py-reference-select"
    event_model = "select"
    fd_limit = 1024             # LIM-1: FD_SETSIZE; select.select refuses more
    R_BITS, W_BITS, E_BITS = 0x1, 0x2, 0x4

    def _wait(self, seconds):
        closed = set()
        while True:
            # TMO-8: fresh lists every time, from the registry; EVT-3: an fd
            # only in the sets its target asked for.  Closed fds left out.
            sets = ([], [], [])
            for fd, reg in self._registry.items():
                if fd in closed:
                    continue
                for bit, fds in zip((0x1, 0x2, 0x4), sets):
                    if reg.flags & bit:
                        fds.append(fd)
            try:
                # TMO-5: Python rounds the timeval up; TMO-9: it retries
                # after EINTR for the time left on a monotonic clock.  Once
                # a closed fd is found there is news already: do not wait.
                r, w, x = select.select(*sets, 0 if closed else seconds)
                break
            except OSError as exc:
                if exc.errno != errno.EBADF:
                    raise                   # ABI-4, TMO-10: nothing stale
                # LIM-3: select does not say which fd: ask of each one.
                found = {fd for fd in self._registry
                         if fd not in closed and _is_closed(fd)}
                if not found:
                    return []               # reopened meanwhile: next time
                closed |= found
                r = w = x = ()
        bits = {}
        for bit, fds in ((0x1, r), (0x2, w), (0x4, x)):   # EVT-5: OOB in x
            for fd in fds:
                bits[fd] = bits.get(fd, 0) | bit
        snapshot = [self._snapshot_entry(fd, b) for fd, b in sorted(bits.items())]
        # LIM-3, EVT-4: a closed fd is told in E, whatever its interest.
        snapshot += [self._snapshot_entry(fd, 0x4, unasked=0x4)
                     for fd in sorted(closed)]
        return [s for s in snapshot if s is not None]


def _is_closed(fd):
    """F_GETFD only reads the fd's flags: 'is it open?' with no effect."""
    try:
        os.get_inheritable(fd)
        return False
    except OSError as exc:
        return exc.errno == errno.EBADF


class PollContext(_Context):
    """poll(2): R = IN|PRI, W = OUT, E = ERR|HUP|NVAL (EVT-9).  E-only is
    polled with events 0: the kernel reports those three unasked."""

    name = "py-reference-poll"
    event_model = "poll"
    R_BITS = select.POLLIN | select.POLLPRI
    W_BITS = select.POLLOUT
    E_BITS = select.POLLERR | select.POLLHUP | select.POLLNVAL
    UNASKED = E_BITS                        # EVT-4: reported whatever asked
    EXTRA_BITS = getattr(select, "POLLRDHUP", 0)   # native only; told in R

    def __init__(self):
        super().__init__()
        self._poll = select.poll()          # holds no fd: nothing to close

    def _kernel_set(self, fd, flags, new):
        # The request bits only; ERR, HUP and NVAL need not be asked for.
        self._poll.register(fd, flags & ~self.E_BITS)

    def _kernel_remove(self, fd):
        self._poll.unregister(fd)

    def _wait(self, seconds):
        # TMO-5: milliseconds as a float, which Python rounds up, never to
        # 0; TMO-1: 0 stays 0 (never -1, forever); TMO-9: retried inside.
        results = self._poll.poll(seconds * 1000.0)
        snapshot = (self._snapshot_entry(fd, revents, self.UNASKED)
                    for fd, revents in results)
        return [s for s in snapshot if s is not None]


class EpollContext(_Context):
    """epoll(7), level-triggered: R = IN|PRI|RDHUP, W = OUT, E = ERR|HUP;
    the kernel reports ERR and HUP unasked."""

    name = "py-reference-epoll"
    event_model = "epoll"
    R_BITS = select.EPOLLIN | select.EPOLLPRI | select.EPOLLRDHUP
    W_BITS = select.EPOLLOUT
    E_BITS = select.EPOLLERR | select.EPOLLHUP
    UNASKED = E_BITS

    def __init__(self):
        super().__init__()
        self._epoll = select.epoll()        # CLOEXEC; closed by close()

    def _kernel_set(self, fd, flags, new):
        try:
            if new:
                self._epoll.register(fd, flags)
            else:
                self._epoll.modify(fd, flags)
        except FileNotFoundError:
            # ENOENT: the kernel dropped the entry (the fd was closed behind
            # our back and its number reused): this is a new file, add it.
            self._epoll.register(fd, flags)
        except FileExistsError:
            # EEXIST: the same file came back on the same number.
            self._epoll.modify(fd, flags)

    def _kernel_remove(self, fd):
        try:
            self._epoll.unregister(fd)
        except OSError:
            # Closed before socket_closed (CLS-1): the kernel keeps the entry
            # while a dup of the file lives, and it can no longer be named.
            # Only a new epoll fd drops it, so that its events never reach
            # the fd number's next holder (CLS-2) nor wake every wait (LIM-3).
            self._rebuild()

    def _rebuild(self):
        fresh = select.epoll()
        for fd, reg in self._registry.items():
            try:
                fresh.register(fd, reg.flags)
            except OSError:
                pass                        # closed behind our back: LIM-3
        # The new instance goes under the old number, which frees the old
        # instance, orphans and all.  A new number would take the lowest
        # free one: the one just closed, which the caller may reuse next.
        os.dup2(fresh.fileno(), self._epoll.fileno(), inheritable=False)
        fresh.close()

    def _wait(self, seconds):
        # TMO-5: seconds as a float, rounded up to the millisecond by Python;
        # DSP-3: room for every registered fd in one call.
        events = self._epoll.poll(seconds, max(1, len(self._registry)))
        snapshot = (self._snapshot_entry(fd, bits, self.UNASKED)
                    for fd, bits in events)
        return [s for s in snapshot if s is not None]

    def close(self):
        super().close()
        self._epoll.close()                 # CLS-6: our own fd, not the caller's
