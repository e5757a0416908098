/*
 * catalog.h: what the case table and the clause table say, for selection
 * (--filter), listing (--list, --list-clauses) and --check-coverage.
 */
#ifndef DCTS_CATALOG_H
#define DCTS_CATALOG_H

#include "case.h"

#include <stddef.h>
#include <stdio.h>

/* True when one of globs matches c's id or one of its clause ids
 * (fnmatch, case-insensitive).  No globs: every case matches. */
int dcts_case_matches(const dcts_case *c, const char *const *globs,
                      size_t nglobs);

/* The cases of all[0..n-1] that match, in table order, into a malloc'd
 * array (free it); *count receives how many. */
const dcts_case **dcts_select_cases(const dcts_case *const *all, size_t n,
                                    const char *const *globs, size_t nglobs,
                                    size_t *count);

/* What a run selects: the cases --filter matches (all, with none), less
 * those --exclude matches (same matching), then with --shard I/N every
 * N-th of those from the I-th on, so that N machines given the same
 * options run each case exactly once between them. */
typedef struct dcts_selection {
    const char *const *filters;
    size_t nfilters;
    const char *const *excludes;
    size_t nexcludes;
    unsigned shard, nshards;    /* 1-based; 0 and 0: no sharding */
} dcts_selection;

const dcts_case **dcts_select(const dcts_case *const *all, size_t n,
                              const dcts_selection *sel, size_t *count);

/* --list: one line per case: id, clauses, level, summary. */
void dcts_list_cases(FILE *f, const dcts_case *const *cases, size_t n);

/* --list-clauses: each clause (id, level, text) and the ids of the cases
 * in all[0..n-1] that name it. */
void dcts_list_clauses(FILE *f, const dcts_clause *clauses,
                       const dcts_case *const *all, size_t n);

/* --check-coverage: prints each gap (a clause no case names, a clause id
 * a case names that the contract lacks, a case id used twice) to f, or a
 * line saying all is covered; returns the number of gaps. */
size_t dcts_check_coverage(FILE *f, const dcts_clause *clauses,
                           const dcts_case *const *all, size_t n);

/* The whole text of each clause under its heading (the rule, its Why, its
 * Seed), and the mutants with the clauses they break: generated from
 * spec/CONTRACT.md and backends/mutants/MANIFEST (tools/gen-clauses.sh).
 * Both end with an all-NULL entry. */
typedef struct dcts_clause_text {
    const char *id;
    const char *body;
} dcts_clause_text;
extern const dcts_clause_text dcts_clause_texts[];

typedef struct dcts_mutant_note {
    const char *name;          /* backends/mutants/NAME.patch */
    const char *clauses;       /* "TMO-1,TMO-5" */
    const char *defect;        /* one line */
} dcts_mutant_note;
extern const dcts_mutant_note dcts_mutant_notes[];

/* explain ID: a clause id (any case) prints its heading and whole text,
 * then the cases that check it and the mutants that break it; a case id
 * its summary, level and each of its clauses' texts.  0, or -1 (nothing
 * printed) when ID is neither. */
int dcts_explain(FILE *f, const char *id, const dcts_clause *clauses,
                 const dcts_clause_text *texts,
                 const dcts_mutant_note *mutants,
                 const dcts_case *const *all, size_t n);

/* "MUST" / "SHOULD". */
const char *dcts_level_name(dcts_level l);

#endif /* DCTS_CATALOG_H */
