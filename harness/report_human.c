/*
 * report_human.c: the report for people.
 *
 *   backend select (build/backends/select.so)
 *
 *   CASE                  CLAUSES      STATUS      MS
 *   tmo-null-no-targets   TMO-1        PASS         0
 *   ...
 *
 *   select: 57 cases: 55 PASS, 1 WARN, 1 SKIP, 0 FAIL, 0 TIMEOUT, 0 CRASH
 *
 * With several backends the table is a matrix, a column per backend.
 * Skip reasons and failure details follow the summaries.
 */
#include "report_common.h"

#include <stdlib.h>
#include <string.h>

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"

/* A result's colour: its status's, or, judged against an expectation,
 * dim for XFAIL and bold red for XPASS and a mismatch (both fail). */
static const char *result_colour(const dcts_result *r)
{
    switch (r->verdict) {
    case DCTS_MET:
        if (dcts_result_xfail(r))
            return "\033[2m";                   /* XFAIL: dim */
        break;
    case DCTS_XPASS:
    case DCTS_MISMATCH:
        return "\033[1;31m";
    case DCTS_AS_IS:
        break;
    }
    switch (r->status) {
    case DCTS_PASS: return "\033[32m";          /* green */
    case DCTS_WARN: return "\033[33m";          /* yellow */
    case DCTS_SKIP: return "\033[36m";          /* cyan */
    case DCTS_FAIL: return "\033[1;31m";        /* bold red */
    default:        return "\033[1;35m";        /* TIMEOUT, CRASH: magenta */
    }
}

/* s cleaned, padded with spaces to width columns. */
static void cell(dcts_buf *b, const char *s, size_t width)
{
    size_t before = b->len;
    dcts_buf_add_clean(b, s, 0);
    for (size_t w = dcts_text_width(b->data + before); w < width; w++)
        dcts_buf_putc(b, ' ');
}

static void status_cell(dcts_buf *b, const dcts_result *r, size_t width,
                        int colour)
{
    const char *name = dcts_result_label(r);
    if (colour)
        dcts_buf_puts(b, result_colour(r));
    dcts_buf_puts(b, name);
    if (colour)
        dcts_buf_puts(b, C_RESET);
    for (size_t w = strlen(name); w < width; w++)
        dcts_buf_putc(b, ' ');
}

static size_t clean_width(const char *s)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_clean(&b, s ? s : "", 0);
    size_t w = dcts_text_width(dcts_buf_str(&b));
    dcts_buf_free(&b);
    return w;
}

static void trim_trailing_blanks(dcts_buf *b)
{
    while (b->len && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
}

static void table(dcts_buf *b, const dcts_report *rep, int colour)
{
    size_t wid = 4, wcl = 7;
    char ids[DCTS_CLAUSE_IDS_MAX];
    for (size_t i = 0; i < rep->ncases; i++) {
        size_t w = clean_width(rep->cases[i]->id);
        if (w > wid)
            wid = w;
        w = clean_width(dcts_case_clause_ids(rep->cases[i], ids, sizeof ids));
        if (w > wcl)
            wcl = w;
    }
    int matrix = rep->nsuites > 1;
    size_t *wcol = dcts_xmalloc(sizeof *wcol * (rep->nsuites + 1));
    for (size_t s = 0; s < rep->nsuites; s++) {
        size_t w = matrix ? clean_width(rep->suites[s].name) : 6;
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &rep->suites[s].results[i];
            size_t lw = strlen(dcts_result_label(r));
            if (lw > w)
                w = lw;                 /* "TIMEOUT!" */
        }
        wcol[s] = w < 7 ? 7 : w;
    }

    if (colour)
        dcts_buf_puts(b, C_BOLD);
    cell(b, "CASE", wid + 2);
    cell(b, "CLAUSES", wcl + 2);
    if (matrix) {
        for (size_t s = 0; s < rep->nsuites; s++)
            cell(b, rep->suites[s].name, wcol[s] + 2);
    } else {
        cell(b, "STATUS", wcol[0] + 2);
        dcts_buf_puts(b, "      MS");
    }
    trim_trailing_blanks(b);
    if (colour)
        dcts_buf_puts(b, C_RESET);
    dcts_buf_putc(b, '\n');

    for (size_t i = 0; i < rep->ncases; i++) {
        const dcts_case *c = rep->cases[i];
        cell(b, c->id, wid + 2);
        cell(b, dcts_case_clause_ids(c, ids, sizeof ids), wcl + 2);
        for (size_t s = 0; s < rep->nsuites; s++)
            status_cell(b, &rep->suites[s].results[i], wcol[s] + 2, colour);
        if (!matrix)
            dcts_buf_printf(b, "%8.0f", rep->suites[0].results[i].ms);
        trim_trailing_blanks(b);
        dcts_buf_putc(b, '\n');
    }
    free(wcol);
}

