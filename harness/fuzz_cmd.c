/*
 * fuzz_cmd.c: `dispatch-cts fuzz [--seed S] [--seconds N] [--count N]
 * [--features LIST] [BACKEND.so]`.
 *
 * The sequences run in one worker process, so that a backend that
 * crashes or hangs ends the worker and not dispatch-cts: the worker puts
 * the seed it is running in shared memory, and when it dies the seed is
 * replayed and shrunk here, each trial in a child of its own.
 */
#include "fuzz_cmd.h"
#include "cmdline.h"
#include "loader.h"
#include "model.h"
#include "options.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "dispatch-cts fuzz"

typedef struct fuzz_options {
    unsigned long seed;
    int seed_given;
    double seconds;             /* < 0: not given */
    long count;                 /* < 0: not given */
    unsigned features;
    const char *backend;        /* NULL: the embedded one */
    int help;
} fuzz_options;

/* What the worker shares with its parent. */
typedef struct fuzz_shared {
    unsigned long current;      /* the seed being run */
    unsigned long done;         /* sequences finished */
    mdl_result res;
} fuzz_shared;

static void fuzz_usage(FILE *f)
{
    fprintf(f,
"Usage: dispatch-cts fuzz [--seed S] [--seconds N] [--count N]\n"
"                         [--features LIST] [BACKEND.so]\n"
"\n"
"Runs seeded random sequences of operations (filters through both calls,\n"
"socket_closed before and after close, dup, fd and target-address reuse,\n"
"reads, writes, shutdowns, callbacks that change, remove, replace or close\n"
"targets, raise codes or nest dispatch_once, handlers that handle, re-raise\n"
"or close) against one backend, and checks every call it makes against an\n"
"executable model of spec/CONTRACT.md that allows every legal choice.  The\n"
"first divergence is shrunk to a minimal op list and printed with the\n"
"clause it breaks, its seed and the command that reruns it.\n"
"\n"
"  --seed S        the first seed (sequence i uses S+i); default: from the\n"
"                  clock, printed.  Alone, it reruns that one sequence\n"
"  --seconds N     run fresh sequences for N seconds (default 10)\n"
"  --count N       run N sequences (with --seconds: whichever ends first)\n"
"  --features LIST what sequences may do, comma-separated, of: %s\n"
"                  (default: all)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 no divergence, 1 a divergence (or a crash or a hang) found,\n"
"2 bad usage, a backend that cannot be loaded, or a fault of the tester.\n",
            mdl_feature_names());
}

