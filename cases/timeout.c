/*
 * timeout.c: cases for the timeout clauses (TMO-1 .. TMO-10).
 *
 * Every wait is measured on the monotonic clock.  An upper bound ("it
 * returned promptly") gets a tolerance scaled by --timeout-scale, and a
 * wait found late is measured again (dcts_least_ms): a loaded machine
 * makes a wait late now and then, a broken backend every time.  A lower
 * bound ("it did not return early") is a kernel guarantee, checked once
 * and never scaled up: no machine makes a wait shorter.
 */
#include "dcts.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

/* "Returned promptly": nothing to wait for, so no sleep at all. */
#define PROMPT_MS 50.0
/* From a byte written by a helper thread to the end of the wait it ends:
 * two thread wake-ups on a possibly loaded machine. */
#define EVENT_MS 150.0
/* TMO-8: a wait measured for a leftover timeout must last at least this
 * share of its own (the leftover is a fraction of it, or nothing). */
#define NOT_SHORT 0.6
/* How long a signal storm lasts: far past any correct wait in these cases,
 * so a backend restarting its full timeout after every EINTR is still
 * stuck when it ends, then waits the full timeout once more. */
#define STORM_MS 400.0

/* ---- helpers ----------------------------------------------------------- */

/* TMO-3: the least a wait of ms with nothing ready SHOULD last: ms minus
 * the larger of 2 ms and ms/10, that margin scaled. */
static double not_cut_short_ms(dcts_t *t, double ms)
{
    return ms - dcts_tol_ms(t, fmax(2.0, ms / 10.0));
}

/* dispatch_once(*timeout_s) (NULL: None) without a handler; *ms receives
 * how long it took. */
static int timed_dispatch(dcts_t *t, const double *timeout_s, double *ms)
{
    double start = dcts_now();
    int rc = dcts_dispatch_full(t, timeout_s, NULL, NULL);

    *ms = dcts_ms_since(start);
    return rc;
}

/* "None", "0", "0.05": how a timeout reads in a message. */
static const char *timeout_text(const double *timeout_s)
{
    static char ring[4][40];
    static unsigned next;
    char *buf = ring[next++ % 4];

    if (timeout_s == NULL)
        return "None";
    snprintf(buf, sizeof ring[0], "%.12g s", *timeout_s);
    return buf;
}

/* Three targets registered for conditions that never come during a case:
 * nothing to read on a socket or a pipe, no room to write on a socket. */
typedef struct idle_set {
    dcts_probe *p[3];
} idle_set;

static idle_set idle_targets(dcts_t *t)
{
    idle_set s;
    int pp[2], peer;

    s.p[0] = dcts_probe_on_socketpair(t, "idle-sock", NULL);
    dcts_pipe(t, pp);
    s.p[1] = dcts_probe_new(t, "idle-pipe", pp[0]);
    s.p[2] = dcts_probe_on_socketpair(t, "idle-full", &peer);
    dcts_fill(t, s.p[2]->target.fd);
    OK(dcts_filter(t, s.p[0], 1, 0, 1));
    OK(dcts_filter(t, s.p[1], 1, 0, 0));
    OK(dcts_filter(t, s.p[2], 0, 1, 0));
    return s;
}

/* DSP-4, TMO-10: none of them may ever be called. */
static void check_idle_untouched(dcts_t *t, const idle_set *s,
                                 const char *when)
{
    int calls = s->p[0]->calls + s->p[1]->calls + s->p[2]->calls;

    CHECK(calls == 0, "expected: no call to a target with nothing pending "
          "(%s); observed: %d call(s)", when, calls);
}

/* A fresh target registered for R that drains what it reads, named A1,
 * A2, ...; the writable end of its socketpair goes to *peer. */
static dcts_probe *reader(dcts_t *t, int *peer)
{
    static unsigned made;
    char name[16];

    snprintf(name, sizeof name, "A%u", ++made % 1000);
    dcts_probe *p = dcts_probe_on_socketpair(t, name, peer);
    p->action = dcts_act_drain;
    OK(dcts_filter(t, p, 1, 0, 0));
    return p;
}

/* ---- measured attempts (dcts_least_ms) ------------------------------------ */

/* One dispatch_once(*timeout_s) that must return 0. */
typedef struct timed_call {
    const double *timeout_s;
    const char *why;
} timed_call;

