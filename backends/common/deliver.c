/*
 * deliver.c: the pass over a snapshot (see deliver.h).
 */
#include "deliver.h"

int dcb_run_pass(const dcb_registry *reg, const dcb_ready *ready, size_t n,
                 dc_error_handler handler, void *handler_arg)
{
    for (size_t i = 0; i < n; i++) {
        dcb_ready ev = ready[i];        /* masked in this copy */
        dc_target *o = dcb_recheck(reg, &ev);
        if (o == NULL)
            continue;
        int rc = dcb_deliver(o, &ev, handler, handler_arg);
        if (rc != 0)
            return rc;                  /* ERR-2/4/5: at once; ERR-7 */
    }
    return 0;
}
