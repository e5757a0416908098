/*
 * bench/engines/libevent.c: libevent 2.1 driven directly, the baseline of the
 * libevent adapter (spec/dispatch_bench.h).  What its users write: one
 * persistent read event per fd, event_base_loop(EVLOOP_ONCE |
 * EVLOOP_NONBLOCK) per pass; on the adapter's own base configuration (no
 * locking, environment ignored, a method with early-close support:
 * base.h), so the two differ only by the adapter.  The run around these
 * calls is bench/engines/driver.c's.
 */
#include "driver.h"
#include "base.h"   /* the adapter's engine configuration */

#include <errno.h>
#include <event2/event.h>

typedef struct target {
    dcts_driver_target at;      /* first: driver.h's part */
    struct event *ev;
} target;

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    dcts_driver_readable(arg);
}

static int loop_new(void **loop)
{
    *loop = lev_base_new();
    return *loop ? 0 : -ENOMEM;
}

static int watch(void *loop, dcts_driver_target *at, int fd)
{
    target *t = (target *)at;

    t->ev = event_new(loop, fd, EV_READ | EV_PERSIST, on_read, at);
    if (t->ev == NULL || event_add(t->ev, NULL) != 0)
        return -ENOMEM;
    return 0;
}

static int pass(void *loop)
{
    return event_base_loop(loop, EVLOOP_ONCE | EVLOOP_NONBLOCK) < 0
           ? -EIO : 0;
}

static void unwatch(void *loop, dcts_driver_target *at)
{
    target *t = (target *)at;

    (void)loop;
    if (t->ev)
        event_free(t->ev);
}

static void loop_free(void *loop)
{
    event_base_free(loop);
}

const dcts_driver dcts_driver_engine = {
    "libevent-direct", sizeof(target), loop_new, watch, pass, unwatch,
    loop_free,
};
