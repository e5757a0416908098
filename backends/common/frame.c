/*
 * frame.c: nesting guard, timeout check and the retrying wait (see frame.h).
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
