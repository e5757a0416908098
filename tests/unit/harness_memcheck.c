/*
 * harness_memcheck.c: a case process that a memory checker condemns after
 * it reported PASS becomes a FAIL that says so (harness/runner.c).
 *
 * In the AddressSanitizer build (tests/asan.sh runs these tests there),
 * a case that leaks makes LeakSanitizer, run by the case process before
 * its _exit, end it with ASAN_OPTIONS' exitcode.  In other builds nothing
 * checks leaks, so the same case passes (and valgrind's side is checked by
 * tests/valgrind.sh's self-check, with the real tool).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "runner.h"
#include "proc.h"

#include <stdlib.h>
#include <string.h>

const dc_backend *dc_embedded_backend(void);

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void *volatile lost;

static void c_leak(dcts_t *t)
{
    (void)t;
    lost = malloc(64);
    lost = NULL;
}

static void c_clean(dcts_t *t)
{
    (void)t;
    free(malloc(64));
}

static const dcts_case cases[] = {
    { .id = "leak", CLAUSES(ABI_1), .summary = "leaks 64 bytes", .run = c_leak, .budget_s = 2 },
    { .id = "clean", CLAUSES(ABI_1), .summary = "frees what it allocates", .run = c_clean, .budget_s = 2 },
};

static void condemned_after_pass_is_fail(void **state)
{
    (void)state;
    dcts_backend_handle be;
    char err[256];
    assert_int_equal(dcts_use_embedded(dc_embedded_backend, &be, err,
                                       sizeof err), 0);
    dcts_options o;
    dcts_options_init(&o, "build/dispatch-cts");
    const dcts_case *list[] = { &cases[0], &cases[1] };
    dcts_result out[2];
    assert_int_equal(dcts_run_cases(list, 2, &be, &o, 0, out), 0);

    assert_int_equal(out[1].status, DCTS_PASS);
    if (SANITIZED) {
        assert_int_equal(out[0].status, DCTS_FAIL);
        assert_non_null(strstr(out[0].message, "after reporting PASS"));
        assert_non_null(strstr(out[0].message, "memory checker"));
        assert_non_null(strstr(out[0].message, "LeakSanitizer"));
    } else {
        assert_int_equal(out[0].status, DCTS_PASS);
    }
    for (size_t i = 0; i < 2; i++) {
        free(out[i].message);
        free(out[i].output);
    }
    dcts_unload_backend(&be);
    dcts_signals_restore();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(condemned_after_pass_is_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
