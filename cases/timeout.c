/*
 * timeout.c: cases for the timeout clauses (TMO-1 .. TMO-10).
 *
 * Every wait is measured on the monotonic clock.  An upper bound ("it
 * returned promptly") gets a tolerance scaled by --timeout-scale; a lower
 * bound ("it did not return early") is a kernel guarantee and is never
 * scaled: a loaded machine only makes a wait longer, so neither kind of
 * bound flakes.
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
    snprintf(buf, sizeof ring[0], "%.12g", *timeout_s);
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

/* A target registered for R that drains what it reads; the writable end
 * of its socketpair goes to *peer. */
static dcts_probe *reader(dcts_t *t, const char *name, int *peer)
{
    dcts_probe *p = dcts_probe_on_socketpair(t, name, peer);

    p->action = dcts_act_drain;
    OK(dcts_filter(t, p, 1, 0, 0));
    return p;
}

/* rc must be 0 and the wait must have been short. */
static void check_prompt(dcts_t *t, const double *timeout_s, int rc,
                         double ms, double limit_ms, const char *why)
{
    CHECK(rc == 0, "expected: dispatch_once(%s) returns 0 (%s); observed: %s",
          timeout_text(timeout_s), why, dcts_code_name(rc));
    CHECK(ms <= limit_ms, "expected: dispatch_once(%s) returns within "
          "%.0f ms (%s); observed: %.1f ms", timeout_text(timeout_s),
          limit_ms, why, ms);
}

/* TMO-1: None and 0, twice each, never block. */
static void check_never_blocks(dcts_t *t, const char *setting)
{
    static const double zero = 0.0;
    const double *forms[] = { NULL, &zero, NULL, &zero };
    double ms;

    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        int rc = timed_dispatch(t, forms[i], &ms);
        check_prompt(t, forms[i], rc, ms, dcts_tol_ms(t, PROMPT_MS), setting);
    }
}

/* ---- TMO-1: None and zero never block ------------------------------------ */

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
    const double minus_zero = -0.0;
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, "A", &peer);
    double ms;

    dcts_write_byte(t, peer);
    int rc = timed_dispatch(t, &minus_zero, &ms);
    check_prompt(t, &minus_zero, rc, ms, dcts_tol_ms(t, PROMPT_MS),
                 "-0.0 is zero");
    CHECK(a->calls == 1 && a->r, "expected: A (readable) called once with R "
          "by dispatch_once(-0.0); observed: %d call(s), r=%#lx",
          a->calls, a->r);
    rc = timed_dispatch(t, &minus_zero, &ms);
    check_prompt(t, &minus_zero, rc, ms, dcts_tol_ms(t, PROMPT_MS),
                 "-0.0 with nothing ready");
    check_idle_untouched(t, &idle, "dispatch_once(-0.0)");
}

/* ---- TMO-2, TMO-3: a positive timeout is the length of the wait ---------- */

/* dispatch_once(ms) with nothing ready, first with an empty registry and
 * then with idle targets; both waits' lengths go to took[0..1]. */
static void wait_with_nothing_ready(dcts_t *t, double ms, double took[2])
{
    double s = ms / 1000.0;
    int rc = timed_dispatch(t, &s, &took[0]);

    CHECK(rc == 0, "expected: dispatch_once(%.0f ms) with no target returns "
          "0; observed: %s", ms, dcts_code_name(rc));
    idle_set idle = idle_targets(t);
    rc = timed_dispatch(t, &s, &took[1]);
    CHECK(rc == 0, "expected: dispatch_once(%.0f ms) with idle targets "
          "returns 0; observed: %s", ms, dcts_code_name(rc));
    check_idle_untouched(t, &idle, "a wait that timed out");
}

/* TMO-2: 50 ms with nothing ready ends after about 50 ms.
 * Catches: seconds taken for another unit (a 50 s or 50000 s wait), a
 * NULL timeval or -1 ms when nothing is registered, a wait restarted when
 * it timed out with nothing ready. */
