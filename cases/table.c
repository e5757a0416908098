/*
 * table.c: the case table, area by area.  Each area file (timeout.c,
 * events.c, ...) keeps its own rows next to the cases they name; this file
 * only strings the areas together and looks things up.
 */
#include "dcts.h"

#include <stdlib.h>
#include <string.h>

static const dcts_case *const areas[] = {
    dcts_cases_abi,
    dcts_cases_timeout,
    dcts_cases_events,
    dcts_cases_dispatch,
    dcts_cases_errors,
    dcts_cases_filters,
    dcts_cases_closing,
    dcts_cases_limits,
    dcts_cases_scale,
    dcts_cases_faults,
    dcts_cases_peers,
    dcts_cases_model,
};

#define MAX_CASES 512

const dcts_case *const *dcts_all_cases(size_t *count)
{
    static const dcts_case *all[MAX_CASES + 1];
    static size_t n;

    if (n == 0)
        for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
            for (const dcts_case *c = areas[a]; c->id && n < MAX_CASES; c++)
                all[n++] = c;
    if (count)
        *count = n;
    return all;
}

const dcts_case *dcts_find_case(const char *id)
{
    size_t n;
    const dcts_case *const *all = dcts_all_cases(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->id, id) == 0)
            return all[i];
    return NULL;
}
