/*
 * report_tap.c: TAP version 13, with YAML diagnostics.
 *
 * Version 13, not 14: Debian 12's TAP::Harness 3.44 (prove, tap2junit)
 * refuses "TAP version 14" outright, and everything we write is TAP 13
 * already (the YAML blocks are 13's; 14 only adds subtests and pragmas,
 * which we do not use).  Node's tap-parser, meson and automake's
 * tap-driver.sh read both.
 *
 *   TAP version 13
 *   1..114
 *   ok 1 - select: abi-descriptor
 *   not ok 2 - select: tmo-positive-bounds
 *     ---
 *     status: FAIL
 *     backend: "select"
 *     ...
 *     message: |
 *       TMO-2 (MUST): ...
 *     ...
 *   ok 3 - select: lim-fd-limit # SKIP no declared limit
 *   ok 4 - select: tmo-not-cut-short
 *     ---
 *     severity: warn
 *     status: WARN
 *     ...
 *
 * A WARN is an "ok" point with a diagnostic (not "# TODO", whose meaning,
 * an expected failure, is not what a failed SHOULD is).
 *
 * With expectations (expect.h): a met FAIL, TIMEOUT or CRASH is what
 * "# TODO" means, "not ok 5 - libev: evt-urgent-data # TODO expected FAIL
 * (FILE:LINE): reason", with its diagnostic; an XPASS or a mismatch is a
 * plain "not ok" (the run fails), whose diagnostic says what was expected
 * (expected, expectation).
 */
#include "report_common.h"

#include <string.h>

/* A description: cleaned to one line, '#' and '\' escaped. */
static void add_desc(dcts_buf *b, const char *s)
{
    dcts_buf_add_escaped(b, s, "#\\");
}

/* A YAML double-quoted scalar on one line. */
static void add_yaml_quoted(dcts_buf *b, const char *s)
{
    dcts_buf_add_quoted(b, s ? s : "");
}

/* key: a literal block scalar, every line indented under the key.
 *
 * The form is the one every common YAML reader takes, TAP::Harness's
 * YAMLish included: a plain "|" (no indentation indicator, no chomping
 * indicator), so the first line sets the indentation and must not start
 * with a blank, and a blank line keeps the indentation (YAMLish ends the
 * block at any line indented less than the first).  A text whose first
 * line starts with a blank goes on one line, double-quoted. */
static void add_yaml_block(dcts_buf *b, const char *key, const char *text)
{
    dcts_buf clean = DCTS_BUF_INIT;
    dcts_buf_add_clean(&clean, text ? text : "", DCTS_KEEP_NL);
    const char *t = dcts_buf_str(&clean);
    while (*t == '\n')
        t++;                                  /* no leading empty lines */
    size_t len = strlen(t);
    while (len && (t[len - 1] == '\n' || t[len - 1] == ' '))
        len--;
    if (len == 0 || *t == ' ') {
        dcts_buf_printf(b, "  %s: ", key);
        add_yaml_quoted(b, t);
        dcts_buf_putc(b, '\n');
        dcts_buf_free(&clean);
        return;
    }
    dcts_buf_printf(b, "  %s: |\n", key);
    const char *p = t, *end = t + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t keep = n;
        while (keep && p[keep - 1] == ' ')
            keep--;                     /* no trailing blanks... */
        dcts_buf_puts(b, "    ");       /* ...but the indentation stays */
        dcts_buf_add(b, p, keep);
        dcts_buf_putc(b, '\n');
        p += n + 1;
    }
    dcts_buf_free(&clean);
}

static void diagnostic(dcts_buf *b, const dcts_suite *suite,
                       const dcts_case *c, const dcts_result *r)
{
    dcts_buf_puts(b, "  ---\n");
    if (r->status == DCTS_WARN)
        dcts_buf_puts(b, "  severity: warn\n");
    dcts_buf_printf(b, "  status: %s\n", dcts_status_name(r->status));
    dcts_buf_puts(b, "  backend: ");
    add_yaml_quoted(b, suite->name);
    dcts_buf_puts(b, "\n  source: ");
    add_yaml_quoted(b, suite->source);
    dcts_buf_puts(b, "\n  case: ");
    add_yaml_quoted(b, c->id);
    dcts_buf_puts(b, "\n  clauses: ");
    char ids[DCTS_CLAUSE_IDS_MAX];
    add_yaml_quoted(b, dcts_case_clause_ids(c, ids, sizeof ids));
    dcts_buf_printf(b, "\n  level: %s\n",
                    dcts_case_level(c) == DCTS_SHOULD ? "SHOULD" : "MUST");
    dcts_buf_printf(b, "  duration_ms: %.0f\n", r->ms);
    if (r->expect) {
        dcts_buf_printf(b, "  expected: %s\n",
                        dcts_status_name(r->expect->result));
        dcts_buf_puts(b, "  expectation: ");
        dcts_buf line = DCTS_BUF_INIT;
        dcts_add_expectation(&line, r);
        add_yaml_quoted(b, dcts_buf_str(&line));
        dcts_buf_free(&line);
        dcts_buf_putc(b, '\n');
    }
    /* The message of a failure or warning already holds the captured
     * output. */
    add_yaml_block(b, "message", r->message);
    dcts_buf_puts(b, "  ...\n");
}

int dcts_render_tap(dcts_buf *b, const dcts_report *rep, int colour)
{
    (void)colour;
    size_t n = 0;
    dcts_buf_puts(b, "TAP version 13\n");
    dcts_buf_printf(b, "1..%zu\n", rep->ncases * rep->nsuites);
    if (rep->note) {
        dcts_buf_puts(b, "# isolation: ");
        dcts_buf_add_clean(b, rep->note, 0);
        dcts_buf_putc(b, '\n');
    }
    for (size_t s = 0; s < rep->nsuites; s++) {
        const dcts_suite *suite = &rep->suites[s];
        dcts_buf_puts(b, "# backend ");
        dcts_buf_add_clean(b, suite->name, 0);
        dcts_buf_puts(b, ": ");
        dcts_buf_add_clean(b, suite->source, 0);
        dcts_buf_putc(b, '\n');
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &suite->results[i];
            const dcts_case *c = rep->cases[i];
            int xfail = dcts_result_xfail(r);
            int failed = !dcts_result_ok(r) || xfail;
            dcts_buf_printf(b, "%s %zu - ", failed ? "not ok" : "ok", ++n);
            add_desc(b, suite->name);
            dcts_buf_puts(b, ": ");
            add_desc(b, c->id);
            if (r->status == DCTS_SKIP && r->verdict == DCTS_AS_IS) {
                dcts_buf_puts(b, " # SKIP ");
                dcts_buf_add_first_line(b, r->message ? r->message : "",
                                        400);
            } else if (xfail) {
                dcts_buf line = DCTS_BUF_INIT;
                dcts_add_expectation(&line, r);
                dcts_buf_puts(b, " # TODO ");
                add_desc(b, dcts_buf_str(&line));
                dcts_buf_free(&line);
            }
            dcts_buf_putc(b, '\n');
            if (failed || r->status == DCTS_WARN)
                diagnostic(b, suite, c, r);
        }
    }
    for (size_t s = 0; s < rep->nsuites; s++) {
        dcts_counts c;
        dcts_count_results(rep->suites[s].results, rep->ncases, &c);
        dcts_buf_puts(b, "# ");
        dcts_summary_line(b, rep->suites[s].name, &c);
        dcts_buf_putc(b, '\n');
    }
    return 0;
}