static void positive_timeout_bounds_the_wait(dcts_t *t)
{
    double took[2];

    wait_with_nothing_ready(t, 50, took);
    for (int i = 0; i < 2; i++)
        CHECK(took[i] <= 50 + dcts_tol_ms(t, PROMPT_MS),
              "expected: dispatch_once(50 ms) %s returns within %.0f ms; "
              "observed: %.1f ms", i ? "with idle targets" : "with no target",
              50 + dcts_tol_ms(t, PROMPT_MS), took[i]);
}

/* TMO-3: 80 ms with nothing ready lasts at least 72 ms.
 * Catches: a backend that returns at once (timeout truncated to whole
 * seconds, or skipped when nothing is registered), which makes every
 * caller's "wait up to T" loop spin. */
static void positive_timeout_not_cut_short(dcts_t *t)
{
    double took[2];

    wait_with_nothing_ready(t, 80, took);
    for (int i = 0; i < 2; i++)
        CHECK(took[i] >= not_cut_short_ms(t, 80),
              "expected: dispatch_once(80 ms) %s sleeps at least %.1f ms; "
              "observed: it returned after %.1f ms",
              i ? "with idle targets" : "with no target",
              not_cut_short_ms(t, 80), took[i]);
}

/* ---- TMO-4: an event ends the wait ---------------------------------------- */

/* TMO-4: a byte arriving 30 ms into a 1 s wait ends it, and its target is
 * dispatched in that same call.
 * Catches: a backend that sleeps the whole timeout and polls afterwards,
 * or that waits on a stale copy of its fd sets missing the new target. */
static void event_ends_the_wait(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, "A", &peer);
    const double one_s = 1.0;
    double ms;

    dcts_write_later(t, peer, 30);
    int rc = timed_dispatch(t, &one_s, &ms);
    CHECK(rc == 0, "expected: dispatch_once(1 s) returns 0; observed: %s",
          dcts_code_name(rc));
    CHECK(a->calls == 1 && a->r, "expected: A called once with R by the "
          "wait its byte ended; observed: %d call(s), r=%#lx after %.1f ms",
          a->calls, a->r, ms);
    CHECK(ms <= 30 + dcts_tol_ms(t, EVENT_MS), "expected: dispatch_once(1 s) "
          "returns within %.0f ms of start (byte at 30 ms); observed: %.1f ms",
          30 + dcts_tol_ms(t, EVENT_MS), ms);
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
    idle_set idle = idle_targets(t);
    double start = dcts_now();

    for (int i = 0; i < n; i++)
        OK(dcts_dispatch(t, tiny));
    double took = dcts_ms_since(start);
    CHECK(took >= n * tiny * 1000 * 0.75, "expected: %d x dispatch_once(0.4 "
          "ms) with nothing ready take at least %.0f ms (each wait rounded "
          "up, not down to 0); observed: %.2f ms in all, a busy loop", n,
          n * tiny * 1000 * 0.75, took);
    check_idle_untouched(t, &idle, "0.4 ms waits");
}

/* TMO-5: 0 (and None) are never rounded up: 200 calls cost no sleeping.
 * Catches: a minimum wait ("at least 1 ms so we never spin") applied to 0,
 * which makes every poll-and-go caller 200 ms slower per 200 calls. */
static void zero_never_rounded_up(dcts_t *t)
{
    static const double zero = 0.0;
    const double *forms[] = { &zero, NULL };
    const int n = 200;
    idle_set idle = idle_targets(t);

    for (int f = 0; f < 2; f++) {
        double start = dcts_now();
        for (int i = 0; i < n; i++)
            OK(dcts_dispatch_full(t, forms[f], NULL, NULL));
        double took = dcts_ms_since(start);
        CHECK(took <= dcts_tol_ms(t, 100), "expected: %d x dispatch_once(%s) "
              "take under %.0f ms (no sleep at all); observed: %.1f ms", n,
              timeout_text(forms[f]), dcts_tol_ms(t, 100), took);
    }
    check_idle_untouched(t, &idle, "zero waits");
}

/* ---- TMO-6: huge timeouts ------------------------------------------------- */

/* dispatch_once(seconds) while a byte arrives for a fresh target at
 * event_ms: the wait must neither end early with nothing (a wrapped, short
 * wait) nor fail (an invalid one), and must end promptly with the event. */
