/*
 * harness_bench.c: the benchmark's own parts: its statistics (median,
 * quartiles, paired ratios), its writers (JSON and SVG well-formed, even
 * for hostile names and missing figures), its command line, its
 * descriptors and its workload (run in-process on tiny sizes, against a
 * backend that works and one that makes no progress).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bench_backend.h"
#include "bench_baselines.h"
#include "bench_block.h"
#include "bench_fds.h"
#include "bench_options.h"
#include "bench_results.h"
#include "bench_stats.h"
#include "harness_check.h"
#ifdef DCTS_HAVE_JANSSON
#include <jansson.h>
#endif
#include "options.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define ARGV(...) ((char *const[]){ "bench", __VA_ARGS__ })
#define ARGC(...) ((int)(sizeof((char *const[]){ "x", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, ...) parse(o, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static char err[512];

static int parse(dcts_bench_options *o, int argc, char *const argv[])
{
    err[0] = '\0';
    return dcts_bench_options_parse(o, argc, argv, err, sizeof err);
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* ---- statistics --------------------------------------------------------- */

static void medians(void **state)
{
    (void)state;
    const double odd[] = { 5, 1, 3 };
    const double even[] = { 4, 1, 3, 2 };
    const double holes[] = { NAN, 7, INFINITY, 1, -INFINITY };
    NEAR(dcts_median(odd, 3), 3);
    NEAR(dcts_median(even, 4), 2.5);
    NEAR(dcts_median(holes, 5), 4);     /* only the finite 7 and 1 */
    assert_true(isnan(dcts_median(odd, 0)));
    assert_true(isnan(dcts_median(holes, 1)));
    assert_true(odd[0] == 5 && even[0] == 4);   /* inputs untouched */
}

static void quartiles(void **state)
{
    (void)state;
    /* Linear interpolation at p * (n - 1): for 1..4, 1.75 and 3.25. */
    const double v[] = { 4, 2, 1, 3 };
    dcts_spread s = dcts_spread_of(v, 4);
    assert_int_equal(s.n, 4);
    NEAR(s.q1, 1.75);
    NEAR(s.median, 2.5);
    NEAR(s.q3, 3.25);
    const double one[] = { 9 };
    s = dcts_spread_of(one, 1);
    NEAR(s.q1, 9);
    NEAR(s.q3, 9);
    const double five[] = { 10, 20, 30, 40, 50 };
    s = dcts_spread_of(five, 5);
    NEAR(s.q1, 20);
    NEAR(s.median, 30);
    NEAR(s.q3, 40);
    s = dcts_spread_of(five, 0);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.median) && isnan(s.q1) && isnan(s.q3));
    const double sorted[] = { 0, 10 };
    NEAR(dcts_quantile_sorted(sorted, 2, 0.3), 3);
    NEAR(dcts_quantile_sorted(sorted, 2, 1), 10);
    NEAR(dcts_quantile_sorted(sorted, 2, 0), 0);
}

static void paired_ratios(void **state)
{
    (void)state;
    /* Round by round: a slow round slows both, the ratio stays. */
    const double impl[] = { 110, 220, 105, NAN, 5 };
    const double ref[] = { 100, 200, 100, 100, 0 };
    double out[5];
    assert_int_equal(dcts_paired_ratios(impl, ref, 5, out), 3);
    NEAR(out[0], 1.1);
    NEAR(out[1], 1.1);
    NEAR(out[2], 1.05);
    dcts_spread s = dcts_paired_ratio(impl, ref, 5);
    assert_int_equal(s.n, 3);
    NEAR(s.median, 1.1);
    NEAR(s.q1, 1.075);
    NEAR(s.q3, 1.1);
    /* Unpaired medians would say 1.1 too here, but not in general: */
    const double a[] = { 100, 300 }, b[] = { 200, 150 };
    s = dcts_paired_ratio(a, b, 2);
    NEAR(s.median, 1.25);               /* (0.5 + 2) / 2 */
    assert_int_equal(dcts_paired_ratio(a, b, 0).n, 0);
}

