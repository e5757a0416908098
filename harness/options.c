/*
 * options.c: parsing the command line (see options.h and dcts_usage).
 */
#include "options.h"
#include "cmdline.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void dcts_options_init(dcts_options *o, const char *argv0)
{
    memset(o, 0, sizeof *o);
    o->mode = DCTS_MODE_RUN;
    o->format = DCTS_FORMAT_HUMAN;
    o->timeout_scale = 1.0;
    o->argv0 = argv0 && *argv0 ? argv0 : "dispatch-cts";
}

void dcts_options_free(dcts_options *o)
{
    free(o->filters);
    free(o->backends);
    free(o->expect_files);
    free(o->excludes);
    o->filters = o->backends = o->expect_files = o->excludes = NULL;
    o->nfilters = o->nbackends = o->nexpect_files = o->nexcludes = 0;
}

unsigned dcts_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 2)
        return 2;
    if (n > (long)DCTS_MAX_JOBS)
        return DCTS_MAX_JOBS;
    return (unsigned)n;
}

int dcts_parse_scale(const char *s, double *out)
{
    char *end;
    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v) || !(v > 0))
        return -1;
    *out = v;
    return 0;
}

int dcts_parse_jobs(const char *s, unsigned *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < 1 || v > DCTS_MAX_JOBS)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int dcts_parse_shard(const char *s, unsigned *index, unsigned *count)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long i = strtoul(s, &end, 10);
    if (*end != '/' || !isdigit((unsigned char)end[1]))
        return -1;
    unsigned long n = strtoul(end + 1, &end, 10);
    if (*end != '\0' || errno == ERANGE || i < 1 || n > 1000000 || i > n)
        return -1;
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

static void push(const char ***list, size_t *n, const char *s)
{
    *list = dcts_xrealloc(*list, sizeof **list * (*n + 1));
    (*list)[(*n)++] = s;
}

enum { OPT_FILTER, OPT_JOBS, OPT_SCALE, OPT_FORMAT, OPT_OUTPUT, OPT_EXPECT,
       OPT_EXCLUDE, OPT_SHARD, OPT_WRITE_EXPECT, OPT_LIST, OPT_LIST_CLAUSES,
       OPT_CHECK_COVERAGE, OPT_NO_FORK, OPT_HELP, OPT_VERSION,
       OPT_KEEP_PRIVILEGES, OPT_STRICT };

static const dcts_cmdline_option table[] = {
    { "filter", 0, 1, OPT_FILTER },
    { "jobs", 'j', 1, OPT_JOBS },
    { "timeout-scale", 0, 1, OPT_SCALE },
    { "format", 0, 1, OPT_FORMAT },
    { "output", 'o', 1, OPT_OUTPUT },
    { "expect", 0, 1, OPT_EXPECT },
    { "exclude", 0, 1, OPT_EXCLUDE },
    { "shard", 0, 1, OPT_SHARD },
    { "write-expect", 0, 1, OPT_WRITE_EXPECT },
    { "list", 0, 0, OPT_LIST },
    { "list-clauses", 0, 0, OPT_LIST_CLAUSES },
    { "check-coverage", 0, 0, OPT_CHECK_COVERAGE },
    { "no-fork", 0, 0, OPT_NO_FORK },
    { "keep-privileges", 0, 0, OPT_KEEP_PRIVILEGES },
    { "strict", 0, 0, OPT_STRICT },
    { "help", 'h', 0, OPT_HELP },
    { "version", 0, 0, OPT_VERSION },
};

static int set_mode(dcts_options *o, dcts_mode m, const char *opt,
                    char *err, size_t errlen)
{
    if (o->mode != DCTS_MODE_RUN && o->mode != m)
        return dcts_cmdline_error(err, errlen,
                                  "%s cannot be combined with --list, "
                                  "--list-clauses or --check-coverage",
                                  opt);
    o->mode = m;
    return 0;
}

