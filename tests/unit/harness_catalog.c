/*
 * harness_catalog.c: --filter matching, listings, --check-coverage; and
 * the whole program (dcts_main) on the real case table: exit statuses,
 * stdout holding only the report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "app.h"
#include "bench.h"
#include "catalog.h"
#include "proc.h"
#include "harness_check.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const dc_backend *dc_embedded_backend(void);

static void run_nothing(dcts_t *t) { (void)t; }

/* A contract of its own (DSP-1 the SHOULD clause), and a clause it
 * lacks, which only a row written by hand can name. */
static const dcts_clause clauses[] = {
    { "TMO-1", "MUST", "one" }, { "TMO-5", "MUST", "five" },
    { "EVT-2", "MUST", "two" }, { "DSP-1", "SHOULD", "once" },
    { "LIM-4", "MUST", "uncovered" }, { NULL, NULL, NULL },
};
static const dcts_clause unknown = { "XYZ-9", "MUST", "not in the table" };
static const dcts_case table[] = {
    { .id = "tmo-null", .clauses = { &clauses[0], &clauses[1] },
      .summary = "null", .run = run_nothing },
    { .id = "evt-bits", .clauses = { &clauses[2] }, .summary = "bits",
      .run = run_nothing },
    { .id = "dsp-once", .clauses = { &clauses[3] }, .summary = "once",
      .run = run_nothing },
    { .id = "dsp-once", .clauses = { &unknown }, .summary = "dup",
      .run = run_nothing },
    { .id = "no-clause", .summary = "none", .run = run_nothing },
};
static const dcts_case *const all[] = {
    &table[0], &table[1], &table[2], &table[3], &table[4],
};

static size_t count(const char *const *globs, size_t n)
{
    size_t k;
    const dcts_case **sel = dcts_select_cases(all, 3, globs, n, &k);
    free(sel);
    return k;
}

/* How many cases of the real table the globs select: for expectations
 * that must not change whenever a case is added. */
static size_t real_count(const char *const *globs, size_t n)
{
    size_t total, k;
    const dcts_case *const *real = dcts_all_cases(&total);
    const dcts_case **sel = dcts_select_cases(real, total, globs, n, &k);
    free(sel);
    return k;
}

static void filters(void **state)
{
    (void)state;
    assert_int_equal(count(NULL, 0), 3);
    assert_int_equal(count((const char *[]){ "tmo-null" }, 1), 1);
    assert_int_equal(count((const char *[]){ "tmo-*" }, 1), 1);
    assert_int_equal(count((const char *[]){ "TMO-5" }, 1), 1);  /* clause */
    assert_int_equal(count((const char *[]){ "tmo-5" }, 1), 1);  /* any case */
    assert_int_equal(count((const char *[]){ "TMO-" }, 1), 0);
    assert_int_equal(count((const char *[]){ "*-1" }, 1), 2);    /* TMO-1, DSP-1 */
    assert_int_equal(count((const char *[]){ "evt-*", "DSP-1" }, 2), 2);
    assert_int_equal(count((const char *[]){ "nothing" }, 1), 0);
    assert_true(dcts_case_names_clause(&table[0], "TMO-5"));
    assert_false(dcts_case_names_clause(&table[0], "TMO-"));
    assert_false(dcts_case_names_clause(&table[4], ""));
}

