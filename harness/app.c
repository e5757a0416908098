/*
 * app.c: the program's flow; every decision of substance lives in the
 * modules it calls (options, catalog, loader, runner, report).
 */
#include "app.h"
#include "bench.h"
#include "catalog.h"
#include "expect.h"
#include "fuzz_cmd.h"
#include "loader.h"
#include "options.h"
#include "proc.h"
#include "report.h"
#include "runner.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DCTS_VERSION
#define DCTS_VERSION "unknown"
#endif

#define PROG "dispatch-cts"

/* A process started with 0, 1 or 2 closed would hand them out as pipe
 * ends; the children's stdio set-up assumes they are taken. */
static void ensure_stdio(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
}

static void say_filters(const dcts_options *opt)
{
    fprintf(stderr, PROG ": no case matches");
    for (size_t i = 0; i < opt->nfilters; i++)
        fprintf(stderr, "%s --filter '%s'", i ? " or" : "", opt->filters[i]);
    fprintf(stderr, " (see --list)\n");
}

static int load_all(const dcts_options *opt,
                    const dc_backend *(*embedded)(void),
                    dcts_backend_handle *hs, size_t nb)
{
    char err[1024];
    for (size_t i = 0; i < nb; i++) {
        int rc = opt->nbackends
            ? dcts_load_backend(opt->backends[i], opt->timeout_scale, &hs[i],
                                err, sizeof err)
            : dcts_use_embedded(embedded, &hs[i], err, sizeof err);
        if (rc != 0) {
            if (dcts_signals_caught())
                return -1;
            fprintf(stderr, PROG ": cannot use backend %s\n", err);
            return -1;
        }
    }
    dcts_label_backends(hs, nb);
    return 0;
}

/* --expect: every file read and checked before any case runs (exit 2 on
 * a bad one), its lines against the backends' labels once loaded. */
