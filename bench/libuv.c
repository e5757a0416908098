/*
 * bench/libuv.c: libuv driven directly, the baseline of the libuv adapter
 * (bench_engine.h).  What its users write for descriptors they own: one
 * uv_poll_t per fd started for UV_READABLE, uv_run(UV_RUN_NOWAIT) per
 * pass, on a loop of its own.
 */
#include "bench_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <uv.h>

typedef struct direct_run direct_run;

typedef struct target {
    uv_poll_t poll;             /* first: the callback gets it back */
    direct_run *run;
    size_t idx;
    int inited;
} target;

struct direct_run {
    dcts_bench_load *load;
    uv_loop_t loop;
    target *targets;
    size_t n;
};

static void on_read(uv_poll_t *poll, int status, int events)
{
    target *t = (target *)poll;

    (void)status, (void)events;
    t->run->load->readable(t->run->load, t->idx);
}

static int fits(const void *arg, const dcts_bench_fds *fds, char *why,
                size_t len)
{
    (void)arg, (void)fds, (void)why, (void)len;
    return 0;
}

static int open_run(void **state, const void *arg, dcts_bench_load *load)
{
    direct_run *run = calloc(1, sizeof *run);

    (void)arg;
    if (run == NULL)
        return -ENOMEM;
    run->load = load;
    run->n = load->fds->n;
    run->targets = calloc(run->n ? run->n : 1, sizeof *run->targets);
    int rc = run->targets ? uv_loop_init(&run->loop) : UV_ENOMEM;
    if (rc != 0) {
        free(run->targets);
        free(run);
        return rc;                  /* libuv's errors are -errno */
    }
    *state = run;
    return 0;
}

static int add_all(void *state)
{
    direct_run *run = state;

    for (size_t i = 0; i < run->n; i++) {
        target *t = &run->targets[i];
        t->run = run;
        t->idx = i;
        int rc = uv_poll_init(&run->loop, &t->poll, run->load->fds->rd[i]);
        if (rc != 0)
            return rc;
        t->inited = 1;
        rc = uv_poll_start(&t->poll, UV_READABLE, on_read);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pass(void *state)
{
    direct_run *run = state;

    uv_run(&run->loop, UV_RUN_NOWAIT);
    return 0;
}

static void close_run(void *state)
{
    direct_run *run = state;

    for (size_t i = 0; i < run->n; i++)
        if (run->targets[i].inited)
            uv_close((uv_handle_t *)&run->targets[i].poll, NULL);
    uv_run(&run->loop, UV_RUN_DEFAULT);     /* the closes complete */
    uv_loop_close(&run->loop);
    free(run->targets);
    free(run);
}

static const dcts_bench_ops ops = { fits, open_run, add_all, pass, close_run };
static const dcts_bench_engine engine = {
    DCTS_BENCH_ENGINE_VERSION, "libuv-direct", &ops,
};

DCTS_EXPORT_BENCH_ENGINE(engine)
