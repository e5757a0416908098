/*
 * bench/libev.c: libev 4 driven directly, the baseline of the libev
 * adapter (bench_engine.h).  What its users write: one ev_io per fd,
 * ev_run(EVRUN_NOWAIT) per pass; with the adapter's loop flags (its own
 * loop, environment ignored, signal mask left alone).
 */
#include "bench_engine.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>

typedef struct direct_run direct_run;

typedef struct target {
    ev_io io;                   /* first: the callback gets it back */
    direct_run *run;
    size_t idx;
    int started;
} target;

struct direct_run {
    dcts_bench_load *load;
    struct ev_loop *loop;
    target *targets;
    size_t n;
};

static void on_read(struct ev_loop *loop, ev_io *io, int revents)
{
    target *t = (target *)io;

    (void)loop, (void)revents;
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
    run->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
    if (run->targets == NULL || run->loop == NULL) {
        if (run->loop)
            ev_loop_destroy(run->loop);
        free(run->targets);
        free(run);
        return -ENOMEM;
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
        ev_io_init(&t->io, on_read, run->load->fds->rd[i], EV_READ);
        ev_io_start(run->loop, &t->io);
        t->started = 1;
    }
    return 0;
}

static int pass(void *state)
{
    direct_run *run = state;

    ev_run(run->loop, EVRUN_NOWAIT);
    return 0;
}

static void close_run(void *state)
{
    direct_run *run = state;

    for (size_t i = 0; i < run->n; i++)
        if (run->targets[i].started)
            ev_io_stop(run->loop, &run->targets[i].io);
    ev_loop_destroy(run->loop);
    free(run->targets);
    free(run);
}

static const dcts_bench_ops ops = { fits, open_run, add_all, pass, close_run };
static const dcts_bench_engine engine = {
    DCTS_BENCH_ENGINE_VERSION, "libev-direct", &ops,
};

DCTS_EXPORT_BENCH_ENGINE(engine)
