/*
 * report_common.h: what every report writer is given and shares.
 *
 * A report is cases down, backends ("suites") across: suite s holds one
 * result per case, in case order, each judged against its expectation
 * already (result.h).  Each writer (report_*.c) renders a whole report
 * into a dcts_buf, so it can be tested without files, and exports only
 * its render function; report.c holds the table from a format's name to
 * its writer and writes the buffer out.
 */
#ifndef DCTS_REPORT_COMMON_H
#define DCTS_REPORT_COMMON_H

#include "case.h"
#include "expect.h"
#include "result.h"
#include "text.h"

#include <stddef.h>
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

/* A writer: appends rep in its format to b (colour: ANSI colours, which
 * only the human writer uses).  0, or -1 when this build cannot write
 * the format (errno is then set by the caller). */
typedef int dcts_render_fn(dcts_buf *b, const dcts_report *rep, int colour);

/* The writers (report.h says what each format holds). */
dcts_render_fn dcts_render_human;       /* report_human.c */
dcts_render_fn dcts_render_tap;         /* report_tap.c */
dcts_render_fn dcts_render_junit;       /* report_junit.c */
dcts_render_fn dcts_render_markdown;    /* report_markdown.c */
dcts_render_fn dcts_render_json;        /* report_json.c: -1 without jansson */

/* Whether this build writes JSON (jansson was there at build time). */
int dcts_json_available(void);
/* --list --format json: the selected cases as a JSON array. */
int dcts_render_case_list_json(dcts_buf *b, const dcts_case *const *cases,
                               size_t n);
/* --write-expect: the run as an expectations file (report_expect.c). */
void dcts_render_expectations(dcts_buf *b, const dcts_report *rep);

/* ---- shared by the writers (report_common.c) ------------------------------ */

/* True when no suite has a result that fails the run (dcts_result_ok). */
int dcts_report_ok(const dcts_report *rep);

/* "select: 57 cases: 55 PASS, 1 WARN, 1 SKIP, 0 FAIL, 0 TIMEOUT, 0 CRASH"
 * (no newline), and when some results had an expected gap "; expected: 2
 * XFAIL, 0 XPASS, 0 mismatched". */
void dcts_summary_line(dcts_buf *b, const char *name, const dcts_counts *c);

/* The expectation of r, when it has one, with where it is written and
 * its reason, cleaned, on one line: "expected FAIL (spec/x.txt:3): reason",
 * or for a PASS line "note (spec/x.txt:4): reason". */
void dcts_add_expectation(dcts_buf *b, const dcts_result *r);

/* "2026-12-03T13:18:09Z" for t (UTC), into buf (at least 21 bytes). */
void dcts_iso_time(time_t t, char *buf, size_t len);

#endif /* DCTS_REPORT_COMMON_H */
