/*
 * report.h: the results of a run, and the three ways of writing them.
 *
 * A report is cases down, backends ("suites") across: suite s holds one
 * result per case, in case order.  The renderers append to a dcts_buf so
 * they can be tested without files; dcts_write_report writes to a FILE.
 *
 *   human  a table per backend (case, clauses, status, ms), or a matrix
 *          when there are several, then per-backend summaries, skip
 *          reasons and failure details; colour only when asked.
 *   tap    TAP version 13: one test point per (backend, case).  FAIL,
 *          TIMEOUT, CRASH: "not ok" + YAML block (status, backend, source,
 *          case, clauses, level, duration_ms, message; the message holds
 *          any captured output).  SKIP: "ok ... # SKIP reason".  WARN:
 *          "ok" + the same YAML block with severity: warn.
 *   junit  JUnit XML: <testsuites>, a <testsuite> per backend, a
 *          <testcase classname=BACKEND name=CASE time=SECONDS> per case;
 *          <failure type="FAIL|TIMEOUT|CRASH">, <skipped message=...>,
 *          WARN as a passing testcase whose <system-out> holds the warning.
 *   json   one document (report_json.c): the harness, the environment,
 *          each backend with its about line and counts, and per case its
 *          id, clauses, level, status, verdict, duration, message, the
 *          call trace and the rerun command.
 *   markdown  the conformance table to publish (spec/ENGINES.md): the
 *          backends and what they run on, a row per case and a column per
 *          backend, then every result that is not a plain PASS with its
 *          reason (an expectation's, a skip's, or the failure's first line).
 *
 * With expectations (--expect, expect.h) every writer shows a met FAIL,
 * TIMEOUT or CRASH as XFAIL (TAP: "not ok ... # TODO"; JUnit: <skipped>),
 * an unexpected pass as XPASS and another result than the expected one as
 * STATUS! (both failing: TAP "not ok", JUnit <failure>), with the
 * expectation's reason and where it is written.
 */
#ifndef DCTS_REPORT_H
#define DCTS_REPORT_H

#include "case.h"
#include "expect.h"
#include "options.h"
#include "result.h"
#include "text.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>

typedef struct dcts_suite {
    const char *name;            /* the backend's label: column, classname */
    const char *source;          /* its path, or "(embedded)" */
    const dcts_result *results;  /* one per case */
    const char *about;           /* what it runs on (DC_ABOUT_SYMBOL), or
                                  * NULL */
} dcts_suite;

typedef struct dcts_report {
    const dcts_case *const *cases;
    size_t ncases;
    const dcts_suite *suites;
    size_t nsuites;
    /* The run's circumstances, for JUnit and JSON (0 or NULL: unknown,
     * left out). */
    time_t started;              /* when the run began */
    double timeout_scale;
    unsigned shard, nshards;     /* --shard I/N, or 0 and 0 */
    const char *note;            /* how the cases were isolated, when not
                                  * as usual (--keep-privileges, not root),
                                  * one line; or NULL */
} dcts_report;

/* True when no suite has a FAIL, TIMEOUT or CRASH. */
int dcts_report_ok(const dcts_report *rep);

/* "select: 57 cases: 55 PASS, 1 WARN, 1 SKIP, 0 FAIL, 0 TIMEOUT, 0 CRASH"
 * (no newline), and when some results had an expected gap "; expected: 2
 * XFAIL, 0 XPASS, 0 mismatched". */
void dcts_summary_line(dcts_buf *b, const char *name, const dcts_counts *c);

void dcts_render_human(dcts_buf *b, const dcts_report *rep, int colour);
void dcts_render_tap(dcts_buf *b, const dcts_report *rep);
void dcts_render_junit(dcts_buf *b, const dcts_report *rep);
void dcts_render_markdown(dcts_buf *b, const dcts_report *rep);
/* JSON (report_json.c), written with jansson: 0, or -1 when this build
 * has no JSON library (dcts_json_available). */
int dcts_render_json(dcts_buf *b, const dcts_report *rep);
/* --list --format json: the selected cases as a JSON array. */
int dcts_render_case_list_json(dcts_buf *b, const dcts_case *const *cases,
                               size_t n);
int dcts_json_available(void);
/* --write-expect: the run as an expectations file (report_expect.c). */
void dcts_render_expectations(dcts_buf *b, const dcts_report *rep);

/* "2026-12-03T13:18:09Z" for t (UTC), into buf (at least 21 bytes). */
void dcts_iso_time(time_t t, char *buf, size_t len);

/* The expectation of r, when it has one, with where it is written and
 * its reason, cleaned, on one line: "expected FAIL (spec/x.txt:3): reason",
 * or for a PASS line "note (spec/x.txt:4): reason". */
void dcts_add_expectation(dcts_buf *b, const dcts_result *r);

/* Renders in fmt and writes to f (colour only for human).  Returns 0, or
 * -1 when writing failed (errno set). */
int dcts_write_report(FILE *f, const dcts_report *rep, dcts_format fmt,
                      int colour);

/* Colour for f: f is a terminal, NO_COLOR is not set (to anything), and
 * TERM is not "dumb". */
int dcts_colour_wanted(FILE *f);

#endif /* DCTS_REPORT_H */