/* ---- writers ------------------------------------------------------------ */

static void sample_results(dcts_bench_results *r, const char *name)
{
    dcts_bench_results_init(r);
    dcts_bench_describe_machine(r);
    r->writes = 1000;
    r->rounds = 3;
    r->runs = 2;
    r->nofile = 1024;
    dcts_bench_note(r, "a \"quoted\" note with a \\ and a\ttab and \x01 and "
                    "\xff bad UTF-8");
    const size_t ns[] = { 100, 1000, 10000 };
    for (size_t i = 0; i < 3; i++)
        for (size_t a = 100; a <= 1000; a *= 10) {
            if (a > ns[i])
                continue;
            dcts_bench_row *row = dcts_bench_add_row(r, name, 0, "raw-epoll",
                                                     ns[i], a, 1000);
            row->ns_per_event = 2000 + 100.0 * (double)i;
            row->setup_ms = 0.1;
            row->passes_per_run = 11;
            row->vs_epoll = (dcts_spread){ 1.01, 0.99, 1.03, 3 };
            row->rss_growth_kib = 300;
            row = dcts_bench_add_row(r, "raw-epoll", 1, NULL, ns[i], a, 1000);
            row->ns_per_event = 1990;
            row = dcts_bench_add_row(r, "oracle", 1, NULL, ns[i], a, 1000);
            row->ns_per_event = 1500;
            row = dcts_bench_add_row(r, "raw-select", 1, NULL, ns[i], a,
                                     1000);
            row->skipped = dcts_xstrdup("fd 1500 is past FD_SETSIZE");
        }
}

static void json_is_well_formed(void **state)
{
    (void)state;
    dcts_bench_results r;
    dcts_buf b = DCTS_BUF_INIT;
    sample_results(&r, "evil\"<name>&\\\x1b[31m");
    if (dcts_bench_write_json(&b, &r) != 0) {
        dcts_buf_free(&b);
        dcts_bench_results_free(&r);
        skip();                         /* built without jansson */
    }
    const char *doc = dcts_buf_str(&b);
    const char *why = json_problem(doc);
    if (why)
        fail_msg("%s in:\n%s", why, doc);
#ifdef DCTS_HAVE_JANSSON
    /* Read back by the library: the figures are where they belong. */
    json_error_t jerr;
    json_t *j = json_loads(doc, 0, &jerr);
    if (!j)
        fail_msg("jansson: %s in:\n%s", jerr.text, doc);
    json_t *rows = json_object_get(j, "results");
    assert_true(json_array_size(rows) > 0);
    int saw_null = 0, saw_ratio = 0, saw_skip = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        saw_null |= json_is_null(json_object_get(row, "ns_per_event"));
        json_t *ratio = json_object_get(row, "ratio_raw_epoll");
        saw_ratio |= json_is_object(ratio) &&
            fabs(json_real_value(json_object_get(ratio, "median")) - 1.01) < 1e-9;
        const char *sk = json_string_value(json_object_get(row, "skipped"));
        saw_skip |= sk && strcmp(sk, "fd 1500 is past FD_SETSIZE") == 0;
    }
    assert_true(saw_null);              /* NaN became null */
    assert_true(saw_ratio);
    assert_true(saw_skip);
    assert_non_null(json_object_get(json_object_get(j, "machine"), "cpus"));
    json_decref(j);
#endif
    assert_null(strstr(doc, "nan"));
    assert_null(strstr(doc, "inf"));
    dcts_buf_free(&b);
    dcts_bench_results_free(&r);

    /* Nothing at all is still a document. */
    dcts_bench_results_init(&r);
    assert_int_equal(dcts_bench_write_json(&b, &r), 0);
    assert_null(json_problem(dcts_buf_str(&b)));
    dcts_buf_free(&b);
    dcts_bench_results_free(&r);
}

