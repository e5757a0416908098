/*
 * bench_options.h: the command line of `dispatch-cts bench`.
 *
 * Like options.h, parsing never prints and never exits: it fills a
 * dcts_bench_options or returns a one-line message.
 */
#ifndef DCTS_BENCH_OPTIONS_H
#define DCTS_BENCH_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#define DCTS_BENCH_MAX_LIST 16      /* values in --pairs or --active */

typedef struct dcts_bench_options {
    int help;                       /* -h, --help */
    size_t pairs[DCTS_BENCH_MAX_LIST];  /* -n: the N of the sweep */
    size_t npairs;
    size_t active[DCTS_BENCH_MAX_LIST]; /* -a: the A of the sweep */
    size_t nactive;
    long writes;                    /* -w: W */
    int pipes;                      /* --pipes rather than socketpairs */
    unsigned rounds;                /* blocks per implementation */
    unsigned runs;                  /* kept runs per block */
    const char *baselines;          /* --baselines LIST; NULL: all */
    int wall_clock;                 /* --clock wall (default: cpu) */
    int pin_cpu;                    /* --pin CPU; -1: not pinned */
    int quick;                      /* --quick: the smoke-test sweep */
    int callgrind;                  /* --callgrind: mark event phases */
    int interest;                   /* --interest: the filter probe */
    const char *json;               /* --json FILE */
    const char *svg;                /* --svg FILE */
    const char **backends;          /* positional (point into argv) */
    size_t nbackends;
} dcts_bench_options;

/* Parses argv[1..argc-1] (argv[0] is "bench") into o.  Returns 0, or -1
 * with a message in err.  Values not given get the defaults of the full
 * sweep, or of --quick, or of --callgrind. */
int dcts_bench_options_parse(dcts_bench_options *o, int argc,
                             char *const argv[], char *err, size_t errlen);
void dcts_bench_options_free(dcts_bench_options *o);

/* `dispatch-cts bench --help`. */
void dcts_bench_usage(FILE *f);

#endif /* DCTS_BENCH_OPTIONS_H */