static int load_expectations(const dcts_options *opt, dcts_expectations *x)
{
    char err[1024];
    for (size_t i = 0; i < opt->nexpect_files; i++)
        if (dcts_expect_load(x, opt->expect_files[i], err, sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", err);
            return -1;
        }
    return 0;
}

static int check_expected_backends(const dcts_expectations *x,
                                   const dcts_backend_handle *hs, size_t nb)
{
    char err[1024];
    const char **names = dcts_xmalloc(sizeof *names * nb);
    for (size_t b = 0; b < nb; b++)
        names[b] = hs[b].label;
    int rc = dcts_expect_check_backends(x, names, nb, err, sizeof err);
    free(names);
    if (rc != 0)
        fprintf(stderr, PROG ": %s\n", err);
    return rc;
}

static int run(const dcts_options *opt, const dc_backend *(*embedded)(void))
{
    size_t nall, n, nb = opt->nbackends ? opt->nbackends : 1;
    const dcts_case *const *all = dcts_all_cases(&nall);
    const dcts_case **cases = dcts_select_cases(all, nall, opt->filters,
                                                opt->nfilters, &n);
    dcts_backend_handle *hs = dcts_xmalloc(sizeof *hs * nb);
    dcts_result *results = NULL;
    dcts_suite *suites = NULL;
    dcts_expectations expected = DCTS_EXPECTATIONS_INIT;
    FILE *out = stdout;
    int rc = 2;

    memset(hs, 0, sizeof *hs * nb);
    if (n == 0) {
        if (opt->nfilters)
            say_filters(opt);
        else
            fprintf(stderr, PROG ": the case table is empty\n");
        goto done;
    }
    if (load_expectations(opt, &expected) != 0)
        goto done;
    if (!opt->no_fork)
        dcts_signals_install();
    if (load_all(opt, embedded, hs, nb) != 0 ||
        check_expected_backends(&expected, hs, nb) != 0)
        goto done;
    if (opt->output && !(out = fopen(opt->output, "we"))) {
        fprintf(stderr, PROG ": cannot write the report to %s: %s\n",
                opt->output, strerror(errno));
        out = stdout;
        goto done;
    }

    results = dcts_xmalloc(sizeof *results * n * nb);
    memset(results, 0, sizeof *results * n * nb);
    suites = dcts_xmalloc(sizeof *suites * nb);
    int progress = !opt->no_fork && isatty(2);
    for (size_t b = 0; b < nb; b++) {
        if (dcts_run_cases(cases, n, &hs[b], opt, progress,
                           results + b * n) != 0)
            goto done;                  /* interrupted */
        suites[b].name = hs[b].label;
        suites[b].source = hs[b].path ? hs[b].path : "(embedded)";
        suites[b].results = results + b * n;
        suites[b].about = hs[b].about;
        for (size_t i = 0; i < n; i++)
            results[b * n + i].expect =
                dcts_expect_find(&expected, hs[b].label, cases[i]->id);
    }

    dcts_report rep = { cases, n, suites, nb };
    int colour = opt->format == DCTS_FORMAT_HUMAN && dcts_colour_wanted(out);
    if (dcts_write_report(out, &rep, opt->format, colour) != 0) {
        fprintf(stderr, PROG ": cannot write the report%s%s: %s\n",
                opt->output ? " to " : "", opt->output ? opt->output : "",
                strerror(errno));
        goto done;
    }
    if (out != stdout) {
        int bad = fclose(out) != 0;
        out = stdout;
        if (bad) {
            fprintf(stderr, PROG ": cannot write the report to %s: %s\n",
                    opt->output, strerror(errno));
            goto done;
        }
        for (size_t b = 0; b < nb; b++) {
            dcts_counts c;
            dcts_buf line = DCTS_BUF_INIT;
            dcts_count_results(suites[b].results, n, &c);
            dcts_summary_line(&line, suites[b].name, &c);
            fprintf(stderr, "%s\n", dcts_buf_str(&line));
            dcts_buf_free(&line);
        }
    }
    rc = dcts_report_ok(&rep) ? 0 : 1;

done:
    if (out != stdout)
        fclose(out);
    if (results)
        dcts_results_clear(results, n * nb);
    free(results);
    free(suites);
    dcts_expect_free(&expected);
    for (size_t b = 0; b < nb; b++)
        dcts_unload_backend(&hs[b]);
    free(hs);
    free(cases);
    dcts_signals_restore();             /* returns unless interrupted */
    return rc;
}

static int list(const dcts_options *opt)
{
    size_t nall, n;
    const dcts_case *const *all = dcts_all_cases(&nall);
    const dcts_case **cases = dcts_select_cases(all, nall, opt->filters,
                                                opt->nfilters, &n);
    int rc = 0;
    if (n == 0 && opt->nfilters) {
        say_filters(opt);
        rc = 2;
    } else {
        dcts_list_cases(stdout, cases, n);
    }
    free(cases);
    return rc;
}

int dcts_main(int argc, char **argv, const dc_backend *(*embedded)(void))
{
    dcts_options opt;
    char err[512];
    int rc = 0;

    ensure_stdio();
    if (dcts_options_parse(&opt, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\ntry '" PROG " --help'\n", err);
        dcts_options_free(&opt);
        return 2;
    }
    size_t nall;
    const dcts_case *const *all;
    switch (opt.mode) {
    case DCTS_MODE_HELP:
        dcts_usage(stdout);
        break;
    case DCTS_MODE_VERSION:
        printf(PROG " %s\n", DCTS_VERSION);
        break;
    case DCTS_MODE_LIST:
        rc = list(&opt);
        break;
    case DCTS_MODE_LIST_CLAUSES:
        all = dcts_all_cases(&nall);
        dcts_list_clauses(stdout, dcts_clauses, all, nall);
        break;
    case DCTS_MODE_CHECK_COVERAGE:
        all = dcts_all_cases(&nall);
        rc = dcts_check_coverage(stdout, dcts_clauses, all, nall) ? 1 : 0;
        break;
    case DCTS_MODE_RUN:
        rc = run(&opt, embedded);
        break;
    case DCTS_MODE_BENCH:
        rc = dcts_bench_main(opt.bench_argc, opt.bench_argv, embedded);
        break;
    case DCTS_MODE_FUZZ:
        rc = dcts_fuzz_main(opt.bench_argc, opt.bench_argv, embedded);
        break;
    }
    dcts_options_free(&opt);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROG ": cannot write to standard output: %s\n",
                strerror(errno));
        return 2;
    }
    return rc;
}