static double measure_call(dcts_t *t, void *arg)
{
    const timed_call *c = arg;
    double ms;
    int rc = timed_dispatch(t, c->timeout_s, &ms);

    CHECK(rc == 0, "expected: dispatch_once(%s) returns 0 (%s); observed: %s",
          timeout_text(c->timeout_s), c->why, dcts_code_name(rc));
    return ms;
}

/* dispatch_once(*timeout_s) returns 0 within limit_ms. */
static void check_call_within(dcts_t *t, const double *timeout_s,
                              double limit_ms, const char *why)
{
    timed_call c = { timeout_s, why };
    double ms = dcts_least_ms(t, limit_ms, measure_call, &c);

    CHECK(ms <= limit_ms, "expected: dispatch_once(%s) returns within %.0f ms "
          "(%s); observed: %.1f ms", timeout_text(timeout_s), limit_ms, why,
          ms);
}

/* dispatch_once(ms) with nothing ready returns 0 after at least least_ms
 * (a lower bound: measured once). */
static void check_wait_at_least(dcts_t *t, double ms, double least_ms,
                                const char *why)
{
    double s = ms / 1000.0, took;
    timed_call c = { &s, why };

    took = measure_call(t, &c);
    CHECK(took >= least_ms, "expected: dispatch_once(%.0f ms) %s sleeps at "
          "least %.1f ms; observed: it returned after %.1f ms", ms, why,
          least_ms, took);
}

/* A fresh reader gets a byte event_ms into dispatch_once(timeout_s). */
typedef struct event_wait {
    double timeout_s;
    double event_ms;
    const char *what;            /* what the value is, or NULL */
} event_wait;

/* "1 s", "4294967.346 s = 2^32 ms + 50 ms": the timeout in a message. */
static const char *event_wait_text(const event_wait *ev)
{
    static char buf[96];

    snprintf(buf, sizeof buf, "%.12g s%s%s", ev->timeout_s,
             ev->what ? " = " : "", ev->what ? ev->what : "");
    return buf;
}

/* The wait returns 0 having called the reader once with R: never before
 * the byte, which a short or wrapped wait would (TMO-6). */
static double measure_event_wait(dcts_t *t, void *arg)
{
    const event_wait *ev = arg;
    int peer;
    dcts_probe *a = reader(t, &peer);
    double ms;

    dcts_trace(t, "dispatch_once(%.12g s)", ev->timeout_s);
    dcts_write_later(t, peer, ev->event_ms);
    int rc = timed_dispatch(t, &ev->timeout_s, &ms);
    CHECK(rc == 0, "expected: dispatch_once(%s) returns 0; observed: %s "
          "after %.1f ms", event_wait_text(ev), dcts_code_name(rc), ms);
    CHECK(a->calls == 1 && a->r, "expected: dispatch_once(%s) waits for the "
          "byte at %.0f ms and calls %s with R; observed: it returned after "
          "%.1f ms with %d call(s) to it", event_wait_text(ev), ev->event_ms,
          a->name, ms, a->calls);
    return ms;                   /* a drained its byte: idle from now on */
}

/* TMO-4, TMO-6: the byte ends the wait promptly and is dispatched. */
static void check_event_ends_wait(dcts_t *t, double timeout_s,
                                  double event_ms, const char *what)
{
    event_wait ev = { timeout_s, event_ms, what };
    double limit = event_ms + dcts_tol_ms(t, EVENT_MS);
    double ms = dcts_least_ms(t, limit, measure_event_wait, &ev);

    CHECK(ms <= limit, "expected: dispatch_once(%s) returns within %.0f ms "
          "(byte at %.0f ms); observed: %.1f ms", event_wait_text(&ev), limit,
          event_ms, ms);
}

/* ---- TMO-1: None and zero never block ------------------------------------ */

/* None and 0 return 0 promptly. */
static void check_never_blocks(dcts_t *t, const char *setting)
{
    static const double zero = 0.0;

    check_call_within(t, NULL, dcts_tol_ms(t, PROMPT_MS), setting);
    check_call_within(t, &zero, dcts_tol_ms(t, PROMPT_MS), setting);
}

/* TMO-1: with an empty registry, None and 0 are a poll of nothing.
 * Catches: select(0, NULL, NULL, NULL, NULL) or poll(-1) for None (blocks
 * forever); a backend that sleeps, fails or asserts on an empty registry. */
