/*
 * report_expect.c: --write-expect, a run turned into an expectations file
 * (expect.h), the way deqp-runner and pytest turn a run into a baseline.
 *
 * One line per result that would fail a run without expectations, or
 * that an expectation already covered: every FAIL, WARN, TIMEOUT and
 * CRASH, and every PASS note that held.  An expectation that was met
 * keeps its reason; a new gap gets DCTS_EXPECT_PLACEHOLDER and the first
 * line of what failed, and --expect refuses the file until a person has
 * replaced each placeholder with why the gap is known.  An expectation
 * whose case skipped is kept as it was (a skip claims nothing).  An XPASS
 * writes nothing: the gap is gone.
 */
#include "report_common.h"

static void line(dcts_buf *b, const char *backend, const dcts_case *c,
                 dcts_status status, const char *reason, const char *failure)
{
    dcts_buf_add_clean(b, backend, 0);
    dcts_buf_putc(b, ' ');
    dcts_buf_add_clean(b, c->id, 0);
    dcts_buf_printf(b, " %s ", dcts_status_name(status));
    if (reason) {
        dcts_buf_add_clean(b, reason, 0);
    } else {
        dcts_buf_puts(b, DCTS_EXPECT_PLACEHOLDER " say why; it ");
        dcts_buf_puts(b, status == DCTS_WARN ? "warned: " : "failed: ");
        dcts_buf_add_first_line(b, failure ? failure : "", 200);
    }
    dcts_buf_putc(b, '\n');
}

void dcts_render_expectations(dcts_buf *b, const dcts_report *rep)
{
    dcts_buf_puts(b, "# Expected results, written by dispatch-cts "
                  "--write-expect.\n# Replace every '" DCTS_EXPECT_PLACEHOLDER
                  "' with why the gap is known, then\n# pass this file to "
                  "--expect.  Format: BACKEND CASE-ID RESULT reason.\n");
    for (size_t s = 0; s < rep->nsuites; s++) {
        const dcts_suite *suite = &rep->suites[s];
        for (size_t i = 0; i < rep->ncases; i++) {
            const dcts_result *r = &suite->results[i];
            const dcts_expectation *e = r->expect;
            const dcts_case *c = rep->cases[i];
            int met = r->verdict == DCTS_MET;
            if (r->status == DCTS_SKIP || (r->status == DCTS_PASS && met)) {
                if (e)                  /* nothing learnt: kept as it was */
                    line(b, suite->name, c, e->result, e->reason, NULL);
            } else if (r->status != DCTS_PASS) {
                const char *reason = met ? e->reason : NULL;
                line(b, suite->name, c, r->status, reason, r->message);
            }
        }
    }
}
