/*
 * case.h: the case table as the harness sees it: a case's row, the
 * contract's clauses, the statuses, and running one case in the current
 * process.  What a case is written in is dcts.h, the case authors'
 * header; the harness needs only this.
 */
#ifndef DCTS_CASE_H
#define DCTS_CASE_H

#include "dispatch_context.h"

#include <stddef.h>

typedef enum { DCTS_MUST, DCTS_SHOULD } dcts_level;

typedef struct dcts dcts_t;

typedef struct dcts_case {
    const char *id;        /* "tmo-null-no-targets": unique, lower-case */
    const char *clauses;   /* the clause ids it checks: "TMO-1 TMO-5" */
    dcts_level level;      /* MUST: failure is FAIL; SHOULD: failure is WARN */
    const char *summary;   /* one line, for --list and reports */
    void (*run)(dcts_t *t);
    double budget_s;       /* watchdog before --timeout-scale; 0 = 5 s */
    const char *tags;      /* space-separated, e.g. "timing tcp"; may be NULL */
} dcts_case;

/* Each area file defines one array ending with an all-zero entry;
 * cases/table.c strings them together. */
extern const dcts_case dcts_cases_abi[];
extern const dcts_case dcts_cases_timeout[];
extern const dcts_case dcts_cases_events[];
extern const dcts_case dcts_cases_dispatch[];
extern const dcts_case dcts_cases_errors[];
extern const dcts_case dcts_cases_filters[];
extern const dcts_case dcts_cases_closing[];
extern const dcts_case dcts_cases_limits[];
extern const dcts_case dcts_cases_scale[];
extern const dcts_case dcts_cases_peers[];   /* need socat */
extern const dcts_case dcts_cases_faults[];
extern const dcts_case dcts_cases_model[];   /* model.h, fuzz.c */

/* The whole table, in order; *count receives its length. */
const dcts_case *const *dcts_all_cases(size_t *count);
const dcts_case *dcts_find_case(const char *id);

/* The clauses of spec/CONTRACT.md (generated into build/gen/clauses.c). */
typedef struct dcts_clause {
    const char *id;        /* "TMO-1" */
    const char *level;     /* "MUST", "SHOULD", "MAY" */
    const char *text;      /* the one-line statement */
} dcts_clause;
extern const dcts_clause dcts_clauses[];   /* ends with an all-NULL entry */
const dcts_clause *dcts_find_clause(const char *id);

/* ---- running one case in the current process ----------------------------- */

typedef enum {
    DCTS_PASS, DCTS_FAIL, DCTS_WARN, DCTS_SKIP, DCTS_TIMEOUT, DCTS_CRASH,
    DCTS_NOTRUN         /* the harness only: the run was interrupted first */
} dcts_status;

#define DCTS_NSTATUS (DCTS_NOTRUN + 1)

const char *dcts_status_name(dcts_status s);   /* "PASS", "FAIL", ... */
/* True for FAIL, TIMEOUT, CRASH and NOTRUN: a result that fails the run
 * unless an expectation (harness/expect.h) knew it. */
int dcts_status_is_failure(dcts_status s);

/* Runs c against be here and now: creates a context, runs the case,
 * destroys the context, releases the case's resources.  Returns PASS,
 * FAIL (MUST case), WARN (SHOULD case) or SKIP, and a message in msg:
 * the failure text with the clause, the observed calls and a rerun hint,
 * or the skip reason.  rerun_hint is the command line to rerun this case
 * alone (may be NULL).  TIMEOUT and CRASH are the harness's to give. */
dcts_status dcts_execute(const dcts_case *c, const dc_backend *be,
                         double timeout_scale, const char *rerun_hint,
                         char *msg, size_t msglen);
/* True when the last case run here ended with SKIP_DECLARED: a SKIP that
 * follows from what the backend declares, not from the environment. */
int dcts_skip_is_declared(void);

#endif /* DCTS_CASE_H */
