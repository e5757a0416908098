/*
 * harness_expect.c: expectations files (--expect): good lines, bad lines
 * with their line numbers, unknown backends, verdicts, and how counts and
 * every writer show them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "expect.h"
#include "options.h"
#include "report.h"
#include "report_common.h"
#include "harness_check.h"

#include <string.h>

static char err[1024];

/* Parses text as file "x.txt" into a fresh set. */
static int parse(dcts_expectations *x, const char *text)
{
    err[0] = '\0';
    *x = (dcts_expectations)DCTS_EXPECTATIONS_INIT;
    return dcts_expect_parse(x, "x.txt", text, strlen(text), err,
                             sizeof err);
}

/* text must be refused with a message containing want. */
static void refused(const char *text, const char *want)
{
    dcts_expectations x;
    if (parse(&x, text) != -1 || !strstr(err, want))
        fail_msg("for %s\nwanted an error with '%s'; got: %s", text, want,
                 err[0] ? err : "(accepted)");
    assert_int_equal(x.n, 0);
    dcts_expect_free(&x);
}

/* ---- parsing ----------------------------------------------------------------- */

static void good_lines(void **state)
{
    (void)state;
    dcts_expectations x;
    assert_int_equal(parse(&x,
        "# known gaps\n"
        "\n"
        "   # an indented comment\n"
        "libev  evt-urgent-data  FAIL  no EPOLLPRI: nobody hears MSG_OOB\n"
        "libuv\tfault-enomem-create\tCRASH\tabort() in uv__io_start \t \r\n"
        "libev lim-closed-behind-back PASS only #changed# watchers\n"
        "x tmo-positive-not-cut-short WARN short\n"
        "x tmo-event-ends-wait TIMEOUT hangs"), 0);   /* no final newline */
    assert_int_equal(x.n, 5);

    const dcts_expectation *e = dcts_expect_find(&x, "libev",
                                                 "evt-urgent-data");
    assert_non_null(e);
    assert_int_equal(e->result, DCTS_FAIL);
    assert_string_equal(e->reason, "no EPOLLPRI: nobody hears MSG_OOB");
    assert_string_equal(e->file, "x.txt");
    assert_int_equal(e->line, 4);

    e = dcts_expect_find(&x, "libuv", "fault-enomem-create");
    assert_non_null(e);
    assert_int_equal(e->result, DCTS_CRASH);
    /* Tabs separate; trailing blanks and the CR of a CRLF are not kept. */
    assert_string_equal(e->reason, "abort() in uv__io_start");
    assert_int_equal(e->line, 5);

    e = dcts_expect_find(&x, "libev", "lim-closed-behind-back");
    assert_int_equal(e->result, DCTS_PASS);
    assert_string_equal(e->reason, "only #changed# watchers");  /* '#' in
                                                                   a reason */
    assert_int_equal(dcts_expect_find(&x, "x", "tmo-event-ends-wait")->result,
                     DCTS_TIMEOUT);
    assert_int_equal(dcts_expect_find(&x, "x", "tmo-event-ends-wait")->line,
                     8);
    assert_null(dcts_expect_find(&x, "libevent", "evt-urgent-data"));
    assert_null(dcts_expect_find(&x, "libev", "evt-peer-fin"));
    dcts_expect_free(&x);

    /* Nothing but comments and blanks: no expectation, no error. */
    assert_int_equal(parse(&x, "# nothing yet\n\n \t\n"), 0);
    assert_int_equal(x.n, 0);
    dcts_expect_free(&x);
    assert_int_equal(parse(&x, ""), 0);
    dcts_expect_free(&x);
}

