/*
 * result.c: what a result's stored verdict means, and counting results.
 */
#include "result.h"

#include <stdlib.h>
#include <string.h>

int dcts_result_ok(const dcts_result *r)
{
    switch (r->verdict) {
    case DCTS_AS_IS:
        /* Anything out of range is a failure, never a pass. */
        return !dcts_status_is_failure(r->status) &&
               (unsigned)r->status < DCTS_NSTATUS;
    case DCTS_MET:
        return 1;
    default:
        return 0;
    }
}

int dcts_result_xfail(const dcts_result *r)
{
    return r->verdict == DCTS_MET && dcts_status_is_failure(r->status);
}

const char *dcts_result_label(const dcts_result *r)
{
    static const char *const mismatched[DCTS_NSTATUS] = {
        [DCTS_PASS] = "PASS!", [DCTS_FAIL] = "FAIL!", [DCTS_WARN] = "WARN!",
        [DCTS_TIMEOUT] = "TIMEOUT!", [DCTS_CRASH] = "CRASH!",
    };
    switch (r->verdict) {
    case DCTS_MET:
        return dcts_result_xfail(r) ? "XFAIL" : dcts_status_name(r->status);
    case DCTS_XPASS:
        return "XPASS";
    case DCTS_MISMATCH:
        if ((unsigned)r->status < DCTS_NSTATUS && mismatched[r->status])
            return mismatched[r->status];
        return "?!";
    default:
        return dcts_status_name(r->status);
    }
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
        c->expected += r[i].gap_expected != 0;
        c->xfail += dcts_result_xfail(&r[i]);
        c->xpass += r[i].verdict == DCTS_XPASS;
        c->mismatched += r[i].verdict == DCTS_MISMATCH;
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
