/*
 * report_junit.c: JUnit XML, the dialect CI systems read:
 *
 *   <testsuites name="dispatch-cts" tests= failures= errors="0" skipped= time=>
 *     <testsuite name="select" tests= failures= errors="0" skipped= time=
 *                timestamp="2026-12-03T13:18:09Z" hostname=>
 *       <properties><property name="backend" value="PATH"/></properties>
 *       <testcase classname="select" name="CASE" time="0.003"/>
 *       <testcase ...><failure message="..." type="FAIL">message with
 *         the captured output</failure></testcase>
 *       <testcase ...><system-out>captured output</system-out></testcase>
 *       <testcase ...><skipped message="reason"/></testcase>
 *       <testcase ...><system-out>WARN: ...</system-out></testcase>
 *
 * With expectations (expect.h), as pytest writes its xfails: a met FAIL,
 * TIMEOUT or CRASH is <skipped type="XFAIL" message="expected ..."> with
 * the failure in <system-out>; an XPASS is <failure type="XPASS">, a
 * mismatch <failure type="CRASH" message="expected FAIL ...">.
 *
 * Every string goes through dcts_buf_add_xml: nothing a backend prints can
 * make the document ill-formed.
 */
#include "report_common.h"

#include <stdio.h>
#include <unistd.h>

#ifndef DCTS_VERSION
#define DCTS_VERSION "unknown"
#endif

static void attr(dcts_buf *b, const char *name, const char *value)
{
    dcts_buf_printf(b, " %s=\"", name);
    dcts_buf_add_xml(b, value ? value : "", 1);
    dcts_buf_putc(b, '"');
}

static void first_line_attr(dcts_buf *b, const char *name, const char *text)
{
    dcts_buf line = DCTS_BUF_INIT;
    dcts_buf_add_first_line(&line, text ? text : "", 400);
    attr(b, name, dcts_buf_str(&line));
    dcts_buf_free(&line);
}

static void counts_attrs(dcts_buf *b, const dcts_counts *c, double ms)
{
    dcts_buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                    "skipped=\"%zu\" time=\"%.3f\"", c->total, c->failing,
                    c->n[DCTS_SKIP] + c->xfail, ms / 1000.0);
}

static double total_ms(const dcts_result *r, size_t n)
{
    double ms = 0;
    for (size_t i = 0; i < n; i++)
        ms += r[i].ms;
    return ms;
}

/* A result judged against its expectation: the element for an XFAIL, an
 * XPASS or a mismatch.  Returns 0 when the verdict adds nothing (AS_IS, or
 * a met PASS or WARN): the status is written as without expectations. */
static int expected_result(dcts_buf *b, const dcts_result *r)
{
    dcts_verdict v = r->verdict;
    dcts_buf line = DCTS_BUF_INIT;

    if (v == DCTS_AS_IS || (v == DCTS_MET && !dcts_result_xfail(r)))
        return 0;
    dcts_add_expectation(&line, r);
    if (v == DCTS_MET) {
        dcts_buf_puts(b, "      <skipped type=\"XFAIL\"");
        attr(b, "message", dcts_buf_str(&line));
        dcts_buf_puts(b, "/>\n      <system-out>");
        dcts_buf_add_xml(b, r->message ? r->message : "", 0);
        dcts_buf_puts(b, "</system-out>\n");
    } else {
        dcts_buf_puts(b, "      <failure");
        attr(b, "message", dcts_buf_str(&line));
        attr(b, "type", v == DCTS_XPASS ? "XPASS"
                                        : dcts_status_name(r->status));
        dcts_buf_putc(b, '>');
        dcts_buf_add_xml(b, v == DCTS_XPASS
                            ? "the case passed: remove the expectation or "
                              "make it exact"
                            : r->message ? r->message : "", 0);
        dcts_buf_puts(b, "</failure>\n");
    }
    dcts_buf_free(&line);
    return 1;
}

