/*
 * driver.c: a run of the workload (bench_impl.h) on the engine a driver
 * supplies (driver.h), and the descriptor that exports it
 * (spec/dispatch_bench.h).
 */
#include "driver.h"

#include <errno.h>
#include <stdlib.h>

typedef struct driver_run {
    dcts_bench_load *load;
    void *loop;                 /* dcts_driver_engine.loop_new's */
    char *targets;              /* n watcher structs of target_size bytes */
    size_t n;
} driver_run;

static dcts_driver_target *target_at(const driver_run *run, size_t i)
{
    return (dcts_driver_target *)(run->targets +
                                  i * dcts_driver_engine.target_size);
}

/* A loop of its own waits on any descriptor (no FD_SETSIZE). */
static int fits(const void *arg, const dcts_bench_fds *fds, char *why,
                size_t len)
{
    (void)arg, (void)fds, (void)why, (void)len;
    return 0;
}

static int open_run(void **state, const void *arg, dcts_bench_load *load)
{
    driver_run *run = calloc(1, sizeof *run);

    (void)arg;
    if (run == NULL)
        return -ENOMEM;
    run->load = load;
    run->n = load->fds->n;
    run->targets = calloc(run->n ? run->n : 1, dcts_driver_engine.target_size);
    int rc = run->targets ? dcts_driver_engine.loop_new(&run->loop) : -ENOMEM;
    if (rc != 0) {
        free(run->targets);
        free(run);
        return rc;
    }
    *state = run;
    return 0;
}

static int add_all(void *state)
{
    driver_run *run = state;

    for (size_t i = 0; i < run->n; i++) {
        dcts_driver_target *t = target_at(run, i);
        t->load = run->load;
        t->idx = i;
        int rc = dcts_driver_engine.watch(run->loop, t, run->load->fds->rd[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int pass(void *state)
{
    driver_run *run = state;

    return dcts_driver_engine.pass(run->loop);
}

static void close_run(void *state)
{
    driver_run *run = state;

    for (size_t i = 0; i < run->n; i++)
        dcts_driver_engine.unwatch(run->loop, target_at(run, i));
    dcts_driver_engine.loop_free(run->loop);
    free(run->targets);
    free(run);
}

static const dcts_bench_ops ops = { fits, open_run, add_all, pass, close_run };

/* This file's operations under the driver's name. */
static const dcts_bench_engine descriptor = {
    DCTS_BENCH_ENGINE_VERSION, dcts_driver_engine.name, &ops,
};

DCTS_EXPORT_BENCH_ENGINE(descriptor)
