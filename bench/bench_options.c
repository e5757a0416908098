/*
 * bench_options.c: parsing `dispatch-cts bench ...` (see bench_options.h).
 */
#include "bench_options.h"
#include "cmdline.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* The full sweep (the issue's): N up to 100000 where the descriptor limit
 * allows, A of 100 and 1000, W = 1000. */
static const size_t default_pairs[] = { 100, 1000, 10000, 100000 };
static const size_t default_active[] = { 100, 1000 };
#define DEFAULT_WRITES 1000
#define DEFAULT_ROUNDS 9
#define DEFAULT_RUNS 5
/* --quick: a smoke test of a few seconds, not a measurement. */
static const size_t quick_pairs[] = { 100, 1000 };
static const size_t quick_active[] = { 100 };
#define QUICK_ROUNDS 2
#define QUICK_RUNS 2
/* --interest: one N is enough to see a cost per call. */
static const size_t interest_pairs[] = { 1000 };
/* --callgrind: instruction counts are exact, one kept run is enough. */
#define CALLGRIND_ROUNDS 1
#define CALLGRIND_RUNS 1

#define MAX_ROUNDS 1000u
#define MAX_RUNS 64u                /* DCTS_BENCH_MAX_RUNS */
#define MAX_PAIRS 1000000ul
#define MAX_WRITES 100000000l

/* A whole number from lo to hi, nothing else. */
static int parse_count(const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out)
{
    char *end;

    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* "100,1000,...": from 1 to MAX_PAIRS each, at most DCTS_BENCH_MAX_LIST. */
static int parse_list(const char *s, size_t *list, size_t *n)
{
    char item[32];

    *n = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        unsigned long v;
        if (len == 0 || len >= sizeof item || *n == DCTS_BENCH_MAX_LIST)
            return -1;
        memcpy(item, s, len);
        item[len] = '\0';
        if (parse_count(item, 1, MAX_PAIRS, &v) != 0)
            return -1;
        list[(*n)++] = v;
        s += len;
        if (*s == ',' && *++s == '\0')
            return -1;              /* a trailing comma */
    }
    return *n > 0 ? 0 : -1;
}

static void set_list(size_t *list, size_t *n, const size_t *from, size_t k)
{
    memcpy(list, from, k * sizeof *from);
    *n = k;
}

enum { OPT_PAIRS, OPT_ACTIVE, OPT_WRITES, OPT_PIPES, OPT_ROUNDS, OPT_RUNS,
       OPT_BASELINES, OPT_PIN, OPT_CLOCK, OPT_QUICK, OPT_CALLGRIND,
       OPT_INTEREST, OPT_JSON, OPT_SVG, OPT_HELP };

static const dcts_cmdline_option table[] = {
    { "pairs", 'n', 1, OPT_PAIRS },
    { "active", 'a', 1, OPT_ACTIVE },
    { "writes", 'w', 1, OPT_WRITES },
    { "pipes", 0, 0, OPT_PIPES },
    { "rounds", 0, 1, OPT_ROUNDS },
    { "runs", 0, 1, OPT_RUNS },
    { "baselines", 0, 1, OPT_BASELINES },
    { "pin", 0, 1, OPT_PIN },
    { "clock", 0, 1, OPT_CLOCK },
    { "quick", 0, 0, OPT_QUICK },
    { "callgrind", 0, 0, OPT_CALLGRIND },
    { "interest", 0, 0, OPT_INTEREST },
    { "json", 0, 1, OPT_JSON },
    { "svg", 0, 1, OPT_SVG },
    { "help", 'h', 0, OPT_HELP },
};

/* What the walk over the arguments fills. */
typedef struct bench_cmd {
    dcts_bench_options *o;
    int given[3];               /* writes, rounds, runs */
} bench_cmd;

