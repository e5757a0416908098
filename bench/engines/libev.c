/*
 * bench/engines/libev.c: libev 4 driven directly, the baseline of the libev
 * adapter (spec/dispatch_bench.h).  What its users write: one ev_io per fd,
 * ev_run(EVRUN_NOWAIT) per pass; with the adapter's loop flags (its own
 * loop, environment ignored, signal mask left alone: loop.h).  The run
 * around these calls is bench/engines/driver.c's.
 */
#include "driver.h"
#include "loop.h"   /* the adapter's engine configuration */

#include <errno.h>
#include <ev.h>

typedef struct target {
    dcts_driver_target at;      /* first: driver.h's part */
    ev_io io;
    int started;
} target;

static void on_read(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop, (void)revents;
    dcts_driver_readable(io->data);
}

static int loop_new(void **loop)
{
    *loop = ev_loop_new(LEV_LOOP_FLAGS);
    return *loop ? 0 : -ENOMEM;
}

static int watch(void *loop, dcts_driver_target *at, int fd)
{
    target *t = (target *)at;

    ev_io_init(&t->io, on_read, fd, EV_READ);
    t->io.data = at;
    ev_io_start(loop, &t->io);
    t->started = 1;
    return 0;
}

static int pass(void *loop)
{
    ev_run(loop, EVRUN_NOWAIT);
    return 0;
}

static void unwatch(void *loop, dcts_driver_target *at)
{
    target *t = (target *)at;

    if (t->started)
        ev_io_stop(loop, &t->io);
}

static void loop_free(void *loop)
{
    ev_loop_destroy(loop);
}

const dcts_driver dcts_driver_engine = {
    "libev-direct", sizeof(target), loop_new, watch, pass, unwatch, loop_free,
};
