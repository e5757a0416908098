/*
 * result.c: counting results.
 */
#include "result.h"
#include "expect.h"

#include <stdlib.h>
#include <string.h>

int dcts_result_ok(const dcts_result *r)
{
    /* Anything out of range is a failure, never a pass (expect.c). */
    return dcts_expect_ok(r->status, r->expect);
}

void dcts_count_results(const dcts_result *r, size_t n, dcts_counts *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        unsigned s = (unsigned)r[i].status;
        /* Anything out of range counts as a failure, never as a pass. */
        c->n[s < DCTS_NSTATUS ? s : DCTS_FAIL]++;
        c->total++;
        c->env_skips += r[i].status == DCTS_SKIP && !r[i].skip_declared;
        if (r[i].expect != NULL && r[i].expect->result != DCTS_PASS)
            c->expected++;
        switch (dcts_expect_verdict(r[i].status, r[i].expect)) {
        case DCTS_MET:
            c->xfail += dcts_status_is_failure(r[i].status);
            break;
        case DCTS_XPASS:
            c->xpass++;
            break;
        case DCTS_MISMATCH:
            c->mismatched++;
            break;
        case DCTS_AS_IS:
            break;
        }
        c->failing += !dcts_result_ok(&r[i]);
    }
}

int dcts_counts_ok(const dcts_counts *c)
{
    return c->failing == 0;
}

void dcts_results_clear(dcts_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].message);
        free(r[i].output);
        r[i].message = r[i].output = NULL;
    }
}
