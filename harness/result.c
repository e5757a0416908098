/*
 * result.c: counting results.
 */
#include "result.h"

#include <stdlib.h>
#include <string.h>

int dcts_status_is_failure(dcts_status s)
{
    return s == DCTS_FAIL || s == DCTS_TIMEOUT || s == DCTS_CRASH;
}

void dcts_count_results(const dcts_result *r, size_t n, dcts_counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        unsigned s = (unsigned)r[i].status;
        /* Anything out of range counts as a failure, never as a pass. */
        c->n[s < DCTS_NSTATUS ? s : DCTS_FAIL]++;
        c->total++;
    }
}

int dcts_counts_ok(const dcts_counts *c)
{
    return c->n[DCTS_FAIL] == 0 && c->n[DCTS_TIMEOUT] == 0 &&
           c->n[DCTS_CRASH] == 0;
}

void dcts_results_clear(dcts_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].message);
        free(r[i].output);
        r[i].message = r[i].output = NULL;
    }
}
