/*
 * bench_interest.c: what set_dispatch_filter costs (see bench_interest.h).
 */
#include "bench_interest.h"
#include "bench_backend.h"
#include "bench_block.h"
#include "bench_child.h"
#include "bench_fds.h"
#include "dispatch_context.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* One run: ns for the N registrations, the N unchanged calls, the 2N
 * changes. */
typedef struct interest_times {
    double add, same, change;
} interest_times;

typedef struct interest_out {
    interest_times runs[DCTS_BENCH_MAX_RUNS];
    size_t nruns;
    char error[240];
} interest_out;

typedef struct interest_job {
    const dcts_bench_impl *impl;
    const dcts_bench_fds *fds;
    unsigned runs;
    unsigned flags;             /* the clock: DCTS_BENCH_WALL_CLOCK */
} interest_job;

static int ignore_event(dc_target *self, unsigned long r, unsigned long w,
                        unsigned long e)
{
    (void)self, (void)r, (void)w, (void)e;
    return 0;
}

/* Every target of t[0..n) to interest (r, w); the first error. */
static int set_all(const dc_backend *be, dc_context *ctx, dc_target *t,
                   size_t n, int r, int w)
{
    for (size_t i = 0; i < n; i++) {
        int rc = be->set_dispatch_filter(ctx, &t[i], r, w, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int backend_run(const dc_backend *be, const dcts_bench_fds *fds,
                       unsigned flags, interest_times *t)
{
    dc_context *ctx = NULL;
    dc_target *targets = calloc(fds->n ? fds->n : 1, sizeof *targets);
    int rc = targets ? be->create(&ctx) : -ENOMEM;

    if (rc != 0 || ctx == NULL) {
        free(targets);
        return rc ? rc : -EINVAL;
    }
    for (size_t i = 0; i < fds->n; i++) {
        targets[i].fd = fds->rd[i];
        targets[i].dispatch_event = ignore_event;
    }
    double t0 = dcts_bench_now_ns(flags);
    rc = set_all(be, ctx, targets, fds->n, 1, 0);
    double t1 = dcts_bench_now_ns(flags);
    if (rc == 0)
        rc = set_all(be, ctx, targets, fds->n, 1, 0);
    double t2 = dcts_bench_now_ns(flags);
    if (rc == 0)
        rc = set_all(be, ctx, targets, fds->n, 1, 1);
    if (rc == 0)
        rc = set_all(be, ctx, targets, fds->n, 1, 0);
    double t3 = dcts_bench_now_ns(flags);
    be->destroy(ctx);
    free(targets);
    t->add = t1 - t0;
    t->same = t2 - t1;
    t->change = t3 - t2;
    return rc;
}

/* The same by hand: ADD, nothing, MOD and MOD. */
static int epoll_ctl_all(int epfd, int op, const dcts_bench_fds *fds,
                         uint32_t events)
{
    for (size_t i = 0; i < fds->n; i++) {
        struct epoll_event ev = { .events = events, .data.u64 = i };
        if (epoll_ctl(epfd, op, fds->rd[i], &ev) != 0)
            return -errno;
    }
    return 0;
}

static int raw_epoll_run(const dcts_bench_fds *fds, unsigned flags,
                         interest_times *t)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);

    if (epfd < 0)
        return -errno;
    double t0 = dcts_bench_now_ns(flags);
    int rc = epoll_ctl_all(epfd, EPOLL_CTL_ADD, fds, EPOLLIN);
    double t1 = dcts_bench_now_ns(flags);
    if (rc == 0)
        rc = epoll_ctl_all(epfd, EPOLL_CTL_MOD, fds, EPOLLIN | EPOLLOUT);
    if (rc == 0)
        rc = epoll_ctl_all(epfd, EPOLL_CTL_MOD, fds, EPOLLIN);
    double t2 = dcts_bench_now_ns(flags);
    close(epfd);
    t->add = t1 - t0;
    t->same = NAN;                  /* no call to make */
    t->change = t2 - t1;
    return rc;
}

static void interest_in_child(void *arg, void *result)
{
    const interest_job *job = arg;
    interest_out *out = result;

    for (unsigned r = 0; r <= job->runs; r++) {
        interest_times t;
        int rc = job->impl->arg
            ? backend_run(job->impl->arg, job->fds, job->flags, &t)
            : raw_epoll_run(job->fds, job->flags, &t);
        if (rc != 0) {
            snprintf(out->error, sizeof out->error, "set_dispatch_filter "
                     "%s %d%s%s", rc < 0 ? "failed:" : "returned", rc,
                     rc < 0 ? " " : "", rc < 0 ? strerror(-rc) : "");
            return;
        }
        if (r > 0)                  /* the first is dropped */
            out->runs[out->nruns++] = t;
    }
}

enum { ADD, SAME, CHANGE };

/* The median over the kept runs of one phase, per call. */
static double per_call(const interest_out *out, int phase, double calls)
{
    double v[DCTS_BENCH_MAX_RUNS];

    for (size_t i = 0; i < out->nruns; i++) {
        const interest_times *t = &out->runs[i];
        v[i] = (phase == ADD ? t->add : phase == SAME ? t->same
                                                      : t->change) / calls;
    }
    return dcts_median(v, out->nruns);
}

static int probe(const dcts_bench_options *o, const dcts_bench_impl *impl,
                 const dcts_bench_fds *fds, double watchdog_s,
                 dcts_bench_results *r)
{
    dcts_bench_row *row = dcts_bench_add_row(r, impl->name, impl->baseline,
                                             impl->reference, fds->n, 0, 0);
    interest_job job = {
        impl, fds, o->runs < DCTS_BENCH_MAX_RUNS ? o->runs
                                                 : DCTS_BENCH_MAX_RUNS,
        o->wall_clock ? DCTS_BENCH_WALL_CLOCK : 0,
    };
    interest_out out;
    char err[240];
    char why[200];

    if (impl->ops->fits(impl->arg, fds, why, sizeof why) != 0) {
        row->skipped = dcts_xstrdup(why);
        return 0;
    }
    if (dcts_bench_in_child(interest_in_child, &job, &out, sizeof out, 0,
                            watchdog_s, err, sizeof err) != 0)
        snprintf(out.error, sizeof out.error, "%s", err);
    if (out.error[0]) {
        row->skipped = dcts_xstrdup(out.error);
        row->failed = 1;
        return 1;
    }
    double n = (double)fds->n;
    row->add_ns = per_call(&out, ADD, n);
    row->same_ns = per_call(&out, SAME, n);
    row->change_ns = per_call(&out, CHANGE, 2 * n);
    row->runs = out.nruns;
    return 0;
}

int dcts_bench_interest(const dcts_bench_options *o,
                        const dcts_bench_impl *impls, size_t nimpls,
                        double watchdog_s, dcts_bench_results *r)
{
    int failures = 0;

    for (size_t k = 0; k < o->npairs; k++) {
        size_t n = o->pairs[k];
        dcts_bench_fds fds;
        char err[256];
        if ((long)dcts_bench_fds_needed(n) > r->nofile) {
            dcts_bench_note(r, "N=%zu not run: it needs %zu descriptors but "
                            "RLIMIT_NOFILE is %ld", n,
                            dcts_bench_fds_needed(n), r->nofile);
            continue;
        }
        if (dcts_bench_fds_open(&fds, n, o->pipes, err, sizeof err) != 0) {
            dcts_bench_note(r, "N=%zu not run: %s", n, err);
            continue;
        }
        for (size_t i = 0; i < nimpls; i++)
            if (!impls[i].baseline ||
                strcmp(impls[i].name, "raw-epoll") == 0)
                failures += probe(o, &impls[i], &fds, watchdog_s, r);
        dcts_bench_fds_close(&fds);
    }
    return failures;
}
