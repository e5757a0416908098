/*
 * harness_options.c: command-line parsing, good and bad.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "options.h"
#include "harness_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARGV(...) ((char *const[]){ "dispatch-cts", __VA_ARGS__ })
#define ARGC(...) ((int)(sizeof((char *const[]){ "x", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, ...) parse(o, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static char err[512];

static int parse(dcts_options *o, int argc, char *const argv[])
{
    err[0] = '\0';
    return dcts_options_parse(o, argc, argv, err, sizeof err);
}

static void defaults(void **state)
{
    (void)state;
    dcts_options o;
    char *argv[] = { "build/dispatch-cts" };
    assert_int_equal(parse(&o, 1, argv), 0);
    assert_int_equal(o.mode, DCTS_MODE_RUN);
    assert_int_equal(o.format, DCTS_FORMAT_HUMAN);
    assert_null(o.output);
    assert_int_equal(o.nfilters, 0);
    assert_int_equal(o.nbackends, 0);
    assert_int_equal(o.jobs, 0);
    assert_true(o.timeout_scale == 1.0);
    assert_int_equal(o.no_fork, 0);
    assert_string_equal(o.argv0, "build/dispatch-cts");
    dcts_options_free(&o);
    assert_true(dcts_default_jobs() >= 2);
}

static void everything(void **state)
{
    (void)state;
    dcts_options o;
    assert_int_equal(PARSE(&o, "--filter", "tmo-*", "a.so", "--filter=TMO-2",
                           "-j", "3", "--timeout-scale", "2.5", "--format",
                           "tap", "-o", "out.tap", "--no-fork", "b.so"), 0);
    assert_int_equal(o.mode, DCTS_MODE_RUN);
    assert_int_equal(o.nfilters, 2);
    assert_string_equal(o.filters[0], "tmo-*");
    assert_string_equal(o.filters[1], "TMO-2");
    assert_int_equal(o.nbackends, 2);
    assert_string_equal(o.backends[0], "a.so");
    assert_string_equal(o.backends[1], "b.so");
    assert_int_equal(o.jobs, 3);
    assert_true(o.timeout_scale == 2.5);
    assert_int_equal(o.format, DCTS_FORMAT_TAP);
    assert_string_equal(o.output, "out.tap");
    assert_int_equal(o.no_fork, 1);
    dcts_options_free(&o);
}

static void attached_values(void **state)
{
    (void)state;
    dcts_options o;
    assert_int_equal(PARSE(&o, "-j7", "-oreport.xml", "--jobs=9",
                           "--format=junit", "--output=r2.xml",
                           "--timeout-scale=0x1p-1"), 0);
    assert_int_equal(o.jobs, 9);               /* the last one wins */
    assert_string_equal(o.output, "r2.xml");
    assert_int_equal(o.format, DCTS_FORMAT_JUNIT);
    assert_true(o.timeout_scale == 0.5);
    dcts_options_free(&o);

    assert_int_equal(PARSE(&o, "--format", "human", "--format", "tap"), 0);
    assert_int_equal(o.format, DCTS_FORMAT_TAP);
    dcts_options_free(&o);
}

static void positional(void **state)
{
    (void)state;
    dcts_options o;
    assert_int_equal(PARSE(&o, "-", "x.so", "--", "--list", "-j"), 0);
    assert_int_equal(o.mode, DCTS_MODE_RUN);
    assert_int_equal(o.nbackends, 4);
    assert_string_equal(o.backends[0], "-");
    assert_string_equal(o.backends[2], "--list");
    assert_string_equal(o.backends[3], "-j");
    dcts_options_free(&o);
}

