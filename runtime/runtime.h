/*
 * runtime.h: the case runtime's core, for the runtime's own modules
 * (probes.c, kernel.c, timing.c, spawn.c, tmpdir.c, trace.c, alloc.c).
 * Cases use dcts.h; the harness uses case.h.
 *
 * The core (runtime.c) runs one case and ends it; it calls no module.
 * A module that holds something for the case (fds, threads, peers, a
 * directory, probes, an armed timer) keeps it in its own state and
 * registers a clean-up the first time it does, as Python's addCleanup:
 * the core runs the clean-ups when the case ends, whichever way.
 */
#ifndef DCTS_RUNTIME_H
#define DCTS_RUNTIME_H

#include "dcts.h"

#include <stddef.h>

/* What the core keeps of the running case: its outcome and what the
 * probes observed of the backend's calls (the trace itself: trace.c). */
struct dcts_runtime {
    dcts_t *current;              /* the running case's state */
    dcts_status outcome;          /* PASS until a fail or skip */
    char reason[2048];            /* the fail or skip text */

    unsigned pass;                /* dispatch_once calls so far */

    int use_after_free;           /* calls on freed probes */
    int double_calls;             /* second calls in one pass */
    int destroying;               /* inside be->destroy */
    int calls_in_destroy;

    int handler_calls;
    dc_target *handler_last_o;
    int handler_last_code;
};

extern struct dcts_runtime dcts_rt;

/* When a clean-up runs, in this order, so that nothing released early is
 * used by what is still running. */
typedef enum {
    DCTS_CLEANUP_TIMERS,      /* armed allocation failures, signal storms */
    DCTS_CLEANUP_THREADS,     /* helper threads joined: a delayed write
                               * must never land on a reused fd */
    DCTS_CLEANUP_PEERS,       /* peer processes, before the files they use */
    DCTS_CLEANUP_FDS,         /* descriptors */
    DCTS_CLEANUP_FILES,       /* the temporary directory */
    DCTS_CLEANUP_MEMORY,      /* probes: freed last, after every caller */
    DCTS_CLEANUP_STAGES
} dcts_cleanup_stage;

/* Runs fn once when the running case ends, at its stage; within a stage,
 * the one registered last runs first.  Registering the same fn again in
 * one case does nothing, so a module may register on every use.  It
 * allocates nothing (an armed allocation failure cannot hit it); without
 * a running case (dispatch-cts fuzz outside a case) it does nothing. */
void dcts_add_cleanup(dcts_cleanup_stage stage, void (*fn)(void));

/* Room for one more element in items, an array of count elements of
 * size elem with room for *cap (which grows by doubling from first):
 * returns the array, moved or not, or NULL with nothing changed when
 * memory runs out.  The runtime's one growth rule. */
void *dcts_grow(void *items, size_t *cap, size_t count, size_t elem,
                size_t first);

#endif
