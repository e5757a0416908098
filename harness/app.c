/*
 * app.c: the program's flow; every decision of substance lives in the
 * modules it calls (options, catalog, loader, runner, report).
 */
#include "app.h"
#include "catalog.h"
#include "expect.h"
#include "guard.h"
#include "fuzz_cmd.h"
#include "loader.h"
#include "options.h"
#include "outfile.h"
#include "proc.h"
#include "python_target.h"
#include "report.h"
#include "report_common.h"
#include "runner.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
    for (size_t i = 0; i < opt->nexcludes; i++)
        fprintf(stderr, "%s --exclude '%s'", i ? "," : " less", opt->excludes[i]);
    if (opt->nshards)
        fprintf(stderr, " in shard %u/%u", opt->shard, opt->nshards);
    fprintf(stderr, " (see --list)\n");
}

/* The cases the options select (catalog.h), malloc'd. */
static const dcts_case **selected_cases(const dcts_options *opt, size_t *n)
{
    size_t nall;
    const dcts_case *const *all = dcts_all_cases(&nall);
    dcts_selection sel = {
        opt->filters, opt->nfilters, opt->excludes, opt->nexcludes,
        opt->shard, opt->nshards,
    };
    return dcts_select(all, nall, &sel, n);
}

static int selects_some(const dcts_options *opt)
{
    return opt->nfilters || opt->nexcludes || opt->nshards;
}

/* Probes every backend.  Returns 0; -1 when one cannot be used (said
 * on stderr); 1 when interrupted: then every backend not probed yet is
 * labelled by its path, so that the report can still name it. */
