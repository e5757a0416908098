/*
 * explain.c: 'dispatch-cts explain ID', the contract at the terminal.
 *
 * A clause id prints what a learner needs in one place: the clause's
 * heading and whole text (the rule, its Why, its Seed), the cases that
 * check it and the mutants that break it.  A case id prints the case's
 * summary and the text of each clause it checks.  Everything comes from
 * tables compiled in (tools/gen-clauses.sh), so an installed harness
 * explains itself without the source tree.
 */
#include "catalog.h"
#include "lessons.h"
#include "text.h"

#include <string.h>
#include <strings.h>

static const dcts_clause_text *text_of(const dcts_clause_text *texts,
                                       const char *id)
{
    for (const dcts_clause_text *t = texts; t->id; t++)
        if (strcmp(t->id, id) == 0)
            return t;
    return NULL;
}

/* True when the comma-separated list names id. */
static int list_names(const char *list, const char *id)
{
    size_t len = strlen(id);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, id, len) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static void clause_text(dcts_buf *b, const dcts_clause *cl,
                        const dcts_clause_text *texts, const char *indent)
{
    const dcts_clause_text *t = text_of(texts, cl->id);
    dcts_buf_printf(b, "%s%s · %s · ", indent, cl->id, cl->level);
    dcts_buf_add_clean(b, cl->text, 0);
    dcts_buf_puts(b, "\n\n");
    for (const char *p = t ? t->body : ""; *p;) {
        size_t n = strcspn(p, "\n");
        dcts_buf_printf(b, "%s%.*s\n", n ? indent : "", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

/* "learn: docs/TUTORIAL.md step N (title)", as under a failure. */
static void add_lesson(dcts_buf *b, const dcts_clause *const *clauses)
{
    char learn[256];
    if (dcts_lesson_line(clauses, learn, sizeof learn))
        dcts_buf_printf(b, "\n%s", learn + 2);     /* unindented */
}

static void explain_clause(dcts_buf *b, const dcts_clause *cl,
                           const dcts_clause_text *texts,
                           const dcts_mutant_note *mutants,
                           const dcts_case *const *all, size_t n)
{
    clause_text(b, cl, texts, "");
    add_lesson(b, (const dcts_clause *const[]){ cl, NULL });
    dcts_buf_puts(b, "\nChecked by the cases:\n");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (dcts_case_names_clause(all[i], cl->id)) {
            dcts_buf_printf(b, "  %-36s ", all[i]->id);
            dcts_buf_add_clean(b, all[i]->summary ? all[i]->summary : "", 0);
            dcts_buf_putc(b, '\n');
            k++;
        }
    if (k == 0)
        dcts_buf_puts(b, "  (none)\n");
    dcts_buf_puts(b, "\nBroken on purpose by the mutants (backends/mutants):\n");
    k = 0;
    for (const dcts_mutant_note *m = mutants; m->name; m++)
        if (list_names(m->clauses, cl->id)) {
            dcts_buf_printf(b, "  %-36s %s\n", m->name, m->defect);
            k++;
        }
    if (k == 0)
        dcts_buf_puts(b, "  (none)\n");
}

static void explain_case(dcts_buf *b, const dcts_case *c,
                         const dcts_clause *clauses,
                         const dcts_clause_text *texts)
{
    dcts_buf_printf(b, "%s (%s): ", c->id, dcts_level_name(dcts_case_level(c)));
    dcts_buf_add_clean(b, c->summary ? c->summary : "", 0);
    dcts_buf_puts(b, "\n\nIt checks:\n");
    for (const dcts_clause *cl = clauses; cl->id; cl++)
        if (dcts_case_names_clause(c, cl->id)) {
            dcts_buf_putc(b, '\n');
            clause_text(b, cl, texts, "  ");
        }
    add_lesson(b, c->clauses);
    dcts_buf_printf(b, "\nRun it alone: dispatch-cts --filter '%s' BACKEND.so\n",
                    c->id);
}

int dcts_explain(FILE *f, const char *id, const dcts_clause *clauses,
                 const dcts_clause_text *texts,
                 const dcts_mutant_note *mutants,
                 const dcts_case *const *all, size_t n)
{
    dcts_buf b = DCTS_BUF_INIT;
    int found = 0;

    for (const dcts_clause *cl = clauses; cl->id && !found; cl++)
        if (strcasecmp(cl->id, id) == 0) {
            explain_clause(&b, cl, texts, mutants, all, n);
            found = 1;
        }
    for (size_t i = 0; i < n && !found; i++)
        if (strcasecmp(all[i]->id, id) == 0) {
            explain_case(&b, all[i], clauses, texts);
            found = 1;
        }
    if (found)
        fputs(dcts_buf_str(&b), f);
    dcts_buf_free(&b);
    return found ? 0 : -1;
}
