/*
 * catalog.c: selecting, listing and cross-checking cases and clauses.
 */
#include "catalog.h"
#include "text.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

const char *dcts_level_name(dcts_level l)
{
    return l == DCTS_SHOULD ? "SHOULD" : "MUST";
}

int dcts_case_matches(const dcts_case *c, const char *const *globs,
                      size_t nglobs)
{
    if (nglobs == 0)
        return 1;
    for (size_t i = 0; i < nglobs; i++) {
        if (fnmatch(globs[i], c->id, FNM_CASEFOLD) == 0)
            return 1;
        for (const dcts_clause *const *cl = c->clauses; *cl; cl++)
            if (fnmatch(globs[i], (*cl)->id, FNM_CASEFOLD) == 0)
                return 1;
    }
    return 0;
}

const dcts_case **dcts_select(const dcts_case *const *all, size_t n,
                              const dcts_selection *sel, size_t *count)
{
    const dcts_case **out = dcts_xmalloc(sizeof *out * (n ? n : 1));
    size_t k = 0, matched = 0;
    for (size_t i = 0; i < n; i++) {
        if (!dcts_case_matches(all[i], sel->filters, sel->nfilters))
            continue;
        if (sel->nexcludes &&
            dcts_case_matches(all[i], sel->excludes, sel->nexcludes))
            continue;
        if (sel->nshards == 0 || matched % sel->nshards == sel->shard - 1)
            out[k++] = all[i];
        matched++;
    }
    *count = k;
    return out;
}

const dcts_case **dcts_select_cases(const dcts_case *const *all, size_t n,
                                    const char *const *globs, size_t nglobs,
                                    size_t *count)
{
    dcts_selection sel = { .filters = globs, .nfilters = nglobs };
    return dcts_select(all, n, &sel, count);
}

static void pad(dcts_buf *b, const char *s, size_t width)
{
    dcts_buf_add_clean(b, s, 0);
    for (size_t w = dcts_text_width(s); w < width; w++)
        dcts_buf_putc(b, ' ');
}

void dcts_list_cases(FILE *f, const dcts_case *const *cases, size_t n)
{
    size_t wid = 4, wcl = 7;
    dcts_buf b = DCTS_BUF_INIT;
    char ids[DCTS_CLAUSE_IDS_MAX];

    for (size_t i = 0; i < n; i++) {
        size_t w = dcts_text_width(cases[i]->id);
        if (w > wid)
            wid = w;
        w = dcts_text_width(dcts_case_clause_ids(cases[i], ids, sizeof ids));
        if (w > wcl)
            wcl = w;
    }
    pad(&b, "CASE", wid + 2);
    pad(&b, "CLAUSES", wcl + 2);
    pad(&b, "LEVEL", 8);
    dcts_buf_puts(&b, "SUMMARY\n");
    for (size_t i = 0; i < n; i++) {
        const dcts_case *c = cases[i];
        pad(&b, c->id, wid + 2);
        pad(&b, dcts_case_clause_ids(c, ids, sizeof ids), wcl + 2);
        pad(&b, dcts_level_name(dcts_case_level(c)), 8);
        dcts_buf_add_clean(&b, c->summary ? c->summary : "", 0);
        dcts_buf_putc(&b, '\n');
    }
    fputs(dcts_buf_str(&b), f);
    dcts_buf_free(&b);
}

void dcts_list_clauses(FILE *f, const dcts_clause *clauses,
                       const dcts_case *const *all, size_t n)
{
    size_t wid = 2;
    dcts_buf b = DCTS_BUF_INIT;

    for (const dcts_clause *cl = clauses; cl->id; cl++)
        if (dcts_text_width(cl->id) > wid)
            wid = dcts_text_width(cl->id);
    for (const dcts_clause *cl = clauses; cl->id; cl++) {
        pad(&b, cl->id, wid + 2);
        pad(&b, cl->level ? cl->level : "", 8);
        dcts_buf_add_clean(&b, cl->text ? cl->text : "", 0);
        dcts_buf_putc(&b, '\n');
        for (size_t i = 0; i < wid + 2 + 8; i++)
            dcts_buf_putc(&b, ' ');
        dcts_buf_puts(&b, "cases:");
        size_t named = 0;
        for (size_t i = 0; i < n; i++)
            if (dcts_case_names_clause(all[i], cl->id)) {
                dcts_buf_putc(&b, ' ');
                dcts_buf_add_clean(&b, all[i]->id, 0);
                named++;
            }
        dcts_buf_puts(&b, named ? "\n" : " (none)\n");
    }
    fputs(dcts_buf_str(&b), f);
    dcts_buf_free(&b);
}

/* Whether cl is a row of clauses (the contract's table, or a test's):
 * only a hand-made case row can point elsewhere, CLAUSES cannot. */
static int in_table(const dcts_clause *cl, const dcts_clause *clauses)
{
    for (const dcts_clause *k = clauses; k->id; k++)
        if (strcmp(k->id, cl->id) == 0)
            return 1;
    return 0;
}

size_t dcts_check_coverage(FILE *f, const dcts_clause *clauses,
                           const dcts_case *const *all, size_t n)
{
    size_t gaps = 0, nclauses = 0;

    for (const dcts_clause *cl = clauses; cl->id; cl++, nclauses++) {
        size_t i = 0;
        while (i < n && !dcts_case_names_clause(all[i], cl->id))
            i++;
        if (i == n) {
            fprintf(f, "clause %s (%s) is checked by no case: %s\n", cl->id,
                    cl->level ? cl->level : "?", cl->text ? cl->text : "");
            gaps++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!all[i]->clauses[0]) {
            fprintf(f, "case %s names no clause\n", all[i]->id);
            gaps++;
        }
        for (const dcts_clause *const *cl = all[i]->clauses; *cl; cl++)
            if (!in_table(*cl, clauses)) {
                fprintf(f, "case %s names clause %s, which spec/CONTRACT.md "
                        "does not define\n", all[i]->id, (*cl)->id);
                gaps++;
            }
        for (size_t j = 0; j < i; j++)
            if (strcmp(all[j]->id, all[i]->id) == 0) {
                fprintf(f, "case id %s is used twice\n", all[i]->id);
                gaps++;
                break;
            }
    }
    if (gaps == 0)
        fprintf(f, "coverage: all %zu clauses are checked; the %zu cases "
                "name only known clauses\n", nclauses, n);
    else
        fprintf(f, "coverage: %zu gap(s)\n", gaps);
    return gaps;
}