static void null_and_zero_with_no_targets(dcts_t *t)
{
    check_never_blocks(t, "no target registered");
}

/* TMO-1: the same with registered targets that have nothing pending.
 * Catches: None passed on as a NULL timeval / -1 ms ("no timeout" read as
 * "no limit"), and 0 rounded up to a real sleep. */
static void null_and_zero_with_idle_targets(dcts_t *t)
{
    idle_set idle = idle_targets(t);

    check_never_blocks(t, "targets registered, nothing pending");
    check_idle_untouched(t, &idle, "None and 0 with nothing ready");
}

/* TMO-1, TMO-7: -0.0 is zero, not a negative timeout: it neither fails
 * nor blocks, and a ready target is dispatched.
 * Catches: validation by signbit() (or by the sign of 1/x), which refuses
 * -0.0 with -EINVAL, so a caller computing "deadline - now" gets errors. */
static void negative_zero_is_zero(dcts_t *t)
{
    static const double minus_zero = -0.0;
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, &peer);

    dcts_write_byte(t, peer);
    check_call_within(t, &minus_zero, dcts_tol_ms(t, PROMPT_MS),
                      "-0.0 is zero");
    CHECK(a->calls == 1 && a->r, "expected: %s (readable) called once with R "
          "by dispatch_once(-0.0); observed: %d call(s), r=%#lx", a->name,
          a->calls, a->r);
    check_call_within(t, &minus_zero, dcts_tol_ms(t, PROMPT_MS),
                      "-0.0 with nothing ready");
    check_idle_untouched(t, &idle, "dispatch_once(-0.0)");
}

/* ---- TMO-2, TMO-3: a positive timeout is the length of the wait ---------- */

/* TMO-2: 50 ms with nothing ready ends after about 50 ms.
 * Catches: seconds taken for another unit (a 50 s or 50000 s wait), a
 * NULL timeval or -1 ms when nothing is registered, a wait restarted when
 * it timed out with nothing ready. */
static void positive_timeout_bounds_the_wait(dcts_t *t)
{
    static const double s = 0.05;
    double limit = 50 + dcts_tol_ms(t, PROMPT_MS);

    check_call_within(t, &s, limit, "no target registered");
    idle_set idle = idle_targets(t);
    check_call_within(t, &s, limit, "idle targets registered");
    check_idle_untouched(t, &idle, "a wait that timed out");
}

/* TMO-3: 80 ms with nothing ready lasts at least 72 ms.
 * Catches: a backend that returns at once (timeout truncated to whole
 * seconds, or skipped when nothing is registered), which makes every
 * caller's "wait up to T" loop spin. */
static void positive_timeout_not_cut_short(dcts_t *t)
{
    check_wait_at_least(t, 80, not_cut_short_ms(t, 80), "with no target");
    idle_set idle = idle_targets(t);
    check_wait_at_least(t, 80, not_cut_short_ms(t, 80), "with idle targets");
    check_idle_untouched(t, &idle, "a wait that timed out");
}

/* ---- TMO-4: an event ends the wait ---------------------------------------- */

/* TMO-4: a byte arriving 30 ms into a 1 s wait ends it, and its target is
 * dispatched in that same call.
 * Catches: a backend that sleeps the whole timeout and polls afterwards,
 * or that waits on a stale copy of its fd sets missing the new target. */
static void event_ends_the_wait(dcts_t *t)
{
    idle_set idle = idle_targets(t);

    check_event_ends_wait(t, 1.0, 30, NULL);
    check_idle_untouched(t, &idle, "a wait ended by another target's event");
}

/* ---- TMO-5: rounding ------------------------------------------------------ */

/* TMO-5: 0.4 ms is below poll's millisecond: rounded up, not down to 0.
 * 50 such waits take at least 50 x 0.4 ms = 20 ms in any correct backend
 * (the kernel never ends a timed wait early); 3/4 of that is required.
 * Catches: (int)(s * 1000) or lround() into poll/epoll_wait (0 ms: a busy
 * loop of thousands of calls where the caller asked to wait), the same
 * truncation into a timeval's tv_usec via milliseconds. */
