/*
 * clauses.c: the contract's clauses, looked up by id, over the table
 * generated from spec/CONTRACT.md's headings (build/gen/clauses.c,
 * tools/gen-clauses.sh).
 */
#include "dcts.h"

#include <string.h>

const dcts_clause *dcts_find_clause(const char *id)
{
    for (const dcts_clause *c = dcts_clauses; c->id; c++)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}