/* Applies one option or operand (cmdline.h). */
static int apply(void *cmd, int c, const char *opt, const char *v,
                 char *err, size_t errlen)
{
    dcts_bench_options *o = ((bench_cmd *)cmd)->o;
    int *given = ((bench_cmd *)cmd)->given;
    unsigned long n;

    switch (c) {
    case DCTS_CMDLINE_OPERAND:      /* a backend */
        o->backends = dcts_xrealloc(o->backends, sizeof *o->backends *
                                    (o->nbackends + 1));
        o->backends[o->nbackends++] = v;
        return 0;
    case OPT_HELP:
        o->help = 1;
        return 1;                   /* the rest does not matter */
    case OPT_PIPES:
        o->pipes = 1;
        return 0;
    case OPT_QUICK:
        o->quick = 1;
        return 0;
    case OPT_CALLGRIND:
        o->callgrind = 1;
        return 0;
    case OPT_INTEREST:
        o->interest = 1;
        return 0;
    case OPT_PAIRS:
        if (parse_list(v, o->pairs, &o->npairs) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a list of whole "
                                      "numbers from 1 to %lu (e.g. 100,1000)",
                                      opt, v, MAX_PAIRS);
        return 0;
    case OPT_ACTIVE:
        if (parse_list(v, o->active, &o->nactive) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a list of whole "
                                      "numbers from 1 to %lu (e.g. 100,1000)",
                                      opt, v, MAX_PAIRS);
        return 0;
    case OPT_WRITES:
        if (parse_count(v, 0, (unsigned long)MAX_WRITES, &n) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a whole number from "
                                      "0 to %ld",
                                      opt, v, MAX_WRITES);
        o->writes = (long)n;
        given[0] = 1;
        return 0;
    case OPT_ROUNDS:
        if (parse_count(v, 1, MAX_ROUNDS, &n) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a whole number from "
                                      "1 to %u",
                                      opt, v, MAX_ROUNDS);
        o->rounds = (unsigned)n;
        given[1] = 1;
        return 0;
    case OPT_RUNS:
        if (parse_count(v, 1, MAX_RUNS, &n) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a whole number from "
                                      "1 to %u",
                                      opt, v, MAX_RUNS);
        o->runs = (unsigned)n;
        given[2] = 1;
        return 0;
    case OPT_BASELINES:
        o->baselines = v;           /* checked against the table later */
        return 0;
    case OPT_PIN:
        if (parse_count(v, 0, CPU_SETSIZE - 1, &n) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a CPU number", opt, v);
        o->pin_cpu = (int)n;
        return 0;
    case OPT_CLOCK:
        if (strcmp(v, "cpu") != 0 && strcmp(v, "wall") != 0)
            return dcts_cmdline_error(
                err, errlen, "%s: unknown clock '%s' (cpu or wall)", opt, v);
        o->wall_clock = strcmp(v, "wall") == 0;
        return 0;
    case OPT_JSON:
    case OPT_SVG:
        if (!*v)
            return dcts_cmdline_error(err, errlen,
                                      "%s: the file name is empty", opt);
        *(c == OPT_JSON ? &o->json : &o->svg) = v;
        return 0;
    }
    return dcts_cmdline_error(err, errlen, "%s: internal error", opt);
}

int dcts_bench_options_parse(dcts_bench_options *o, int argc,
                             char *const argv[], char *err, size_t errlen)
{
    bench_cmd cmd = { o, { 0, 0, 0 } };
    int *given = cmd.given;

    memset(o, 0, sizeof *o);
    o->pin_cpu = -1;
    o->writes = DEFAULT_WRITES;
    if (dcts_cmdline_parse(argc, argv, table, sizeof table / sizeof table[0],
                           apply, &cmd, err, errlen) != 0)
        return -1;
    if (o->help)
        return 0;
    if (o->quick && o->callgrind)
        return dcts_cmdline_error(err, errlen,
                                  "--quick and --callgrind cannot be "
                                  "combined");
    if (o->interest && (o->svg || o->callgrind))
        return dcts_cmdline_error(err, errlen,
                                  "--interest cannot be combined with %s "
                                  "(they are about the sweep)",
                                  o->svg ? "--svg" : "--callgrind");
    if (o->npairs == 0) {
        if (o->interest)
            set_list(o->pairs, &o->npairs, interest_pairs,
                     sizeof interest_pairs / sizeof *interest_pairs);
        else if (o->quick)
            set_list(o->pairs, &o->npairs, quick_pairs,
                     sizeof quick_pairs / sizeof *quick_pairs);
        else
            set_list(o->pairs, &o->npairs, default_pairs,
                     sizeof default_pairs / sizeof *default_pairs);
    }
    if (o->nactive == 0) {
        if (o->quick)
            set_list(o->active, &o->nactive, quick_active,
                     sizeof quick_active / sizeof *quick_active);
        else
            set_list(o->active, &o->nactive, default_active,
                     sizeof default_active / sizeof *default_active);
    }
    if (!given[1])
        o->rounds = o->callgrind ? CALLGRIND_ROUNDS
                    : o->quick ? QUICK_ROUNDS : DEFAULT_ROUNDS;
    if (!given[2])
        o->runs = o->callgrind ? CALLGRIND_RUNS
                  : o->quick ? QUICK_RUNS : DEFAULT_RUNS;
    return 0;
}

void dcts_bench_options_free(dcts_bench_options *o)
{
    free(o->backends);
    o->backends = NULL;
    o->nbackends = 0;
}

void dcts_bench_usage(FILE *f)
{
    fputs(
"Usage: dispatch-cts bench [OPTION]... [BACKEND.so]...\n"
"\n"
"Measures how fast backends dispatch, against hand-written loops on the\n"
"same descriptors in the same run.  The workload is the classic shape of\n"
"libevent's test/bench.c: N socketpairs, every read end registered; A of\n"
"them get a byte; every target found readable reads its byte and writes\n"
"one to the next pair while a budget of W writes lasts; passes of\n"
"dispatch_once (timeout 0) run until every byte written has been read.\n"
"With no BACKEND, the select backend built into dispatch-cts is measured.\n"
"\n"
"Besides the backends, each (N, A) runs these baselines:\n"
"  raw-epoll   epoll_ctl(ADD) per target, epoll_wait into N events\n"
"  raw-poll    one pollfd per target, poll, scan until all ready are seen\n"
"  raw-select  one fd_set copied per select (only below FD_SETSIZE)\n"
"  oracle      knows which pairs hold a byte: only the reads and writes,\n"
"              no polling (the floor)\n"
"  NAME-direct for an adapter backend DIR/backends/NAME.so (libevent, libev,\n"
"              libuv, glib, sdevent), the engine it adapts driven directly,\n"
"              DIR/bench/NAME.so, when it is there (make builds them)\n"
"\n"
"Method: for each (N, A), every implementation runs one block per round,\n"
"the order rotating from round to round.  A block is 1 + RUNS runs in a\n"
"child forked from this process (same descriptors, same address layout;\n"
"its peak memory is the block's own); its first run is dropped.  Reported\n"
"per implementation: setup (registering the N targets, and one empty\n"
"pass), time per event (median of the kept runs), passes per run (about\n"
"(A+W)/A; more means a ready list too small), peak RSS growth, and the\n"
"median and interquartile range of the PAIRED ratios, round by round, to\n"
"raw-epoll and to the backend's own reference (the raw loop of its\n"
"mechanism, or for an adapter its engine driven directly).\n"
"\n"
"Workload:\n"
"  -n, --pairs LIST     the N to sweep (default 100,1000,10000,100000); an\n"
"                       N whose 2N descriptors the limit cannot hold (the\n"
"                       soft RLIMIT_NOFILE is raised to the hard one) is\n"
"                       replaced by the largest that fits, or dropped, and\n"
"                       the output says so\n"
"  -a, --active LIST    the A to sweep (default 100,1000; only A <= N)\n"
"  -w, --writes W       writes per run (default 1000)\n"
"      --pipes          pipes instead of socketpairs\n"
"      --baselines LIST which baselines to run (raw-epoll, raw-poll,\n"
"                       raw-select, oracle, engines: the NAME-direct ones;\n"
"                       comma-separated; or none; default all)\n"
"\n"
"Method:\n"
"      --rounds R       blocks per implementation and (N, A) (default 9)\n"
"      --runs K         kept runs per block, after the dropped one (1-64;\n"
"                       default 5)\n"
"      --clock CLOCK    cpu (default): time on the thread's CPU clock; wall:\n"
"                       CLOCK_MONOTONIC.  The workload never blocks, so on\n"
"                       an idle machine they agree; on a shared one the wall\n"
"                       clock also counts the time other processes held the\n"
"                       CPU (a run preempted once takes 2-4 times longer)\n"
"      --pin CPU        run on that CPU only (sched_setaffinity)\n"
"      --quick          a smoke test of a few seconds: N 100,1000, A 100,\n"
"                       2 rounds of 2 runs (explicit options win)\n"
"      --callgrind      for valgrind --tool=callgrind --collect-atstart=no:\n"
"                       collect only the event phases, one dump per\n"
"                       implementation and (N, A), named after them (1 round\n"
"                       of 1 run; see make bench-instructions)\n"
"      --interest       instead of the sweep: the cost of set_dispatch_filter\n"
"                       itself, per backend: N registrations, N calls with\n"
"                       an unchanged interest, 2N changes (r -> r+w -> r);\n"
"                       against epoll_ctl(MOD) by hand (count the system\n"
"                       calls with strace -f)\n"
"\n"
"Output:\n"
"      --json FILE      the results as JSON (machine, method, notes, a row\n"
"                       per implementation and (N, A))\n"
"      --svg FILE       a plot: time per event against N (log scale), a\n"
"                       panel per A, a line per implementation\n"
"  -h, --help           show this help and exit\n"
"\n"
"Exit status: 0 when every block ran; 1 when a backend failed the\n"
"workload (an error, a crash, no progress; the output says which); 2 for\n"
"usage errors, backends that cannot be loaded and files that cannot be\n"
"written.\n"
"\n"
"Examples:\n"
"  dispatch-cts bench build/backends/poll.so build/backends/epoll.so\n"
"  dispatch-cts bench --pipes --pin 1 --json bench.json --svg bench.svg \\\n"
"      build/backends/epoll.so\n"
"  dispatch-cts bench --quick --baselines raw-epoll build/backends/epoll.so\n",
        f);
}