static void tiny_timeout_rounded_up(dcts_t *t)
{
    const double tiny = 0.0004;
    const int n = 50;
    const double least = n * tiny * 1000 * 0.75;
    idle_set idle = idle_targets(t);
    double start = dcts_now();

    for (int i = 0; i < n; i++)
        OK(dcts_dispatch(t, tiny));
    double took = dcts_ms_since(start);
    CHECK(took >= least, "expected: %d x dispatch_once(0.4 ms) with nothing "
          "ready take at least %.0f ms (each wait rounded up, not down to "
          "0); observed: %.2f ms in all, a busy loop", n, least, took);
    check_idle_untouched(t, &idle, "0.4 ms waits");
}

/* 200 calls of dispatch_once(*arg) (NULL: None) with nothing ready. */
static double measure_200_calls(dcts_t *t, void *arg)
{
    const double *timeout_s = arg;
    double start = dcts_now();

    for (int i = 0; i < 200; i++)
        OK(dcts_dispatch_full(t, timeout_s, NULL, NULL));
    return dcts_ms_since(start);
}

/* TMO-5: 0 (and None) are never rounded up: 200 calls cost no sleeping.
 * Catches: a minimum wait ("at least 1 ms so we never spin") applied to 0,
 * which makes every poll-and-go caller 200 ms slower per 200 calls. */
static void zero_never_rounded_up(dcts_t *t)
{
    static const double zero = 0.0;
    const double *forms[] = { &zero, NULL };
    double limit = dcts_tol_ms(t, 100);
    idle_set idle = idle_targets(t);

    for (int f = 0; f < 2; f++) {
        double took = dcts_least_ms(t, limit, measure_200_calls,
                                    (void *)forms[f]);
        CHECK(took <= limit, "expected: 200 x dispatch_once(%s) take under "
              "%.0f ms (no sleep at all); observed: %.1f ms",
              timeout_text(forms[f]), limit, took);
    }
    check_idle_untouched(t, &idle, "zero waits");
}

/* ---- TMO-6: huge timeouts ------------------------------------------------- */

typedef struct huge_value {
    double s;
    const char *what;
} huge_value;

/* Each value, with a byte at 90 ms: a wrapped wait (50 ms) ends first. */
static void check_huge_values(dcts_t *t, const huge_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_event_ends_wait(t, v[i].s, 90, v[i].what);
}

/* TMO-6: 1e10 s (317 years) with an fd becoming ready at 30 ms.
 * Catches: a "too long" timeout refused (-EINVAL) or passed to select
 * unclamped where the kernel refuses it; s * 1e3 cast to int (undefined;
 * INT_MIN in practice) given to select as a negative timeval. */
static void huge_timeout_returns_on_event(dcts_t *t)
{
    check_event_ends_wait(t, 1e10, 30, "317 years");
}

/* TMO-6: the 32-bit wraps: 2^32 or 2^31 milliseconds or microseconds,
 * plus 50 ms.
 * Catches: a timeout converted to uint32 ms/us (wraps to 50 ms and
 * returns before the event with nothing), or to int32 (negative: -EINVAL
 * from select, or a negative wait treated as an error). */
static void huge_timeout_no_32bit_wrap(dcts_t *t)
{
    static const huge_value values[] = {
        { 4294.967296 + 0.05, "2^32 us + 50 ms" },
        { 2147.483648 + 0.05, "2^31 us + 50 ms" },
        { 4294967.296 + 0.05, "2^32 ms + 50 ms" },
        { 2147483.648 + 0.05, "2^31 ms + 50 ms" },
    };
    check_huge_values(t, values, sizeof values / sizeof values[0]);
}

/* TMO-6: values past what int64 microseconds, int64 milliseconds or any
 * integer can hold.
 * Catches: (long long)(s * 1e6) or (int64_t)(s * 1e3) without a clamp
 * (undefined; INT64_MIN in practice: a negative timeval, -EINVAL or an
 * immediate return), DBL_MAX turned into inf and then into garbage. */
static void huge_timeout_no_64bit_overflow(dcts_t *t)
{
    static const huge_value values[] = {
        { 9.3e12, "past INT64_MAX us" },
        { 9.3e15, "past INT64_MAX ms" },
        { DBL_MAX, "DBL_MAX" },
    };
    check_huge_values(t, values, sizeof values / sizeof values[0]);
}

/* ---- TMO-7: invalid timeouts ---------------------------------------------- */

/* One dispatch_once(*arg) with nothing ready: -EINVAL or 0. */
static double measure_invalid_call(dcts_t *t, void *arg)
{
    const double *seconds = arg;
    double ms;
    int rc = timed_dispatch(t, seconds, &ms);

    CHECK(rc == 0 || rc == -EINVAL, "expected: dispatch_once(%g s) returns "
          "-EINVAL or 0; observed: %s", *seconds, dcts_code_name(rc));
    return ms;
}