static void skips(dcts_buf *b, const dcts_report *rep)
{
    int any = 0;
    for (size_t s = 0; s < rep->nsuites; s++)
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &rep->suites[s].results[i];
            if (r->status != DCTS_SKIP)
                continue;
            if (!any)
                dcts_buf_puts(b, "\nSkipped:\n");
            any = 1;
            dcts_buf_puts(b, "  ");
            dcts_buf_add_clean(b, rep->cases[i]->id, 0);
            dcts_buf_puts(b, " on ");
            dcts_buf_add_clean(b, rep->suites[s].name, 0);
            dcts_buf_puts(b, ": ");
            dcts_buf_add_first_line(b, r->message ? r->message : "", 400);
            dcts_buf_putc(b, '\n');
        }
}

/* PASS notes (expect.h): passes an expectations file qualifies. */
static void notes(dcts_buf *b, const dcts_report *rep)
{
    int any = 0;
    for (size_t s = 0; s < rep->nsuites; s++)
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &rep->suites[s].results[i];
            if (r->status != DCTS_PASS || r->verdict != DCTS_MET)
                continue;
            if (!any)
                dcts_buf_puts(b, "\nNotes:\n");
            any = 1;
            dcts_buf_puts(b, "  ");
            dcts_buf_add_clean(b, rep->cases[i]->id, 0);
            dcts_buf_puts(b, " on ");
            dcts_buf_add_clean(b, rep->suites[s].name, 0);
            dcts_buf_puts(b, ": ");
            dcts_add_expectation(b, r);
            dcts_buf_putc(b, '\n');
        }
}

static void details(dcts_buf *b, const dcts_report *rep, int colour)
{
    int any = 0;
    for (size_t s = 0; s < rep->nsuites; s++)
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &rep->suites[s].results[i];
            dcts_verdict v = r->verdict;
            if ((r->status == DCTS_PASS || r->status == DCTS_SKIP) &&
                v != DCTS_XPASS && v != DCTS_MISMATCH)
                continue;
            dcts_buf_puts(b, any ? "\n" : "\nDetails:\n\n");
            any = 1;
            status_cell(b, r, 0, colour);
            dcts_buf_puts(b, "  ");
            if (colour)
                dcts_buf_puts(b, C_BOLD);
            dcts_buf_add_clean(b, rep->cases[i]->id, 0);
            if (colour)
                dcts_buf_puts(b, C_RESET);
            dcts_buf_puts(b, " on ");
            dcts_buf_add_clean(b, rep->suites[s].name, 0);
            dcts_buf_printf(b, " (%s, %.0f ms)\n",
                            dcts_case_level(rep->cases[i]) == DCTS_SHOULD
                                ? "SHOULD" : "MUST",
                            r->ms);
            if (r->gap_expected) {
                dcts_buf_puts(b, "    ");
                dcts_add_expectation(b, r);
                dcts_buf_puts(b, v == DCTS_XPASS
                              ? "\n    but it passed: remove the expectation "
                                "or make it exact\n"
                              : v == DCTS_MISMATCH
                              ? "\n    but the result differs\n" : "\n");
            }
            if (r->status != DCTS_PASS)
                dcts_buf_add_indented(b, r->message && *r->message
                                         ? r->message : "(no message)",
                                      "    ");
        }
}

int dcts_render_human(dcts_buf *b, const dcts_report *rep, int colour)
{
    for (size_t s = 0; s < rep->nsuites; s++) {
        dcts_buf_puts(b, s ? ", " : (rep->nsuites > 1 ? "backends: "
                                                      : "backend: "));
        dcts_buf_add_clean(b, rep->suites[s].name, 0);
        dcts_buf_puts(b, " = ");
        dcts_buf_add_clean(b, rep->suites[s].source, 0);
        if (rep->suites[s].about) {
            dcts_buf_puts(b, " (");
            dcts_buf_add_clean(b, rep->suites[s].about, 0);
            dcts_buf_putc(b, ')');
        }
    }
    dcts_buf_putc(b, '\n');
    if (rep->note) {
        dcts_buf_puts(b, "isolation: ");
        dcts_buf_add_clean(b, rep->note, 0);
        dcts_buf_putc(b, '\n');
    }
    dcts_buf_putc(b, '\n');
    table(b, rep, colour);
    dcts_buf_putc(b, '\n');
    for (size_t s = 0; s < rep->nsuites; s++) {
        dcts_counts c;
        dcts_count_results(rep->suites[s].results, rep->ncases, &c);
        int ok = dcts_counts_ok(&c);
        if (colour)
            dcts_buf_puts(b, ok ? "\033[32m" : "\033[1;31m");
        dcts_summary_line(b, rep->suites[s].name, &c);
        if (colour)
            dcts_buf_puts(b, C_RESET);
        dcts_buf_putc(b, '\n');
    }
    skips(b, rep);
    notes(b, rep);
    details(b, rep, colour);
    return 0;
}
