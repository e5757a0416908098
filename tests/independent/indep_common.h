/*
 * indep_common.h: the few helpers the independent backends share
 * (tests/independent/).  These backends are written from spec/CONTRACT.md
 * and spec/dispatch_context.h alone, to find cases that demand more than
 * their clauses say; they deliberately share no code with backends/.
 */
#ifndef INDEP_COMMON_H
#define INDEP_COMMON_H

#include <limits.h>
#include <math.h>
#include <time.h>

#include "dispatch_context.h"

/* What a caller's timeout asks for (TMO-1, TMO-7). */
enum indep_timeout_kind {
    INDEP_TIMEOUT_ZERO,     /* NULL, 0.0 or -0.0: a non-blocking check */
    INDEP_TIMEOUT_POSITIVE, /* a finite positive number of seconds */
    INDEP_TIMEOUT_INVALID   /* negative, NaN or infinite (TMO-7) */
};

static inline enum indep_timeout_kind
indep_classify_timeout(const double *timeout_seconds, double *seconds)
{
    *seconds = 0.0;
    if (timeout_seconds == NULL)
        return INDEP_TIMEOUT_ZERO;
    double value = *timeout_seconds;
    /* -0.0 < 0.0 is false, so -0.0 lands in ZERO as TMO-7 requires. */
    if (isnan(value) || isinf(value) || value < 0.0)
        return INDEP_TIMEOUT_INVALID;
    if (value == 0.0)
        return INDEP_TIMEOUT_ZERO;
    *seconds = value;
    return INDEP_TIMEOUT_POSITIVE;
}

/* Seconds to poll/epoll milliseconds: ceil, never 0 for a positive value
 * (TMO-5), clamped before any cast so a huge value cannot overflow (TMO-6). */
static inline int indep_seconds_to_ms(double seconds)
{
    if (!(seconds > 0.0))
        return 0;
    double ms = ceil(seconds * 1000.0);
    if (ms < 1.0)
        ms = 1.0;
    if (ms >= (double)INT_MAX)
        return INT_MAX;
    return (int)ms;
}

/* A monotonic clock in seconds, for TMO-9's deadline. */
static inline double indep_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Calls one target and applies error escalation (ERR-1 to ERR-6).  Returns
 * 0 when the pass goes on, or the code that ends it.  The target is not
 * touched after its call or its handler's: either may have freed it. */
static inline int indep_deliver(dc_target *o, unsigned long r,
                                unsigned long w, unsigned long e,
                                dc_error_handler handler, void *handler_arg)
{
    int code = o->dispatch_event(o, r, w, e);
    if (code == 0)
        return 0;
    if (code == DC_INTERRUPT || code == DC_EXIT || handler == NULL)
        return code;                      /* ERR-2, ERR-4 */
    return handler(handler_arg, o, code); /* ERR-3; 0 goes on (ERR-6) */
}

#endif
