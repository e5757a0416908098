/*
 * bench.c: the flow of `dispatch-cts bench` (see bench.h): parse, load,
 * plan the sweep within the descriptor limit, run the blocks round by
 * round, summarise, write.
 */
#include "bench.h"
#include "bench_backend.h"
#include "bench_baselines.h"
#include "bench_block.h"
#include "bench_engines.h"
#include "bench_fds.h"
#include "bench_interest.h"
#include "bench_options.h"
#include "bench_results.h"
#include "loader.h"
#include "proc.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROG "dispatch-cts bench"
/* A block of a working implementation takes well under a second. */
#define WATCHDOG_S 60.0
#define CALLGRIND_WATCHDOG_S 1800.0

typedef struct bench {
    const dcts_bench_options *opt;
    dcts_backend_handle *hs;        /* the loaded backends */
    dcts_bench_engine_handle *engines;  /* engines[i]: hs[i]'s engine
                                         * driven directly, if any */
    size_t nb;
    dcts_bench_impl *impls;         /* backends, then baselines */
    size_t nimpls;
    unsigned flags;                 /* DCTS_BENCH_CALLGRIND, _WALL_CLOCK */
    double watchdog_s;
    int progress;                   /* a progress line on stderr */
    dcts_bench_results results;
} bench;

/* ---- setting up --------------------------------------------------------- */

static int find_impl(const bench *b, const char *name);

/* The engines driven directly of the adapters among the backends (once
 * each, when an adapter is given twice). */
static void add_engines(bench *b)
{
    for (size_t i = 0; i < b->nb; i++)
        if (b->engines[i].engine &&
            find_impl(b, b->engines[i].engine->name) < 0) {
            dcts_bench_impl impl = {
                b->engines[i].engine->name, b->engines[i].engine->ops, NULL,
                1, NULL,
            };
            b->impls[b->nimpls++] = impl;
        }
}

/* --baselines: the list's baselines (every one by default), in the
 * table's order, then "engines". */
static int add_baselines(bench *b, const char *list, char *err, size_t len)
{
    int engines = list == NULL;

    if (list == NULL) {
        for (size_t i = 0; i < dcts_bench_nbaselines; i++)
            b->impls[b->nimpls++] = dcts_bench_baselines[i];
        add_engines(b);
        return 0;
    }
    if (strcmp(list, "none") == 0)
        return 0;
    const char *s = list;
    while (*s) {
        size_t n = strcspn(s, ",");
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), s);
        const dcts_bench_impl *base = dcts_bench_baseline(name);
        if (strcmp(name, "engines") == 0 && !engines) {
            engines = 1;
        } else if (n == 0 || n >= sizeof name || base == NULL) {
            snprintf(err, len, "--baselines: unknown baseline '%.*s' "
                     "(raw-epoll, raw-poll, raw-select, oracle, engines or "
                     "none)", (int)(n < 40 ? n : 40), s);
            return -1;
        } else {
            for (size_t i = b->nb; i < b->nimpls; i++)
                if (b->impls[i].ops == base->ops) {
                    snprintf(err, len, "--baselines: %s is named twice",
                             name);
                    return -1;
                }
            b->impls[b->nimpls++] = *base;
        }
        s += n + (s[n] == ',');
    }
    if (engines)
        add_engines(b);
    return 0;
}

static int load_backends(bench *b, const dc_backend *(*embedded)(void))
{
    const dcts_bench_options *o = b->opt;
    char err[1024];

    b->nb = o->nbackends ? o->nbackends : 1;
    b->hs = dcts_xmalloc(sizeof *b->hs * b->nb);
    memset(b->hs, 0, sizeof *b->hs * b->nb);
    for (size_t i = 0; i < b->nb; i++) {
        int rc = o->nbackends
            ? dcts_load_backend(o->backends[i], 1.0, &b->hs[i], err,
                                sizeof err)
            : dcts_use_embedded(embedded, &b->hs[i], err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, PROG ": cannot use backend %s\n", err);
            return -1;
        }
    }
    dcts_label_backends(b->hs, b->nb);
    /* The bench measures the backends in this process (it is not a
     * conformance run): each is loaded here once it passed the probe. */
    for (size_t i = 0; i < b->nb; i++)
        if (dcts_backend_attach(&b->hs[i], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": cannot use backend %s: %s\n",
                    b->hs[i].path, err);
            return -1;
        }
    /* The loader's probes are over: its SIGCHLD watch and wake-up pipe
     * go, so the blocks' children are ours alone to reap. */
    dcts_signals_restore();
    b->impls = dcts_xmalloc(sizeof *b->impls *
                            (2 * b->nb + dcts_bench_nbaselines));
    b->engines = dcts_xmalloc(sizeof *b->engines * b->nb);
    memset(b->engines, 0, sizeof *b->engines * b->nb);
    for (size_t i = 0; i < b->nb; i++) {
        /* An adapter's reference is its engine driven directly, when
         * there is a driver for it. */
        if (dcts_bench_find_engine(b->hs[i].path, &b->engines[i], err,
                                   sizeof err) < 0) {
            fprintf(stderr, PROG ": %s\n", err);
            return -1;
        }
        dcts_bench_impl impl = {
            b->hs[i].label, &dcts_bench_backend_ops, b->hs[i].be, 0,
            b->engines[i].engine ? b->engines[i].engine->name
                                 : dcts_bench_reference_of(b->hs[i].be),
        };
        b->impls[b->nimpls++] = impl;
    }
    return 0;
}