static void json_checker_refuses(void **state)
{
    (void)state;
    assert_null(json_problem("{\"a\": [1, -2.5e3, true, null, \"x\\n\"]}"));
    assert_non_null(json_problem("{\"a\": nan}"));
    assert_non_null(json_problem("{\"a\": 1,}"));
    assert_non_null(json_problem("{\"a\" 1}"));
    assert_non_null(json_problem("[\"\x01\"]"));
    assert_non_null(json_problem("[1] 2"));
    assert_non_null(json_problem("[01]"));
}

static void svg_is_well_formed(void **state)
{
    (void)state;
    dcts_bench_results r;
    dcts_buf b = DCTS_BUF_INIT;
    sample_results(&r, "evil\"<name>&");
    dcts_bench_write_svg(&b, &r);
    const char *doc = dcts_buf_str(&b);
    const char *why = xml_problem(doc);
    if (why)
        fail_msg("%s in:\n%s", why, doc);
    assert_non_null(strstr(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(doc, "<polyline"));
    assert_non_null(strstr(doc, "evil&quot;&lt;name&gt;&amp;"));
    assert_non_null(strstr(doc, "log scale"));      /* the N axis */
    assert_non_null(strstr(doc, "ns per event"));   /* the time axis */
    assert_non_null(strstr(doc, "A = 1000 active"));    /* a panel per A */
    assert_null(strstr(doc, "nan"));
    dcts_buf_free(&b);
    dcts_bench_results_free(&r);

    dcts_bench_results_init(&r);
    dcts_bench_write_svg(&b, &r);
    why = xml_problem(dcts_buf_str(&b));
    if (why)
        fail_msg("%s in the empty plot", why);
    dcts_buf_free(&b);
    dcts_bench_results_free(&r);
}

static void table_shows_everything(void **state)
{
    (void)state;
    dcts_bench_results r;
    dcts_buf b = DCTS_BUF_INIT;
    sample_results(&r, "epoll");
    dcts_bench_write_table(&b, &r);
    const char *doc = dcts_buf_str(&b);
    assert_null(text_problem(doc, "\n"));   /* no escape reaches a tty */
    assert_non_null(strstr(doc, "N=10000 A=1000"));
    assert_non_null(strstr(doc, "1.01 [0.99-1.03]"));
    assert_non_null(strstr(doc, "skipped: fd 1500"));
    assert_non_null(strstr(doc, "note: a \"quoted\""));
    dcts_buf_free(&b);
    dcts_bench_results_free(&r);
}

/* ---- the command line --------------------------------------------------- */

static void options(void **state)
{
    (void)state;
    dcts_bench_options o;
    assert_int_equal(PARSE(&o, "x.so"), 0);
    assert_int_equal(o.npairs, 4);
    assert_int_equal(o.pairs[3], 100000);
    assert_int_equal(o.nactive, 2);
    assert_int_equal(o.writes, 1000);
    assert_int_equal(o.nbackends, 1);
    assert_string_equal(o.backends[0], "x.so");
    assert_int_equal(o.pin_cpu, -1);
    dcts_bench_options_free(&o);

    assert_int_equal(PARSE(&o, "a.so", "--quick", "-n", "10,20", "--runs=3",
                           "--pipes", "--json", "j", "--svg=s", "b.so",
                           "--pin", "1", "--baselines", "oracle", "-w5"), 0);
    assert_true(o.quick && o.pipes);
    assert_int_equal(o.npairs, 2);
    assert_int_equal(o.pairs[1], 20);
    assert_int_equal(o.nactive, 1);         /* --quick's */
    assert_int_equal(o.runs, 3);            /* explicit wins */
    assert_int_equal(o.writes, 5);
    assert_string_equal(o.json, "j");
    assert_string_equal(o.svg, "s");
    assert_string_equal(o.baselines, "oracle");
    assert_int_equal(o.pin_cpu, 1);
    assert_int_equal(o.nbackends, 2);
    assert_string_equal(o.backends[1], "b.so");
    dcts_bench_options_free(&o);

    assert_int_equal(PARSE(&o, "--callgrind"), 0);
    assert_int_equal(o.rounds, 1);
    assert_int_equal(o.runs, 1);
    dcts_bench_options_free(&o);
    assert_int_equal(PARSE(&o, "--interest"), 0);
    assert_int_equal(o.npairs, 1);
    dcts_bench_options_free(&o);
    assert_int_equal(PARSE(&o, "--bogus", "-h"), -1);  /* in order */
    dcts_bench_options_free(&o);
    assert_int_equal(PARSE(&o, "-h", "--bogus"), 0);
    assert_true(o.help);
    dcts_bench_options_free(&o);
    /* After "--", every argument is a backend (getopt dropped them). */
    assert_int_equal(PARSE(&o, "--", "--quick", "-"), 0);
    assert_false(o.quick);
    assert_int_equal(o.nbackends, 2);
    assert_string_equal(o.backends[0], "--quick");
    assert_string_equal(o.backends[1], "-");
    dcts_bench_options_free(&o);
}

/* `dispatch-cts bench ...`: everything from "bench" on is the bench's. */
static void bench_word(void **state)
{
    (void)state;
    dcts_options o;
    char *argv[] = { "dispatch-cts", "bench", "--runs", "3", "x.so", NULL };
    assert_int_equal(dcts_options_parse(&o, 5, argv, err, sizeof err), 0);
    assert_int_equal(o.mode, DCTS_MODE_BENCH);
    assert_int_equal(o.bench_argc, 4);
    assert_string_equal(o.bench_argv[0], "bench");
    assert_string_equal(o.bench_argv[3], "x.so");
    dcts_options_free(&o);
    /* Only as the first word: elsewhere it is a backend file. */
    char *later[] = { "dispatch-cts", "--no-fork", "bench", NULL };
    assert_int_equal(dcts_options_parse(&o, 3, later, err, sizeof err), 0);
    assert_int_equal(o.mode, DCTS_MODE_RUN);
    assert_int_equal(o.nbackends, 1);
    dcts_options_free(&o);
}

static void bad_options(void **state)
{
    (void)state;
    static char *const bad[][3] = {
        { "--bogus", NULL, "unknown option '--bogus'" },
        { "-x", NULL, "unknown option '-x'" },
        { "--pairs", NULL, "needs a value" },
        { "-n", "0", "not a list" },
        { "-n", "10,", "not a list" },
        { "-n", ",10", "not a list" },
        { "-n", "1e3", "not a list" },
        { "-a", "-5", "not a list" },
        { "--runs", "65", "from 1 to 64" },
        { "--rounds", "0", "from 1" },
        { "-w", "x", "whole number" },
        { "--pin", "-1", "CPU number" },
        { "--json", "", "empty" },
        /* The shared parser's wording (harness/cmdline.h), which getopt's
         * "unknown option" hid; and no abbreviations. */
        { "--pipes=1", NULL, "option '--pipes' takes no value" },
        { "--quic", NULL, "unknown option '--quic'" },
        { "-hx", NULL, "unknown option '-hx'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dcts_bench_options o;
        int rc = bad[i][1] ? PARSE(&o, bad[i][0], bad[i][1])
                           : PARSE(&o, bad[i][0]);
        if (rc != -1 || !strstr(err, bad[i][2]))
            fail_msg("%s %s: rc %d, '%s'", bad[i][0],
                     bad[i][1] ? bad[i][1] : "", rc, err);
        dcts_bench_options_free(&o);
    }
    dcts_bench_options o;
    assert_int_equal(PARSE(&o, "--quick", "--callgrind"), -1);
    dcts_bench_options_free(&o);
    assert_int_equal(PARSE(&o, "--interest", "--svg", "x"), -1);
    dcts_bench_options_free(&o);
}

static void usage_mentions_every_option(void **state)
{
    (void)state;
    static const char *const words[] = {
        "--pairs", "--active", "--writes", "--pipes", "--rounds", "--runs",
        "--baselines", "--pin", "--quick", "--callgrind", "--interest",
        "--json", "--svg", "--help", "raw-epoll", "raw-poll", "raw-select",
        "oracle", "Exit status", "PAIRED",
    };
    const char *missing = usage_lacks(dcts_bench_usage, words,
                                      sizeof words / sizeof words[0]);
    if (missing)
        fail_msg("bench --help does not mention %s", missing);
}

/* ---- descriptors and the workload --------------------------------------- */

static void pairs_are_packed_and_connected(void **state)
{
    (void)state;
    dcts_bench_fds f;
    for (int pipes = 0; pipes <= 1; pipes++) {
        assert_int_equal(dcts_bench_fds_open(&f, 40, pipes, err, sizeof err),
                         0);
        int max_rd = -1, min_wr = 1 << 30;
        for (size_t i = 0; i < f.n; i++) {
            max_rd = f.rd[i] > max_rd ? f.rd[i] : max_rd;
            min_wr = f.wr[i] < min_wr ? f.wr[i] : min_wr;
            if (i > 0)
                assert_true(f.rd[i] > f.rd[i - 1]);
        }
        assert_int_equal(max_rd, f.max_rd);
        assert_true(max_rd < min_wr);       /* read ends below */
        for (size_t i = 0; i < f.n; i++) {
            char c = (char)i, got = 0;
            assert_int_equal(write(f.wr[i], &c, 1), 1);
            assert_int_equal(read(f.rd[i], &got, 1), 1);
            assert_int_equal(got, c);
        }
        assert_int_equal(write(f.wr[3], "ab", 2), 2);
        dcts_bench_fds_drain(&f);
        char c;
        assert_int_equal(read(f.rd[3], &c, 1), -1);
        dcts_bench_fds_close(&f);
        assert_null(f.rd);
    }
    assert_true(dcts_bench_fds_fitting(20000) * 2 +
                DCTS_BENCH_FD_SPARE <= 20000);
    assert_int_equal(dcts_bench_fds_fitting(10), 0);
}

const dc_backend *dc_embedded_backend(void);

static void workload_runs_everywhere(void **state)
{
    (void)state;
    dcts_bench_fds f;
    dcts_bench_block blk;
    assert_int_equal(dcts_bench_fds_open(&f, 30, 0, err, sizeof err), 0);
    dcts_bench_impl select_impl = {
        "select", &dcts_bench_backend_ops, dc_embedded_backend(), 0,
        dcts_bench_reference_of(dc_embedded_backend()),
    };
    assert_string_equal(select_impl.reference, "raw-select");
    const dcts_bench_impl *impls[] = {
        &select_impl, dcts_bench_baseline("raw-epoll"),
        dcts_bench_baseline("raw-poll"), dcts_bench_baseline("raw-select"),
        dcts_bench_baseline("oracle"),
    };
    for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++) {
        /* In process, then forked. */
        for (unsigned flags = DCTS_BENCH_IN_PROCESS;; flags = 0) {
            int rc = dcts_bench_run_block(impls[i], &f, 5, 45, 2, flags, 30,
                                          &blk);
            if (rc != 0)
                fail_msg("%s: %s", impls[i]->name, blk.error);
            assert_int_equal(blk.nsamples, 2);
            assert_int_equal(blk.samples[1].events, 50);    /* A + W */
            /* 5 active, 45 writes: 50 / 5 = 10 passes if every ready
             * target is handed out in each. */
            assert_int_equal(blk.samples[1].passes, 10);
            assert_true(blk.samples[1].event_ns > 0);
            if (flags == 0)
                break;
        }
    }
    assert_null(dcts_bench_baseline("raw-kqueue"));
    dcts_bench_fds_close(&f);
}

/* A backend whose dispatch_once never calls anyone. */
static int idle_create(dc_context **out)
{
    static int dummy;
    *out = (dc_context *)&dummy;
    return 0;
}
static void idle_destroy(dc_context *ctx) { (void)ctx; }
static int idle_dispatch(dc_context *ctx, const double *t, dc_error_handler h,
                         void *a)
{
    (void)ctx, (void)t, (void)h, (void)a;
    return 0;
}
static int idle_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    (void)ctx, (void)o, (void)r, (void)w, (void)e;
    return 0;
}