static void bad_lines(void **state)
{
    (void)state;
    refused("# ok\nlibev\n", "x.txt:2: CASE-ID is missing");
    refused("libev evt-urgent-data\n", "x.txt:1: RESULT is missing");
    refused("\n\nlibev evt-urgent-data FAIL\n",
            "x.txt:3: the reason is missing: every expectation says why");
    refused("libev evt-urgent-data FAIL   \t \n", "x.txt:1: the reason is "
            "missing");
    refused("libev evt-urgent-data fail lower case\n",
            "x.txt:1: unknown result 'fail' (PASS, FAIL, WARN, TIMEOUT or "
            "CRASH)");
    refused("libev evt-urgent-data XFAIL not a result\n",
            "unknown result 'XFAIL'");
    refused("libev lim-fd-limit-boundary SKIP no limit\n",
            "x.txt:1: SKIP cannot be expected");
    refused("libev no-such-case FAIL why\n",
            "x.txt:1: unknown case 'no-such-case' (see --list)");
    refused("libev EVT-URGENT-DATA FAIL ids are lower-case\n",
            "unknown case 'EVT-URGENT-DATA'");
    refused("libev evt-urgent-data FAIL one\n# two\n"
            "libev evt-urgent-data CRASH two\n",
            "x.txt:3: a second expectation for libev evt-urgent-data (the "
            "first is at x.txt:1)");
    /* The same case on two backends is two expectations, not a clash. */
    dcts_expectations x;
    assert_int_equal(parse(&x, "a evt-urgent-data FAIL one\n"
                               "b evt-urgent-data FAIL two\n"), 0);
    assert_int_equal(x.n, 2);
    dcts_expect_free(&x);

    /* A NUL byte: not a text file, with the line it is on. */
    static const char nul[] = "# one\nlibev evt-urgent-data FAIL \0 x\n";
    err[0] = '\0';
    x = (dcts_expectations)DCTS_EXPECTATIONS_INIT;
    assert_int_equal(dcts_expect_parse(&x, "x.txt", nul, sizeof nul - 1, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "x.txt:2: a NUL byte"));
    /* Control characters in a name never reach the message raw. */
    refused("libev \x1b[31mred FAIL why\n", "unknown case '?[31mred'");
    assert_null(strchr(err, '\x1b'));
}

/* A second file adds to the first; a clash across files names both; a
 * failed parse leaves the set as it was. */
static void several_files(void **state)
{
    (void)state;
    dcts_expectations x = DCTS_EXPECTATIONS_INIT;
    const char *one = "libev evt-urgent-data FAIL one\n";
    const char *two = "libuv evt-urgent-data FAIL two\n"
                      "libev evt-urgent-data FAIL again\n";
    assert_int_equal(dcts_expect_parse(&x, "one.txt", one, strlen(one), err,
                                       sizeof err), 0);
    assert_int_equal(dcts_expect_parse(&x, "two.txt", two, strlen(two), err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "two.txt:2: a second expectation for libev "
                                "evt-urgent-data (the first is at "
                                "one.txt:1)"));
    assert_int_equal(x.n, 1);               /* two.txt added nothing */
    dcts_expect_free(&x);
}

static void unknown_backends(void **state)
{
    (void)state;
    dcts_expectations x;
    const char *names[] = { "libevent", "libev", "libuv" };
    assert_int_equal(parse(&x, "libev evt-urgent-data FAIL a\n"
                               "# comment\n"
                               "libevnt evt-urgent-data FAIL typo\n"), 0);
    assert_int_equal(dcts_expect_check_backends(&x, names, 3, err,
                                                sizeof err), -1);
    assert_string_equal(err, "x.txt:3: backend 'libevnt' is not among the "
                        "backends being checked (libevent, libev, libuv)");
    /* Labels are compared whole: "libev" is not "libevent". */
    const char *one[] = { "libevent" };
    assert_int_equal(dcts_expect_check_backends(&x, one, 1, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "x.txt:1: backend 'libev' is not"));
    assert_int_equal(dcts_expect_check_backends(&x, names, 0, err,
                                                sizeof err), -1);
    dcts_expect_free(&x);

    assert_int_equal(parse(&x, "libuv evt-urgent-data FAIL a\n"), 0);
    assert_int_equal(dcts_expect_check_backends(&x, names, 3, err,
                                                sizeof err), 0);
    dcts_expect_free(&x);
}