static int pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, PROG ": --pin %d: %s\n", cpu, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the sweep's N ------------------------------------------------------ */

/* Two significant digits, rounded down: 9992 -> 9900. */
static size_t round_down(size_t n)
{
    size_t unit = 1;

    while (n / unit >= 100)
        unit *= 10;
    return n / unit * unit;
}

static int hard_limit_reached(void)
{
    struct rlimit rl;

    return getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == rl.rlim_max;
}

/* The N to run for the i-th requested one, or 0 (with a note) when the
 * descriptor limit leaves none that adds to the sweep. */
static size_t plan_n(bench *b, size_t i)
{
    const dcts_bench_options *o = b->opt;
    dcts_bench_results *r = &b->results;
    size_t want = o->pairs[i];
    size_t fit = dcts_bench_fds_fitting(r->nofile);
    size_t largest = 0;                 /* the largest requested that fits */

    if (want <= fit)
        return want;
    for (size_t k = 0; k < o->npairs; k++)
        if (o->pairs[k] <= fit && o->pairs[k] > largest)
            largest = o->pairs[k];
    size_t instead = round_down(fit);
    /* Only the first N past the limit is replaced; the others would be
     * the same point again. */
    int first_past = 1;
    for (size_t k = 0; k < o->npairs; k++)
        if (o->pairs[k] > fit && o->pairs[k] < want)
            first_past = 0;
    const char *which = hard_limit_reached() ? " (the hard limit)" : "";
    if (first_past && instead > largest) {
        dcts_bench_note(r, "N=%zu needs %zu descriptors but RLIMIT_NOFILE "
                        "is %ld%s: ran N=%zu instead", want,
                        dcts_bench_fds_needed(want), r->nofile, which,
                        instead);
        return instead;
    }
    dcts_bench_note(r, "N=%zu not run: it needs %zu descriptors but "
                    "RLIMIT_NOFILE is %ld%s", want,
                    dcts_bench_fds_needed(want), r->nofile, which);
    return 0;
}

/* ---- one (N, A) --------------------------------------------------------- */

/* What the blocks of one implementation found at one (N, A). */
typedef struct tally {
    double *round_median;       /* ns per event, a block per round (NaN:
                                 * no block that round) */
    double *per_event, *setup, *passes;     /* every kept run */
    size_t nruns;
    long rss, growth;
    int skip;                   /* does not fit, or failed */
} tally;

static void progress(const bench *b, const char *what, size_t n,
                     size_t active, unsigned round)
{
    if (!b->progress)
        return;
    fprintf(stderr, "\r\033[K" PROG ": N=%zu A=%zu round %u/%u: %s", n,
            active, round + 1, b->opt->rounds, what);
    fflush(stderr);
}

static void record(tally *t, const dcts_bench_block *blk, unsigned round)
{
    double block_runs[DCTS_BENCH_MAX_RUNS];

    for (size_t i = 0; i < blk->nsamples; i++) {
        const dcts_bench_sample *s = &blk->samples[i];
        block_runs[i] = s->event_ns / (double)s->events;
        t->per_event[t->nruns] = block_runs[i];
        t->setup[t->nruns] = s->setup_ns / 1e6;
        t->passes[t->nruns] = (double)s->passes;
        t->nruns++;
    }
    t->round_median[round] = dcts_median(block_runs, blk->nsamples);
    if (blk->rss_kib > t->rss)
        t->rss = blk->rss_kib;
    if (blk->rss_growth_kib > t->growth)
        t->growth = blk->rss_growth_kib;
}

static int find_impl(const bench *b, const char *name)
{
    for (size_t i = 0; name && i < b->nimpls; i++)
        if (strcmp(b->impls[i].name, name) == 0)
            return (int)i;
    return -1;
}

