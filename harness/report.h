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
 *   tap    TAP version 14: one test point per (backend, case).  FAIL,
 *          TIMEOUT, CRASH: "not ok" + YAML block (status, backend, source,
 *          case, clauses, level, duration_ms, message; the message holds
 *          any captured output).  SKIP: "ok ... # SKIP reason".  WARN:
 *          "ok" + the same YAML block with severity: warn.
 *   junit  JUnit XML: <testsuites>, a <testsuite> per backend, a
 *          <testcase classname=BACKEND name=CASE time=SECONDS> per case;
 *          <failure type="FAIL|TIMEOUT|CRASH">, <skipped message=...>,
 *          WARN as a passing testcase whose <system-out> holds the warning.
 */
#ifndef DCTS_REPORT_H
#define DCTS_REPORT_H

#include "dcts.h"
#include "options.h"
#include "result.h"
#include "text.h"

#include <stddef.h>
#include <stdio.h>

typedef struct dcts_suite {
    const char *name;            /* the backend's label: column, classname */
    const char *source;          /* its path, or "(embedded)" */
    const dcts_result *results;  /* one per case */
} dcts_suite;

typedef struct dcts_report {
    const dcts_case *const *cases;
    size_t ncases;
    const dcts_suite *suites;
    size_t nsuites;
} dcts_report;

/* True when no suite has a FAIL, TIMEOUT or CRASH. */
int dcts_report_ok(const dcts_report *rep);

/* "select: 57 cases: 55 PASS, 1 WARN, 1 SKIP, 0 FAIL, 0 TIMEOUT, 0 CRASH"
 * (no newline). */
void dcts_summary_line(dcts_buf *b, const char *name, const dcts_counts *c);

void dcts_render_human(dcts_buf *b, const dcts_report *rep, int colour);
void dcts_render_tap(dcts_buf *b, const dcts_report *rep);
void dcts_render_junit(dcts_buf *b, const dcts_report *rep);

/* Renders in fmt and writes to f (colour only for human).  Returns 0, or
 * -1 when writing failed (errno set). */
int dcts_write_report(FILE *f, const dcts_report *rep, dcts_format fmt,
                      int colour);

/* Colour for f: f is a terminal, NO_COLOR is not set (to anything), and
 * TERM is not "dumb". */
int dcts_colour_wanted(FILE *f);

#endif /* DCTS_REPORT_H */