static char *capture(void (*fn)(FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fn(f);
    fclose(f);
    return text;
}

static size_t gaps;
static void coverage_of_table(FILE *f) { gaps = dcts_check_coverage(f, clauses, all, 5); }
static void coverage_ok(FILE *f) { gaps = dcts_check_coverage(f, clauses, all, 1); }
static void list_table(FILE *f) { dcts_list_cases(f, all, 3); }
static void list_clauses(FILE *f) { dcts_list_clauses(f, clauses, all, 3); }

static void coverage(void **state)
{
    (void)state;
    char *out = capture(coverage_of_table);
    assert_int_equal(gaps, 4);
    assert_non_null(strstr(out, "clause LIM-4 (MUST) is checked by no case"));
    assert_non_null(strstr(out, "case dsp-once names clause XYZ-9, which"));
    assert_non_null(strstr(out, "case id dsp-once is used twice"));
    assert_non_null(strstr(out, "case no-clause names no clause"));
    free(out);

    static const dcts_clause few[] = { { "TMO-1", "MUST", "one" },
                                       { "TMO-5", "MUST", "five" },
                                       { NULL, NULL, NULL } };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(dcts_check_coverage(f, few, all, 1), 0);
    fclose(f);
    assert_non_null(strstr(text, "all 2 clauses are checked"));
    free(text);
    (void)coverage_ok;
}

static void listings(void **state)
{
    (void)state;
    char *out = capture(list_table);
    assert_non_null(strstr(out, "CASE      CLAUSES      LEVEL   SUMMARY\n"));
    assert_non_null(strstr(out, "tmo-null  TMO-1 TMO-5  MUST    null\n"));
    assert_non_null(strstr(out, "dsp-once  DSP-1        SHOULD  once\n"));
    free(out);
    out = capture(list_clauses);
    assert_non_null(strstr(out, "TMO-1  MUST    one\n"));
    assert_non_null(strstr(out, "cases: tmo-null\n"));
    assert_non_null(strstr(out, "LIM-4  MUST    uncovered\n"
                                "               cases: (none)\n"));
    free(out);
}

/* ---- the program ------------------------------------------------------------- */

static char outpath[64], errpath[64];

/* Runs dcts_main with stdout and stderr into files; returns its status. */
static int run_main(int argc, char **argv)
{
    snprintf(outpath, sizeof outpath, "/tmp/dcts-main-out-%d", (int)getpid());
    snprintf(errpath, sizeof errpath, "/tmp/dcts-main-err-%d", (int)getpid());
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fo, 1);
    dup2(fe, 2);
    close(fo);
    close(fe);
    int rc = dcts_main(argc, argv, dc_embedded_backend, dcts_bench_main);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    return rc;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    dcts_buf b = DCTS_BUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        dcts_buf_add(&b, buf, n);
    fclose(f);
    return dcts_buf_take(&b);
}

#define MAIN(...) run_main((int)(sizeof((char *[]){ "dispatch-cts", __VA_ARGS__ }) \
                  / sizeof(char *)), (char *[]){ "dispatch-cts", __VA_ARGS__ })

static void expect_main(int rc, int want_rc, const char *want_out,
                        const char *want_err)
{
    char *out = slurp(outpath), *err = slurp(errpath);
    if (rc != want_rc || (want_out && !strstr(out, want_out)) ||
        (want_err && !strstr(err, want_err)))
        fail_msg("status %d (wanted %d)\nstdout:\n%s\nstderr:\n%s", rc,
                 want_rc, out, err);
    free(out);
    free(err);
}

static void program(void **state)
{
    (void)state;
    char good[PATH_MAX + 64], bad[PATH_MAX + 64];
    snprintf(good, sizeof good, "%s", fixture("valid/good"));
    snprintf(bad, sizeof bad, "%s", fixture("null_op"));

    expect_main(MAIN("--bogus"), 2, NULL, "unknown option '--bogus'\n"
                "try 'dispatch-cts --help'\n");
    expect_main(MAIN("--timeout-scale", "nan"), 2, NULL, "try 'dispatch-cts "
                "--help'");
    expect_main(MAIN("--help"), 0, "Usage: dispatch-cts", NULL);
    expect_main(MAIN("--version"), 0, "dispatch-cts " DCTS_VERSION "\n", NULL);
    expect_main(MAIN("--filter", "no-such-case"), 2, NULL,
                "no case matches --filter 'no-such-case'");
    expect_main(MAIN("--list", "--filter", "no-such-case"), 2, NULL, NULL);
    expect_main(MAIN("--list", "--filter", "ABI-1"), 0, "abi-", NULL);
    expect_main(MAIN("--list-clauses"), 0, "TMO-1 ", NULL);
    expect_main(MAIN("/no/such/backend.so"), 2, NULL,
                "cannot use backend /no/such/backend.so: no such file\n");
    /* One bad backend among good ones: nothing runs. */
    expect_main(MAIN("--filter", "abi-*", good, bad), 2, NULL,
                "operation set_poll_dispatch_filter is NULL");
    char *out = slurp(outpath);
    assert_string_equal(out, "");
    free(out);

    /* Embedded backend, one passing case: 0, and a TAP report. */
    expect_main(MAIN("--filter", "abi-descriptor", "--format", "tap"), 0,
                "\nok 1 - ", NULL);
    out = slurp(outpath);
    size_t points;
    if (tap_problem(out, &points) || points != 1)
        fail_msg("TAP: %s", out);
    free(out);
    /* The do-nothing backend fails a case: 1. */
    expect_main(MAIN("--filter", "abi-independent-contexts", "--format",
                     "junit", good), 1, "type=\"FAIL\"", NULL);
    out = slurp(outpath);
    const char *why = xml_problem(out);
    if (why)
        fail_msg("JUnit: %s\n%s", why, out);
    free(out);

    /* -o FILE: report there, summary on stderr, nothing on stdout. */
    char report[80];
    snprintf(report, sizeof report, "/tmp/dcts-main-report-%d", (int)getpid());
    char summary[64];
    snprintf(summary, sizeof summary, "good#2: %zu cases: ",
             real_count((const char *[]){ "ABI-*" }, 1));
    expect_main(MAIN("--filter", "ABI-*", "-o", report, good, good), 1, NULL,
                summary);
    out = slurp(outpath);
    assert_string_equal(out, "");
    free(out);
    out = slurp(report);
    assert_non_null(strstr(out, "good     good#2"));      /* a matrix */
    free(out);
    unlink(report);
    expect_main(MAIN("--filter", "abi-descriptor", "-o",
                     "/no/such/dir/report"), 2, NULL,
                "cannot write the report to /no/such/dir/report");

    unlink(outpath);
    unlink(errpath);
}

