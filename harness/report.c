/*
 * report.c: what the writers share: summaries, the verdict, writing out.
 */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dcts_report_ok(const dcts_report *rep)
{
    for (size_t s = 0; s < rep->nsuites; s++) {
        dcts_counts c;
        dcts_count_results(rep->suites[s].results, rep->ncases, &c);
        if (!dcts_counts_ok(&c))
            return 0;
    }
    return 1;
}

void dcts_summary_line(dcts_buf *b, const char *name, const dcts_counts *c)
{
    static const dcts_status order[] = {
        DCTS_PASS, DCTS_WARN, DCTS_SKIP, DCTS_FAIL, DCTS_TIMEOUT, DCTS_CRASH
    };
    dcts_buf_add_clean(b, name, 0);
    dcts_buf_printf(b, ": %zu case%s:", c->total, c->total == 1 ? "" : "s");
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        dcts_buf_printf(b, "%s %zu %s", i ? "," : "", c->n[order[i]],
                        dcts_status_name(order[i]));
    if (c->n[DCTS_NOTRUN])
        dcts_buf_printf(b, ", %zu NOTRUN", c->n[DCTS_NOTRUN]);
    if (c->expected)
        dcts_buf_printf(b, "; expected: %zu XFAIL, %zu XPASS, %zu mismatched",
                        c->xfail, c->xpass, c->mismatched);
}

void dcts_add_expectation(dcts_buf *b, const dcts_result *r)
{
    const dcts_expectation *e = r->expect;

    if (e == NULL)
        return;
    if (e->result == DCTS_PASS)
        dcts_buf_puts(b, "note (");     /* a qualified pass */
    else
        dcts_buf_printf(b, "expected %s (", dcts_status_name(e->result));
    dcts_buf_add_clean(b, e->file, 0);
    dcts_buf_printf(b, ":%u): ", e->line);
    dcts_buf_add_clean(b, e->reason, 0);
}

int dcts_write_report(FILE *f, const dcts_report *rep, dcts_format fmt,
                      int colour)
{
    dcts_buf b = DCTS_BUF_INIT;
    switch (fmt) {
    case DCTS_FORMAT_TAP:
        dcts_render_tap(&b, rep);
        break;
    case DCTS_FORMAT_JUNIT:
        dcts_render_junit(&b, rep);
        break;
    case DCTS_FORMAT_MARKDOWN:
        dcts_render_markdown(&b, rep);
        break;
    case DCTS_FORMAT_JSON:
        if (dcts_render_json(&b, rep) != 0) {
            dcts_buf_free(&b);
            errno = ENOTSUP;
            return -1;
        }
        break;
    default:
        dcts_render_human(&b, rep, colour);
        break;
    }
    errno = 0;
    size_t n = fwrite(dcts_buf_str(&b), 1, b.len, f);
    int rc = n == b.len && fflush(f) == 0 && !ferror(f) ? 0 : -1;
    if (rc != 0 && errno == 0)
        errno = EIO;
    dcts_buf_free(&b);
    return rc;
}

void dcts_iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "1970-01-01T00:00:00Z");
}

int dcts_colour_wanted(FILE *f)
{
    const char *term = getenv("TERM");
    return isatty(fileno(f)) && getenv("NO_COLOR") == NULL &&
           !(term && strcmp(term, "dumb") == 0);
}