/* TMO-7: dispatch_once(seconds) returns promptly, first with nothing ready
 * (a hang shows here), then with a readable: -EINVAL calls nothing; 0
 * means "as zero", so a is dispatched. */
static void check_invalid_timeout(dcts_t *t, double seconds, dcts_probe *a,
                                  int peer)
{
    double limit = dcts_tol_ms(t, PROMPT_MS), ms;

    dcts_trace(t, "dispatch_once(%g s)", seconds);
    ms = dcts_least_ms(t, limit, measure_invalid_call, &seconds);
    CHECK(ms <= limit, "expected: dispatch_once(%g s) returns within %.0f ms;"
          " observed: %.1f ms", seconds, limit, ms);

    int before = a->calls;
    dcts_write_byte(t, peer);
    int rc = timed_dispatch(t, &seconds, &ms);
    CHECK(rc == 0 || rc == -EINVAL, "expected: dispatch_once(%g s) returns "
          "-EINVAL or 0; observed: %s", seconds, dcts_code_name(rc));
    CHECK(rc != -EINVAL || a->calls == before, "expected: dispatch_once(%g s) "
          "that returns -EINVAL calls no target; observed: %s was called",
          seconds, a->name);
    CHECK(rc != 0 || a->calls == before + 1, "expected: dispatch_once(%g s) "
          "that returns 0 behaves as zero and calls %s (readable); observed: "
          "%d call(s)", seconds, a->name, a->calls - before);
    dcts_drain(a->target.fd);
}

/* The TMO-7 cases: each value in turn on one context. */
static void check_invalid_timeouts(dcts_t *t, const double *values, size_t n)
{
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, &peer);

    for (size_t i = 0; i < n; i++)
        check_invalid_timeout(t, values[i], a, peer);
    check_idle_untouched(t, &idle, "invalid timeouts");
}

/* TMO-7: negative timeouts.
 * Catches: a negative value passed on as poll's -1 (blocks forever) or as a
 * negative timeval (select's EINVAL surfacing as another code), validation
 * done after the pass (targets called, then -EINVAL). */
static void negative_timeouts(dcts_t *t)
{
    static const double values[] = { -1.0, -0.001, -1e-300, -DBL_MAX };
    check_invalid_timeouts(t, values, sizeof values / sizeof values[0]);
}

/* TMO-7: NaN and the infinities.
 * Catches: NaN slipping through "s < 0" (every comparison is false) into
 * an undefined cast, +inf read as "forever" (poll -1) or clamped to a
 * years-long wait, -inf as a huge negative timeval, an assert() on
 * isfinite that crashes. */
static void nan_and_infinite_timeouts(dcts_t *t)
{
    static const double values[] = { NAN, -NAN, INFINITY, -INFINITY };
    check_invalid_timeouts(t, values, sizeof values / sizeof values[0]);
}

/* ---- TMO-8: a fresh timeout for every wait -------------------------------- */

/* TMO-8, TMO-11: an 80 ms wait ended at about 60 ms by a byte (Linux
 * writes the 20 ms left back into select's timeval), then two 80 ms waits
 * with nothing ready (the first ends with 0 left in it): each must last
 * at least TMO-11's 60% (nothing stale is registered, so none may end
 * early).
 * Catches: a timeval (or deadline) kept in the context and computed once,
 * or reused while the timeout value is unchanged: the later waits then
 * last 20 ms or nothing. */
static void every_wait_gets_a_fresh_timeout(dcts_t *t)
{
    int peer;
    dcts_probe *a = reader(t, &peer);

    dcts_write_later(t, peer, 60);
    /* Usually one wait; more if the writer thread was late, or if the
     * backend's waits end early (which the checks below then report). */
    double start = dcts_now();
    while (a->calls == 0 && dcts_ms_since(start) < 60 + dcts_tol_ms(t, 1000))
        OK(dcts_dispatch(t, 0.08));
    NEED(a->calls == 1, "harness: the byte written at 60 ms never arrived");
    check_wait_at_least(t, 80, 80 * NOT_SHORT,
                        "after a wait ended early by an event");
    check_wait_at_least(t, 80, 80 * NOT_SHORT, "after a wait that timed out");
    CHECK(a->calls == 1, "expected: %s called once (one byte); observed: %d",
          a->name, a->calls);
}

