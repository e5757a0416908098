/*
 * model.c: the mdl-* cases, the model-based tester (runtime/fuzz.c,
 * runtime/model.c) run over a fixed set of seeds per feature set, so
 * that every default run checks a few hundred random sequences;
 * `dispatch-cts fuzz` (harness/fuzz_cmd.c) runs fresh seeds for a time.
 */
#include "dcts.h"
#include "model.h"

/* ---- the mdl-* cases -------------------------------------------------------------- */

/* Seeds per case: each runs in well under 0.2 s on a bundled backend. */
#define CASE_SEEDS 120

static void run_seeds(dcts_t *t, unsigned features, unsigned long first)
{
    for (unsigned long seed = first; seed < first + CASE_SEEDS; seed++) {
        mdl_result res;
        mdl_fuzz_one(t->be, seed, features, 0, &res);
        /* The tester's own fault is never the backend's: a SKIP. */
        NEED(res.diverged >= 0, "%s", res.text);
        CHECK(!res.diverged, "%s", res.text);
    }
}

/* Catches: anything the model disagrees with in filters, reads, writes,
 * shutdowns and callbacks that change interests: a narrowed field still
 * delivered, a ready target skipped, an edge-triggered report, bits not in
 * the declared model's form, a removal that leaves the target called.
 * Checks: DSP-1, DSP-2, DSP-3, DSP-4, DSP-5, EVT-1, EVT-2, EVT-3, EVT-9,
 * FLT-3, FLT-5. */
static void model_core(dcts_t *t) { run_seeds(t, MDL_F_CORE, 1000); }

/* Catches: a stale result delivered to a target freed and reallocated at
 * the same address, or to the successor on a reused fd number; a late
 * socket_closed that removes the successor; replacement that unions.
 * Checks: DSP-6, DSP-7, DSP-8, FLT-1, FLT-4, FLT-6, CLS-1, CLS-2, CLS-3,
 * CLS-4, CLS-5. */
static void model_close(dcts_t *t) { run_seeds(t, MDL_F_CORE | MDL_F_CLOSE, 2000); }

/* Catches: a handler given the wrong target or code, DC_INTERRUPT given
 * to the handler, a pass that goes on after propagation, targets lost
 * after it, a handler that closes its target and crashes the pass, a
 * nested call not refused; bad timeouts and arguments not refused.
 * Checks: ERR-2, ERR-3, ERR-4, ERR-5, ERR-6, ERR-7, ERR-8, DSP-9, LIM-1,
 * LIM-2, LIM-4, TMO-7. */
static void model_errors(dcts_t *t)
{
    run_seeds(t, MDL_F_CORE | MDL_F_CLOSE | MDL_F_ERRORS | MDL_F_NESTED |
              MDL_F_BADARGS | MDL_F_HIGHFD, 3000);
}

/* Catches: events of a duplicated file delivered, after its fd was closed
 * and socket_closed, to whatever holds the number next (CLS-2).
 * Also checks: DSP-5. */
static void model_dup(dcts_t *t) { run_seeds(t, MDL_F_CORE | MDL_F_CLOSE | MDL_F_DUP, 4000); }

/* Catches: a backend that crashes, wedges or calls freed targets when a
 * registered fd is closed behind its back (LIM-3). */
static void model_behind(dcts_t *t)
{
    run_seeds(t, MDL_F_CORE | MDL_F_CLOSE | MDL_F_BEHIND, 5000);
}

/* Catches: a registration that fails for want of memory but leaves the
 * target half registered (called, or its fd's next holder confused), or
 * a failed change that changed the interest anyway (ABI-5). */
static void model_alloc(dcts_t *t)
{
    dcts_need_alloc_injection(t);
    run_seeds(t, MDL_F_CORE | MDL_F_CLOSE | MDL_F_ALLOC, 6000);
}

const dcts_case dcts_cases_model[] = {
    { .id = "mdl-core", CLAUSES(DSP_1, DSP_2, DSP_3, DSP_4, DSP_5, EVT_1, EVT_2,
              EVT_3, EVT_9, FLT_3, FLT_5),
      .summary = "model-checked random sequences: filters, I/O, callbacks "
      "changing interests",
      .run = model_core, .flags = DCTS_F_MODEL },
    { .id = "mdl-close", CLAUSES(DSP_6, DSP_7, DSP_8, FLT_1, FLT_4, FLT_6,
              CLS_1, CLS_2, CLS_3, CLS_4, CLS_5),
      .summary = "model-checked random sequences: socket_closed, close, free, "
      "fd and address reuse, replacement",
      .run = model_close, .flags = DCTS_F_MODEL },
    { .id = "mdl-errors", CLAUSES(ERR_2, ERR_3, ERR_4, ERR_5, ERR_6, ERR_7,
              ERR_8, DSP_9, LIM_1, LIM_2, LIM_4, TMO_7),
      .summary = "model-checked random sequences: raises, handlers, nested "
      "dispatch_once, bad arguments, high fds",
      .run = model_errors, .flags = DCTS_F_MODEL },
    { .id = "mdl-dup", CLAUSES(CLS_2, DSP_5),
      .summary = "model-checked random sequences with dup'd files outliving "
      "their fd numbers",
      .run = model_dup, .flags = DCTS_F_MODEL },
    { .id = "mdl-behind", CLAUSES(LIM_3),
      .summary = "model-checked random sequences with registered fds closed "
      "behind the backend's back",
      .run = model_behind, .flags = DCTS_F_MODEL },
    { .id = "mdl-alloc", CLAUSES(ABI_5),
      .summary = "model-checked random sequences with filter calls whose "
      "allocations fail",
      .run = model_alloc, .flags = DCTS_F_MODEL },
    { 0 }
};