static void huge_timeout_waits_for_event(dcts_t *t, double seconds,
                                         const char *what, double event_ms)
{
    static unsigned made;
    char name[16];
    int peer;
    double ms;

    snprintf(name, sizeof name, "A%u", ++made % 1000);
    dcts_probe *a = reader(t, name, &peer);
    dcts_trace(t, "dispatch_once(%.12g s)", seconds);
    dcts_write_later(t, peer, event_ms);
    int rc = timed_dispatch(t, &seconds, &ms);
    CHECK(rc == 0, "expected: dispatch_once(%.12g s = %s) returns 0 (clamped, "
          "never invalid); observed: %s after %.1f ms", seconds, what,
          dcts_code_name(rc), ms);
    CHECK(a->calls == 1, "expected: dispatch_once(%.12g s = %s) waits for the "
          "byte at %.0f ms and calls %s; observed: it returned after %.1f "
          "ms with %d call(s) to it (the timeout wrapped to a short wait)",
          seconds, what, event_ms, name, ms, a->calls);
    CHECK(ms <= event_ms + dcts_tol_ms(t, EVENT_MS), "expected: "
          "dispatch_once(%.12g s) returns promptly after the byte at %.0f ms; "
          "observed: %.1f ms", seconds, event_ms, ms);
    /* a drained its byte; it stays registered and idle for the next value */
}

/* TMO-6: 1e10 s (317 years) with an fd becoming ready at 30 ms.
 * Catches: s * 1e6 or s * 1e3 cast to int (undefined; INT_MIN in practice)
 * giving select a negative timeval (-EINVAL), a tv_sec select refuses. */
static void huge_timeout_returns_on_event(dcts_t *t)
{
    huge_timeout_waits_for_event(t, 1e10, "317 years", 30);
}

/* TMO-6: the 32-bit wraps: 2^32 or 2^31 milliseconds or microseconds,
 * plus 50 ms; the event comes at 90 ms.
 * Catches: a timeout converted to uint32 ms/us (wraps to 50 ms and
 * returns before the event with nothing), or to int32 (negative: -EINVAL
 * from select, or a negative wait treated as an error). */
static void huge_timeout_no_32bit_wrap(dcts_t *t)
{
    static const struct { double s; const char *what; } values[] = {
        { 4294.967296 + 0.05, "2^32 us + 50 ms" },
        { 2147.483648 + 0.05, "2^31 us + 50 ms" },
        { 4294967.296 + 0.05, "2^32 ms + 50 ms" },
        { 2147483.648 + 0.05, "2^31 ms + 50 ms" },
    };

    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        huge_timeout_waits_for_event(t, values[i].s, values[i].what, 90);
}

/* TMO-6: values past what int64 microseconds, int64 milliseconds or any
 * integer can hold; the event comes at 90 ms.
 * Catches: (long long)(s * 1e6) or (int64_t)(s * 1e3) without a clamp
 * (undefined; INT64_MIN in practice: a negative timeval, -EINVAL or an
 * immediate return), DBL_MAX turned into inf and then into garbage. */
static void huge_timeout_no_64bit_overflow(dcts_t *t)
{
    static const struct { double s; const char *what; } values[] = {
        { 9.3e12, "past INT64_MAX us" },
        { 9.3e15, "past INT64_MAX ms" },
        { DBL_MAX, "DBL_MAX" },
    };

    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        huge_timeout_waits_for_event(t, values[i].s, values[i].what, 90);
}

/* ---- TMO-7: invalid timeouts ---------------------------------------------- */

/* TMO-7: dispatch_once(seconds) returns promptly, first with nothing ready
 * (a hang shows here), then with A readable: -EINVAL calls nothing; 0
 * means "as zero", so A is dispatched. */
