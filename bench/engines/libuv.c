/*
 * bench/engines/libuv.c: libuv driven directly, the baseline of the libuv adapter
 * (spec/dispatch_bench.h).  What its users write for descriptors they own: one
 * uv_poll_t per fd started for UV_READABLE, uv_run(UV_RUN_NOWAIT) per
 * pass, on a loop of its own (uv_loop_init, as the adapter's).  The run
 * around these calls is bench/engines/driver.c's.
 */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>
#include <uv.h>

typedef struct target {
    dcts_driver_target at;      /* first: driver.h's part */
    uv_poll_t poll;
    int inited;
} target;

static void on_read(uv_poll_t *poll, int status, int events)
{
    (void)status, (void)events;
    dcts_driver_readable(poll->data);
}

static int loop_new(void **loop)
{
    uv_loop_t *l = malloc(sizeof *l);
    int rc = l ? uv_loop_init(l) : UV_ENOMEM;

    if (rc != 0) {
        free(l);
        return rc;                  /* libuv's errors are -errno */
    }
    *loop = l;
    return 0;
}

static int watch(void *loop, dcts_driver_target *at, int fd)
{
    target *t = (target *)at;
    int rc = uv_poll_init(loop, &t->poll, fd);

    if (rc != 0)
        return rc;
    t->inited = 1;
    t->poll.data = at;
    return uv_poll_start(&t->poll, UV_READABLE, on_read);
}

static int pass(void *loop)
{
    uv_run(loop, UV_RUN_NOWAIT);
    return 0;
}

static void unwatch(void *loop, dcts_driver_target *at)
{
    target *t = (target *)at;

    (void)loop;
    if (t->inited)
        uv_close((uv_handle_t *)&t->poll, NULL);
}

static void loop_free(void *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);   /* the closes complete */
    uv_loop_close(loop);
    free(loop);
}

const dcts_driver dcts_driver_engine = {
    "libuv-direct", sizeof(target), loop_new, watch, pass, unwatch, loop_free,
};
