/*
 * bench_backend.c: driving a backend through the ABI (see bench_backend.h).
 */
#include "bench_backend.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct bench_target {
    dc_target base;             /* first: the backend hands it back */
    dcts_bench_load *load;
    size_t idx;
} bench_target;

typedef struct backend_run {
    const dc_backend *be;
    dc_context *ctx;
    bench_target *targets;
    size_t n;
} backend_run;

static int on_event(dc_target *self, unsigned long r, unsigned long w,
                    unsigned long e)
{
    bench_target *t = (bench_target *)self;

    (void)r, (void)w, (void)e;
    dcts_bench_load_readable(t->load, t->idx);
    return 0;
}

static int backend_fits(const void *arg, const dcts_bench_fds *fds,
                        char *why, size_t len)
{
    const dc_backend *be = arg;

    if (be->fd_limit > 0 && fds->max_rd >= be->fd_limit) {
        snprintf(why, len, "fd %d is past the backend's fd_limit %d",
                 fds->max_rd, be->fd_limit);
        return -1;
    }
    return 0;
}

static int backend_open(void **state, const void *arg, dcts_bench_load *load)
{
    backend_run *run = dcts_xmalloc(sizeof *run);
    size_t n = load->fds->n;

    run->be = arg;
    run->n = n;
    run->ctx = NULL;
    int rc = run->be->create(&run->ctx);
    if (rc < 0 || run->ctx == NULL) {
        free(run);
        return rc < 0 ? rc : -EINVAL;
    }
    run->targets = dcts_xmalloc(sizeof *run->targets * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        run->targets[i].base.fd = load->fds->rd[i];
        run->targets[i].base.dispatch_event = on_event;
        run->targets[i].load = load;
        run->targets[i].idx = i;
    }
    *state = run;
    return 0;
}

static int backend_add_all(void *state)
{
    backend_run *run = state;

    for (size_t i = 0; i < run->n; i++) {
        int rc = run->be->set_dispatch_filter(run->ctx,
                                              &run->targets[i].base, 1, 0, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int backend_pass(void *state)
{
    backend_run *run = state;
    static const double no_wait = 0.0;

    return run->be->dispatch_once(run->ctx, &no_wait, NULL, NULL);
}

static void backend_close(void *state)
{
    backend_run *run = state;

    run->be->destroy(run->ctx);
    free(run->targets);
    free(run);
}

const dcts_bench_ops dcts_bench_backend_ops = {
    backend_fits, backend_open, backend_add_all, backend_pass, backend_close,
};

const char *dcts_bench_reference_of(const dc_backend *be)
{
    switch (be->event_model) {
    case DC_MODEL_EPOLL:
        return "raw-epoll";
    case DC_MODEL_POLL:
        return "raw-poll";
    case DC_MODEL_SELECT:
        return "raw-select";
    }
    return NULL;
}
