/*
 * result.h: the outcome of one case against one backend, and counting.
 */
#ifndef DCTS_RESULT_H
#define DCTS_RESULT_H

#include "dcts.h"

#include <stddef.h>

#define DCTS_NSTATUS (DCTS_CRASH + 1)

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
} dcts_result;

typedef struct dcts_counts {
    size_t n[DCTS_NSTATUS]; /* per dcts_status */
    size_t total;
} dcts_counts;

void dcts_count_results(const dcts_result *r, size_t n, dcts_counts *c);
/* True when c holds no FAIL, TIMEOUT or CRASH. */
int dcts_counts_ok(const dcts_counts *c);
/* True for FAIL, TIMEOUT and CRASH. */
int dcts_status_is_failure(dcts_status s);
/* Frees the strings of r[0..n-1] (not r itself). */
void dcts_results_clear(dcts_result *r, size_t n);

#endif /* DCTS_RESULT_H */
