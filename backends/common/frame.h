/*
 * frame.h: the frame around the calls of a backend, shared by every
 * backend.
 *
 * Whatever the mechanism, dispatch_once starts the same way (refuse
 * nesting, refuse a bad timeout) and, for the waits that count in
 * milliseconds (poll, epoll_wait), survives signals the same way; and a
 * filter call of a backend that keeps state of its own beside the
 * registry (poll, epoll, uring) is checked and split into removal and
 * registration the same way.  Those steps live here so that no backend
 * has its own copy of them.
 */
#ifndef DCB_FRAME_H
#define DCB_FRAME_H

#include "dispatch_context.h"
#include "registry.h"
#include "timeout.h"

/* The start of every dispatch_once, in this order:
 *   DSP-9  -EBUSY when *in_dispatch is set: a nested call returns at once,
 *          waiting for and calling nothing;
 *   TMO-7  -EINVAL for a NaN, infinite or negative timeout, before any wait;
 * otherwise sets *in_dispatch, puts the wait in seconds in *wait_s (NULL is
 * 0, TMO-1; huge values are clamped, TMO-6) and returns 0.  The caller then
 * runs its pass and must call dcb_dispatch_end whichever way it ends
 * (ERR-8: no "inside a pass" state may survive the call). */
int dcb_dispatch_begin(int *in_dispatch, const double *timeout_s,
                       double *wait_s);

/* The end of every dispatch_once that dcb_dispatch_begin let through. */
void dcb_dispatch_end(int *in_dispatch);

/* A backend's steps 2.. of dispatch_once: wait up to wait_s seconds (>= 0),
 * then run the pass.  Returns what dispatch_once returns (ABI-4). */
typedef int (*dcb_pass_fn)(dc_context *ctx, double wait_s,
                           dc_error_handler handler, void *handler_arg);

/* A whole dispatch_once: dcb_dispatch_begin with ctx's in_dispatch flag,
 * then pass, then dcb_dispatch_end whichever way the pass ended (ERR-8).
 * Returns -EBUSY (DSP-9) or -EINVAL (TMO-7) without calling pass, else
 * pass's answer. */
int dcb_dispatch_framed(dc_context *ctx, int *in_dispatch,
                        const double *timeout_s, dcb_pass_fn pass,
                        dc_error_handler handler, void *handler_arg);

/* A wait that takes a timeout in milliseconds, with its own state in arg.
 * Returns like the system call: a count >= 0, or -1 with errno set. */
typedef int (*dcb_wait_ms_fn)(void *arg, int timeout_ms);

/* Calls wait with the time left until deadline, in whole milliseconds
 * rounded up (TMO-5; 0 stays 0, TMO-1; clamped, TMO-6), computed afresh for
 * every call (TMO-8).  When a signal interrupts it (EINTR), waits again for
 * only what is left, and returns 0 once nothing is left: never -EINTR and
 * never a restarted full timeout (TMO-9).  Returns the wait's count (>= 0;
 * when 0, the wait's results must not be read), or a negative errno for any
 * other failure (TMO-10: the results of a failed wait are never used). */
int dcb_wait_ms(const dcb_deadline *deadline, dcb_wait_ms_fn wait, void *arg);

/* The backend's own half of a filter call. */
typedef struct dcb_filter_ops {
    unsigned long known;        /* every native bit it accepts (FLT-6) */
    /* Registers, replaces (FLT-4) or changes (FLT-3) o's interest to
     * flags (never 0).  Returns 0, or a negative errno with the
     * registration as it was (ABI-5). */
    int (*apply)(dc_context *ctx, dc_target *o, unsigned long flags);
    /* Its socket_closed: drops fd's registration if o holds it (CLS-5). */
    int (*remove)(dc_context *ctx, int fd, dc_target *o);
} dcb_filter_ops;

/* set_poll_dispatch_filter, in this order:
 *   LIM-4, FLT-6  -EINVAL for a NULL target, a target with nothing to
 *                 call, or a bit outside ops->known, before anything
 *                 changes;
 *   FLT-1, FLT-6  0 removes (ops->remove), harmless when o holds nothing:
 *                 always 0;
 *   otherwise ops->apply's answer. */
int dcb_filter(dc_context *ctx, dc_target *o, unsigned long flags,
               const dcb_filter_ops *ops);

#endif /* DCB_FRAME_H */
