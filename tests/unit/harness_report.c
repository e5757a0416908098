/*
 * harness_report.c: the human, TAP and JUnit writers, fed every status
 * and the nastiest strings a backend could produce.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "report.h"
#include "report_common.h"
#include "harness_check.h"

#include <string.h>

#define NASTY "<x a=\"&\">]]></testcase>\n---\n  ...\n# not ok 1\n" \
              "ok 99 - fake\n\x1b[31mred\x1b[0m \x01\x02\x7f \xc2\x85 " \
              "\xff\xfe\xc0\xaf \xed\xa0\x80 \xef\xbf\xbe caf\xc3\xa9\ttab\r\n"

static void run_case(dcts_t *t) { (void)t; }

static const dcts_case cases[] = {
    { .id = "c-pass", CLAUSES(TMO_1), .summary = "passes", .run = run_case },
    { .id = "c-fail", CLAUSES(TMO_2, TMO_3), .summary = "fails", .run = run_case },
    { .id = "c-warn", CLAUSES(TMO_3), .summary = "warns", .run = run_case },
    { .id = "c-skip", CLAUSES(EVT_9), .summary = "skips", .run = run_case },
    { .id = "c-timeout", CLAUSES(TMO_4), .summary = "hangs", .run = run_case },
    { .id = "c-crash#<&>", CLAUSES(TMO_5), .summary = "crashes", .run = run_case },
};
#define NCASES (sizeof cases / sizeof cases[0])

static const dcts_case *const case_ptrs[NCASES] = {
    &cases[0], &cases[1], &cases[2], &cases[3], &cases[4], &cases[5],
};

static dcts_result nasty_results[NCASES] = {
    { .status = DCTS_PASS, .ms = 1, .message = "", .output = NASTY },
    { .status = DCTS_FAIL, .ms = 12.5,
      .message = "TMO-2 (MUST): x\n  expected: " NASTY },
    { .status = DCTS_WARN, .ms = 3, .message = "TMO-3 (SHOULD): " NASTY,
      .output = NASTY },
    { .status = DCTS_SKIP, .ms = 0, .message = "not for this model " NASTY },
    { .status = DCTS_TIMEOUT, .ms = 5000, .message = "TIMEOUT " NASTY,
      .output = NASTY },
    { .status = DCTS_CRASH, .ms = 7, .message = "" },   /* an empty message */
};

static dcts_result all_pass[NCASES] = {
    { .status = DCTS_PASS, .message = "" },
    { .status = DCTS_PASS, .message = "" },
    { .status = DCTS_WARN, .message = "w" },
    { .status = DCTS_SKIP, .message = "s" },
    { .status = DCTS_PASS, .message = "" },
    { .status = DCTS_PASS, .message = "" },
};

static const dcts_suite suites[] = {
    { "select", "(embedded)", all_pass, NULL },
    { "noisy<&>\"'\x1b[0m\n#\xff", "/tmp/x y/n\x01.so", nasty_results,
      "engine\x1b[0m <&> |x|" },
};

static const dcts_report rep2 = { .cases = case_ptrs, .ncases = NCASES, .suites = suites, .nsuites = 2 };
static const dcts_report rep1 = { .cases = case_ptrs, .ncases = NCASES, .suites = suites + 1, .nsuites = 1 };

static void summaries(void **state)
{
    (void)state;
    dcts_counts c;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_count_results(nasty_results, NCASES, &c);
    dcts_summary_line(&b, "select", &c);
    assert_string_equal(dcts_buf_str(&b), "select: 6 cases: 1 PASS, 1 WARN, "
                        "1 SKIP, 1 FAIL, 1 TIMEOUT, 1 CRASH");
    dcts_buf_free(&b);
    assert_false(dcts_counts_ok(&c));
    dcts_count_results(all_pass, NCASES, &c);
    assert_true(dcts_counts_ok(&c));

    assert_false(dcts_report_ok(&rep2));
    dcts_report only_good = { .cases = case_ptrs, .ncases = NCASES, .suites = suites, .nsuites = 1 };
    assert_true(dcts_report_ok(&only_good));

    /* An out-of-range status is never counted as a pass. */
    dcts_result odd = { .status = (dcts_status)42, .message = "" };
    dcts_count_results(&odd, 1, &c);
    assert_int_equal(c.n[DCTS_FAIL], 1);
}

static void tap(void **state)
{
    (void)state;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_render_tap(&b, &rep2, 0);
    const char *out = dcts_buf_str(&b);
    size_t points = 0;
    const char *why = tap_problem(out, &points);
    if (why)
        fail_msg("TAP not well-formed: %s\n%s", why, out);
    assert_int_equal(points, 2 * NCASES);
    assert_non_null(strstr(out, "\nok 1 - select: c-pass\n"));
    assert_non_null(strstr(out, "\nok 4 - select: c-skip # SKIP s\n"));
    /* Second suite: points 7..12 */
    assert_non_null(strstr(out, "\nnot ok 8 - noisy<&>\"'?[0m \\#?: c-fail\n"
                                "  ---\n  status: FAIL\n"));
    assert_non_null(strstr(out, "\nok 9 - "));
    assert_non_null(strstr(out, "  severity: warn\n  status: WARN\n"));
    assert_non_null(strstr(out, "\nok 10 - noisy<&>\"'?[0m \\#?: c-skip "
                                "# SKIP not for this model <x a=\"&\">"));
    assert_non_null(strstr(out, "\nnot ok 11 - "));
    assert_non_null(strstr(out, "  status: TIMEOUT\n"));
    assert_non_null(strstr(out, "\nnot ok 12 - noisy<&>\"'?[0m \\#?: "
                                "c-crash\\#<&>\n"));
    assert_non_null(strstr(out, "  status: CRASH\n"));
    assert_non_null(strstr(out, "  message: \"\"\n"));
    assert_non_null(strstr(out, "  message: |\n    TMO-2 (MUST): x\n"
                                "      expected: <x a=\"&\">]]></testcase>\n"
                                "    ---\n      ...\n    # not ok 1\n"));
    assert_non_null(strstr(out, "  clauses: \"TMO-2 TMO-3\"\n"));
    assert_non_null(strstr(out, "  duration_ms: 12\n"));
    assert_non_null(strstr(out, "# select: 6 cases: 4 PASS, 1 WARN, 1 SKIP, "
                                "0 FAIL, 0 TIMEOUT, 0 CRASH\n"));
    assert_null(strstr(out, "\x1b"));
    dcts_buf_free(&b);
}