/* Applies one option or operand (cmdline.h). */
static int apply(void *cmd, int id, const char *opt, const char *value,
                 char *err, size_t errlen)
{
    dcts_options *o = cmd;

    switch (id) {
    case DCTS_CMDLINE_OPERAND:
        push(&o->backends, &o->nbackends, value);
        return 0;
    case OPT_HELP:
    case OPT_VERSION:
        o->mode = id == OPT_HELP ? DCTS_MODE_HELP : DCTS_MODE_VERSION;
        return 1;                               /* the rest does not matter */
    case OPT_FILTER:
        if (!*value)
            return dcts_cmdline_error(err, errlen, "%s: the pattern is empty",
                                      opt);
        push(&o->filters, &o->nfilters, value);
        return 0;
    case OPT_JOBS:
        if (dcts_parse_jobs(value, &o->jobs) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a whole number from 1 "
                                      "to %u",
                                      opt, value, DCTS_MAX_JOBS);
        return 0;
    case OPT_SCALE:
        if (dcts_parse_scale(value, &o->timeout_scale) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not a positive, finite "
                                      "number",
                                      opt, value);
        return 0;
    case OPT_FORMAT:
        if (dcts_format_from_name(value, &o->format) != 0) {
            dcts_buf names = DCTS_BUF_INIT;
            dcts_format_names(&names);
            dcts_cmdline_error(err, errlen, "%s: unknown format '%s' (%s)",
                               opt, value, dcts_buf_str(&names));
            dcts_buf_free(&names);
            return -1;
        }
        return 0;
    case OPT_OUTPUT:
        if (!*value)
            return dcts_cmdline_error(err, errlen,
                                      "%s: the file name is empty", opt);
        o->output = value;
        return 0;
    case OPT_EXPECT:
        if (!*value)
            return dcts_cmdline_error(err, errlen,
                                      "%s: the file name is empty", opt);
        push(&o->expect_files, &o->nexpect_files, value);
        return 0;
    case OPT_EXCLUDE:
        if (!*value)
            return dcts_cmdline_error(err, errlen, "%s: the pattern is empty",
                                      opt);
        push(&o->excludes, &o->nexcludes, value);
        return 0;
    case OPT_SHARD:
        if (dcts_parse_shard(value, &o->shard, &o->nshards) != 0)
            return dcts_cmdline_error(err, errlen,
                                      "%s: '%s' is not I/N with 1 <= I <= N "
                                      "(e.g. 2/4)",
                                      opt, value);
        return 0;
    case OPT_WRITE_EXPECT:
        if (!*value)
            return dcts_cmdline_error(err, errlen,
                                      "%s: the file name is empty", opt);
        o->write_expect = value;
        return 0;
    case OPT_LIST:
        return set_mode(o, DCTS_MODE_LIST, opt, err, errlen);
    case OPT_LIST_CLAUSES:
        return set_mode(o, DCTS_MODE_LIST_CLAUSES, opt, err, errlen);
    case OPT_CHECK_COVERAGE:
        return set_mode(o, DCTS_MODE_CHECK_COVERAGE, opt, err, errlen);
    case OPT_NO_FORK:
        o->no_fork = 1;
        return 0;
    case OPT_KEEP_PRIVILEGES:
        o->keep_privileges = 1;
        return 0;
    case OPT_STRICT:
        o->strict = 1;
        return 0;
    }
    return dcts_cmdline_error(err, errlen, "%s: internal error", opt);
}

int dcts_options_parse(dcts_options *o, int argc, char *const argv[],
                       char *err, size_t errlen)
{
    dcts_options_init(o, argc > 0 ? argv[0] : NULL);
    const char *env_scale = getenv(DCTS_SCALE_ENV);
    if (env_scale && *env_scale &&
        dcts_parse_scale(env_scale, &o->timeout_scale) != 0)
        return dcts_cmdline_error(err, errlen,
                                  DCTS_SCALE_ENV ": '%.40s' is not a "
                                                 "positive, finite number",
                                  env_scale);
    if (argc > 1 && strcmp(argv[1], "explain") == 0) {
        if (argc != 3 || !*argv[2])
            return dcts_cmdline_error(err, errlen,
                                      "explain takes one clause or case id "
                                      "(e.g. explain TMO-9)");
        o->mode = DCTS_MODE_EXPLAIN;
        o->explain_id = argv[2];
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "bench") == 0 ||
                     strcmp(argv[1], "fuzz") == 0)) {
        o->mode = argv[1][0] == 'b' ? DCTS_MODE_BENCH : DCTS_MODE_FUZZ;
        o->bench_argc = argc - 1;
        o->bench_argv = (char **)argv + 1;
        return 0;
    }
    return dcts_cmdline_parse(argc, argv, table, sizeof table / sizeof table[0],
                              apply, o, err, errlen);
}

