/*
 * bench_results.h: what a benchmark run found, as the writers see it
 * (bench_table.c, bench_json.c, bench_svg.c): the machine, the method,
 * notes (limits met, blocks that failed) and one row per implementation
 * and (N, A).
 */
#ifndef DCTS_BENCH_RESULTS_H
#define DCTS_BENCH_RESULTS_H

#include "bench_stats.h"
#include "text.h"

#include <stddef.h>

typedef struct dcts_bench_row {
    char *impl;                 /* a backend's label, or a baseline's name */
    int baseline;
    char *reference;            /* the raw loop of its mechanism, or NULL */
    size_t n, active;
    long writes;
    char *skipped;              /* why there is no figure, or NULL */
    int failed;                 /* skipped because it failed the workload */
    double setup_ms;            /* median; NaN when none */
    double ns_per_event;        /* median over the kept runs */
    double passes_per_run;      /* median */
    dcts_spread vs_epoll;       /* paired ratios to raw-epoll (n 0: none) */
    dcts_spread vs_reference;   /* paired ratios to .reference */
    long rss_kib;               /* peak RSS of its blocks' processes */
    long rss_growth_kib;        /* the most a block's peak grew; -1 unknown */
    size_t runs;                /* kept runs */
    /* --interest only (NaN otherwise): ns per set_dispatch_filter call
     * (for raw-epoll, per epoll_ctl). */
    double add_ns;              /* a new registration (ADD) */
    double same_ns;             /* the interest it already has */
    double change_ns;           /* another interest (MOD) */
} dcts_bench_row;

typedef struct dcts_bench_results {
    /* The machine. */
    long ncpu;
    char *cpu_model;
    char *kernel;
    int pinned_cpu;             /* -1: not pinned */
    /* The method. */
    int pipes;
    long writes;
    unsigned rounds, runs;
    int quick, callgrind;
    int interest;               /* --interest: the filter probe's rows */
    int wall_clock;             /* times on the wall clock, not CPU time */
    long nofile;                /* the descriptor limit in effect */
    /* What happened. */
    char **notes;
    size_t nnotes;
    dcts_bench_row *rows;
    size_t nrows;
} dcts_bench_results;

void dcts_bench_results_init(dcts_bench_results *r);
void dcts_bench_results_free(dcts_bench_results *r);

/* Fills ncpu, cpu_model (from /proc/cpuinfo) and kernel (uname). */
void dcts_bench_describe_machine(dcts_bench_results *r);

__attribute__((format(printf, 2, 3)))
void dcts_bench_note(dcts_bench_results *r, const char *fmt, ...);

/* A new row, zeroed, figures NaN and -1, strings copied. */
dcts_bench_row *dcts_bench_add_row(dcts_bench_results *r, const char *impl,
                                   int baseline, const char *reference,
                                   size_t n, size_t active, long writes);

/* "socketpairs" or "pipes". */
const char *dcts_bench_mode_name(const dcts_bench_results *r);
/* "CPU time" or "wall time". */
const char *dcts_bench_clock_name(const dcts_bench_results *r);

/* Writers: each appends a whole document to b. */
void dcts_bench_write_table(dcts_buf *b, const dcts_bench_results *r);
/* 0, or -1 when this build has no JSON library (jansson). */
int dcts_bench_write_json(dcts_buf *b, const dcts_bench_results *r);
void dcts_bench_write_svg(dcts_buf *b, const dcts_bench_results *r);

#endif /* DCTS_BENCH_RESULTS_H */