static void invalid_timeout_refused_or_zero(dcts_t *t, double seconds,
                                            const idle_set *idle,
                                            dcts_probe *a, int peer)
{
    double ms;

    dcts_trace(t, "dispatch_once(%g s)", seconds);
    int rc = timed_dispatch(t, &seconds, &ms);
    CHECK(rc == 0 || rc == -EINVAL, "expected: dispatch_once(%g s) returns "
          "-EINVAL or 0; observed: %s", seconds, dcts_code_name(rc));
    CHECK(ms <= dcts_tol_ms(t, PROMPT_MS), "expected: dispatch_once(%g s) "
          "returns within %.0f ms; observed: %.1f ms", seconds,
          dcts_tol_ms(t, PROMPT_MS), ms);

    int before = a->calls;
    dcts_write_byte(t, peer);
    rc = timed_dispatch(t, &seconds, &ms);
    CHECK(rc == 0 || rc == -EINVAL, "expected: dispatch_once(%g s) returns "
          "-EINVAL or 0; observed: %s", seconds, dcts_code_name(rc));
    CHECK(rc != -EINVAL || a->calls == before, "expected: dispatch_once(%g s) "
          "that returns -EINVAL calls no target; observed: A was called",
          seconds);
    CHECK(rc != 0 || a->calls == before + 1, "expected: dispatch_once(%g s) "
          "that returns 0 behaves as zero and calls A (readable); observed: "
          "%d call(s)", seconds, a->calls - before);
    dcts_drain(a->target.fd);
    check_idle_untouched(t, idle, "an invalid timeout");
}

/* The TMO-7 cases: each value in turn on one context. */
static void invalid_timeouts(dcts_t *t, const double *values, size_t n)
{
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, "A", &peer);

    for (size_t i = 0; i < n; i++)
        invalid_timeout_refused_or_zero(t, values[i], &idle, a, peer);
}

/* TMO-7: negative timeouts.
 * Catches: a negative value passed on as poll's -1 (blocks forever) or as a
 * negative timeval (select's EINVAL surfacing as another code), validation
 * done after the pass (targets called, then -EINVAL). */
static void negative_timeouts(dcts_t *t)
{
    static const double values[] = { -1.0, -0.001, -1e-300, -DBL_MAX };
    invalid_timeouts(t, values, sizeof values / sizeof values[0]);
}

/* TMO-7: NaN and the infinities.
 * Catches: NaN slipping through "s < 0" (every comparison is false) into
 * an undefined cast, +inf read as "forever" (poll -1), -inf as a huge
 * negative timeval, an assert() on isfinite that crashes. */
static void nan_and_infinite_timeouts(dcts_t *t)
{
    static const double values[] = { NAN, -NAN, INFINITY, -INFINITY };
    invalid_timeouts(t, values, sizeof values / sizeof values[0]);
}

/* ---- TMO-8: a fresh timeout for every wait -------------------------------- */

/* TMO-8: an 80 ms wait ended at about 60 ms by a byte (Linux writes the
 * 20 ms left back into select's timeval), then two 80 ms waits with nothing
 * ready (the first ends with 0 left in it): each must last about 80 ms.
 * Catches: a timeval (or deadline) kept in the context and computed once,
 * or reused while the timeout value is unchanged: the later waits then
 * last 20 ms or nothing. */
static void every_wait_gets_a_fresh_timeout(dcts_t *t)
{
    const double s = 0.08;
    int peer;
    dcts_probe *a = reader(t, "A", &peer);
    double ms;

    dcts_write_later(t, peer, 60);
    /* Usually one wait; more if the writer thread was late. */
    for (int i = 0; i < 20 && a->calls == 0; i++)
        OK(dcts_dispatch(t, s));
    CHECK(a->calls == 1, "harness: the byte written at 60 ms never arrived");
    for (int i = 0; i < 2; i++) {
        int rc = timed_dispatch(t, &s, &ms);
        CHECK(rc == 0, "expected: dispatch_once(80 ms) returns 0; observed: "
              "%s", dcts_code_name(rc));
        CHECK(ms >= 80 * NOT_SHORT, "expected: dispatch_once(80 ms) #%d "
              "after a wait %s sleeps at least %.0f ms; observed: %.1f ms "
              "(a timeout left over from the earlier wait)", i + 1,
              i ? "that timed out" : "ended early by an event",
              80 * NOT_SHORT, ms);
    }
    CHECK(a->calls == 1, "expected: A called once (one byte); observed: %d",
          a->calls);
}