/* ---- TMO-9, TMO-10: signals ----------------------------------------------- */

/* dispatch_once(100 ms) with nothing ready in a storm of SIGALRM, one
 * every millisecond for STORM_MS: returns 0 and calls nothing. */
static double measure_wait_in_storm(dcts_t *t, void *arg)
{
    const idle_set *idle = arg;
    const double s = 0.1;
    double ms;

    dcts_signal_storm_for(t, 1000, STORM_MS);
    long before = dcts_signals_delivered();
    int rc = timed_dispatch(t, &s, &ms);
    long during = dcts_signals_delivered() - before;
    dcts_signal_storm_stop(t);
    CHECK(rc == 0, "expected: dispatch_once(100 ms) during a signal storm "
          "returns 0 (a signal is not an error); observed: %s",
          dcts_code_name(rc));
    /* A long wait that saw few signals means the storm did not work. */
    NEED(ms < 20 || during >= 5, "harness: only %ld signal(s) arrived "
          "during a %.1f ms wait: the storm proves nothing", during, ms);
    check_idle_untouched(t, idle, "TMO-10: a wait interrupted by signals");
    return ms;
}

/* TMO-9, TMO-10: a 100 ms wait through a storm of signals returns 0 within
 * 100 ms, and dispatches nothing.
 * Catches: -EINTR returned to the caller; the full timeout restarted after
 * each EINTR (the wait lasts until the storm ends); select's unchanged
 * input sets read as results after EINTR (every idle target called). */
static void signal_is_not_an_error(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    double limit = 100 + dcts_tol_ms(t, PROMPT_MS);
    double ms = dcts_least_ms(t, limit, measure_wait_in_storm, &idle);

    CHECK(ms <= limit, "expected: dispatch_once(100 ms) during a signal "
          "storm returns within %.0f ms; observed: %.1f ms (the wait "
          "restarted after each signal)", limit, ms);
}

/* TMO-3 (its sentence on signals): the wait goes on after a signal, with
 * the time left.  TMO-9 allows returning 0 at the first EINTR, so this is
 * a SHOULD: a WARN, never a FAIL.
 * Catches: a backend that returns 0 at the first EINTR: in a process
 * taking signals, a caller's 100 ms wait becomes a busy loop. */
static void signal_does_not_cut_the_wait(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    double ms = measure_wait_in_storm(t, &idle);

    CHECK(ms >= not_cut_short_ms(t, 100), "expected: dispatch_once(100 ms) "
          "during a signal storm sleeps at least %.1f ms; observed: it "
          "returned after %.1f ms", not_cut_short_ms(t, 100), ms);
}

/* TMO-9, TMO-10: 100 waits of 2 ms in a storm of signals (one every
 * 0.2 ms), so that many of them are interrupted just as their time runs
 * out.  A, read dry after its one event, and the idle targets are never
 * called, and each call returns 0.
 * Catches: a backend that, when the time left after EINTR is up, reports
 * the interrupted wait as "ready": select's sets (still the interest) or
 * an event buffer still holding the previous wait's events are read as
 * this wait's results. */
static void short_waits_in_storm_not_stale(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    const double s = 0.002;
    int peer, rc = 0;
    dcts_probe *a = reader(t, &peer);

    dcts_write_byte(t, peer);
    OK(dcts_dispatch(t, 0));            /* A's event: the last one seen */
    CHECK(a->calls == 1, "expected: A (readable) called once; observed: %d "
          "call(s)", a->calls);
    dcts_signal_storm(t, 200);
    long before = dcts_signals_delivered();
    for (int i = 0; i < 100 && rc == 0; i++)
        rc = dcts_dispatch_full(t, &s, NULL, NULL);
    long during = dcts_signals_delivered() - before;
    dcts_signal_storm_stop(t);
    if (during < 25)
        SKIP("only %ld signal(s) arrived during 100 waits of 2 ms: the "
             "storm proves nothing", during);
    CHECK(rc == 0, "expected: dispatch_once(2 ms) during a signal storm "
          "returns 0; observed: %s", dcts_code_name(rc));
    CHECK(a->calls == 1, "expected: A (read dry) not called again by waits "
          "that signals interrupted; observed: %d more call(s), last with "
          "r=%#lx w=%#lx e=%#lx", a->calls - 1, a->r, a->w, a->e);
    check_idle_untouched(t, &idle, "TMO-10: short waits interrupted by "
                         "signals as their time ran out");
}