static void modes(void **state)
{
    (void)state;
    dcts_options o;
    assert_int_equal(PARSE(&o, "--list", "--filter", "x"), 0);
    assert_int_equal(o.mode, DCTS_MODE_LIST);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--list", "--list"), 0);
    assert_int_equal(o.mode, DCTS_MODE_LIST);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--list-clauses"), 0);
    assert_int_equal(o.mode, DCTS_MODE_LIST_CLAUSES);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--check-coverage"), 0);
    assert_int_equal(o.mode, DCTS_MODE_CHECK_COVERAGE);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--jobs", "2", "--help", "--bogus"), 0);
    assert_int_equal(o.mode, DCTS_MODE_HELP);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "-h"), 0);
    assert_int_equal(o.mode, DCTS_MODE_HELP);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--version"), 0);
    assert_int_equal(o.mode, DCTS_MODE_VERSION);
    dcts_options_free(&o);
}

/* Each bad command line fails with a message naming want. */
static void bad(void **state)
{
    (void)state;
    static const struct { const char *args[3]; const char *want; } cases[] = {
        { { "--bogus" }, "unknown option '--bogus'" },
        { { "--bogus=1" }, "unknown option '--bogus'" },
        { { "-x" }, "unknown option '-x'" },
        { { "-hx" }, "unknown option '-hx'" },
        { { "--jobs" }, "'--jobs' needs a value" },
        { { "-j" }, "'-j' needs a value" },
        { { "--filter" }, "'--filter' needs a value" },
        { { "-o" }, "'-o' needs a value" },
        { { "--jobs", "0" }, "'0' is not a whole number" },
        { { "--jobs", "-1" }, "'-1' is not a whole number" },
        { { "--jobs", "+1" }, "is not a whole number" },
        { { "--jobs", "3x" }, "is not a whole number" },
        { { "--jobs", "" }, "is not a whole number" },
        { { "--jobs", "99999" }, "is not a whole number from 1 to 1024" },
        { { "--jobs", "99999999999999999999999" }, "is not a whole number" },
        { { "--timeout-scale", "nan" }, "'nan' is not a positive, finite" },
        { { "--timeout-scale", "NAN" }, "is not a positive, finite" },
        { { "--timeout-scale", "inf" }, "is not a positive, finite" },
        { { "--timeout-scale", "-inf" }, "is not a positive, finite" },
        { { "--timeout-scale", "0" }, "is not a positive, finite" },
        { { "--timeout-scale", "-0" }, "is not a positive, finite" },
        { { "--timeout-scale", "-2" }, "is not a positive, finite" },
        { { "--timeout-scale", "abc" }, "is not a positive, finite" },
        { { "--timeout-scale", "2x" }, "is not a positive, finite" },
        { { "--timeout-scale", "" }, "is not a positive, finite" },
        { { "--timeout-scale", " 2" }, "is not a positive, finite" },
        { { "--timeout-scale", "1e999" }, "is not a positive, finite" },
        { { "--timeout-scale=" }, "is not a positive, finite" },
        { { "--format", "xml" }, "unknown format 'xml'" },
        { { "--format", "" }, "unknown format" },
        { { "--filter", "" }, "the pattern is empty" },
        { { "--filter=" }, "the pattern is empty" },
        { { "-o", "" }, "the file name is empty" },
        { { "--list=yes" }, "'--list' takes no value" },
        { { "--no-fork=1" }, "'--no-fork' takes no value" },
        { { "--list", "--check-coverage" }, "cannot be combined" },
        { { "--list-clauses", "--list" }, "cannot be combined" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[4] = { "dispatch-cts" };
        int argc = 1;
        for (int k = 0; k < 3 && cases[i].args[k]; k++)
            argv[argc++] = (char *)cases[i].args[k];
        dcts_options o;
        int rc = parse(&o, argc, argv);
        if (rc != -1 || !strstr(err, cases[i].want))
            fail_msg("%s %s: rc %d, message \"%s\", wanted \"%s\"",
                     cases[i].args[0], cases[i].args[1] ? cases[i].args[1]
                     : "", rc, err, cases[i].want);
        assert_null(strchr(err, '\n'));
        dcts_options_free(&o);
    }
}

static void numbers(void **state)
{
    (void)state;
    double d;
    unsigned u;
    assert_int_equal(dcts_parse_scale("1e-3", &d), 0);
    assert_true(d == 1e-3);
    assert_int_equal(dcts_parse_scale("10", &d), 0);
    assert_true(d == 10);
    assert_int_equal(dcts_parse_scale("1e-400", &d), -1);   /* underflow */
    assert_int_equal(dcts_parse_scale(NULL, &d), -1);
    assert_int_equal(dcts_parse_jobs("1024", &u), 0);
    assert_int_equal(u, 1024);
    assert_int_equal(dcts_parse_jobs("1025", &u), -1);
    assert_int_equal(dcts_parse_jobs(" 1", &u), -1);
}

static void usage_mentions_every_option(void **state)
{
    (void)state;
    static const char *const words[] = {
        "--list", "--list-clauses", "--filter", "--jobs", "-j,",
        "--timeout-scale", "--format", "human", "tap", "junit", "-o,",
        "--output", "--no-fork", "--help", "--version", "--check-coverage",
        "Exit status", "  0 ", "  1 ", "  2 ", "Example", "NO_COLOR",
        "TIMEOUT", "CRASH", "WARN", "SKIP",
    };
    const char *missing = usage_lacks(dcts_usage, words,
                                      sizeof words / sizeof words[0]);
    if (missing)
        fail_msg("--help does not mention %s", missing);
}

static void ci_conveniences(void **state)
{
    (void)state;
    dcts_options o;
    assert_int_equal(PARSE(&o, "--exclude", "TMO-*", "--exclude=cls-*",
                           "--shard", "2/5", "--write-expect", "gaps.txt",
                           "--format", "json", "-o", "-"), 0);
    assert_int_equal(o.nexcludes, 2);
    assert_string_equal(o.excludes[1], "cls-*");
    assert_int_equal(o.shard, 2);
    assert_int_equal(o.nshards, 5);
    assert_string_equal(o.write_expect, "gaps.txt");
    assert_int_equal(o.format, DCTS_FORMAT_JSON);
    assert_string_equal(o.output, "-");
    dcts_options_free(&o);

    unsigned i, n;
    assert_int_equal(dcts_parse_shard("1/1", &i, &n), 0);
    assert_int_equal(dcts_parse_shard("0/1", &i, &n), -1);
    assert_int_equal(dcts_parse_shard("3/2", &i, &n), -1);
    assert_int_equal(dcts_parse_shard("1/", &i, &n), -1);
    assert_int_equal(dcts_parse_shard("/2", &i, &n), -1);
    assert_int_equal(dcts_parse_shard("1/2x", &i, &n), -1);
    assert_int_equal(dcts_parse_shard("-1/2", &i, &n), -1);
    assert_int_equal(PARSE(&o, "--exclude", ""), -1);
    dcts_options_free(&o);

    /* The environment gives the default scale; the option overrides it;
     * garbage in it is an error, not silently 1. */
    setenv(DCTS_SCALE_ENV, "4", 1);
    assert_int_equal(PARSE(&o, "--list"), 0);
    assert_true(o.timeout_scale == 4.0);
    dcts_options_free(&o);
    assert_int_equal(PARSE(&o, "--timeout-scale", "2"), 0);
    assert_true(o.timeout_scale == 2.0);
    dcts_options_free(&o);
    setenv(DCTS_SCALE_ENV, "0", 1);
    assert_int_equal(PARSE(&o, "--list"), -1);
    assert_non_null(strstr(err, DCTS_SCALE_ENV));
    dcts_options_free(&o);
    unsetenv(DCTS_SCALE_ENV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(everything),
        cmocka_unit_test(attached_values),
        cmocka_unit_test(positional),
        cmocka_unit_test(modes),
        cmocka_unit_test(bad),
        cmocka_unit_test(numbers),
        cmocka_unit_test(ci_conveniences),
        cmocka_unit_test(usage_mentions_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