static dcts_spread ratio_to(const bench *b, const tally *ts, size_t i,
                            const char *ref)
{
    static const dcts_spread none = { NAN, NAN, NAN, 0 };
    int k = find_impl(b, ref);

    if (k < 0 || ts[k].skip || ts[i].skip)
        return none;
    return dcts_paired_ratio(ts[i].round_median, ts[k].round_median,
                             b->opt->rounds);
}

/* Runs every implementation at (fds->n, active), round by round; adds a
 * row each.  Returns the number of implementations that failed. */
static int run_config(bench *b, const dcts_bench_fds *fds, size_t active)
{
    const dcts_bench_options *o = b->opt;
    size_t m = b->nimpls, slots = (size_t)o->rounds * o->runs;
    tally *ts = dcts_xmalloc(sizeof *ts * m);
    size_t first = b->results.nrows;    /* rows[first + i]: impls[i] */
    dcts_bench_row *rows;
    int failures = 0;

    for (size_t i = 0; i < m; i++) {
        const dcts_bench_impl *impl = &b->impls[i];
        char why[200];
        dcts_bench_row *row = dcts_bench_add_row(&b->results, impl->name,
                                                 impl->baseline,
                                                 impl->reference, fds->n,
                                                 active, o->writes);
        ts[i].round_median = dcts_xmalloc(sizeof(double) * o->rounds);
        for (unsigned r = 0; r < o->rounds; r++)
            ts[i].round_median[r] = NAN;
        ts[i].per_event = dcts_xmalloc(sizeof(double) * slots);
        ts[i].setup = dcts_xmalloc(sizeof(double) * slots);
        ts[i].passes = dcts_xmalloc(sizeof(double) * slots);
        ts[i].nruns = 0;
        ts[i].rss = ts[i].growth = -1;
        ts[i].skip = impl->ops->fits(impl->arg, fds, why, sizeof why) != 0;
        if (ts[i].skip)
            row->skipped = dcts_xstrdup(why);
    }
    rows = b->results.rows + first;     /* no row is added from here on */

    /* Round r starts with implementation r: none always runs first. */
    for (unsigned r = 0; r < o->rounds; r++)
        for (size_t k = 0; k < m; k++) {
            size_t i = (k + r) % m;
            dcts_bench_block blk;
            if (ts[i].skip)
                continue;
            progress(b, b->impls[i].name, fds->n, active, r);
            if (dcts_bench_run_block(&b->impls[i], fds, active, o->writes,
                                     o->runs, b->flags, b->watchdog_s,
                                     &blk) != 0) {
                ts[i].skip = 1;
                rows[i].failed = 1;
                rows[i].skipped = dcts_xstrdup(blk.error);
                failures++;
                dcts_bench_fds_drain(fds);  /* its bytes must not linger */
                continue;
            }
            record(&ts[i], &blk, r);
        }

    for (size_t i = 0; i < m; i++) {
        dcts_bench_row *row = &rows[i];
        if (!ts[i].skip) {
            row->ns_per_event = dcts_median(ts[i].per_event, ts[i].nruns);
            row->setup_ms = dcts_median(ts[i].setup, ts[i].nruns);
            row->passes_per_run = dcts_median(ts[i].passes, ts[i].nruns);
            row->runs = ts[i].nruns;
            row->rss_kib = ts[i].rss;
            row->rss_growth_kib = ts[i].growth;
            row->vs_epoll = ratio_to(b, ts, i, "raw-epoll");
            row->vs_reference = ratio_to(b, ts, i, b->impls[i].reference);
        }
    }
    for (size_t i = 0; i < m; i++) {
        free(ts[i].round_median);
        free(ts[i].per_event);
        free(ts[i].setup);
        free(ts[i].passes);
    }
    free(ts);
    return failures;
}

/* The whole sweep: every N the limit allows, every A <= N.  Returns the
 * number of implementations that failed somewhere, or -1 when a set of
 * descriptors could not be opened. */
static int sweep(bench *b)
{
    const dcts_bench_options *o = b->opt;
    int failures = 0;

    for (size_t i = 0; i < o->npairs; i++) {
        size_t n = plan_n(b, i);
        dcts_bench_fds fds;
        char err[256];
        if (n == 0)
            continue;
        if (dcts_bench_fds_open(&fds, n, o->pipes, err, sizeof err) != 0) {
            dcts_bench_note(&b->results, "N=%zu not run: %s", n, err);
            continue;
        }
        for (size_t k = 0; k < o->nactive; k++)
            if (o->active[k] <= n)
                failures += run_config(b, &fds, o->active[k]);
        dcts_bench_fds_close(&fds);
    }
    if (b->progress)
        fputs("\r\033[K", stderr);
    for (size_t i = 0; i < b->results.nrows; i++)
        if (b->results.rows[i].failed)
            dcts_bench_note(&b->results, "%s FAILED at N=%zu A=%zu: %s",
                            b->results.rows[i].impl, b->results.rows[i].n,
                            b->results.rows[i].active,
                            b->results.rows[i].skipped);
    return failures;
}

