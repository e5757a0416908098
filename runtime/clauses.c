/*
 * clauses.c: the contract's clauses, looked up by id, over the table
 * generated from spec/CONTRACT.md's headings (build/gen/clauses.c,
 * tools/gen-clauses.sh).
 */
#include "case.h"

#include <stdio.h>
#include <string.h>

const dcts_clause *dcts_find_clause(const char *id)
{
    for (const dcts_clause *c = dcts_clauses; c->id; c++)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

/* A case's clause list is read here and nowhere else: a NULL-terminated
 * array of rows of dcts_clauses (case.h, CLAUSES). */

dcts_level dcts_case_level(const dcts_case *c)
{
    if (!c->clauses[0])
        return DCTS_MUST;
    for (const dcts_clause *const *cl = c->clauses; *cl; cl++)
        if (strcmp((*cl)->level, "SHOULD") != 0)
            return DCTS_MUST;
    return DCTS_SHOULD;
}

int dcts_case_names_clause(const dcts_case *c, const char *clause_id)
{
    for (const dcts_clause *const *cl = c->clauses; *cl; cl++)
        if (strcmp((*cl)->id, clause_id) == 0)
            return 1;
    return 0;
}

const char *dcts_case_clause_ids(const dcts_case *c, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (const dcts_clause *const *cl = c->clauses; *cl && used + 1 < len;
         cl++) {
        int n = snprintf(buf + used, len - used, "%s%s",
                         cl == c->clauses ? "" : " ", (*cl)->id);
        if (n < 0)
            break;
        used = used + (size_t)n < len ? used + (size_t)n : len - 1;
    }
    return buf;
}