/* A byte 40 ms into dispatch_once(1 s) calls, in a storm of signals.  A
 * backend may return 0 early after a signal (TMO-3 is a SHOULD), so the
 * wait is called again until the byte is dispatched or limit_ms passes.
 * Returns the time until it was dispatched. */
typedef struct storm_event {
    const idle_set *idle;
    double limit_ms;
} storm_event;

static double measure_event_in_storm(dcts_t *t, void *arg)
{
    const storm_event *se = arg;
    int peer, rc = 0;
    dcts_probe *a = reader(t, &peer);
    double start = dcts_now();

    dcts_signal_storm_for(t, 1000, STORM_MS);
    dcts_write_later(t, peer, 40);
    while (rc == 0 && a->calls == 0 && dcts_ms_since(start) <= se->limit_ms)
        rc = dcts_dispatch(t, 1.0);
    double ms = dcts_ms_since(start);
    dcts_signal_storm_stop(t);
    CHECK(rc == 0, "expected: dispatch_once(1 s) during a signal storm "
          "returns 0; observed: %s", dcts_code_name(rc));
    CHECK(a->calls <= 1, "expected: %s called once (one byte); observed: %d",
          a->name, a->calls);
    check_idle_untouched(t, se->idle, "a wait interrupted by signals");
    return a->calls ? ms : fmax(ms, se->limit_ms + 1);
}

/* TMO-9, TMO-10: a byte arriving 40 ms into a 1 s wait, in a storm of
 * signals, is dispatched promptly; nothing else is.
 * Catches: fd sets cleared (or never rebuilt) when resuming after EINTR,
 * so the event is never seen; a backend that returns -EINTR. */
static void event_in_signal_storm_not_lost(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    storm_event se = { &idle, 40 + dcts_tol_ms(t, EVENT_MS) };
    double ms = dcts_least_ms(t, se.limit_ms, measure_event_in_storm, &se);

    CHECK(ms <= se.limit_ms, "expected: a byte arriving 40 ms into a wait "
          "during a signal storm (one every 1 ms) is dispatched within %.0f "
          "ms; observed: not within %.1f ms", se.limit_ms, ms);
}

/* TMO-10, LIM-3: a wait that fails (select: EBADF, for an fd closed behind
 * the backend's back) reports nothing stale: the idle targets are never
 * called.  Only B, whose fd was closed, may be told.  No fd is opened
 * after the close, so its number is not reused.
 * Catches: select's untouched input sets read as results after a failed
 * call (every registered fd "ready"). */
static void failed_wait_dispatches_nothing_stale(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    dcts_probe *b = dcts_probe_on_socketpair(t, "B", NULL);
    int b_fd = b->target.fd;

    OK(dcts_filter(t, b, 1, 0, 0));
    dcts_close(t, b_fd);
    for (int i = 0; i < 3; i++) {
        int rc = dcts_dispatch(t, 0);
        CHECK(rc <= 0, "expected: dispatch_once returns 0 or a negative "
              "errno; observed: %s", dcts_code_name(rc));
    }
    check_idle_untouched(t, &idle, "waits failing on a closed fd");
    OK(dcts_closed(t, b_fd, b));
    OK(dcts_dispatch(t, 0));
    check_idle_untouched(t, &idle, "after socket_closed of the closed fd");
}