/* ---- TMO-9, TMO-10: signals ----------------------------------------------- */

/* How long a storm lasts: far past any correct wait in these cases, so a
 * backend restarting its full timeout after every EINTR is still stuck when
 * it ends, then waits the full timeout once more. */
#define STORM_MS 400.0

/* SIGALRM every millisecond for STORM_MS, during dispatch_once(100 ms)
 * with nothing ready; *ms receives its length. */
static int wait_in_signal_storm(dcts_t *t, const idle_set *idle, double *ms)
{
    const double s = 0.1;

    dcts_signal_storm_for(t, 1000, STORM_MS);
    long before = dcts_signals_delivered();
    int rc = timed_dispatch(t, &s, ms);
    long during = dcts_signals_delivered() - before;
    dcts_signal_storm_stop(t);
    /* A long wait that saw few signals means the storm did not work. */
    CHECK(*ms < 20 || during >= 5, "harness: only %ld signal(s) arrived "
          "during a %.1f ms wait: the storm proves nothing", during, *ms);
    check_idle_untouched(t, idle, "TMO-10: a wait interrupted by signals");
    return rc;
}

/* TMO-9, TMO-10: a 100 ms wait through a storm of signals returns 0 within
 * 100 ms, and dispatches nothing.
 * Catches: -EINTR returned to the caller; the full timeout restarted after
 * each EINTR (the wait lasts until the storm ends); select's unchanged
 * input sets read as results after EINTR (every idle target called). */
static void signal_is_not_an_error(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    double ms;
    int rc = wait_in_signal_storm(t, &idle, &ms);

    CHECK(rc == 0, "expected: dispatch_once(100 ms) during a signal storm "
          "returns 0 (a signal is not an error); observed: %s",
          dcts_code_name(rc));
    CHECK(ms <= 100 + dcts_tol_ms(t, PROMPT_MS), "expected: dispatch_once("
          "100 ms) during a signal storm returns within %.0f ms; observed: "
          "%.1f ms (the wait restarted after each signal)",
          100 + dcts_tol_ms(t, PROMPT_MS), ms);
}

/* TMO-3, TMO-9: the wait goes on after a signal, with the time left.
 * Catches: a backend that returns 0 at the first EINTR: in a process
 * taking signals, a caller's 100 ms wait becomes a busy loop. */
static void signal_does_not_cut_the_wait(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    double ms;
    int rc = wait_in_signal_storm(t, &idle, &ms);

    CHECK(rc == 0, "expected: dispatch_once(100 ms) during a signal storm "
          "returns 0; observed: %s", dcts_code_name(rc));
    CHECK(ms >= not_cut_short_ms(t, 100), "expected: dispatch_once(100 ms) "
          "during a signal storm sleeps at least %.1f ms; observed: it "
          "returned after %.1f ms", not_cut_short_ms(t, 100), ms);
}

/* TMO-9, TMO-10: a byte arriving 40 ms into a 1 s wait, in a storm of
 * signals, is dispatched promptly; nothing else is.  A backend may return
 * 0 early after a signal (TMO-3 is a SHOULD), so the case calls again
 * until the byte is dispatched or its deadline passes.
 * Catches: fd sets cleared (or never rebuilt) when resuming after EINTR,
 * so the event is never seen; a backend that returns -EINTR. */
