/*
 * deliver.h: one dispatch pass, shared by every backend.
 *
 * After its wait, a backend records what was ready in a snapshot: one
 * dcb_ready per fd, with the generation of the registration it waited on
 * and the native bits of each field.  The snapshot belongs to the pass (a
 * local or a malloc of dispatch_once), never to the context, so nothing a
 * callback does can overwrite it (DSP-9).
 *
 * dcb_run_pass then walks the snapshot in order.  Before each call it looks
 * the fd up again, because earlier callbacks may have removed, replaced or
 * narrowed that registration (DSP-5..8); then it calls the target and
 * applies the error policy (ERR-1..6).
 */
#ifndef DCB_DELIVER_H
#define DCB_DELIVER_H

#include "dispatch_context.h"
#include "registry.h"

#include <stddef.h>

typedef struct dcb_ready {
    int fd;
    unsigned generation;        /* of the registration that was waited on */
    unsigned long r, w, e;      /* native bits of each field, as reported */
    /* Bits the mechanism reports whatever the interest (EVT-4): poll's
     * ERR|HUP|NVAL, or select's E for an fd closed behind its back.  They
     * survive the masking by the current interest below. */
    unsigned long unasked;
} dcb_ready;

/* DSP-5, DSP-6, DSP-7: the target to call for ev, or NULL to skip it.
 * Skipped when fd is no longer registered or holds a newer registration
 * (its generation moved on).  Otherwise each field is masked in place by
 * the current interest plus ev->unasked, and skipped if nothing is left
 * (DSP-4).  This is the same rule the kernel applies to its own reports,
 * applied again because the interest may have changed since the wait. */
dc_target *dcb_recheck(const dcb_registry *reg, dcb_ready *ev);

/* Calls o with ev's fields under the error policy.  Returns 0 to go on
 * with the pass, or the code dispatch_once must return at once:
 *   ERR-1  the target returned 0: go on
 *   ERR-2  DC_INTERRUPT, DC_EXIT: propagate, never to the handler
 *   ERR-4  no handler: propagate the code
 *   ERR-3  otherwise the handler gets it, exactly once, with o;
 *   ERR-5  its non-zero return propagates,
 *   ERR-6  its 0 means "handled": go on.
 * ERR-8: o is not touched after the handler returns; it may be gone. */
int dcb_deliver(dc_target *o, const dcb_ready *ev,
                dc_error_handler handler, void *handler_arg);

/* The whole pass over ready[0..n): re-check, call, stop at the first code
 * to propagate and return it, else 0.  Targets after a propagation are not
 * lost: dispatch is level-triggered, so the next wait reports them again
 * (ERR-7).  ready is modified (masked) in place. */
int dcb_run_pass(const dcb_registry *reg, dcb_ready *ready, size_t n,
                 dc_error_handler handler, void *handler_arg);

#endif /* DCB_DELIVER_H */
