/*
 * lessons.c: the clause -> tutorial step table (see lessons.h).
 */
#include "lessons.h"

#include <stdio.h>
#include <string.h>

static const char *const titles[] = {
    "",
    "a registry keyed by fd",
    "the interest and flags_for",
    "one wait and one pass",
    "timeouts",
    "the re-check and generations",
    "error escalation",
    "socket_closed and fd reuse",
    "limits and bad input",
};
#define NSTEPS ((int)(sizeof titles / sizeof titles[0]) - 1)

/* Exact ids first, then area prefixes: the first match wins.  The
 * exceptions are the clauses an area's step cannot teach alone: TMO-1 and
 * TMO-10 belong to the first wait, DSP-5.. to the re-check, FLT-4 to fd
 * reuse, CLS-6 to the registry's life, ABI-4/5 to bad input. */
static const struct { const char *id; int step; } table[] = {
    { "ABI-1", 1 }, { "ABI-3", 1 }, { "CLS-6", 1 },
    { "ABI-2", 2 },
    { "TMO-1", 3 }, { "TMO-10", 3 },
    { "DSP-5", 5 }, { "DSP-6", 5 }, { "DSP-7", 5 }, { "DSP-8", 5 },
    { "DSP-9", 5 },
    { "FLT-4", 7 },
    { "ABI-4", 8 }, { "ABI-5", 8 },
    { "FLT-", 2 }, { "EVT-", 3 }, { "DSP-", 3 }, { "TMO-", 4 },
    { "ERR-", 6 }, { "CLS-", 7 }, { "LIM-", 8 },
};

int dcts_lesson_step(const char *id)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t n = strlen(table[i].id);
        int prefix = table[i].id[n - 1] == '-';
        if (prefix ? strncmp(id, table[i].id, n) == 0
                   : strcmp(id, table[i].id) == 0)
            return table[i].step;
    }
    return 0;
}

const char *dcts_lesson_title(int step)
{
    return step >= 1 && step <= NSTEPS ? titles[step] : "";
}

size_t dcts_lesson_line(const dcts_clause *const *clauses, char *out,
                        size_t n)
{
    int want[NSTEPS + 1] = { 0 };
    size_t len = 0;

    for (const dcts_clause *const *cl = clauses; cl && *cl; cl++)
        want[dcts_lesson_step((*cl)->id)] = 1;
    if (n > 0)
        out[0] = '\0';
    for (int s = 1; s <= NSTEPS; s++) {
        if (!want[s] || len + 1 >= n)
            continue;
        int w = snprintf(out + len, n - len, "%s step %d (%s)",
                         len ? "," : "  learn: " DCTS_TUTORIAL, s, titles[s]);
        if (w > 0)
            len = (len + (size_t)w < n) ? len + (size_t)w : n - 1;
    }
    if (len > 0 && len + 1 < n) {
        out[len++] = '\n';
        out[len] = '\0';
    }
    return len;
}