static void no_progress_is_an_error(void **state)
{
    (void)state;
    dc_backend idle = *dc_embedded_backend();
    idle.create = idle_create;
    idle.destroy = idle_destroy;
    idle.dispatch_once = idle_dispatch;
    idle.set_dispatch_filter = idle_filter;
    dcts_bench_impl impl = { "idle", &dcts_bench_backend_ops, &idle, 0, NULL };
    dcts_bench_fds f;
    dcts_bench_block blk;
    assert_int_equal(dcts_bench_fds_open(&f, 10, 1, err, sizeof err), 0);
    assert_int_equal(dcts_bench_run_block(&impl, &f, 2, 10, 1,
                                          DCTS_BENCH_IN_PROCESS, 30, &blk),
                     -1);
    assert_non_null(strstr(blk.error, "no progress"));
    dcts_bench_fds_drain(&f);
    dcts_bench_fds_close(&f);
}

/* A backend that crashes, or hangs, in its first pass: the forked block
 * says so, and the benchmark goes on. */
static int crash_dispatch(dc_context *ctx, const double *t,
                          dc_error_handler h, void *a)
{
    (void)ctx, (void)t, (void)h, (void)a;
    raise(SIGSEGV);
    return 0;
}
static int hang_dispatch(dc_context *ctx, const double *t,
                         dc_error_handler h, void *a)
{
    (void)ctx, (void)t, (void)h, (void)a;
    for (;;)
        pause();
    return 0;
}

