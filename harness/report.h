/*
 * report.h: the report formats (--format) and writing a run's report in
 * one of them.
 *
 * report.c holds the one table from a format's name to its writer
 * (report_common.h: what the writers are given and share):
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
 *   markdown  the conformance table to publish (spec/ENGINES.md): the
 *          backends and what they run on, a row per case and a column per
 *          backend, then every result that is not a plain PASS with its
 *          reason (an expectation's, a skip's, or the failure's first line).
 *   json   one document (report_json.c): the harness, the environment,
 *          each backend with its about line and counts, and per case its
 *          id, clauses, level, status, verdict, duration, message, the
 *          call trace and the rerun command.
 *
 * With expectations (--expect, expect.h) every writer shows a met FAIL,
 * TIMEOUT or CRASH as XFAIL (TAP: "not ok ... # TODO"; JUnit: <skipped>),
 * an unexpected pass as XPASS and another result than the expected one as
 * STATUS! (both failing: TAP "not ok", JUnit <failure>), with the
 * expectation's reason and where it is written.
 *
 * Light on purpose: the command line (options.h) takes dcts_format from
 * here without the writers' types.
 */
#ifndef DCTS_REPORT_H
#define DCTS_REPORT_H

#include <stdio.h>

struct dcts_buf;
struct dcts_report;

/* In the order of the writers' table and of the names in messages. */
typedef enum {
    DCTS_FORMAT_HUMAN, DCTS_FORMAT_TAP, DCTS_FORMAT_JUNIT,
    DCTS_FORMAT_MARKDOWN, DCTS_FORMAT_JSON
} dcts_format;

/* The format called name ("tap"): 0, or -1 when there is none. */
int dcts_format_from_name(const char *name, dcts_format *fmt);

/* The formats' names for a message: "human, tap, junit, markdown or json". */
void dcts_format_names(struct dcts_buf *b);

/* Renders rep in fmt and writes it to f (colour only for human).  Returns
 * 0, or -1 when the format cannot be written in this build (ENOTSUP) or
 * writing failed (errno set). */
int dcts_write_report(FILE *f, const struct dcts_report *rep, dcts_format fmt,
                      int colour);

/* Colour for f: f is a terminal, NO_COLOR is not set (to anything), and
 * TERM is not "dumb". */
int dcts_colour_wanted(FILE *f);

#endif /* DCTS_REPORT_H */
