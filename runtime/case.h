/*
 * case.h: the case table as the harness sees it: a case's row, the
 * contract's clauses, the statuses, and running one case in the current
 * process.  What a case is written in is dcts.h, the case authors'
 * header; the harness needs only this.
 */
#ifndef DCTS_CASE_H
#define DCTS_CASE_H

#include "dispatch_context.h"
#include "clause_ids.h"    /* generated: DCTS_CL_TMO_1 ... */

#include <stddef.h>

typedef enum { DCTS_MUST, DCTS_SHOULD } dcts_level;

typedef struct dcts dcts_t;

/* The clauses of spec/CONTRACT.md (generated into build/gen/clauses.c),
 * at the rows their ids name (build/gen/clause_ids.h: DCTS_CL_TMO_1). */
typedef struct dcts_clause {
    const char *id;        /* "TMO-1" */
    const char *level;     /* "MUST", "SHOULD", "MAY" */
    const char *text;      /* the one-line statement */
} dcts_clause;
extern const dcts_clause dcts_clauses[];   /* ends with an all-NULL entry */
const dcts_clause *dcts_find_clause(const char *id);

/* A case's properties the harness acts on (dcts_case.flags). */
enum {
    DCTS_F_SERIAL = 1u << 0,   /* runs alone: no other case beside it (-j) */
    /* The rest only say what a case leans on, for its readers: */
    DCTS_F_TIMING = 1u << 1,   /* measures waits (--timeout-scale matters) */
    DCTS_F_SIGNALS = 1u << 2,  /* sends signals to the process */
    DCTS_F_TCP = 1u << 3,      /* uses TCP sockets on loopback */
    DCTS_F_SOCAT = 1u << 4,    /* needs socat (SKIPs without) */
    DCTS_F_FAULT = 1u << 5,    /* injects allocation failures (alloc.c) */
    DCTS_F_MODEL = 1u << 6,    /* model-checked random sequences (model.h) */
};

#define DCTS_CASE_CLAUSES_MAX 15

typedef struct dcts_case {
    const char *id;        /* "tmo-null-no-targets": unique, lower-case */
    /* The clauses it checks, NULL-terminated, written CLAUSES(TMO_1, TMO_5):
     * a clause the contract does not define does not compile.  Its level
     * follows from them (dcts_case_level). */
    const dcts_clause *clauses[DCTS_CASE_CLAUSES_MAX + 1];
    const char *summary;   /* one line, for --list and reports */
    void (*run)(dcts_t *t);
    double budget_s;       /* watchdog before --timeout-scale; 0 = 5 s */
    unsigned flags;        /* DCTS_F_* */
} dcts_case;

/* .clauses = { &dcts_clauses[DCTS_CL_TMO_1], &dcts_clauses[DCTS_CL_TMO_5] }
 * for CLAUSES(TMO_1, TMO_5): up to DCTS_CASE_CLAUSES_MAX, more do not
 * compile (so the list always ends with NULL). */
#define CLAUSES(...) .clauses = { DCTS_MAP_(DCTS_CLAUSE_AT_, __VA_ARGS__) }
#define DCTS_CLAUSE_AT_(id) &dcts_clauses[DCTS_CL_##id]
#define DCTS_MAP_(f, ...) \
    DCTS_CAT_(DCTS_MAP_, DCTS_NARGS_(__VA_ARGS__))(f, __VA_ARGS__)
#define DCTS_CAT_(a, b) DCTS_CAT2_(a, b)
#define DCTS_CAT2_(a, b) a##b
#define DCTS_NARGS_(...) DCTS_NARGS2_(__VA_ARGS__, 15, 14, 13, 12, 11, 10, \
                                      9, 8, 7, 6, 5, 4, 3, 2, 1, _)
#define DCTS_NARGS2_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, \
                     a13, a14, a15, n, ...) n
#define DCTS_MAP_1(f, x) f(x)
#define DCTS_MAP_2(f, x, ...) f(x), DCTS_MAP_1(f, __VA_ARGS__)
#define DCTS_MAP_3(f, x, ...) f(x), DCTS_MAP_2(f, __VA_ARGS__)
#define DCTS_MAP_4(f, x, ...) f(x), DCTS_MAP_3(f, __VA_ARGS__)
#define DCTS_MAP_5(f, x, ...) f(x), DCTS_MAP_4(f, __VA_ARGS__)
#define DCTS_MAP_6(f, x, ...) f(x), DCTS_MAP_5(f, __VA_ARGS__)
#define DCTS_MAP_7(f, x, ...) f(x), DCTS_MAP_6(f, __VA_ARGS__)
#define DCTS_MAP_8(f, x, ...) f(x), DCTS_MAP_7(f, __VA_ARGS__)
#define DCTS_MAP_9(f, x, ...) f(x), DCTS_MAP_8(f, __VA_ARGS__)
#define DCTS_MAP_10(f, x, ...) f(x), DCTS_MAP_9(f, __VA_ARGS__)
#define DCTS_MAP_11(f, x, ...) f(x), DCTS_MAP_10(f, __VA_ARGS__)
#define DCTS_MAP_12(f, x, ...) f(x), DCTS_MAP_11(f, __VA_ARGS__)
#define DCTS_MAP_13(f, x, ...) f(x), DCTS_MAP_12(f, __VA_ARGS__)
#define DCTS_MAP_14(f, x, ...) f(x), DCTS_MAP_13(f, __VA_ARGS__)
#define DCTS_MAP_15(f, x, ...) f(x), DCTS_MAP_14(f, __VA_ARGS__)

/* The one reading of a case's clause list (runtime/clauses.c). */
/* SHOULD when every clause it checks is SHOULD (a failure is then WARN),
 * else MUST (FAIL). */
dcts_level dcts_case_level(const dcts_case *c);
/* True when c checks the clause with id clause_id ("TMO-5"). */
int dcts_case_names_clause(const dcts_case *c, const char *clause_id);
/* Writes c's clause ids, space-separated ("TMO-1 TMO-5"), to buf (len
 * bytes, always NUL-terminated; DCTS_CLAUSE_IDS_MAX holds any list);
 * returns buf. */
#define DCTS_CLAUSE_IDS_MAX 256
const char *dcts_case_clause_ids(const dcts_case *c, char *buf, size_t len);

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

/* What a case ended with, in parts, for the harness to compose the
 * message from (the clauses, the reason, the calls, the rerun hint, the
 * lesson: harness/runner.c).  The strings live in the runtime's state,
 * until the next dcts_execute. */
typedef struct dcts_outcome {
    dcts_status status;
    int skip_declared;     /* a SKIP_DECLARED, not a SKIP */
    const char *reason;    /* the fail or skip text; "" for PASS */
    const char *calls;     /* FAIL, WARN: the observed calls ("no calls"),
                            * else "" */
} dcts_outcome;

/* Runs c against be here and now: creates a context, runs the case,
 * destroys the context, releases the case's resources.  Returns PASS,
 * FAIL (MUST case), WARN (SHOULD case) or SKIP, also in out with the
 * rest of the outcome.  TIMEOUT and CRASH are the harness's to give. */
dcts_status dcts_execute(const dcts_case *c, const dc_backend *be,
                         double timeout_scale, dcts_outcome *out);

#endif /* DCTS_CASE_H */
