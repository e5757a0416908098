/*
 * result.h: the outcome of one case against one backend, its verdict, and
 * counting.
 *
 * The lower layer of the reports: expectations (expect.h) are attached to
 * results and judged there, once; everything here and every writer reads
 * the stored verdict.
 */
#ifndef DCTS_RESULT_H
#define DCTS_RESULT_H

#include "case.h"

#include <stddef.h>

/* A result against its expectation (expect.h says what each means). */
typedef enum {
    DCTS_AS_IS, DCTS_MET, DCTS_XPASS, DCTS_MISMATCH
} dcts_verdict;

typedef struct dcts_result {
    dcts_status status;
    double ms;              /* wall time of the case (its process) */
    char *message;          /* malloc'd, never NULL once run: the failure
                             * text (clauses, expected/observed, captured
                             * output, rerun hint), the skip reason, or ""
                             * for a plain PASS */
    char *output;           /* malloc'd captured stdout+stderr of the case
                             * process (at most ~4 KiB, middle elided);
                             * NULL when it printed nothing */
    const struct dcts_expectation *expect;  /* --expect's line for this
                             * backend and case (expect.h), or NULL */
    int skip_declared;      /* a SKIP the backend's declaration caused;
                             * 0: the environment caused it */
    /* Set with expect by dcts_expect_attach, once the status is final;
     * AS_IS and 0 without an expectation. */
    dcts_verdict verdict;
    int gap_expected;       /* expect names a gap (not a PASS note) */
} dcts_result;

typedef struct dcts_counts {
    size_t n[DCTS_NSTATUS]; /* per dcts_status */
    size_t total;
    /* With expectations (expect.h): */
    size_t expected;        /* results with an expected gap (not a note) */
    size_t xfail;           /* expected FAIL, TIMEOUT or CRASH, and got */
    size_t xpass;           /* expected a gap, passed */
    size_t mismatched;      /* expected one result, got another */
    size_t failing;         /* results that fail the run, all counted */
    size_t env_skips;       /* SKIPs the environment caused (--strict) */
} dcts_counts;

void dcts_count_results(const dcts_result *r, size_t n, dcts_counts *c);
/* True when nothing in c fails the run: no FAIL, TIMEOUT or CRASH but
 * those expected, no XPASS, no mismatched expectation. */
int dcts_counts_ok(const dcts_counts *c);
/* The same for one result: AS_IS and not a FAIL, TIMEOUT or CRASH (nor a
 * status out of range), or MET. */
int dcts_result_ok(const dcts_result *r);
/* A met FAIL, TIMEOUT or CRASH: a known gap, which does not fail the run. */
int dcts_result_xfail(const dcts_result *r);
/* What reports show for the result: the status name, "XFAIL", "XPASS",
 * or the status name and "!" for a mismatch ("CRASH!"). */
const char *dcts_result_label(const dcts_result *r);
/* Frees the strings of r[0..n-1] (not r itself). */
void dcts_results_clear(dcts_result *r, size_t n);

#endif /* DCTS_RESULT_H */
