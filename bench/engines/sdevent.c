/*
 * bench/engines/sdevent.c: sd-event driven directly, the baseline of the sdevent
 * adapter (spec/dispatch_bench.h).  What its users write: one I/O source per fd
 * (sd_event_add_io) at the adapter's priority (loop.h), on a loop of its
 * own.  sd_event_run dispatches one source per call, so a pass is
 * sd_event_run(loop, 0) until a call dispatches nothing, as sd_event_loop
 * would run it; each call looks at epoll again.  The run around these
 * calls is bench/engines/driver.c's.
 */
#include "driver.h"
#include "loop.h"   /* the adapter's engine configuration */

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>

typedef struct target {
    dcts_driver_target at;      /* first: driver.h's part */
    sd_event_source *io;
} target;

static int on_read(sd_event_source *s, int fd, uint32_t revents, void *data)
{
    (void)s, (void)fd, (void)revents;
    dcts_driver_readable(data);
    return 0;
}

static int loop_new(void **loop)
{
    sd_event *e = NULL;
    int rc = sd_event_new(&e);

    *loop = e;
    return rc < 0 ? rc : 0;
}

static int watch(void *loop, dcts_driver_target *at, int fd)
{
    target *t = (target *)at;
    int rc = sd_event_add_io(loop, &t->io, fd, EPOLLIN, on_read, at);

    if (rc >= 0)
        rc = sd_event_source_set_priority(t->io, SDE_IO_PRIORITY);
    return rc < 0 ? rc : 0;
}

static int pass(void *loop)
{
    int rc;

    while ((rc = sd_event_run(loop, 0)) > 0)
        ;
    return rc < 0 ? rc : 0;
}

static void unwatch(void *loop, dcts_driver_target *at)
{
    (void)loop;
    sd_event_source_disable_unref(((target *)at)->io);   /* NULL-safe */
}

static void loop_free(void *loop)
{
    sd_event_unref(loop);
}

const dcts_driver dcts_driver_engine = {
    "sdevent-direct", sizeof(target), loop_new, watch, pass, unwatch, loop_free,
};