const dcts_case dcts_cases_timeout[] = {
    { .id = "tmo-null-no-targets", CLAUSES(TMO_1),
      .summary = "None and 0 return at once when nothing is registered",
      .run = null_and_zero_with_no_targets, .budget_s = 2 },
    { .id = "tmo-null-idle-targets", CLAUSES(TMO_1),
      .summary = "None and 0 return at once with idle targets, calling none",
      .run = null_and_zero_with_idle_targets, .budget_s = 2 },
    { .id = "tmo-negative-zero", CLAUSES(TMO_1, TMO_7),
      .summary = "-0.0 behaves as 0: no error, no wait, ready targets dispatched",
      .run = negative_zero_is_zero, .budget_s = 2 },
    { .id = "tmo-positive-bounds-wait", CLAUSES(TMO_2),
      .summary = "a 50 ms timeout with nothing ready returns after about 50 ms",
      .run = positive_timeout_bounds_the_wait,
      .budget_s = 2, .flags = DCTS_F_TIMING },
    { .id = "tmo-positive-not-cut-short", CLAUSES(TMO_3),
      .summary = "an 80 ms timeout with nothing ready lasts at least 72 ms",
      .run = positive_timeout_not_cut_short,
      .budget_s = 2, .flags = DCTS_F_TIMING },
    { .id = "tmo-event-ends-wait", CLAUSES(TMO_4),
      .summary = "a byte arriving 30 ms into a 1 s wait ends it and is dispatched",
      .run = event_ends_the_wait, .budget_s = 3, .flags = DCTS_F_TIMING },
    { .id = "tmo-tiny-rounded-up", CLAUSES(TMO_5),
      .summary = "0.4 ms is rounded up, not down to a busy-looping 0",
      .run = tiny_timeout_rounded_up, .budget_s = 2, .flags = DCTS_F_TIMING },
    { .id = "tmo-zero-not-rounded-up", CLAUSES(TMO_5),
      .summary = "200 waits of 0 (or None) take no sleep",
      .run = zero_never_rounded_up, .budget_s = 3, .flags = DCTS_F_TIMING },
    { .id = "tmo-huge-returns-on-event", CLAUSES(TMO_6),
      .summary = "a 1e10 s wait is valid and ends with an event at 30 ms",
      .run = huge_timeout_returns_on_event,
      .budget_s = 3, .flags = DCTS_F_TIMING },
    { .id = "tmo-huge-no-32bit-wrap", CLAUSES(TMO_6),
      .summary = "2^31 and 2^32 ms/us (+50 ms) neither wrap to a short wait nor fail",
      .run = huge_timeout_no_32bit_wrap,
      .budget_s = 4, .flags = DCTS_F_TIMING },
    { .id = "tmo-huge-no-64bit-overflow", CLAUSES(TMO_6),
      .summary = "9.3e12 s, 9.3e15 s and DBL_MAX neither overflow nor fail",
      .run = huge_timeout_no_64bit_overflow,
      .budget_s = 4, .flags = DCTS_F_TIMING },
    { .id = "tmo-negative", CLAUSES(TMO_7),
      .summary = "negative timeouts return at once with -EINVAL or as zero",
      .run = negative_timeouts, .budget_s = 2 },
    { .id = "tmo-nan-inf", CLAUSES(TMO_7),
      .summary = "NaN and +-inf return at once with -EINVAL or as zero",
      .run = nan_and_infinite_timeouts, .budget_s = 2 },
    { .id = "tmo-fresh-timeout", CLAUSES(TMO_8, TMO_11),
      .summary = "after a wait cut short by an event, the next wait is the full timeout",
      .run = every_wait_gets_a_fresh_timeout,
      .budget_s = 3, .flags = DCTS_F_TIMING },
    { .id = "tmo-signal-not-error", CLAUSES(TMO_9, TMO_10),
      .summary = "a wait in a signal storm returns 0 within its timeout, calling nothing",
      .run = signal_is_not_an_error,
      .budget_s = 4, .flags = DCTS_F_TIMING | DCTS_F_SIGNALS },
    { .id = "tmo-signal-not-cut-short", CLAUSES(TMO_3),
      .summary = "a wait in a signal storm goes on with the time left",
      .run = signal_does_not_cut_the_wait,
      .budget_s = 2, .flags = DCTS_F_TIMING | DCTS_F_SIGNALS },
    { .id = "tmo-signal-short-waits-not-stale", CLAUSES(TMO_9, TMO_10),
      .summary = "100 waits of 2 ms in a signal storm return 0 and call nobody",
      .run = short_waits_in_storm_not_stale,
      .budget_s = 4, .flags = DCTS_F_TIMING | DCTS_F_SIGNALS },
    { .id = "tmo-signal-event-not-lost", CLAUSES(TMO_9, TMO_10),
      .summary = "an event during a signal storm is dispatched promptly",
      .run = event_in_signal_storm_not_lost,
      .budget_s = 4, .flags = DCTS_F_TIMING | DCTS_F_SIGNALS },
    { .id = "tmo-failed-wait-not-stale", CLAUSES(TMO_10, LIM_3),
      .summary = "a wait failing on a closed fd dispatches nothing to idle targets",
      .run = failed_wait_dispatches_nothing_stale, .budget_s = 2 },
    { 0 }
};
