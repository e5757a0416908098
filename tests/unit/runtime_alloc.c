/*
 * cases_alloc.c: the allocator the fault-injection cases steer
 * (runtime/alloc.c): it counts, fails exactly the armed allocation with
 * ENOMEM, keeps the live byte count, and says when it is not in charge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dcts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Through volatile pointers, so the compiler keeps every call. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void *(*volatile do_calloc)(size_t, size_t) = calloc;
static void *(*volatile do_realloc)(void *, size_t) = realloc;
static void (*volatile do_free)(void *) = free;

/* In a sanitizer build the reason must say so, and nothing else here can
 * be checked. */
static void need_injection(void)
{
    const char *why = dcts_alloc_injection_unavailable();
    if (why) {
        assert_non_null(strstr(why, "sanitizer"));
        skip();
    }
}

static void fails_exactly_the_nth(void **state)
{
    (void)state;
    need_injection();
    dcts_alloc_fail_nth(3);
    void *a = do_malloc(10), *b = do_calloc(2, 10);
    errno = 0;
    void *c = do_malloc(10);
    int err = errno;
    void *d = do_malloc(10);
    assert_int_equal(dcts_alloc_disarm(), 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_int_equal(err, ENOMEM);
    assert_non_null(d);
    do_free(a), do_free(b), do_free(d);
}

static void realloc_failure_keeps_the_block(void **state)
{
    (void)state;
    need_injection();
    char *p = do_malloc(16);
    assert_non_null(p);
    memcpy(p, "kept", 5);
    dcts_alloc_fail_nth(1);
    char *q = do_realloc(p, 4096);
    assert_int_equal(dcts_alloc_disarm(), 1);
    assert_null(q);
    assert_string_equal(p, "kept");
    do_free(p);
}

static void not_reached_is_not_fired(void **state)
{
    (void)state;
    need_injection();
    long before = dcts_alloc_count();
    dcts_alloc_fail_nth(5);
    void *a = do_malloc(1);
    assert_int_equal(dcts_alloc_disarm(), 0);
    assert_int_equal(dcts_alloc_count() - before, 1);
    void *b = do_malloc(1);                 /* disarmed: the 5th is not it */
    assert_non_null(a);
    assert_non_null(b);
    do_free(a), do_free(b);
}

static void live_bytes_follow_the_heap(void **state)
{
    (void)state;
    need_injection();
    long before = dcts_alloc_live_bytes();
    char *p = do_malloc(100);
    assert_true(dcts_alloc_live_bytes() - before >= 100);
    p = do_realloc(p, 5000);
    assert_non_null(p);
    assert_true(dcts_alloc_live_bytes() - before >= 5000);
    void *q = do_calloc(10, 10);
    do_free(p);
    do_free(q);
    assert_int_equal(dcts_alloc_live_bytes(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fails_exactly_the_nth),
        cmocka_unit_test(realloc_failure_keeps_the_block),
        cmocka_unit_test(not_reached_is_not_fired),
        cmocka_unit_test(live_bytes_follow_the_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