/* ---- output ------------------------------------------------------------- */

static int write_file(const char *path, const dcts_buf *doc)
{
    FILE *f = fopen(path, "we");
    int ok = f != NULL && fputs(dcts_buf_str(doc), f) >= 0;

    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, PROG ": cannot write %s: %s\n", path,
                strerror(errno));
    return ok ? 0 : -1;
}

static int write_outputs(const bench *b)
{
    const dcts_bench_options *o = b->opt;
    dcts_buf doc = DCTS_BUF_INIT;
    int rc = 0;

    dcts_bench_write_table(&doc, &b->results);
    fputs(dcts_buf_str(&doc), stdout);
    if (o->json) {
        doc.len = 0;
        if (dcts_bench_write_json(&doc, &b->results) == 0) {
            rc |= write_file(o->json, &doc);
        } else {
            fprintf(stderr, "dispatch-cts bench: --json: this dispatch-cts "
                    "was built without jansson (sudo apt-get install -y "
                    "libjansson-dev, then make)\n");
            rc = -1;
        }
    }
    if (o->svg) {
        doc.len = 0;
        dcts_bench_write_svg(&doc, &b->results);
        rc |= write_file(o->svg, &doc);
    }
    dcts_buf_free(&doc);
    return rc;
}

/* ---- the subcommand ----------------------------------------------------- */

static void describe(bench *b)
{
    const dcts_bench_options *o = b->opt;
    dcts_bench_results *r = &b->results;

    dcts_bench_results_init(r);
    dcts_bench_describe_machine(r);
    r->pinned_cpu = o->pin_cpu;
    r->pipes = o->pipes;
    r->writes = o->writes;
    r->rounds = o->rounds;
    r->runs = o->runs;
    r->quick = o->quick;
    r->callgrind = o->callgrind;
    r->interest = o->interest;
    r->wall_clock = o->wall_clock;
}

static int run(bench *b, const dc_backend *(*embedded)(void))
{
    const dcts_bench_options *o = b->opt;
    char err[256];

    if (o->callgrind && !dcts_bench_callgrind_available()) {
        fprintf(stderr, PROG ": --callgrind: this dispatch-cts was built "
                "without valgrind's callgrind.h (apt-get install valgrind)\n");
        return 2;
    }
    if (load_backends(b, embedded) != 0)
        return 2;
    if (add_baselines(b, o->baselines, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 2;
    }
    if (o->pin_cpu >= 0 && pin(o->pin_cpu) != 0)
        return 2;
    describe(b);
    b->results.nofile = dcts_bench_raise_nofile();
    b->flags = (o->callgrind ? DCTS_BENCH_CALLGRIND : 0) |
               (o->wall_clock ? DCTS_BENCH_WALL_CLOCK : 0);
    b->watchdog_s = o->callgrind ? CALLGRIND_WATCHDOG_S : WATCHDOG_S;
    b->progress = isatty(2);

    int failures = o->interest
        ? dcts_bench_interest(o, b->impls, b->nimpls, b->watchdog_s,
                              &b->results)
        : sweep(b);
    if (write_outputs(b) != 0)
        return 2;
    return failures ? 1 : 0;
}

int dcts_bench_main(int argc, char **argv,
                    const dc_backend *(*embedded)(void))
{
    dcts_bench_options opt;
    char err[512];
    bench b;
    int rc;

    memset(&b, 0, sizeof b);
    dcts_bench_results_init(&b.results);
    if (dcts_bench_options_parse(&opt, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\ntry '" PROG " --help'\n", err);
        rc = 2;
    } else if (opt.help) {
        dcts_bench_usage(stdout);
        rc = 0;
    } else {
        b.opt = &opt;
        rc = run(&b, embedded);
    }
    dcts_bench_results_free(&b.results);
    for (size_t i = 0; i < b.nb; i++) {
        if (b.engines)
            dcts_bench_engine_release(&b.engines[i]);
        dcts_unload_backend(&b.hs[i]);
    }
    free(b.engines);
    free(b.hs);
    free(b.impls);
    dcts_bench_options_free(&opt);
    return rc;
}
