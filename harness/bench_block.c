/*
 * bench_block.c: running a block in a forked child (see bench_block.h).
 */
#include "bench_block.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the event phase under callgrind ---------------------------------------- */

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
    char name[160];
    snprintf(name, sizeof name, "dcts-bench impl=%s n=%zu active=%zu "
             "writes=%ld events=%ld passes=%ld", impl->name, load->fds->n,
             load->active, load->writes, load->count, passes);
    CALLGRIND_DUMP_STATS_AT(name);
#else
    (void)impl, (void)load, (void)passes;
#endif
}

/* ---- one run ------------------------------------------------------------------ */

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
                   int collect, dcts_bench_sample *s, char *err, size_t len)
{
    void *state = NULL;
    int rc = impl->ops->open(&state, impl->arg, load);

    if (rc != 0) {
        say_rc(err, len, "create", rc);
        return -1;
    }
    double t0 = now_ns();
    rc = impl->ops->add_all(state);
    if (rc == 0)
        rc = impl->ops->pass(state);
    double t1 = now_ns();
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
        t2 = now_ns();
        rc = event_phase(impl, state, load, &passes);
        t3 = now_ns();
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

/* ---- memory ------------------------------------------------------------------- */

/* A "Name:   123 kB" line of /proc/self/status in KiB, or -1. */
static long status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kib = -1;
    size_t len = strlen(name);

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0) {
            kib = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* Makes the peak RSS (VmHWM) restart from the current RSS (Linux 4.0). */
static int reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, "5", 1) == 1;

    if (fd >= 0)
        close(fd);
    return ok;
}

/* ---- the block ---------------------------------------------------------------- */

static void block_body(const dcts_bench_impl *impl, const dcts_bench_fds *fds,
                       size_t active, long writes, unsigned runs,
                       unsigned flags, dcts_bench_block *out)
{
    dcts_bench_load load;
    int peak_reset = reset_peak_rss();
    long base = status_kib("VmRSS:");
    struct rusage ru;

    dcts_bench_load_init(&load, fds, active, writes);
    for (unsigned r = 0; r <= runs; r++) {
        dcts_bench_sample s;
        int collect = r > 0 && (flags & DCTS_BENCH_CALLGRIND);
        if (one_run(impl, &load, collect, &s, out->error,
                    sizeof out->error) != 0)
            break;
        if (r > 0)
            out->samples[out->nsamples++] = s;  /* the first is dropped */
    }
    long peak = status_kib("VmHWM:");
    out->rss_growth_kib = peak_reset && base >= 0 && peak >= base
                          ? peak - base : -1;
    out->rss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Reads the child's result until EOF or the deadline; returns the bytes
 * read, or -1 when the deadline passed. */
static ssize_t read_result(int fd, void *buf, size_t size, double deadline)
{
    size_t got = 0;

    for (;;) {
        double left = deadline - dcts_clock();
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int rc = poll(&p, 1, (int)(left * 1000) + 1);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc <= 0)
            continue;
        ssize_t n = read(fd, (char *)buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (ssize_t)got;
        got += (size_t)n;
        if (got == size)
            return (ssize_t)got;
    }
}

static int write_all(int fd, const void *buf, size_t size)
{
    const char *p = buf;

    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int dcts_bench_run_block(const dcts_bench_impl *impl,
                         const dcts_bench_fds *fds, size_t active,
                         long writes, unsigned runs, unsigned flags,
                         double watchdog_s, dcts_bench_block *out)
{
    memset(out, 0, sizeof *out);
    out->rss_kib = out->rss_growth_kib = -1;
    if (runs > DCTS_BENCH_MAX_RUNS)
        runs = DCTS_BENCH_MAX_RUNS;
    if (flags & DCTS_BENCH_IN_PROCESS) {
        block_body(impl, fds, active, writes, runs, flags, out);
        return out->error[0] ? -1 : 0;
    }

    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(out->error, sizeof out->error, "cannot make a pipe: %s",
                 strerror(errno));
        return -1;
    }
    fflush(NULL);                   /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->error, sizeof out->error, "cannot fork: %s",
                 strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        block_body(impl, fds, active, writes, runs, flags, out);
        _exit(write_all(p[1], out, sizeof *out) == 0 ? 0 : 1);
    }
    close(p[1]);
    ssize_t got = read_result(p[0], out, sizeof *out,
                              dcts_clock() + watchdog_s);
    close(p[0]);
    if (got < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == (ssize_t)sizeof *out)
        return out->error[0] ? -1 : 0;

    memset(out, 0, sizeof *out);
    out->rss_kib = out->rss_growth_kib = -1;
    if (got < 0) {
        snprintf(out->error, sizeof out->error, "no result within %.0f s "
                 "(a pass that blocks, or one that never ends)", watchdog_s);
    } else {
        char how[128];
        dcts_describe_wait_status(status, how, sizeof how);
        snprintf(out->error, sizeof out->error, "the block's process %s "
                 "before its result", how);
    }
    return -1;
}