static void junit(void **state)
{
    (void)state;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_render_junit(&b, &rep2, 0);
    const char *out = dcts_buf_str(&b);
    const char *why = xml_problem(out);
    if (why)
        fail_msg("JUnit not well-formed: %s\n%s", why, out);
    assert_non_null(strstr(out, "<testsuites name=\"dispatch-cts\" tests=\"12\" "
                                "failures=\"3\" errors=\"0\" skipped=\"2\""));
    assert_non_null(strstr(out, "<testsuite name=\"select\" tests=\"6\" "
                                "failures=\"0\" errors=\"0\" skipped=\"1\""));
    assert_non_null(strstr(out, "<testsuite name=\"noisy&lt;&amp;&gt;&quot;"
                                "&apos;?[0m&#10;#?\" tests=\"6\" failures=\"3\""));
    assert_non_null(strstr(out, "<testcase classname=\"select\" "
                                "name=\"c-pass\" time=\"0.000\"/>"));
    assert_non_null(strstr(out, "name=\"c-fail\" time=\"0.013\">\n"
                                "      <failure message=\"TMO-2 (MUST): x\" "
                                "type=\"FAIL\">"));
    assert_non_null(strstr(out, "type=\"TIMEOUT\">"));
    assert_non_null(strstr(out, "type=\"CRASH\">"));
    assert_non_null(strstr(out, "<skipped message=\"not for this model "
                                "&lt;x a=&quot;&amp;&quot;&gt;]]&gt;"));
    assert_non_null(strstr(out, "<system-out>WARN (SHOULD case failed):\n"));
    assert_non_null(strstr(out, "name=\"c-crash#&lt;&amp;&gt;\""));
    /* The PASS with output carries it; failures carry it in their
     * message only. */
    assert_non_null(strstr(out, "name=\"c-pass\" time=\"0.001\">\n"
                                "      <system-out>&lt;x"));
    dcts_buf_free(&b);

    dcts_render_junit(&b, &rep1, 0);
    why = xml_problem(dcts_buf_str(&b));
    if (why)
        fail_msg("JUnit (one suite) not well-formed: %s", why);
    dcts_buf_free(&b);
}

static void human(void **state)
{
    (void)state;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_render_human(&b, &rep1, 0);
    const char *out = dcts_buf_str(&b);
    assert_null(text_problem(out, "\n\t"));
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "CASE "));
    assert_non_null(strstr(out, "STATUS"));
    assert_non_null(strstr(out, "\nc-fail       TMO-2 TMO-3  FAIL"));
    assert_non_null(strstr(out, "noisy<&>\"'?[0m #?: 6 cases: 1 PASS, 1 WARN, "
                                "1 SKIP, 1 FAIL, 1 TIMEOUT, 1 CRASH\n"));
    assert_non_null(strstr(out, "\nSkipped:\n  c-skip on "));
    assert_non_null(strstr(out, "\nDetails:\n"));
    assert_non_null(strstr(out, "\nFAIL  c-fail on noisy"));
    assert_non_null(strstr(out, "\nTIMEOUT  c-timeout on "));
    assert_non_null(strstr(out, "\nCRASH  c-crash#<&> on "));
    assert_non_null(strstr(out, "    (no message)\n"));
    assert_null(strstr(out, "\nPASS  c-pass"));     /* no details for PASS */
    dcts_buf_free(&b);

    /* Matrix: a column per backend. */
    dcts_render_human(&b, &rep2, 0);
    out = dcts_buf_str(&b);
    assert_non_null(strstr(out, "select   noisy<&>\"'?[0m #?"));
    assert_non_null(strstr(out, "\nc-fail       TMO-2 TMO-3  PASS     FAIL"));
    assert_non_null(strstr(out, "\nselect: 6 cases:"));
    assert_null(text_problem(out, "\n\t"));
    dcts_buf_free(&b);

    /* Colour: only our own sequences, never the backend's. */
    dcts_render_human(&b, &rep2, 1);
    out = dcts_buf_str(&b);
    assert_non_null(strstr(out, "\x1b[1;31mFAIL\x1b[0m"));
    assert_non_null(strstr(out, "\x1b[32mPASS\x1b[0m"));
    assert_null(strstr(out, "\x1b[31mred"));
    dcts_buf_free(&b);
}

static void writing(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(dcts_write_report(f, &rep2, DCTS_FORMAT_TAP, 0), 0);
    fclose(f);
    assert_true(strncmp(text, "TAP version 13\n", 15) == 0);
    free(text);

    f = fopen("/dev/full", "w");
    if (f) {
        assert_int_equal(dcts_write_report(f, &rep2, DCTS_FORMAT_JUNIT, 0),
                         -1);
        fclose(f);
    }
    /* A memstream is no terminal: no colour. */
    f = open_memstream(&text, &len);
    assert_false(dcts_colour_wanted(f));
    fclose(f);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(summaries),
        cmocka_unit_test(tap),
        cmocka_unit_test(junit),
        cmocka_unit_test(human),
        cmocka_unit_test(writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
