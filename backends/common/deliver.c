/*
 * deliver.c: re-check, call and escalate (see deliver.h).
 */
#include "deliver.h"

dc_target *dcb_recheck(const dcb_registry *reg, dcb_ready *ev)
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

int dcb_deliver(dc_target *o, const dcb_ready *ev,
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

int dcb_run_pass(const dcb_registry *reg, dcb_ready *ready, size_t n,
                 dc_error_handler handler, void *handler_arg)
{
    for (size_t i = 0; i < n; i++) {
        dc_target *o = dcb_recheck(reg, &ready[i]);
        if (o == NULL)
            continue;
        int rc = dcb_deliver(o, &ready[i], handler, handler_arg);
        if (rc != 0)
            return rc;                  /* ERR-2/4/5: at once; ERR-7 */
    }
    return 0;
}
