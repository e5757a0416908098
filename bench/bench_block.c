/*
 * bench_block.c: running a block in a forked child (see bench_block.h).
 */
#include "bench_block.h"
#include "bench_child.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif

int dcts_bench_callgrind_available(void)
{
#ifdef HAVE_CALLGRIND
    return 1;
#else
    return 0;
#endif
}

double dcts_bench_now_ns(unsigned flags)
{
    struct timespec ts;

    clock_gettime((flags & DCTS_BENCH_WALL_CLOCK) ? CLOCK_MONOTONIC
                                                  : CLOCK_THREAD_CPUTIME_ID,
                  &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the event phase under callgrind ------------------------------------ */

/* Collection is off (valgrind --collect-atstart=no) except around the
 * event phase of a kept run; each phase is dumped under a name that says
 * what it was, for tools/bench-instructions.sh. */
static void collect_toggle(void)
{
#ifdef HAVE_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

static void collect_dump(const dcts_bench_impl *impl,
                         const dcts_bench_load *load, long passes)
{
#ifdef HAVE_CALLGRIND
    char name[200];
    int len = snprintf(name, sizeof name, "dcts-bench impl=%s", impl->name);
    /* The fields are split on blanks: none in the implementation's name. */
    for (int i = (int)sizeof "dcts-bench impl=" - 1;
         i < len && i < (int)sizeof name; i++)
        if (name[i] == ' ' || name[i] == '\t')
            name[i] = '_';
    snprintf(name + strlen(name), sizeof name - strlen(name), " n=%zu "
             "active=%zu writes=%ld events=%ld passes=%ld", load->fds->n,
             load->active, load->writes, load->count, passes);
    CALLGRIND_DUMP_STATS_AT(name);
#else
    (void)impl, (void)load, (void)passes;
#endif
}

/* ---- one run ------------------------------------------------------------ */

static void say_rc(char *err, size_t len, const char *what, int rc)
{
    if (rc < 0)
        snprintf(err, len, "%s failed: %s", what, strerror(-rc));
    else
        snprintf(err, len, "%s returned %d", what, rc);
}

/* The event phase: passes until every byte written has been read.  A
 * backend that stops handing out ready targets would spin for ever, so
 * the passes are bounded: ten per event is far more than any working
 * implementation needs (one event per pass is the worst). */
static int event_phase(const dcts_bench_impl *impl, void *state,
                       dcts_bench_load *load, long *passes)
{
    long limit = 10 * dcts_bench_load_events(load) + 1000;
    int rc = 0;

    *passes = 0;
    while (!dcts_bench_load_done(load) && *passes < limit) {
        rc = impl->ops->pass(state);
        ++*passes;
        if (rc != 0)
            break;
    }
    return rc;
}

static int one_run(const dcts_bench_impl *impl, dcts_bench_load *load,
                   unsigned flags, int collect, dcts_bench_sample *s,
                   char *err, size_t len)
{
    void *state = NULL;
    int rc;

    dcts_bench_load_reset(load);
    rc = impl->ops->open(&state, impl->arg, load);

    if (rc != 0) {
        say_rc(err, len, "create", rc);
        return -1;
    }
    double t0 = dcts_bench_now_ns(flags);
    rc = impl->ops->add_all(state);
    if (rc == 0)
        rc = impl->ops->pass(state);
    double t1 = dcts_bench_now_ns(flags);
    if (rc == 0) {
        rc = dcts_bench_load_prime(load);
        if (rc != 0)
            say_rc(err, len, "priming", rc);
    } else {
        say_rc(err, len, "registering", rc);
    }

    long passes = 0;
    double t2 = 0, t3 = 0;
    if (rc == 0) {
        if (collect)
            collect_toggle();
        t2 = dcts_bench_now_ns(flags);
        rc = event_phase(impl, state, load, &passes);
        t3 = dcts_bench_now_ns(flags);
        if (collect) {
            collect_toggle();
            collect_dump(impl, load, passes);
        }
        if (rc != 0)
            say_rc(err, len, "a pass", rc);
    }
    impl->ops->close(state);
    if (rc != 0)
        return -1;
    if (!dcts_bench_load_done(load)) {
        snprintf(err, len, "no progress: %ld of %ld bytes read after %ld "
                 "passes", load->count, load->fired, passes);
        return -1;
    }
    if (load->count != dcts_bench_load_events(load)) {
        snprintf(err, len, "%ld events handled, %ld expected", load->count,
                 dcts_bench_load_events(load));
        return -1;
    }
    s->setup_ns = t1 - t0;
    s->event_ns = t3 - t2;
    s->events = load->count;
    s->passes = passes;
    return 0;
}

/* ---- the block ---------------------------------------------------------- */

static void block_body(const dcts_bench_impl *impl, const dcts_bench_fds *fds,
                       size_t active, long writes, unsigned runs,
                       unsigned flags, dcts_bench_block *out)
{
    dcts_bench_load load;
    int peak_reset = dcts_bench_reset_peak_rss();
    long base = dcts_bench_status_kib("VmRSS:");
    struct rusage ru;

    dcts_bench_load_init(&load, fds, active, writes);
    for (unsigned r = 0; r <= runs; r++) {
        dcts_bench_sample s;
        int collect = r > 0 && (flags & DCTS_BENCH_CALLGRIND);
        if (one_run(impl, &load, flags, collect, &s,
                    out->error, sizeof out->error) != 0)
            break;
        if (r > 0)
            out->samples[out->nsamples++] = s;  /* the first is dropped */
    }
    long peak = dcts_bench_status_kib("VmHWM:");
    out->rss_growth_kib = peak_reset && base >= 0 && peak >= base
                          ? peak - base : -1;
    out->rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

typedef struct block_job {
    const dcts_bench_impl *impl;
    const dcts_bench_fds *fds;
    size_t active;
    long writes;
    unsigned runs, flags;
} block_job;

static void block_in_child(void *arg, void *out)
{
    const block_job *job = arg;

    block_body(job->impl, job->fds, job->active, job->writes, job->runs,
               job->flags, out);
}

int dcts_bench_run_block(const dcts_bench_impl *impl,
                         const dcts_bench_fds *fds, size_t active,
                         long writes, unsigned runs, unsigned flags,
                         double watchdog_s, dcts_bench_block *out)
{
    block_job job = { impl, fds, active, writes,
                      runs > DCTS_BENCH_MAX_RUNS ? DCTS_BENCH_MAX_RUNS : runs,
                      flags };
    char err[sizeof out->error];

    if (dcts_bench_in_child(block_in_child, &job, out, sizeof *out,
                            (flags & DCTS_BENCH_IN_PROCESS) != 0, watchdog_s,
                            err, sizeof err) != 0) {
        memset(out, 0, sizeof *out);
        snprintf(out->error, sizeof out->error, "%s", err);
    }
    if (out->nsamples == 0 && !out->error[0])
        snprintf(out->error, sizeof out->error, "no run was kept");
    return out->error[0] ? -1 : 0;
}