static void event_in_signal_storm_not_lost(dcts_t *t)
{
    idle_set idle = idle_targets(t);
    int peer;
    dcts_probe *a = reader(t, "A", &peer);
    double limit = 40 + dcts_tol_ms(t, EVENT_MS);
    double start = dcts_now();
    int rc = 0;

    dcts_signal_storm_for(t, 1000, STORM_MS);
    dcts_write_later(t, peer, 40);
    while (rc == 0 && a->calls == 0 && dcts_ms_since(start) <= limit)
        rc = dcts_dispatch(t, 1.0);
    double ms = dcts_ms_since(start);
    dcts_signal_storm_stop(t);
    CHECK(rc == 0, "expected: dispatch_once(1 s) during a signal storm "
          "returns 0; observed: %s", dcts_code_name(rc));
    CHECK(a->calls == 1 && a->r, "expected: A called with R within %.0f ms "
          "(byte at 40 ms, signals every 1 ms); observed: %d call(s) after "
          "%.1f ms", limit, a->calls, ms);
    check_idle_untouched(t, &idle, "a wait interrupted by signals");
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
    { "tmo-null-no-targets", "TMO-1", DCTS_MUST,
      "None and 0 return at once when nothing is registered",
      null_and_zero_with_no_targets, 2, NULL },
    { "tmo-null-idle-targets", "TMO-1", DCTS_MUST,
      "None and 0 return at once with idle targets, calling none",
      null_and_zero_with_idle_targets, 2, NULL },
    { "tmo-negative-zero", "TMO-1 TMO-7", DCTS_MUST,
      "-0.0 behaves as 0: no error, no wait, ready targets dispatched",
      negative_zero_is_zero, 2, NULL },
    { "tmo-positive-bounds-wait", "TMO-2", DCTS_MUST,
      "a 50 ms timeout with nothing ready returns after about 50 ms",
      positive_timeout_bounds_the_wait, 2, "timing" },
    { "tmo-positive-not-cut-short", "TMO-3", DCTS_SHOULD,
      "an 80 ms timeout with nothing ready lasts at least 72 ms",
      positive_timeout_not_cut_short, 2, "timing" },
    { "tmo-event-ends-wait", "TMO-4", DCTS_MUST,
      "a byte arriving 30 ms into a 1 s wait ends it and is dispatched",
      event_ends_the_wait, 3, "timing" },
    { "tmo-tiny-rounded-up", "TMO-5", DCTS_MUST,
      "0.4 ms is rounded up, not down to a busy-looping 0",
      tiny_timeout_rounded_up, 2, "timing" },
    { "tmo-zero-not-rounded-up", "TMO-5", DCTS_MUST,
      "200 waits of 0 (or None) take no sleep",
      zero_never_rounded_up, 2, "timing" },
    { "tmo-huge-returns-on-event", "TMO-6", DCTS_MUST,
      "a 1e10 s wait is valid and ends with an event at 30 ms",
      huge_timeout_returns_on_event, 3, "timing" },
    { "tmo-huge-no-32bit-wrap", "TMO-6", DCTS_MUST,
      "2^31 and 2^32 ms/us (+50 ms) neither wrap to a short wait nor fail",
      huge_timeout_no_32bit_wrap, 3, "timing" },
    { "tmo-huge-no-64bit-overflow", "TMO-6", DCTS_MUST,
      "9.3e12 s, 9.3e15 s and DBL_MAX neither overflow nor fail",
      huge_timeout_no_64bit_overflow, 3, "timing" },
    { "tmo-negative", "TMO-7", DCTS_MUST,
      "negative timeouts return at once with -EINVAL or as zero",
      negative_timeouts, 2, NULL },
    { "tmo-nan-inf", "TMO-7", DCTS_MUST,
      "NaN and +-inf return at once with -EINVAL or as zero",
      nan_and_infinite_timeouts, 2, NULL },
    { "tmo-fresh-timeout", "TMO-8", DCTS_MUST,
      "after a wait cut short by an event, the next wait is the full timeout",
      every_wait_gets_a_fresh_timeout, 3, "timing" },
    { "tmo-signal-not-error", "TMO-9 TMO-10", DCTS_MUST,
      "a wait in a signal storm returns 0 within its timeout, calling nothing",
      signal_is_not_an_error, 3, "timing signals" },
    { "tmo-signal-not-cut-short", "TMO-3", DCTS_SHOULD,
      "a wait in a signal storm goes on with the time left",
      signal_does_not_cut_the_wait, 3, "timing signals" },
    { "tmo-signal-event-not-lost", "TMO-9 TMO-10", DCTS_MUST,
      "an event during a signal storm is dispatched promptly",
      event_in_signal_storm_not_lost, 3, "timing signals" },
    { "tmo-failed-wait-not-stale", "TMO-10 LIM-3", DCTS_MUST,
      "a wait failing on a closed fd dispatches nothing to idle targets",
      failed_wait_dispatches_nothing_stale, 2, NULL },
    { 0 }
};