static int load_all(const dcts_options *opt,
                    const dc_backend *(*embedded)(void),
                    dcts_backend_handle *hs, size_t nb)
{
    char err[1024];
    for (size_t i = 0; i < nb; i++) {
        char *py = NULL;        /* python:SPEC: the bridge (python_target.h) */
        if (opt->nbackends && dcts_python_target(opt->backends[i], &py) < 0)
            return -1;
        int rc = opt->nbackends
            ? dcts_load_backend(py ? py : opt->backends[i], opt->timeout_scale,
                                &hs[i], err, sizeof err)
            : dcts_use_embedded(embedded, &hs[i], err, sizeof err);
        if (rc != 0 && dcts_signals_caught()) {
            for (size_t k = i; k < nb; k++) {
                hs[k].path = dcts_xstrdup(opt->backends[k]);
                hs[k].label = dcts_xstrdup(opt->backends[k]);
            }
            dcts_label_backends(hs, i);
            free(py);
            return 1;
        }
        if (py && rc == 0)      /* rerun hints and reports name the spec */
            hs[i].named = dcts_xstrdup(opt->backends[i]);
        free(py);
        if (rc != 0) {
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

/* --format json needs jansson at build time; said before anything runs. */
static int json_refused(const dcts_options *opt)
{
    if (opt->format != DCTS_FORMAT_JSON || dcts_json_available())
        return 0;
    fprintf(stderr, PROG ": --format json: this dispatch-cts was built "
            "without jansson (sudo apt-get install -y libjansson-dev, then "
            "make)\n");
    return 1;
}

/* --write-expect FILE: the run as expectations (report_expect.c), written
 * whole to a temporary file beside FILE and renamed into place. */
static int write_expectations(const char *path, const dcts_report *rep)
{
    dcts_buf b = DCTS_BUF_INIT, tmp = DCTS_BUF_INIT;
    dcts_render_expectations(&b, rep);
    dcts_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(dcts_buf_str(&tmp), "we");
    int rc = -1;
    if (f) {
        size_t n = fwrite(dcts_buf_str(&b), 1, b.len, f);
        int bad = fclose(f) != 0 || n != b.len;
        if (!bad && rename(dcts_buf_str(&tmp), path) == 0)
            rc = 0;
        else
            unlink(dcts_buf_str(&tmp));
    }
    if (rc != 0)
        fprintf(stderr, PROG ": cannot write the expectations to %s: %s\n",
                path, strerror(errno));
    dcts_buf_free(&b);
    dcts_buf_free(&tmp);
    return rc;
}

/* Every result the interrupted run left without one (message NULL: never
 * started, or killed while running) becomes NOTRUN. */
static void mark_not_run(dcts_result *r, size_t n, int sig)
{
    char name[32];
    for (size_t i = 0; i < n; i++)
        if (!r[i].message) {
            dcts_buf b = DCTS_BUF_INIT;
            dcts_buf_printf(&b, "not run: the run was interrupted by %s",
                            dcts_signal_name(sig, name, sizeof name));
            r[i].status = DCTS_NOTRUN;
            r[i].ms = 0;
            r[i].message = dcts_buf_take(&b);
        }
}

/* Who the case processes run as.  As root each gives up root for a uid
 * of its own (proc.h),
 * unless --keep-privileges; the report says when they did not.  Returns
 * the report's note, or NULL. */
static const char *choose_privileges(const dcts_options *opt, char *buf,
                                     size_t len)
{
    if (opt->no_fork) {
        snprintf(buf, len, "--no-fork: the cases ran in the harness process, "
                 "without isolation");
        return buf;
    }
    if (geteuid() != 0) {
        snprintf(buf, len, "the case processes ran as uid %ld, the harness's "
                 "own (privileges are dropped only when dispatch-cts runs as "
                 "root): a backend could signal the harness; see "
                 "docs/THREAT-MODEL.md", (long)geteuid());
        return buf;
    }
    if (opt->keep_privileges) {
        snprintf(buf, len, "--keep-privileges: the case processes ran as "
                 "root");
        return buf;
    }
    const struct group *gr = getgrnam("nogroup");
    dcts_proc_drop_privileges_to(gr ? gr->gr_gid : 65534);
    return NULL;
}

static int run(const dcts_options *opt, const dc_backend *(*embedded)(void))
{
    size_t n, nb = opt->nbackends ? opt->nbackends : 1;
    const dcts_case **cases = selected_cases(opt, &n);
    dcts_backend_handle *hs = dcts_xmalloc(sizeof *hs * nb);
    dcts_result *results = NULL;
    dcts_suite *suites = NULL;
    dcts_expectations expected = DCTS_EXPECTATIONS_INIT;
    dcts_outfile report_file = DCTS_OUTFILE_INIT;
    FILE *out = stdout;
    char err[1024], note_buf[512];
    const char *note = NULL;
    int rc = 2, guarded = DCTS_UNGUARDED;

    memset(hs, 0, sizeof *hs * nb);
    time_t started = time(NULL);
    const char *output = opt->output && strcmp(opt->output, "-") != 0
                         ? opt->output : NULL;  /* "-": stdout */
    if (json_refused(opt))
        goto done;
    if (n == 0) {
        if (selects_some(opt))
            say_filters(opt);
        else
            fprintf(stderr, PROG ": the case table is empty\n");
        goto done;
    }
    if (load_expectations(opt, &expected) != 0)
        goto done;
    if (!opt->no_fork)
        dcts_signals_install();
    note = choose_privileges(opt, note_buf, sizeof note_buf);
    /* The report's file exists (as a temporary) before any backend is
     * probed: where it goes is settled while only our code has run. */
    if (output) {
        if (dcts_outfile_open(&report_file, output, err,
                              sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", err);
            goto done;
        }
        out = report_file.f;
    }
    /* A backend running as our user could stop or kill the harness: a
     * guardian process watches it (guard.h). */
    if (!opt->no_fork && note) {
        guarded = dcts_guard(&report_file);
        if (guarded >= 0) {
            rc = guarded;               /* the guardian: the harness ended */
            out = stdout;
            goto done;
        }
    }
    if (!opt->no_fork)
        dcts_proc_become_reaper();      /* (not inherited: after the fork) */
    int loaded = load_all(opt, embedded, hs, nb);
    if (loaded < 0 || (loaded == 0 &&
                       check_expected_backends(&expected, hs, nb) != 0))
        goto done;

    results = dcts_xmalloc(sizeof *results * n * nb);
    memset(results, 0, sizeof *results * n * nb);
    suites = dcts_xmalloc(sizeof *suites * nb);
    int progress = !opt->no_fork && isatty(2);
    int interrupted = loaded == 1;      /* while probing: nothing runs */
    for (size_t b = 0; b < nb; b++) {
        if (!interrupted && dcts_run_cases(cases, n, &hs[b], opt, progress,
                                           results + b * n) != 0)
            interrupted = 1;            /* the rest never runs */
        suites[b].name = hs[b].label;
        suites[b].source = hs[b].named ? hs[b].named
                           : hs[b].path ? hs[b].path : "(embedded)";
        suites[b].results = results + b * n;
        suites[b].about = hs[b].about;
    }
    if (interrupted)
        mark_not_run(results, n * nb, dcts_signals_caught());
    /* Judged once, on the final statuses: every writer reads the verdict. */
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < n; i++)
            dcts_expect_attach(&results[b * n + i],
                               dcts_expect_find(&expected, hs[b].label,
                                                cases[i]->id));

    /* Interrupted or not, the report is complete and well-formed. */
    dcts_report rep = {
        .cases = cases, .ncases = n, .suites = suites, .nsuites = nb,
        .note = note, .started = started, .timeout_scale = opt->timeout_scale,
        .shard = opt->shard, .nshards = opt->nshards,
    };
    int colour = opt->format == DCTS_FORMAT_HUMAN && dcts_colour_wanted(out);
    if (dcts_write_report(out, &rep, opt->format, colour) != 0) {
        fprintf(stderr, PROG ": cannot write the report%s%s: %s\n",
                output ? " to " : "", output ? output : "",
                strerror(errno));
        goto done;
    }
    if (out != stdout) {
        out = stdout;
        if (dcts_outfile_commit(&report_file, err, sizeof err) != 0) {
            fprintf(stderr, PROG ": %s\n", err);
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
    if (opt->write_expect && write_expectations(opt->write_expect, &rep) != 0)
        goto done;
    rc = dcts_report_ok(&rep) ? 0 : 1;
    if (opt->strict) {
        /* Proof that every case ran: a SKIP the environment caused fails
         * the run (one the backend's declaration caused does not). */
        size_t env_skips = 0;
        for (size_t b = 0; b < nb; b++) {
            dcts_counts c;
            dcts_count_results(suites[b].results, n, &c);
            env_skips += c.env_skips;
        }
        if (env_skips) {
            fprintf(stderr, PROG ": --strict: %zu case%s skipped because of "
                    "the environment\n", env_skips, env_skips == 1 ? " was"
                    : "s were");
            rc = 1;
        }
    }

done:
    dcts_outfile_discard(&report_file);     /* no report: no file */
    if (results)
        dcts_results_clear(results, n * nb);
    free(results);
    free(suites);
    dcts_expect_free(&expected);
    for (size_t b = 0; b < nb; b++)
        dcts_unload_backend(&hs[b]);
    free(hs);
    free(cases);
    if (!opt->no_fork)
        dcts_proc_sweep_all();          /* no process of the run remains */
    /* Interrupted: dies of the signal (a shell sees 130 or 143). */
    dcts_signals_restore();
    if (guarded == DCTS_GUARDED)
        dcts_guarded_exit(rc);          /* the caller is the guardian's */
    return rc;
}

static int list(const dcts_options *opt)
{
    size_t n;
    const dcts_case **cases = selected_cases(opt, &n);
    int rc = 0;
    if (json_refused(opt)) {
        rc = 2;
    } else if (n == 0 && selects_some(opt)) {
        say_filters(opt);
        rc = 2;
    } else if (opt->format == DCTS_FORMAT_JSON) {
        dcts_buf b = DCTS_BUF_INIT;
        dcts_render_case_list_json(&b, cases, n);
        fputs(dcts_buf_str(&b), stdout);
        dcts_buf_free(&b);
    } else {
        dcts_list_cases(stdout, cases, n);
    }
    free(cases);
    return rc;
}

int dcts_main(int argc, char **argv, dcts_embedded_fn embedded,
              dcts_subcommand_fn bench)
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
    case DCTS_MODE_EXPLAIN:
        all = dcts_all_cases(&nall);
        if (dcts_explain(stdout, opt.explain_id, dcts_clauses,
                         dcts_clause_texts, dcts_mutant_notes, all,
                         nall) != 0) {
            fprintf(stderr, PROG ": explain: '%.60s' is neither a clause nor "
                    "a case (see --list-clauses, --list)\n", opt.explain_id);
            rc = 2;
        }
        break;
    case DCTS_MODE_BENCH:
        if (bench) {
            rc = bench(opt.bench_argc, opt.bench_argv, embedded);
        } else {
            fprintf(stderr, PROG ": bench: not built into this program\n");
            rc = 2;
        }
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
