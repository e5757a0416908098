/*
 * bench/libevent.c: libevent 2.1 driven directly, the baseline of the
 * libevent adapter (bench_engine.h).  What its users write: one
 * persistent read event per fd, event_base_loop(EVLOOP_ONCE |
 * EVLOOP_NONBLOCK) per pass; with the adapter's base configuration (no
 * locking, environment ignored, a method with early-close support:
 * epoll), so the two differ only by the adapter.
 */
#include "bench_engine.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>

typedef struct direct_run direct_run;

typedef struct target {
    direct_run *run;
    size_t idx;
    struct event *ev;
} target;

struct direct_run {
    dcts_bench_load *load;
    struct event_base *base;
    target *targets;
    size_t n;
};

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    target *t = arg;

    (void)fd, (void)what;
    t->run->load->readable(t->run->load, t->idx);
}

static int fits(const void *arg, const dcts_bench_fds *fds, char *why,
                size_t len)
{
    (void)arg, (void)fds, (void)why, (void)len;
    return 0;
}

static struct event_base *new_base(void)
{
    struct event_config *cfg = event_config_new();
    struct event_base *base = NULL;

    if (cfg == NULL)
        return NULL;
    if (event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE) == 0 &&
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK) == 0 &&
        event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV) == 0)
        base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
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
    run->base = new_base();
    if (run->targets == NULL || run->base == NULL) {
        if (run->base)
            event_base_free(run->base);
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
        t->ev = event_new(run->base, run->load->fds->rd[i],
                          EV_READ | EV_PERSIST, on_read, t);
        if (t->ev == NULL || event_add(t->ev, NULL) != 0)
            return -ENOMEM;
    }
    return 0;
}

static int pass(void *state)
{
    direct_run *run = state;

    return event_base_loop(run->base, EVLOOP_ONCE | EVLOOP_NONBLOCK) < 0
           ? -EIO : 0;
}

static void close_run(void *state)
{
    direct_run *run = state;

    for (size_t i = 0; i < run->n; i++)
        if (run->targets[i].ev)
            event_free(run->targets[i].ev);
    event_base_free(run->base);
    free(run->targets);
    free(run);
}

static const dcts_bench_ops ops = { fits, open_run, add_all, pass, close_run };
static const dcts_bench_engine engine = {
    DCTS_BENCH_ENGINE_VERSION, "libevent-direct", &ops,
};

DCTS_EXPORT_BENCH_ENGINE(engine)
