/*
 * timeout.h: turning dispatch_once's timeout into what a kernel wait takes.
 *
 * dispatch_once receives the timeout as a pointer to seconds (NULL: None).
 * Every backend has to validate it, convert it to its wait's unit without
 * ever turning a positive value into zero, clamp it so no conversion
 * overflows, and, when a signal cuts the wait short, resume with only what
 * is left.  Those four steps live here so every backend does them alike.
 */
#ifndef DCB_TIMEOUT_H
#define DCB_TIMEOUT_H

#include <sys/time.h>

/* TMO-6: the longest wait in seconds (about 3 years 2 months).  Anything
 * longer is clamped to it before any conversion, so no double outside an
 * integer type's range is ever cast (undefined behaviour in C).  1e8 s is
 * also the largest tv_sec some select(2)s accept; POSIX only promises 31
 * days and lets a system shorten longer waits to its own maximum. */
#define DCB_TIMEOUT_MAX_S 1.0e8

/* TMO-7: 0 when the timeout is NULL (None) or a finite value >= 0;
 * -EINVAL when it is NaN, infinite or negative.  -0.0 counts as zero. */
int dcb_timeout_check(const double *timeout_s);

/* The timeout in seconds, already checked: NULL becomes 0 (TMO-1) and a
 * huge value becomes DCB_TIMEOUT_MAX_S (TMO-6). */
double dcb_timeout_seconds(const double *timeout_s);

/* For select(2): s rounded UP to the microsecond, so a tiny positive wait
 * never becomes a zero timeval (TMO-5); s <= 0 gives a zero timeval, never
 * a "wait forever" (TMO-1).  Clamped as above (TMO-6). */
struct timeval dcb_timeout_timeval(double s);

/* For poll(2) and epoll_wait(2): s rounded UP to the millisecond (TMO-5);
 * s <= 0 gives 0, never -1 (TMO-1); clamped to INT_MAX ms, about 24.8 days
 * (TMO-6).  A clamped wait simply ends early with nothing dispatched. */
int dcb_timeout_ms(double s);

/* TMO-9: a wait's end on CLOCK_MONOTONIC, so that a wait cut short by a
 * signal can resume with what is left instead of starting over. */
typedef struct dcb_deadline {
    double end;                     /* monotonic seconds */
} dcb_deadline;

/* The deadline s seconds from now (s is clamped like a timeout). */
dcb_deadline dcb_deadline_after(double s);

/* Seconds left until the deadline; <= 0 once it has passed. */
double dcb_deadline_remaining(const dcb_deadline *d);

#endif /* DCB_TIMEOUT_H */
