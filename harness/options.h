/*
 * options.h: the command line of dispatch-cts.
 *
 * Parsing never prints and never exits: it fills a dcts_options or
 * returns an error message, so main decides what to do and the unit tests
 * can feed it anything.
 */
#ifndef DCTS_OPTIONS_H
#define DCTS_OPTIONS_H

#include "report.h"              /* dcts_format */

#include <stddef.h>
#include <stdio.h>

typedef enum {
    DCTS_MODE_RUN,              /* run the cases (default) */
    DCTS_MODE_LIST,             /* --list */
    DCTS_MODE_LIST_CLAUSES,     /* --list-clauses */
    DCTS_MODE_CHECK_COVERAGE,   /* --check-coverage */
    DCTS_MODE_HELP,             /* --help */
    DCTS_MODE_VERSION,          /* --version */
    DCTS_MODE_BENCH,            /* `dispatch-cts bench ...` (bench/bench.h) */
    DCTS_MODE_EXPLAIN,          /* `dispatch-cts explain ID` */
    DCTS_MODE_FUZZ              /* `dispatch-cts fuzz ...` (fuzz_cmd.h) */
} dcts_mode;

typedef struct dcts_options {
    dcts_mode mode;
    dcts_format format;
    const char *output;         /* -o FILE; NULL (or "-"): stdout */
    const char **filters;       /* --filter GLOBs (point into argv) */
    size_t nfilters;
    const char **excludes;      /* --exclude GLOBs (point into argv) */
    size_t nexcludes;
    unsigned shard, nshards;    /* --shard I/N (1 <= I <= N); 0/0: all */
    const char *write_expect;   /* --write-expect FILE, or NULL */
    const char **backends;      /* positional arguments (point into argv) */
    size_t nbackends;
    const char **expect_files;  /* --expect FILEs (point into argv) */
    size_t nexpect_files;
    unsigned jobs;              /* --jobs; 0 until given: dcts_default_jobs */
    double timeout_scale;       /* --timeout-scale; 1 by default */
    int no_fork;                /* --no-fork */
    int keep_privileges;        /* --keep-privileges */
    int strict;                 /* --strict */
    const char *argv0;          /* for rerun hints */
    int bench_argc;             /* DCTS_MODE_BENCH and _FUZZ: the arguments */
    char **bench_argv;          /* from "bench" (or "fuzz") on */
    const char *explain_id;     /* DCTS_MODE_EXPLAIN: the clause or case */
} dcts_options;

#define DCTS_MAX_JOBS 1024u

/* Defaults: mode RUN, format human, scale 1, jobs 0. */
#define DCTS_SCALE_ENV "DCTS_TIMEOUT_SCALE"

void dcts_options_init(dcts_options *o, const char *argv0);
/* Parses argv[1..argc-1] into o (initialised first; the timeout scale
 * from $DCTS_TIMEOUT_SCALE when set, which --timeout-scale overrides).  When argv[1] is
 * "bench", the rest belongs to the benchmark: mode DCTS_MODE_BENCH, with
 * bench_argc/bench_argv from "bench" on (a backend file named bench is
 * given as ./bench); "fuzz" likewise, mode DCTS_MODE_FUZZ.  Returns 0, or -1
 * with a one-line message (no program name, no newline) in err. */
int dcts_options_parse(dcts_options *o, int argc, char *const argv[],
                       char *err, size_t errlen);
void dcts_options_free(dcts_options *o);

/* The --jobs default: online CPUs, at least 2. */
unsigned dcts_default_jobs(void);

/* Strict number parsing, shared with anything else that reads numbers:
 * 0 on success, -1 on garbage or out of range. */
int dcts_parse_scale(const char *s, double *out);
int dcts_parse_jobs(const char *s, unsigned *out);
/* "I/N", 1 <= I <= N <= 1000000. */
int dcts_parse_shard(const char *s, unsigned *index, unsigned *count);

/* --help text. */
void dcts_usage(FILE *f);

#endif /* DCTS_OPTIONS_H */
