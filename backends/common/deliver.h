/*
 * deliver.h: one dispatch pass, shared by every backend.
 *
 * After its wait, a backend records what was ready in a snapshot: one
 * dcb_ready per fd, with the generation of the registration it waited on
 * and the native bits of each field.  Nothing a callback does may change
 * the snapshot under the pass: it is a malloc of dispatch_once, or a
 * buffer of the context that is grown only before the pass starts (never
 * by the filter calls a callback may make, DSP-8) and that a nested
 * dispatch_once never reaches, since it is refused first (DSP-9).
 *
 * dcb_run_pass then walks the snapshot in order.  Before each call it looks
 * the fd up again, because earlier callbacks may have removed, replaced or
 * narrowed that registration (DSP-5..8); then it calls the target and
 * applies the error policy (ERR-1..6).  The re-check and the call happen
 * once per event, so they are inline here; a backend whose kernel results
 * already are a snapshot (epoll's event buffer) uses them directly.
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
static inline dc_target *dcb_recheck(const dcb_registry *reg, dcb_ready *ev)
{
    /* Looked up afresh: the table may have been reallocated by a callback
     * (DSP-8), so no slot pointer survives from before the last call. */
    const dcb_reg *now = dcb_registry_lookup(reg, ev->fd);

    if (now == NULL)
        return NULL;                    /* DSP-6: removed or closed */
    if (now->generation != ev->generation)
        return NULL;                    /* DSP-7: a newer registration */

    unsigned long keep = now->flags | ev->unasked;   /* DSP-5, EVT-4 */
    ev->r &= keep;
    ev->w &= keep;
    ev->e &= keep;
    if ((ev->r | ev->w | ev->e) == 0)
        return NULL;                    /* DSP-4: nothing wanted is left */
    return now->o;
}

/* Calls o with ev's fields under the error policy.  Returns 0 to go on
 * with the pass, or the code dispatch_once must return at once:
 *   ERR-1  the target returned 0: go on
 *   ERR-2  DC_INTERRUPT, DC_EXIT: propagate, never to the handler
 *   ERR-4  no handler: propagate the code
 *   ERR-3  otherwise the handler gets it, exactly once, with o;
 *   ERR-5  its non-zero return propagates,
 *   ERR-6  its 0 means "handled": go on.
 * ERR-8: o is not touched after the handler returns; it may be gone.
 * The common case, 0, costs one test. */
static inline int dcb_deliver(dc_target *o, const dcb_ready *ev,
                              dc_error_handler handler, void *handler_arg)
{
    /* DSP-1: one call with every field of this fd combined. */
    int code = o->dispatch_event(o, ev->r, ev->w, ev->e);

    if (code == 0)
        return 0;                       /* ERR-1: success */
    if (code == DC_INTERRUPT || code == DC_EXIT)
        return code;                    /* ERR-2: never to the handler */
    if (handler == NULL)
        return code;                    /* ERR-4 */
    /* ERR-3: once, with the raising target.  Its answer is ours: 0 goes
     * on (ERR-6), anything else propagates (ERR-5).  ERR-8: o may have
     * been closed by the handler, so it is not used again here. */
    return handler(handler_arg, o, code);
}

/* The whole pass over ready[0..n): re-check, call, stop at the first code
 * to propagate and return it, else 0.  Targets after a propagation are not
 * lost: dispatch is level-triggered, so the next wait reports them again
 * (ERR-7).  Each entry is masked in a copy: ready itself is left as it was. */
int dcb_run_pass(const dcb_registry *reg, const dcb_ready *ready, size_t n,
                 dc_error_handler handler, void *handler_arg);

#endif /* DCB_DELIVER_H */