void dcts_usage(FILE *f)
{
    fputs(
"Usage: dispatch-cts [OPTION]... [BACKEND.so]...\n"
"       dispatch-cts explain CLAUSE-OR-CASE-ID\n"
"       dispatch-cts bench [OPTION]... [BACKEND.so]...\n"
"       dispatch-cts fuzz [--seed S] [--seconds N] [BACKEND.so]\n"
"\n"
"Checks dispatch context backends against the contract: spec/CONTRACT.md in\n"
"the source, installed as PREFIX/share/doc/dispatch-cts/CONTRACT.md, with the\n"
"ABI (dispatch_context.h); 'dispatch-cts explain ID' prints a clause or case.\n"
"Each BACKEND is a shared object exporting dc_backend_v1(); a name without a\n"
"slash is looked up in the current directory, then among the installed\n"
"backends as NAME or NAME.so (PREFIX/lib/dispatch-cts/backends, pkg-config's\n"
"backenddir; in a build tree, build/backends): 'dispatch-cts epoll' works.\n"
"A BACKEND python:MODULE:FACTORY or python:FILE.py:FACTORY is a Python\n"
"IDispatchContext, run by the Python bridge installed beside dispatch-cts\n"
"(backends/python.so, which reads DCTS_PYTHON_TARGET); one per run.\n"
"With no BACKEND, the select backend built into dispatch-cts is checked.\n"
"With several, every case runs against each and the report is a matrix.\n"
"Before any case runs, every backend is loaded and its descriptor checked (in\n"
"a separate process first, so a crashing or hanging entry function is\n"
"caught); if any one cannot be loaded, dispatch-cts says why and exits with\n"
"status 2 without running.\n"
"\n"
"Every case runs in its own process (own process group, output captured)\n"
"under a watchdog: the case's budget (default 5 s) times --timeout-scale.\n"
"\n"
"Selecting:\n"
"      --filter GLOB      run only the cases whose id, or one of whose clause\n"
"                         ids, matches GLOB (fnmatch, case-insensitive);\n"
"                         repeat it to select more (a case matching any one\n"
"                         runs); a filter selecting no case is an error\n"
"      --exclude GLOB     leave out the cases --filter would select whose id,\n"
"                         or one of whose clause ids, matches GLOB (same\n"
"                         matching; repeatable)\n"
"      --shard I/N        of the selected cases, run only every N-th from the\n"
"                         I-th on (1 <= I <= N): N machines given the same\n"
"                         options run each case once between them, and their\n"
"                         JUnit reports merge (a property names the shard)\n"
"      --list             list the selected cases: id, clauses, level, summary\n"
"                         (--format json: a JSON array)\n"
"      --list-clauses     list every clause of the contract: id, level, text,\n"
"                         and the cases that check it (ignores --filter); a\n"
"                         clause's line starts with its id and level, for\n"
"                         scripts (tests/mutants.sh)\n"
"      --check-coverage   exit 1, listing the gaps, if a clause is checked by\n"
"                         no case or a case names a clause that does not exist\n"
"\n"
"Running:\n"
"  -j, --jobs N           run up to N cases at once (1 to 1024; default: the\n"
"                         number of online CPUs, at least 2); cases marked\n"
"                         serial (thousands of fds) always run alone\n"
"      --timeout-scale X  multiply every watchdog and every timing tolerance\n"
"                         by X (a positive number; e.g. 5 under valgrind)\n"
"      --no-fork          run the cases one after another in this process:\n"
"                         no isolation, no watchdog, output not captured (to\n"
"                         use a debugger); a crashing case ends dispatch-cts\n"
"      --keep-privileges  run as root, keep root in the case processes (by\n"
"                         default, when dispatch-cts is root, each runs as\n"
"                         an unprivileged uid of its own); the report says so\n"
"      --strict           exit 1 when a case was skipped because of the\n"
"                         environment (RLIMIT_NOFILE, socat missing, ...):\n"
"                         for CI that must prove every case ran\n"
"\n"
"Expected gaps:\n"
"      --expect FILE      the known gaps of the backends being checked, one\n"
"                         line each: BACKEND CASE-ID RESULT reason ('#' starts\n"
"                         a comment); RESULT is FAIL, WARN, TIMEOUT or CRASH,\n"
"                         or PASS for a note on a qualified pass; the reason\n"
"                         is required; repeat it to read several files.  A\n"
"                         line naming an unknown case or a backend not being\n"
"                         checked is an error (exit 2, with FILE:LINE)\n"
"      --write-expect FILE  write this run's gaps to FILE as an expectations\n"
"                         file: a met expectation keeps its reason, a new gap\n"
"                         gets the reason '" "TODO(reason):" "', which --expect\n"
"                         refuses until a person says why\n"
"\n"
"Reporting:\n"
"      --format FORMAT    human (default): a table per backend, or a matrix\n"
"                         for several, then summaries and failure details;\n"
"                         tap: TAP version 13, one test point per backend and\n"
"                         case; junit: JUnit XML, one testsuite per backend;\n"
"                         markdown: the conformance table to publish, with\n"
"                         each backend's engine and the reason of every\n"
"                         result that is not a plain PASS; json: one JSON\n"
"                         document (harness, environment, backends, and per\n"
"                         case its status, verdict, message, trace, rerun)\n"
"  -o, --output FILE      write the report to FILE (a one-line summary per\n"
"                         backend goes to stderr); '-' is standard output\n"
"  -h, --help             show this help and exit\n"
"      --version          show the version and exit\n"
"\n"
"Results:\n"
"  PASS     the backend meets the clauses the case checks\n"
"  FAIL     a MUST case failed, or its process ended without a valid result\n"
"  WARN     a SHOULD case failed (TAP: an \"ok\" point with a YAML diagnostic,\n"
"           severity: warn; JUnit: a passing testcase with the warning in\n"
"           <system-out>)\n"
"  SKIP     the case does not apply to this backend (with the reason)\n"
"  TIMEOUT  no result before the watchdog; the process group was killed\n"
"  CRASH    the case process was killed by a signal\n"
"With --expect, a result is judged against its backend's line, if any:\n"
"  XFAIL    the expected FAIL, TIMEOUT or CRASH: a known gap, not a failure\n"
"  XPASS    a gap was expected but the case passed: a failure, so that the\n"
"           file is tightened and never claims a gap that is gone\n"
"  STATUS!  another result than the expected one (e.g. CRASH! where FAIL\n"
"           was expected): a failure\n"
"  A SKIP meets no expectation and misses none: the case did not run.\n"
"A failure's details name the clauses, what was expected and observed, the\n"
"case's captured output, the command to rerun the case alone, and the step\n"
"of docs/TUTORIAL.md that teaches the clauses ('learn:').\n"
"\n"
"Explaining:\n"
"  dispatch-cts explain TMO-9  prints a clause's whole text (rule, Why, Seed),\n"
"  the cases that check it, the mutants that break it and its tutorial step;\n"
"  explain CASE-ID prints a case's summary and its clauses' texts\n"
"\n"
"Benchmark:\n"
"  dispatch-cts bench ... measures how fast backends dispatch, against raw\n"
"  epoll, poll and select loops and a no-polling oracle on the same\n"
"  descriptors: time per event, setup, passes, memory, paired ratios; a\n"
"  table, --json and --svg (see 'dispatch-cts bench --help')\n"
"\n"
"Differential testing:\n"
"  dispatch-cts fuzz ... runs seeded random operation sequences against one\n"
"  backend and checks every call it makes against an executable model of\n"
"  the contract; a divergence is shrunk and printed with its seed and the\n"
"  command that reruns it (exit 0 none, 1 found, 2 usage; see 'dispatch-cts\n"
"  fuzz --help').  The cases mdl-* run a fixed set of seeds\n"
"\n"
"Exit status:\n"
"  0  no FAIL, TIMEOUT or CRASH on any backend (WARN and SKIP are fine),\n"
"     except the ones --expect lists\n"
"  1  at least one FAIL, TIMEOUT or CRASH not expected, an XPASS or a\n"
"     mismatched expectation; or --check-coverage found a gap\n"
"  2  usage error, a backend that cannot be loaded, a filter selecting\n"
"     nothing, a bad expectations file, or a report that cannot be written\n"
"  If interrupted (SIGINT, SIGTERM, SIGHUP), running cases are killed and\n"
"  dispatch-cts dies of the same signal.\n"
"\n"
"Environment:\n"
"  DCTS_TIMEOUT_SCALE  the default of --timeout-scale (which overrides it)\n"
"  NO_COLOR  when set (to anything), the human report has no colour; colour\n"
"            is only ever used when the report goes to a terminal\n"
"\n"
"Examples:\n"
"  dispatch-cts                                  # the built-in select backend\n"
"  dispatch-cts build/backends/poll.so build/backends/epoll.so\n"
"  dispatch-cts --filter 'TMO-*' --timeout-scale 3 --format tap ./mine.so\n"
"  dispatch-cts --filter dsp-one-call-all-fields --no-fork ./mine.so  # gdb\n"
"  dispatch-cts --format junit -o report.xml --shard 2/4 ./mine.so\n"
"  dispatch-cts --write-expect gaps.txt ./mine.so   # then edit the reasons\n"
"  dispatch-cts --expect spec/expectations/libuv.txt build/backends/libuv.so\n",
        f);
}