/* A backend that prints XML, TAP and escape sequences everywhere, even
 * from its constructor: the reports stay well-formed, stdout holds only
 * the report. */
static void noisy_backend(void **state)
{
    (void)state;
    char noisy[PATH_MAX + 64];
    snprintf(noisy, sizeof noisy, "%s", fixture("valid/noisy"));

    expect_main(MAIN("--filter", "abi-*", "--filter", "TMO-1", "--format",
                     "junit", noisy), 1, "type=\"FAIL\"", NULL);
    char *out = slurp(outpath);
    const char *why = xml_problem(out);
    if (why)
        fail_msg("JUnit: %s\n%s", why, out);
    /* The constructor runs in each case process: what it prints is
     * captured output, escaped, never raw report text. */
    assert_null(strstr(out, "<x a=\"&\">"));
    free(out);

    expect_main(MAIN("--filter", "abi-*", "--filter", "TMO-1", "--format",
                     "tap", noisy), 1, "\nnot ok ", NULL);
    out = slurp(outpath);
    size_t points;
    why = tap_problem(out, &points);
    if (why)
        fail_msg("TAP: %s\n%s", why, out);
    assert_int_equal(points, real_count((const char *[]){ "abi-*", "TMO-1" },
                                        2));
    free(out);

    expect_main(MAIN("--filter", "abi-*", noisy), 1, "captured output:", NULL);
    out = slurp(outpath);
    assert_null(strchr(out, '\x1b'));           /* not a terminal: no colour */
    assert_null(text_problem(out, "\n\t"));
    free(out);
    unlink(outpath);
    unlink(errpath);
}

/* A backend whose dispatch_once never returns: TIMEOUT, exit 1. */
static void hanging_backend(void **state)
{
    (void)state;
    char hang[PATH_MAX + 64];
    snprintf(hang, sizeof hang, "%s", fixture("valid/hang_dispatch"));
    double t0 = dcts_clock();
    expect_main(MAIN("--filter", "tmo-null-*", "--timeout-scale", "0.05",
                     hang), 1, "TIMEOUT: no result within ", NULL);
    assert_true(dcts_clock() - t0 < 5);
    unlink(outpath);
    unlink(errpath);
}

static void real_table_is_covered(void **state)
{
    (void)state;
    expect_main(MAIN("--check-coverage"), 0, "coverage: all", NULL);
    unlink(outpath);
    unlink(errpath);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filters),
        cmocka_unit_test(coverage),
        cmocka_unit_test(listings),
        cmocka_unit_test(program),
        cmocka_unit_test(noisy_backend),
        cmocka_unit_test(hanging_backend),
        cmocka_unit_test(real_table_is_covered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
