/*
 * harness_lessons.c: the clause -> tutorial step table and its line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dcts.h"
#include "lessons.h"

#include <string.h>

static void steps(void **state)
{
    (void)state;
    /* An exact id beats its area's prefix. */
    assert_int_equal(dcts_lesson_step("TMO-1"), 3);
    assert_int_equal(dcts_lesson_step("TMO-10"), 3);
    assert_int_equal(dcts_lesson_step("TMO-5"), 4);
    assert_int_equal(dcts_lesson_step("TMO-11"), 4);  /* not TMO-1's */
    assert_int_equal(dcts_lesson_step("DSP-4"), 3);
    assert_int_equal(dcts_lesson_step("DSP-5"), 5);
    assert_int_equal(dcts_lesson_step("FLT-4"), 7);
    assert_int_equal(dcts_lesson_step("ABI-5"), 8);
    assert_int_equal(dcts_lesson_step("XYZ-1"), 0);
    assert_int_equal(dcts_lesson_step(""), 0);
    assert_string_equal(dcts_lesson_title(4), "timeouts");
    assert_string_equal(dcts_lesson_title(0), "");
    assert_string_equal(dcts_lesson_title(9), "");
}

/* Every clause of the contract has a lesson. */
static void every_clause(void **state)
{
    (void)state;
    for (const dcts_clause *cl = dcts_clauses; cl->id; cl++)
        if (dcts_lesson_step(cl->id) == 0)
            fail_msg("%s has no tutorial step", cl->id);
}

/* A clause list as a case has it: CLAUSES(TMO_5) is LIST(TMO_5). */
#define LIST(...) ((const dcts_case){ CLAUSES(__VA_ARGS__) }).clauses

static void lines(void **state)
{
    char out[256];
    (void)state;
    size_t len = dcts_lesson_line(LIST(TMO_5), out, sizeof out);
    assert_int_equal(len, strlen(out));
    assert_string_equal(out, "  learn: docs/TUTORIAL.md step 4 (timeouts)\n");
    /* Distinct steps, in step order, whatever the order of the clauses. */
    static const dcts_clause unknown = { "XYZ-9", "MUST", "no lesson" };
    const dcts_clause *mixed[] = { &dcts_clauses[DCTS_CL_LIM_3],
                                   &dcts_clauses[DCTS_CL_TMO_10],
                                   &dcts_clauses[DCTS_CL_EVT_1], &unknown,
                                   NULL };
    dcts_lesson_line(mixed, out, sizeof out);
    assert_string_equal(out, "  learn: docs/TUTORIAL.md step 3 (one wait and "
                        "one pass), step 8 (limits and bad input)\n");
    assert_int_equal(dcts_lesson_line((const dcts_clause *[]){ &unknown, NULL },
                                      out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(dcts_lesson_line(NULL, out, sizeof out), 0);
    /* A short buffer is cut, never overrun, and stays terminated. */
    char small[12];
    memset(small, 'x', sizeof small);
    size_t n = dcts_lesson_line(LIST(TMO_5, ERR_1), small, sizeof small);
    assert_true(n < sizeof small);
    assert_int_equal(strlen(small), n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps),
        cmocka_unit_test(every_clause),
        cmocka_unit_test(lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