static void loading(void **state)
{
    (void)state;
    dcts_expectations x = DCTS_EXPECTATIONS_INIT;
    assert_int_equal(dcts_expect_load(&x, "/no/such/expectations.txt", err,
                                      sizeof err), -1);
    assert_string_equal(err, "/no/such/expectations.txt: cannot be read: "
                        "No such file or directory");

    char path[64];
    snprintf(path, sizeof path, "/tmp/dcts-expect-%d.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# gaps\nlibev evt-urgent-data FAIL no EPOLLPRI\n", f);
    fclose(f);
    assert_int_equal(dcts_expect_load(&x, path, err, sizeof err), 0);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.v[0].file, path);
    assert_int_equal(x.v[0].line, 2);
    dcts_expect_free(&x);

    /* A huge file is refused whole. */
    f = fopen(path, "w");
    assert_non_null(f);
    for (unsigned i = 0; i <= DCTS_EXPECT_MAX_BYTES / 16; i++)
        fputs("# 16 bytes ....\n", f);
    fclose(f);
    assert_int_equal(dcts_expect_load(&x, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
    assert_int_equal(x.n, 0);

    /* A directory cannot be read as one. */
    assert_int_equal(dcts_expect_load(&x, "/tmp", err, sizeof err), -1);
    assert_non_null(strstr(err, "/tmp: cannot be read"));
    unlink(path);
}

/* --expect FILE (repeatable) and --format markdown on the command line. */
static void options(void **state)
{
    (void)state;
    dcts_options o;
    char *argv[] = { "dispatch-cts", "--expect", "a.txt", "x.so",
                     "--expect=b.txt", "--format", "markdown" };
    assert_int_equal(dcts_options_parse(&o, 7, argv, err, sizeof err), 0);
    assert_int_equal(o.nexpect_files, 2);
    assert_string_equal(o.expect_files[0], "a.txt");
    assert_string_equal(o.expect_files[1], "b.txt");
    assert_int_equal(o.format, DCTS_FORMAT_MARKDOWN);
    assert_int_equal(o.nbackends, 1);
    dcts_options_free(&o);

    char *empty[] = { "dispatch-cts", "--expect=" };
    assert_int_equal(dcts_options_parse(&o, 2, empty, err, sizeof err), -1);
    assert_string_equal(err, "--expect: the file name is empty");
    dcts_options_free(&o);
    char *missing[] = { "dispatch-cts", "--expect" };
    assert_int_equal(dcts_options_parse(&o, 2, missing, err, sizeof err), -1);
    assert_string_equal(err, "option '--expect' needs a value");
    dcts_options_free(&o);
    char *format[] = { "dispatch-cts", "--format", "md" };
    assert_int_equal(dcts_options_parse(&o, 3, format, err, sizeof err), -1);
    assert_non_null(strstr(err, "(human, tap, junit, markdown or json)"));
    dcts_options_free(&o);
}

/* ---- verdicts ---------------------------------------------------------------- */

static dcts_expectation expecting(dcts_status s)
{
    dcts_expectation e = { "b", "evt-urgent-data", s, "why", "x.txt", 3 };
    return e;
}

/* A result of status s judged against e (NULL: none), as the harness
 * judges it: its ok and its label read the stored verdict. */
static dcts_result judged(dcts_status s, const dcts_expectation *e)
{
    dcts_result r = { .status = s };
    dcts_expect_attach(&r, e);
    return r;
}

static int ok(dcts_status s, const dcts_expectation *e)
{
    dcts_result r = judged(s, e);
    return dcts_result_ok(&r);
}

static const char *label(dcts_status s, const dcts_expectation *e)
{
    dcts_result r = judged(s, e);
    return dcts_result_label(&r);
}

static void verdicts(void **state)
{
    (void)state;
    dcts_expectation fail = expecting(DCTS_FAIL), crash = expecting(DCTS_CRASH);
    dcts_expectation warn = expecting(DCTS_WARN), note = expecting(DCTS_PASS);

    /* No expectation: the status alone. */
    assert_int_equal(dcts_expect_verdict(DCTS_FAIL, NULL), DCTS_AS_IS);
    assert_false(ok(DCTS_FAIL, NULL));
    assert_true(ok(DCTS_WARN, NULL));
    assert_true(ok(DCTS_SKIP, NULL));
    assert_false(ok((dcts_status)42, NULL));
    assert_string_equal(label(DCTS_TIMEOUT, NULL), "TIMEOUT");

    /* Met: a known gap. */
    assert_int_equal(dcts_expect_verdict(DCTS_FAIL, &fail), DCTS_MET);
    assert_true(ok(DCTS_FAIL, &fail));
    assert_string_equal(label(DCTS_FAIL, &fail), "XFAIL");
    assert_true(ok(DCTS_CRASH, &crash));
    assert_string_equal(label(DCTS_CRASH, &crash), "XFAIL");
    assert_true(ok(DCTS_WARN, &warn));
    assert_string_equal(label(DCTS_WARN, &warn), "WARN");

    /* An unexpected pass fails, loudly. */
    assert_int_equal(dcts_expect_verdict(DCTS_PASS, &fail), DCTS_XPASS);
    assert_false(ok(DCTS_PASS, &fail));
    assert_string_equal(label(DCTS_PASS, &fail), "XPASS");
    assert_false(ok(DCTS_PASS, &warn));

    /* Another result than the expected one fails, even a milder one. */
    assert_int_equal(dcts_expect_verdict(DCTS_CRASH, &fail), DCTS_MISMATCH);
    assert_false(ok(DCTS_CRASH, &fail));
    assert_string_equal(label(DCTS_CRASH, &fail), "CRASH!");
    assert_false(ok(DCTS_WARN, &crash));
    /* A skipped case claims nothing: neither met nor missed. */
    assert_int_equal(dcts_expect_verdict(DCTS_SKIP, &crash), DCTS_AS_IS);
    assert_true(ok(DCTS_SKIP, &crash));
    assert_string_equal(label(DCTS_SKIP, &crash), "SKIP");
    /* ...but it still had a gap expected (the summary says so). */
    assert_true(judged(DCTS_SKIP, &crash).gap_expected);
    assert_false(judged(DCTS_PASS, &note).gap_expected);
    assert_false(judged(DCTS_FAIL, NULL).gap_expected);
    assert_false(ok((dcts_status)42, &fail));

    /* A note: a pass it qualifies, and no excuse for anything else. */
    assert_int_equal(dcts_expect_verdict(DCTS_PASS, &note), DCTS_MET);
    assert_true(ok(DCTS_PASS, &note));
    assert_string_equal(label(DCTS_PASS, &note), "PASS");
    assert_int_equal(dcts_expect_verdict(DCTS_FAIL, &note), DCTS_AS_IS);
    assert_false(ok(DCTS_FAIL, &note));
    assert_true(ok(DCTS_WARN, &note));
}

/* ---- counts and writers -------------------------------------------------------- */

static void run_case(dcts_t *t) { (void)t; }

static const dcts_case cases[] = {
    { .id = "c-xfail", CLAUSES(EVT_5), .summary = "x", .run = run_case },
    { .id = "c-xpass", CLAUSES(FLT_7), .summary = "x", .run = run_case },
    { .id = "c-mismatch", CLAUSES(ABI_5), .summary = "x", .run = run_case },
    { .id = "c-note", CLAUSES(LIM_3), .summary = "x", .run = run_case },
    { .id = "c-plain", CLAUSES(TMO_1), .summary = "x", .run = run_case },
};
#define NCASES (sizeof cases / sizeof cases[0])
static const dcts_case *const case_ptrs[NCASES] = {
    &cases[0], &cases[1], &cases[2], &cases[3], &cases[4],
};

static dcts_expectation ex_fail = { "eng", "c-xfail", DCTS_FAIL,
                                    "no | flag for <urgent> & data_x #1",
                                    "gaps.txt", 4 };
static dcts_expectation ex_stale = { "eng", "c-xpass", DCTS_FAIL, "stale",
                                     "gaps.txt", 5 };
static dcts_expectation ex_kind = { "eng", "c-mismatch", DCTS_FAIL,
                                    "wrong kind", "gaps.txt", 6 };
static dcts_expectation ex_note = { "eng", "c-note", DCTS_PASS,
                                    "only some fds", "gaps.txt", 7 };

static dcts_result results[NCASES] = {
    { .status = DCTS_FAIL, .ms = 1,
      .message = "EVT-5 (MUST): urgent\n  expected: R; observed: none",
      .expect = &ex_fail },
    { .status = DCTS_PASS, .ms = 1, .message = "", .expect = &ex_stale },
    { .status = DCTS_CRASH, .ms = 1,
      .message = "ABI-5 (MUST): x\n  CRASH: SIGABRT", .expect = &ex_kind },
    { .status = DCTS_PASS, .ms = 1, .message = "", .expect = &ex_note },
    { .status = DCTS_PASS, .ms = 1, .message = "" },
};
static const dcts_suite suite = { "eng", "build/backends/eng.so", results,
                                  "eng 1.2 | epoll" };
static const dcts_report rep = { .cases = case_ptrs, .ncases = NCASES, .suites = &suite, .nsuites = 1 };

/* The table's results judged against their expectations, as the harness
 * does once their statuses are final. */
static void judge_results(void)
{
    for (size_t i = 0; i < NCASES; i++)
        dcts_expect_attach(&results[i], results[i].expect);
}

static void counts(void **state)
{
    (void)state;
    judge_results();
    dcts_counts c;
    dcts_count_results(results, NCASES, &c);
    assert_int_equal(c.n[DCTS_PASS], 3);
    assert_int_equal(c.n[DCTS_FAIL], 1);
    assert_int_equal(c.n[DCTS_CRASH], 1);
    assert_int_equal(c.expected, 3);        /* the note is not a gap */
    assert_int_equal(c.xfail, 1);
    assert_int_equal(c.xpass, 1);
    assert_int_equal(c.mismatched, 1);
    assert_int_equal(c.failing, 2);         /* the XPASS and the CRASH! */
    assert_false(dcts_counts_ok(&c));
    dcts_buf b = DCTS_BUF_INIT;
    dcts_summary_line(&b, "eng", &c);
    assert_string_equal(dcts_buf_str(&b), "eng: 5 cases: 3 PASS, 0 WARN, "
                        "0 SKIP, 1 FAIL, 0 TIMEOUT, 1 CRASH; expected: 1 "
                        "XFAIL, 1 XPASS, 1 mismatched");
    dcts_buf_free(&b);

    /* Only the met one: the run is good. */
    dcts_count_results(results, 1, &c);
    assert_true(dcts_counts_ok(&c));
    assert_true(dcts_result_ok(&results[0]));
    assert_false(dcts_result_ok(&results[1]));
}

static void writers(void **state)
{
    (void)state;
    judge_results();
    dcts_buf b = DCTS_BUF_INIT;
    size_t points;

    dcts_render_tap(&b, &rep, 0);
    const char *out = dcts_buf_str(&b);
    const char *why = tap_problem(out, &points);
    if (why)
        fail_msg("TAP: %s\n%s", why, out);
    assert_int_equal(points, NCASES);
    assert_non_null(strstr(out, "\nnot ok 1 - eng: c-xfail # TODO expected "
                                "FAIL (gaps.txt:4): no | flag for <urgent> "
                                "& data_x \\#1\n"));
    assert_non_null(strstr(out, "\nnot ok 2 - eng: c-xpass\n  ---\n"
                                "  status: PASS\n"));
    assert_non_null(strstr(out, "  expected: FAIL\n  expectation: "
                                "\"expected FAIL (gaps.txt:5): stale\"\n"));
    assert_non_null(strstr(out, "\nnot ok 3 - eng: c-mismatch\n"));
    assert_non_null(strstr(out, "\nok 4 - eng: c-note\n"));
    assert_non_null(strstr(out, "\nok 5 - eng: c-plain\n"));
    dcts_buf_free(&b);

    dcts_render_junit(&b, &rep, 0);
    out = dcts_buf_str(&b);
    why = xml_problem(out);
    if (why)
        fail_msg("JUnit: %s\n%s", why, out);
    assert_non_null(strstr(out, "failures=\"2\" errors=\"0\" skipped=\"1\""));
    assert_non_null(strstr(out, "<skipped type=\"XFAIL\" message=\"expected "
                                "FAIL (gaps.txt:4): no | flag for &lt;urgent"
                                "&gt; &amp; data_x #1\"/>"));
    assert_non_null(strstr(out, "type=\"XPASS\""));
    assert_non_null(strstr(out, "<failure message=\"expected FAIL (gaps.txt:6)"
                                ": wrong kind\" type=\"CRASH\">"));
    assert_non_null(strstr(out, "<property name=\"engine\" value=\"eng 1.2 | "
                                "epoll\"/>"));
    dcts_buf_free(&b);

    dcts_render_human(&b, &rep, 0);
    out = dcts_buf_str(&b);
    assert_non_null(strstr(out, "(eng 1.2 | epoll)"));
    assert_non_null(strstr(out, "c-xfail     EVT-5    XFAIL"));
    assert_non_null(strstr(out, "c-xpass     FLT-7    XPASS"));
    assert_non_null(strstr(out, "c-mismatch  ABI-5    CRASH!"));
    assert_non_null(strstr(out, "\nNotes:\n  c-note on eng: note (gaps.txt:7)"
                                ": only some fds\n"));
    assert_non_null(strstr(out, "but it passed: remove the expectation"));
    dcts_buf_free(&b);

    dcts_render_markdown(&b, &rep, 0);
    out = dcts_buf_str(&b);
    assert_null(text_problem(out, "\n"));
    assert_non_null(strstr(out, "| eng | eng 1.2 \\| epoll | 3 | 0 | 0 | 1 "
                                "| 2 |\n"));
    assert_non_null(strstr(out, "| c-xfail | EVT-5 | MUST | XFAIL |\n"));
    assert_non_null(strstr(out, "| c-xpass | FLT-7 | MUST | **XPASS** |\n"));
    assert_non_null(strstr(out, "| c-mismatch | ABI-5 | MUST | **CRASH!** "
                                "|\n"));
    /* Reasons: Markdown's characters escaped; a mismatch says what
     * happened, not the clause's heading. */
    assert_non_null(strstr(out, "- c-xfail (EVT-5): XFAIL: expected FAIL "
                                "(gaps.txt:4): no \\| flag for \\<urgent\\> "
                                "\\& data\\_x \\#1\n"));
    assert_non_null(strstr(out, "- c-mismatch (ABI-5): CRASH!: expected FAIL "
                                "(gaps.txt:6): wrong kind; got: "
                                "SIGABRT\n"));
    assert_non_null(strstr(out, "- c-note (LIM-3): PASS: note (gaps.txt:7): "
                                "only some fds\n"));
    assert_non_null(strstr(out, "| c-note | LIM-3 | MUST | PASS (note) |\n"));
    assert_null(strstr(out, "c-plain (TMO-1)"));
    dcts_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_lines),
        cmocka_unit_test(bad_lines),
        cmocka_unit_test(several_files),
        cmocka_unit_test(unknown_backends),
        cmocka_unit_test(loading),
        cmocka_unit_test(options),
        cmocka_unit_test(verdicts),
        cmocka_unit_test(counts),
        cmocka_unit_test(writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
