/*
 * report_common.c: what the writers share: the summary line, the
 * expectation line, the time, and whether the run passed.
 */
#include "report_common.h"

#include <stdio.h>

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

void dcts_iso_time(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "1970-01-01T00:00:00Z");
}