static void a_crash_or_a_hang_ends_the_block(void **state)
{
    (void)state;
    static const struct {
        int (*dispatch)(dc_context *, const double *, dc_error_handler,
                        void *);
        const char *want;
    } bad[] = {
        { crash_dispatch, "its process ended before its result: killed by "
                          "SIGSEGV" },
        { hang_dispatch, "no result within 0 s" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dc_backend be = *dc_embedded_backend();
        be.dispatch_once = bad[i].dispatch;
        dcts_bench_impl impl = { "bad", &dcts_bench_backend_ops, &be, 0,
                                 NULL };
        dcts_bench_fds f;
        dcts_bench_block blk;
        assert_int_equal(dcts_bench_fds_open(&f, 10, 0, err, sizeof err), 0);
        assert_int_equal(dcts_bench_run_block(&impl, &f, 2, 10, 1, 0, 0.3,
                                              &blk), -1);
        if (!strstr(blk.error, bad[i].want))
            fail_msg("\"%s\", wanted \"%s\"", blk.error, bad[i].want);
        dcts_bench_fds_close(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(medians),
        cmocka_unit_test(quartiles),
        cmocka_unit_test(paired_ratios),
        cmocka_unit_test(json_is_well_formed),
        cmocka_unit_test(json_checker_refuses),
        cmocka_unit_test(svg_is_well_formed),
        cmocka_unit_test(table_shows_everything),
        cmocka_unit_test(options),
        cmocka_unit_test(bench_word),
        cmocka_unit_test(bad_options),
        cmocka_unit_test(usage_mentions_every_option),
        cmocka_unit_test(pairs_are_packed_and_connected),
        cmocka_unit_test(workload_runs_everywhere),
        cmocka_unit_test(a_crash_or_a_hang_ends_the_block),
        cmocka_unit_test(no_progress_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
