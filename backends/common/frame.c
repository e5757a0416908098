/*
 * frame.c: nesting guard, timeout check, the retrying wait and the filter
 * call's checks (see frame.h).
 */
#include "frame.h"

#include <errno.h>

int dcb_dispatch_begin(int *in_dispatch, const double *timeout_s,
                       double *wait_s)
{
    /* DSP-9: checked first, so a nested call never waits or touches the
     * outer pass's state. */
    if (*in_dispatch)
        return -EBUSY;
    int rc = dcb_timeout_check(timeout_s);      /* TMO-7 */
    if (rc < 0)
        return rc;
    *wait_s = dcb_timeout_seconds(timeout_s);   /* TMO-1, TMO-6 */
    *in_dispatch = 1;
    return 0;
}

void dcb_dispatch_end(int *in_dispatch)
{
    *in_dispatch = 0;
}

int dcb_dispatch_framed(dc_context *ctx, int *in_dispatch,
                        const double *timeout_s, dcb_pass_fn pass,
                        dc_error_handler handler, void *handler_arg)
{
    double wait_s;
    int rc = dcb_dispatch_begin(in_dispatch, timeout_s, &wait_s);

    if (rc < 0)
        return rc;                  /* -EBUSY (DSP-9) or -EINVAL (TMO-7) */
    rc = pass(ctx, wait_s, handler, handler_arg);
    dcb_dispatch_end(in_dispatch);  /* the only way out (ERR-8) */
    return rc;
}

int dcb_wait_ms(const dcb_deadline *deadline, dcb_wait_ms_fn wait, void *arg)
{
    for (;;) {
        /* TMO-8: the timeout of each wait is computed just before it, from
         * the deadline; nothing is carried over from an earlier wait. */
        int n = wait(arg, dcb_timeout_ms(dcb_deadline_remaining(deadline)));
        if (n >= 0)
            return n;
        int err = errno;
        if (err != EINTR)
            return -err;                /* ABI-4, e.g. -ENOMEM, -EINVAL */
        /* TMO-9: a signal is not an error.  Wait again for what is left
         * (so a timeout still means "this long" in a process that takes
         * signals), or report "nothing ready" once the time is up. */
        if (dcb_deadline_remaining(deadline) <= 0)
            return 0;
    }
}

int dcb_filter(dc_context *ctx, dc_target *o, unsigned long flags,
               const dcb_filter_ops *ops)
{
    int rc = dcb_check_filter(o, flags, ops->known);   /* LIM-4, FLT-6 */

    if (rc < 0)
        return rc;
    if (flags == 0) {
        /* FLT-1, FLT-6: removal, harmless when o is not registered. */
        ops->remove(ctx, o->fd, o);
        return 0;
    }
    return ops->apply(ctx, o, flags);
}