static void testcase(dcts_buf *b, const dcts_suite *suite,
                     const dcts_case *c, const dcts_result *r)
{
    dcts_buf_puts(b, "    <testcase");
    attr(b, "classname", suite->name);
    attr(b, "name", c->id);
    dcts_buf_printf(b, " time=\"%.3f\"", r->ms / 1000.0);
    int judged = r->verdict == DCTS_XPASS;
    if (r->status == DCTS_PASS && !r->output && !judged) {
        dcts_buf_puts(b, "/>\n");
        return;
    }
    dcts_buf_puts(b, ">\n");
    const char *out = r->output;
    if (expected_result(b, r)) {
        out = r->status == DCTS_PASS ? out : NULL;  /* in the message */
        goto end;
    }
    switch (r->status) {
    case DCTS_PASS:
        break;
    case DCTS_SKIP:
        dcts_buf_puts(b, "      <skipped");
        first_line_attr(b, "message", r->message);
        dcts_buf_puts(b, "/>\n");
        break;
    case DCTS_WARN:
        /* Passing, with the warning (which holds the captured output). */
        dcts_buf_puts(b, "      <system-out>WARN (SHOULD case failed):\n");
        dcts_buf_add_xml(b, r->message ? r->message : "", 0);
        dcts_buf_puts(b, "</system-out>\n");
        out = NULL;
        break;
    default:
        /* The message holds the captured output: not repeated. */
        dcts_buf_puts(b, "      <failure");
        first_line_attr(b, "message", r->message);
        attr(b, "type", dcts_status_name(r->status));
        dcts_buf_putc(b, '>');
        dcts_buf_add_xml(b, r->message ? r->message : "", 0);
        dcts_buf_puts(b, "</failure>\n");
        out = NULL;
        break;
    }
end:
    if (out) {
        dcts_buf_puts(b, "      <system-out>");
        dcts_buf_add_xml(b, out, 0);
        dcts_buf_puts(b, "</system-out>\n");
    }
    dcts_buf_puts(b, "    </testcase>\n");
}

int dcts_render_junit(dcts_buf *b, const dcts_report *rep, int colour)
{
    (void)colour;
    dcts_counts all, c;
    double ms = 0;
    char host[256] = "localhost";

    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';

    dcts_count_results(NULL, 0, &all);
    for (size_t s = 0; s < rep->nsuites; s++) {
        dcts_count_results(rep->suites[s].results, rep->ncases, &c);
        for (size_t k = 0; k < DCTS_NSTATUS; k++)
            all.n[k] += c.n[k];
        all.total += c.total;
        all.xfail += c.xfail;
        all.failing += c.failing;
        ms += total_ms(rep->suites[s].results, rep->ncases);
    }
    dcts_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    dcts_buf_puts(b, "<testsuites name=\"dispatch-cts\"");
    counts_attrs(b, &all, ms);
    dcts_buf_puts(b, ">\n");
    for (size_t s = 0; s < rep->nsuites; s++) {
        const dcts_suite *suite = &rep->suites[s];
        dcts_count_results(suite->results, rep->ncases, &c);
        dcts_buf_puts(b, "  <testsuite");
        attr(b, "name", suite->name);
        counts_attrs(b, &c, total_ms(suite->results, rep->ncases));
        if (rep->started) {
            char when[32];
            dcts_iso_time(rep->started, when, sizeof when);
            attr(b, "timestamp", when);
        }
        attr(b, "hostname", host);
        dcts_buf_puts(b, ">\n    <properties>\n      <property name=\"backend\"");
        attr(b, "value", suite->source);
        dcts_buf_puts(b, "/>\n      <property name=\"dispatch-cts.version\"");
        attr(b, "value", DCTS_VERSION);
        if (rep->note) {
            dcts_buf_puts(b, "/>\n      <property name=\"isolation\"");
            attr(b, "value", rep->note);
        }
        if (suite->about) {
            dcts_buf_puts(b, "/>\n      <property name=\"engine\"");
            attr(b, "value", suite->about);
        }
        if (rep->nshards) {
            /* Shards of one run merge: same suite names, disjoint cases. */
            char shard[32];
            snprintf(shard, sizeof shard, "%u/%u", rep->shard, rep->nshards);
            dcts_buf_puts(b, "/>\n      <property name=\"shard\"");
            attr(b, "value", shard);
        }
        dcts_buf_puts(b, "/>\n    </properties>\n");
        for (size_t i = 0; i < rep->ncases; i++)
            testcase(b, suite, rep->cases[i], &suite->results[i]);
        dcts_buf_puts(b, "  </testsuite>\n");
    }
    dcts_buf_puts(b, "</testsuites>\n");
    return 0;
}
