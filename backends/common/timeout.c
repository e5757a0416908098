/*
 * timeout.c: timeout validation, conversion and deadlines (see timeout.h).
 */
#include "timeout.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <time.h>

int dcb_timeout_check(const double *timeout_s)
{
    if (timeout_s == NULL)
        return 0;                       /* TMO-1: None is always legal */
    /* TMO-7: refuse at once what no wait can mean; comparing a NaN is
     * false, so it is named explicitly rather than left to "< 0". */
    if (isnan(*timeout_s) || isinf(*timeout_s) || *timeout_s < 0)
        return -EINVAL;
    return 0;
}

/* TMO-6: one place that bounds every duration before it is converted. */
static double clamp_seconds(double s)
{
    return s > DCB_TIMEOUT_MAX_S ? DCB_TIMEOUT_MAX_S : s;
}

double dcb_timeout_seconds(const double *timeout_s)
{
    if (timeout_s == NULL)
        return 0.0;                     /* TMO-1: None means "do not block" */
    return clamp_seconds(*timeout_s);
}

struct timeval dcb_timeout_timeval(double s)
{
    struct timeval tv = { 0, 0 };

    /* TMO-1: zero (and, defensively, anything not positive) polls. */
    if (!(s > 0))
        return tv;
    /* TMO-5: ceil, so 1 ns becomes 1 us and not 0.  The product is at most
     * 1e14 after the clamp (TMO-6), exact enough and far inside long long. */
    long long us = (long long)ceil(clamp_seconds(s) * 1e6);
    tv.tv_sec = (time_t)(us / 1000000);
    tv.tv_usec = (suseconds_t)(us % 1000000);
    return tv;
}

int dcb_timeout_ms(double s)
{
    if (!(s > 0))
        return 0;                       /* TMO-1: 0, never -1 (forever) */
    double ms = ceil(clamp_seconds(s) * 1e3);   /* TMO-5: round up */
    /* TMO-6: compare as doubles before the cast, never after it. */
    if (ms >= (double)INT_MAX)
        return INT_MAX;
    return (int)ms;
}

/* CLOCK_MONOTONIC, because the wall clock can jump while we wait. */
static double monotonic_now(void)
{
    struct timespec ts = { 0, 0 };

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

dcb_deadline dcb_deadline_after(double s)
{
    dcb_deadline d;

    d.end = monotonic_now() + (s > 0 ? clamp_seconds(s) : 0.0);
    return d;
}

double dcb_deadline_remaining(const dcb_deadline *d)
{
    return d->end - monotonic_now();
}