static int parse_ulong(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* The subcommand owns its flags; the walk over them is the shared one
 * (cmdline.h). */
enum { OPT_SEED, OPT_SECONDS, OPT_COUNT, OPT_FEATURES, OPT_HELP };

static const dcts_cmdline_option fuzz_table[] = {
    { "seed", 0, 1, OPT_SEED },
    { "seconds", 0, 1, OPT_SECONDS },
    { "count", 0, 1, OPT_COUNT },
    { "features", 0, 1, OPT_FEATURES },
    { "help", 'h', 0, OPT_HELP },
};

/* Applies one option or operand (cmdline.h). */
static int apply(void *cmd, int id, const char *opt, const char *val,
                 char *err, size_t errlen)
{
    fuzz_options *o = cmd;
    unsigned long v;

    switch (id) {
    case DCTS_CMDLINE_OPERAND:
        if (o->backend) {
            snprintf(err, errlen, "one backend at a time ('%s' and '%s')",
                     o->backend, val);
            return -1;
        }
        o->backend = val;
        return 0;
    case OPT_HELP:
        o->help = 1;
        return 1;
    case OPT_SEED:
        if (parse_ulong(val, &o->seed) != 0) {
            snprintf(err, errlen, "%s: not a number: '%s'", opt, val);
            return -1;
        }
        o->seed_given = 1;
        return 0;
    case OPT_SECONDS:
        if (strcmp(val, "0") == 0) {
            o->seconds = 0;
            return 0;
        }
        if (dcts_parse_scale(val, &o->seconds) != 0) {
            snprintf(err, errlen, "%s: not a positive number: '%s'", opt,
                     val);
            return -1;
        }
        return 0;
    case OPT_COUNT:
        if (parse_ulong(val, &v) != 0 || v == 0 || v > 1000000000ul) {
            snprintf(err, errlen, "%s: not a count: '%s'", opt, val);
            return -1;
        }
        o->count = (long)v;
        return 0;
    case OPT_FEATURES:
        if (mdl_parse_features(val, &o->features) != 0 || !o->features) {
            snprintf(err, errlen, "%s: expected a list of %s: '%s'", opt,
                     mdl_feature_names(), val);
            return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "%s: internal error", opt);
    return -1;
}

static int parse_fuzz_options(fuzz_options *o, int argc, char **argv,
                              char *err, size_t errlen)
{
    *o = (fuzz_options){ 0, 0, -1, -1, MDL_F_ALL, NULL, 0 };
    if (dcts_cmdline_parse(argc, argv, fuzz_table,
                           sizeof fuzz_table / sizeof fuzz_table[0], apply, o,
                           err, errlen) != 0)
        return -1;
    if (o->help)
        return 0;
    if (o->seed_given && o->seconds < 0 && o->count < 0)
        o->count = 1;                   /* a rerun */
    if (o->seconds < 0)
        o->seconds = o->count > 0 ? 1e9 : 10;
    if (!o->seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        o->seed = ((unsigned long)ts.tv_sec * 1000003ul) ^ (unsigned long)ts.tv_nsec;
        o->seed %= 1000000000ul;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The backend, loaded in this (child) process: no backend code ever runs
 * in the harness process (docs/THREAT-MODEL.md). */
static const dc_backend *attach_here(dcts_backend_handle *h)
{
    char err[1024];
    if (dcts_backend_attach(h, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": cannot load the backend again: %s\n", err);
        _exit(4);
    }
    return h->be;
}

/* The worker: sequences until the time or the count is used up. */
static void worker(dcts_backend_handle *h, const fuzz_options *o,
                   fuzz_shared *sh)
{
    const dc_backend *be = attach_here(h);
    double end = now_s() + o->seconds;
    for (long i = 0; o->count < 0 || i < o->count; i++) {
        sh->current = o->seed + (unsigned long)i;
        alarm(5);                       /* a hung sequence kills the worker */
        mdl_fuzz_one(be, sh->current, o->features, 0, &sh->res);
        alarm(0);
        if (sh->res.diverged)
            _exit(sh->res.diverged > 0 ? 1 : 3);
        sh->done++;
        if (now_s() >= end)
            break;
    }
    _exit(0);
}

int dcts_fuzz_main(int argc, char **argv, const dc_backend *(*embedded)(void))
{
    fuzz_options o;
    dcts_backend_handle h;
    char err[1024];

    if (parse_fuzz_options(&o, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\ntry '" PROG " --help'\n", err);
        return 2;
    }
    if (o.help) {
        fuzz_usage(stdout);
        return 0;
    }
    memset(&h, 0, sizeof h);
    if ((o.backend ? dcts_load_backend(o.backend, 1.0, &h, err, sizeof err)
                   : dcts_use_embedded(embedded, &h, err, sizeof err)) != 0) {
        fprintf(stderr, PROG ": cannot use backend %s\n", err);
        return 2;
    }
    fuzz_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
        dcts_unload_backend(&h);
        return 2;
    }
    memset(sh, 0, sizeof *sh);
    double start = now_s();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        worker(&h, &o, sh);
    int st = 0, rc;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        fprintf(stderr, PROG ": cannot start the worker: %s\n", strerror(errno));
        rc = 2;
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        printf("fuzz: %s: %lu sequence(s), seeds %lu..%lu, features %#x, "
               "%.1f s: no divergence\n", h.label, sh->done, o.seed,
               o.seed + (sh->done ? sh->done - 1 : 0), o.features,
               now_s() - start);
        rc = 0;
    } else {
        mdl_result res = sh->res;
        if (!(WIFEXITED(st) && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 3))) {
            /* It died: the seed again, alone, in a process of its own. */
            unsigned long seed = sh->current;
            memset(&sh->res, 0, sizeof sh->res);
            fflush(NULL);
            pid_t again = fork();
            if (again == 0) {
                mdl_fuzz_one(attach_here(&h), seed, o.features, 1, &sh->res);
                _exit(0);
            }
            if (again > 0 && waitpid(again, NULL, 0) == again)
                res = sh->res;
            else
                memset(&res, 0, sizeof res);
            if (!res.diverged) {        /* it needs the earlier contexts */
                int hang = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
                res.diverged = 1;
                snprintf(res.text, sizeof res.text, "%s: the worker %s in "
                         "seed %lu, after %lu sequence(s) in the same process, "
                         "each with its own context; the seed alone, in a "
                         "fresh process, runs clean: state outlives a context "
                         "(ABI-3, CLS-6)\n  rerun: dispatch-cts fuzz --seed "
                         "%lu --count %lu BACKEND.so\n", hang ? "HANG" : "CRASH",
                         hang ? "hung (no end within 5 s)" : "died",
                         sh->current, sh->done, o.seed, sh->done + 1);
            }
        }
        rc = res.diverged > 0 ? 1 : 2;
        printf("fuzz: %s: %s after %lu sequence(s) (seeds from %lu)\n%s",
               h.label, rc == 1 ? "DIVERGENCE" : "TESTER FAULT", sh->done,
               o.seed, res.text);
    }
    munmap(sh, sizeof *sh);
    dcts_unload_backend(&h);
    return rc;
}
