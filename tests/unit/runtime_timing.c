/*
 * cases_runtime.c: the case runtime's rules on what is the backend's fault
 * (runtime/timing.c, kernel.c, probes.c): TMO-11's idle waits allow one
 * early return and no busy loop, a case whose own preparation fails SKIPs,
 * and a refusal past the declared fd_limit SKIPs a case not about LIM-1.
 * Each is run through dcts_execute against a fake backend whose
 * dispatch_once behaves as the test says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dcts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- a fake backend ------------------------------------------------------- */

/* How the fake's dispatch_once spends a positive timeout. */
enum wait_style { SLEEPS, EARLY_ONCE, BUSY };

static enum wait_style style;
static int waits;                       /* dispatch_once calls so far */
static int fake_ctx;

static int fake_create(dc_context **out)
{
    *out = (dc_context *)&fake_ctx;
    waits = 0;
    return 0;
}

static void fake_destroy(dc_context *ctx)
{
    (void)ctx;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int fake_dispatch(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg)
{
    (void)ctx, (void)handler, (void)arg;
    int early = style == BUSY || (style == EARLY_ONCE && waits == 0);
    waits++;
    if (timeout && *timeout > 0 && !early)
        sleep_s(*timeout);
    return 0;
}

/* Refuses fds at or past 8, as a backend declaring fd_limit 8 may. */
static int fake_poll_filter(dc_context *ctx, dc_target *o, unsigned long f)
{
    (void)ctx, (void)f;
    if (o == NULL)
        return -EINVAL;
    return o->fd >= 8 ? -ERANGE : 0;
}

static unsigned long fake_flags_for(int r, int w, int e)
{
    return (r ? 1ul : 0) | (w ? 2ul : 0) | (e ? 4ul : 0);
}

static int fake_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    return fake_poll_filter(ctx, o, fake_flags_for(r, w, e));
}

static int fake_closed(dc_context *ctx, int fd, dc_target *o)
{
    (void)ctx, (void)fd, (void)o;
    return 0;
}

static const dc_backend fake = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "fake",
    .create = fake_create,
    .destroy = fake_destroy,
    .dispatch_once = fake_dispatch,
    .set_dispatch_filter = fake_filter,
    .set_poll_dispatch_filter = fake_poll_filter,
    .socket_closed = fake_closed,
    .flags_for = fake_flags_for,
    .fd_limit = 8,
    .event_model = DC_MODEL_OTHER,
    .caps = 0,
};

static char msg[4096];

/* Runs body as a case checking the clauses named, e.g.
 * RUN(body, LIM_1, DSP_3); msg receives its reason. */
#define RUN(body, ...)                                                     \
    run(&(const dcts_case){ .id = "unit-case", CLAUSES(__VA_ARGS__),       \
                            .summary = "unit", .run = body })
static dcts_status run(const dcts_case *c)
{
    dcts_outcome o;
    dcts_status s = dcts_execute(c, &fake, 1.0, &o);
    snprintf(msg, sizeof msg, "%s", o.reason);
    return s;
}

/* ---- TMO-11: idle waits ----------------------------------------------------- */

static void idle_waits(dcts_t *t)
{
    dcts_expect_idle_wait(t, 20, "nothing registered");
}

static void idle_wait_that_sleeps_passes(void **state)
{
    (void)state;
    style = SLEEPS;
    assert_int_equal(RUN(idle_waits, TMO_11), DCTS_PASS);
    assert_int_equal(waits, DCTS_IDLE_WAITS);
}

/* An epoll backend that learns of a stale entry from the wait it ends. */
static void one_early_return_passes(void **state)
{
    (void)state;
    style = EARLY_ONCE;
    assert_int_equal(RUN(idle_waits, TMO_11), DCTS_PASS);
}

static void busy_loop_fails(void **state)
{
    (void)state;
    style = BUSY;
    assert_int_equal(RUN(idle_waits, TMO_11), DCTS_FAIL);
    assert_non_null(strstr(msg, "busy loop"));
    assert_non_null(strstr(msg, "TMO-11"));
}

/* ---- preparation failures SKIP ---------------------------------------------- */

/* Frees an fd number, then finds it taken, as by a backend's own epoll fd
 * (CLS-6), before putting a socket on it. */
static void number_taken_meanwhile(dcts_t *t)
{
    int sv[2], pp[2];
    dcts_pipe(t, pp);
    int fd = pp[0];
    dcts_close(t, fd);
    int thief = dcts_own_fd(t, dup(pp[1]));     /* the lowest free: fd */
    assert_int_equal(thief, fd);
    dcts_socketpair_at(t, sv, fd);
}

static void taken_number_skips(void **state)
{
    (void)state;
    style = SLEEPS;
    assert_int_equal(RUN(number_taken_meanwhile, CLS_2), DCTS_SKIP);
    assert_non_null(strstr(msg, "harness: fd"));
}

/* A number kept across an fd opened meanwhile gets the new socket. */
static void number_kept(dcts_t *t)
{
    int sv[2], pp[2];
    dcts_pipe(t, pp);
    int fd = pp[0];
    dcts_close_keep_number(t, fd);
    int other = dcts_own_fd(t, dup(pp[1]));
    assert_int_not_equal(other, fd);
    dcts_socketpair_at(t, sv, fd);
    assert_int_equal(sv[0], fd);
    char c = 'x';
    assert_int_equal(write(sv[1], &c, 1), 1);
    assert_int_equal(read(sv[0], &c, 1), 1);
}

static void kept_number_is_reused(void **state)
{
    (void)state;
    style = SLEEPS;
    assert_int_equal(RUN(number_kept, CLS_2), DCTS_PASS);
}

/* ---- fd_limit ------------------------------------------------------------ */

/* Registers a probe on fd 200, past the fake's fd_limit 8. */
static void register_past_limit(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_probe *p = dcts_probe_new(t, "P", dcts_move_fd(t, sv[0], 200));
    OK(dcts_filter(t, p, 1, 0, 0));
}

static void refusal_past_limit_skips_other_cases(void **state)
{
    (void)state;
    assert_int_equal(RUN(register_past_limit, DSP_3), DCTS_SKIP);
    assert_non_null(strstr(msg, "fd_limit 8"));
}

static void refusal_past_limit_fails_a_lim1_case(void **state)
{
    (void)state;
    assert_int_equal(RUN(register_past_limit, LIM_1, DSP_3), DCTS_FAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_wait_that_sleeps_passes),
        cmocka_unit_test(one_early_return_passes),
        cmocka_unit_test(busy_loop_fails),
        cmocka_unit_test(taken_number_skips),
        cmocka_unit_test(kept_number_is_reused),
        cmocka_unit_test(refusal_past_limit_skips_other_cases),
        cmocka_unit_test(refusal_past_limit_fails_a_lim1_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
