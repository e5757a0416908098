/*
 * errors.c: cases for the ERR-* clauses (ERR-1 .. ERR-8): what a code
 * returned by a target does to the pass, to the handler and to the value
 * dispatch_once returns, and the state the backend is left in.
 *
 * "At once" is checked without knowing the backend's call order: several
 * ready targets all raise, and exactly one of them may be called.
 */
#include "dcts.h"

#include <limits.h>

#include <stdio.h>

#define CODE 7                  /* an ordinary application code */

/* n ready (readable) probes with R interest, each returning code. */
static void raisers(dcts_t *t, dcts_probe **p, int n, int code)
{
    for (int i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof name, "%c", 'A' + i);
        p[i] = dcts_ready_probe(t, name, 1, 0, 0);
        p[i]->ret = code;
    }
}

/* How many of p[0..n) the last dispatch called. */
static int called_in_pass(dcts_probe **p, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += p[i]->calls_this_pass > 0;
    return k;
}

/* One pass with handler (recording, returning *handler_ret; NULL: no
 * handler) over n targets raising code: dispatch_once must return want,
 * having called exactly one target. */
static void expect_propagated_at_once(dcts_t *t, int n, int code,
                                      int *handler_ret, int want)
{
    dcts_probe *p[8];
    double zero = 0;

    raisers(t, p, n, code);
    int rc = dcts_dispatch_full(t, &zero, handler_ret ? dcts_recording_handler
                                                      : NULL, handler_ret);
    CHECK(rc == want, "expected: dispatch_once returns %s; observed: %s",
          dcts_code_name(want), dcts_code_name(rc));
    CHECK(called_in_pass(p, n) == 1,
          "expected: the pass stops at the first raise: exactly one of %d "
          "ready targets (all raising %s) called; observed: %d", n,
          dcts_code_name(code), called_in_pass(p, n));
}

/* ---- ERR-1: zero is success, anything else a raise ---------------------- */

/* ERR-1: targets returning 0 are successes: no handler call, rc 0.
 * Catches: a backend that hands every return (or every call) to the
 * handler, or that treats 0 as "not handled" and reports it. */
static void zero_is_success(dcts_t *t)
{
    dcts_probe *p[3];
    int would_raise = 99;       /* if the handler runs, the pass says so */
    double zero = 0;

    raisers(t, p, 3, 0);
    int rc = dcts_dispatch_full(t, &zero, dcts_recording_handler,
                                &would_raise);
    CHECK(rc == 0, "expected: dispatch_once returns 0; observed: %s",
          dcts_code_name(rc));
    CHECK(dcts_handler_calls(t, NULL, NULL) == 0,
          "expected: no handler call for targets returning 0; observed: %d",
          dcts_handler_calls(t, NULL, NULL));
    CHECK(called_in_pass(p, 3) == 3, "expected: all 3 ready targets called; "
          "observed: %d", called_in_pass(p, 3));
}

/* ERR-1, ERR-4: any non-zero return is a raise, and without a handler it
 * comes back from dispatch_once unchanged, whatever its size.
 * Catches: a backend that ignores the targets' returns, keeps only their
 * truth value (returns 1), or narrows them (256 -> 0 in a char). */
static void nonzero_is_raised_unchanged(dcts_t *t)
{
    static const int codes[] = { 1, CODE, 256, 65537, 0x3fffffff };
    int ncodes = (int)(sizeof codes / sizeof codes[0]);
    dcts_probe *p[5];

    raisers(t, p, ncodes, 0);
    for (int i = 0; i < ncodes; i++) {
        for (int j = 0; j < ncodes; j++)
            p[j]->ret = j == i ? codes[i] : 0;
        int rc = dcts_dispatch(t, 0);   /* all ready: only p[i] raises */
        CHECK(rc == codes[i], "expected: %s returning %d makes dispatch_once "
              "return %d; observed: %s", p[i]->name, codes[i], codes[i],
              dcts_code_name(rc));
        CHECK(p[i]->calls_this_pass == 1,
              "expected: %s called in the pass that returned its code",
              p[i]->name);
    }
}

/* ---- ERR-2: interrupt and exit bypass the handler ----------------------- */

/* Two targets raising code, a handler that would handle anything. */
static void bypasses_handler(dcts_t *t, int code)
{
    int handled = 0;
    expect_propagated_at_once(t, 2, code, &handled, code);
    CHECK(dcts_handler_calls(t, NULL, NULL) == 0,
          "expected: %s never given to the handler; observed: %d handler "
          "call(s)", dcts_code_name(code), dcts_handler_calls(t, NULL, NULL));
}

/* ERR-2: DC_INTERRUPT skips a willing handler and ends the pass at once.
 * Catches: a backend that gives every code to the handler (which would
 * swallow the interrupt), or finishes the pass before returning it. */
static void interrupt_bypasses_handler(dcts_t *t)
{
    bypasses_handler(t, DC_INTERRUPT);
}

/* ERR-2: DC_EXIT likewise.
 * Catches: a backend that special-cases DC_INTERRUPT only. */
static void exit_bypasses_handler(dcts_t *t)
{
    bypasses_handler(t, DC_EXIT);
}

/* ---- ERR-3 .. ERR-6: the handler ---------------------------------------- */

/* ERR-3: A raises 7 among two quiet ready targets; the handler (which
 * handles) gets exactly one call per raise, with A and 7.
 * Catches: a handler called with the wrong target (NULL, the first
 * registered) or a mangled code, or called twice for one raise. */
static void handler_gets_target_and_code(dcts_t *t)
{
    dcts_probe *p[3];
    int handled = 0;
    double zero = 0;

    raisers(t, p, 3, 0);
    p[1]->ret = CODE;
    for (int pass = 1; pass <= 2; pass++) {
        dc_target *o = NULL;
        int code = 0;
        int rc = dcts_dispatch_full(t, &zero, dcts_recording_handler,
                                    &handled);
        int calls = dcts_handler_calls(t, &o, &code);
        CHECK(rc == 0, "expected: a handled raise leaves dispatch_once "
              "returning 0; observed: %s", dcts_code_name(rc));
        CHECK(calls == pass, "expected: one handler call per raise (%d "
              "after pass %d); observed: %d", pass, pass, calls);
        CHECK(o == &p[1]->target && code == CODE,
              "expected: handler(B, %d); observed: handler(%s, %s)", CODE,
              o == &p[0]->target ? "A" : o == &p[2]->target ? "C"
              : o == &p[1]->target ? "B" : "another pointer",
              dcts_code_name(code));
    }
}

/* ERR-4: no handler: of two ready targets raising 7, one is called and
 * dispatch_once returns 7.
 * Catches: a backend that finishes the pass and returns the (first or
 * last) code at the end. */
static void no_handler_propagates_at_once(dcts_t *t)
{
    expect_propagated_at_once(t, 2, CODE, NULL, CODE);
}

/* ERR-5: the handler returns 99: dispatch_once returns 99 at once.
 * Catches: a backend that ignores the handler's return (goes on, returns
 * 0) or returns the target's code instead of the handler's. */
static void handler_return_propagates_at_once(dcts_t *t)
{
    int reraise = 99;
    expect_propagated_at_once(t, 2, CODE, &reraise, 99);
    CHECK(dcts_handler_calls(t, NULL, NULL) == 1,
          "expected: one handler call; observed: %d",
          dcts_handler_calls(t, NULL, NULL));
}

/* ERR-3, ERR-5: the handler re-raises (returns 99): it is still called
 * exactly once for the one raise, with the raiser and its code.
 * Catches: mutant handler-called-twice (calls the handler once to test its
 * answer and a second time to fetch it). */
static void reraising_handler_called_once(dcts_t *t)
{
    dcts_probe *p[1];
    int reraise = 99;
    double zero = 0;
    dc_target *o = NULL;
    int code = 0;

    raisers(t, p, 1, CODE);
    int rc = dcts_dispatch_full(t, &zero, dcts_recording_handler, &reraise);
    int calls = dcts_handler_calls(t, &o, &code);
    CHECK(rc == 99, "expected: dispatch_once returns the handler's 99; "
          "observed: %s", dcts_code_name(rc));
    CHECK(calls == 1 && o == &p[0]->target && code == CODE,
          "expected: exactly one call handler(A, %d) for the one raise; "
          "observed: %d call(s), the last with %s and code %s", CODE, calls,
          o == &p[0]->target ? "A" : "another target", dcts_code_name(code));
}

#define HANDLED 5

/* ERR-6: five ready targets all raise 7, the handler handles each: all
 * five are called in the same pass, and dispatch_once returns 0.
 * Catches: a backend that ends the pass after any raise, even a handled
 * one. */
static void handled_pass_goes_on(dcts_t *t)
{
    dcts_probe *p[HANDLED];
    int handled = 0;
    double zero = 0;

    raisers(t, p, HANDLED, CODE);
    int rc = dcts_dispatch_full(t, &zero, dcts_recording_handler, &handled);
    CHECK(rc == 0, "expected: dispatch_once returns 0 when every raise was "
          "handled; observed: %s", dcts_code_name(rc));
    CHECK(called_in_pass(p, HANDLED) == HANDLED,
          "expected: all %d ready targets called in the one pass; observed: "
          "%d", HANDLED, called_in_pass(p, HANDLED));
    CHECK(dcts_handler_calls(t, NULL, NULL) == HANDLED,
          "expected: %d handler calls; observed: %d", HANDLED,
          dcts_handler_calls(t, NULL, NULL));
}

/* ---- ERR-7: nothing lost after a propagation ---------------------------- */

#define QUEUED 4

/* Consumes its byte and raises on its first call; quiet afterwards. */
static int act_raise_once(dcts_t *t, dcts_probe *p, unsigned long r,
                          unsigned long w, unsigned long e)
{
    (void)t, (void)w, (void)e;
    if (r)
        dcts_drain(p->target.fd);
    return p->calls == 1 ? p->ret : 0;
}

/* Four ready targets each consume their event and raise code once; each
 * pass must end in one propagation, and after four passes all four have
 * been called. */
static void rest_reported_after(dcts_t *t, int code, int *handler_ret,
                                int want)
{
    dcts_probe *p[QUEUED];
    double zero = 0;
    int uncalled = 0;

    raisers(t, p, QUEUED, code);
    for (int i = 0; i < QUEUED; i++)
        p[i]->action = act_raise_once;
    for (int pass = 1; pass <= QUEUED; pass++) {
        int rc = dcts_dispatch_full(t, &zero, handler_ret
                                    ? dcts_recording_handler : NULL,
                                    handler_ret);
        CHECK(rc == want, "expected: pass %d returns %s (one not-yet-called "
              "target raises); observed: %s", pass, dcts_code_name(want),
              dcts_code_name(rc));
    }
    for (int i = 0; i < QUEUED; i++)
        uncalled += p[i]->calls == 0;
    CHECK(uncalled == 0, "expected: after %d passes each ending in a "
          "propagation, all %d ready targets called; observed: %d never "
          "called", QUEUED, QUEUED, uncalled);
    OK(dcts_dispatch(t, 0));
}

/* ERR-7: the targets left uncalled by a propagated raise (no handler) are
 * reported by the next calls.
 * Catches: an edge-triggered backend (or one that marks what it waited on
 * as delivered) that drops the rest of its ready list when a pass ends
 * early. */
static void rest_reported_after_raise(dcts_t *t)
{
    rest_reported_after(t, CODE, NULL, CODE);
}

/* ERR-7: the same when the pass ends by DC_EXIT.
 * Catches: a backend that drops its ready list on the DC_EXIT path only.
 * Also checks: ERR-2. */
static void rest_reported_after_exit(dcts_t *t)
{
    rest_reported_after(t, DC_EXIT, NULL, DC_EXIT);
}

/* ERR-7: the same when the handler's return ends the pass.
 * Catches: a backend that drops its ready list when the handler fails.
 * Also checks: ERR-5. */
static void rest_reported_after_handler_raise(dcts_t *t)
{
    int reraise = 99;
    rest_reported_after(t, CODE, &reraise, 99);
}

/* ERR-7, ERR-8: A (readable, R interest) raises without reading, and the
 * pass ends by propagation: with no handler, by the handler's re-raise, by
 * DC_INTERRUPT.  After each, A is still registered and the next pass calls
 * it again with R, since its byte is still there.
 * Catches: mutant raiser-unregistered (drops a target whose error
 * propagates, as asyncore's handle_error closes it) and mutant
 * oneshot-not-rearmed-after-raise (fds disarmed when reported and re-armed
 * only after a pass that did not propagate). */
static void raiser_reported_again(dcts_t *t)
{
    static const struct {
        int code, handler_ret, want;    /* handler_ret < 0: no handler */
        const char *how;
    } ways[] = {
        { CODE, -1, CODE, "a raise with no handler" },
        { CODE, 99, 99, "a handler's re-raise" },
        { DC_INTERRUPT, -1, DC_INTERRUPT, "DC_INTERRUPT" },
    };
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 0, 0);
    double zero = 0;

    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        int hret = ways[i].handler_ret;
        a->ret = ways[i].code;
        int rc = dcts_dispatch_full(t, &zero, hret >= 0 ? dcts_recording_handler
                                              : NULL, hret >= 0 ? &hret : NULL);
        CHECK(rc == ways[i].want, "expected: the pass ends by %s, returning "
              "%s; observed: %s", ways[i].how, dcts_code_name(ways[i].want),
              dcts_code_name(rc));
        a->ret = 0;
        rc = dcts_dispatch(t, 0);
        CHECK(rc == 0 && a->calls_this_pass == 1 && a->r,
              "expected: after a pass ended by %s, the next pass calls A (its "
              "byte still unread) again with R; observed: rc %s, %d call(s), "
              "r=%#lx", ways[i].how, dcts_code_name(rc), a->calls_this_pass,
              a->r);
    }
}

/* ---- ERR-8: consistent whichever way the pass ends ---------------------- */

/* The handler of an application that closes a connection on error:
 * socket_closed, close, free; the pass goes on. */
static int handler_closes_target(void *arg, dc_target *o, int code)
{
    dcts_t *t = arg;
    dcts_probe *p = (dcts_probe *)o;

    dcts_recording_handler(NULL, o, code);          /* into the trace */
    if (p != NULL && p->magic == DCTS_PROBE_LIVE)
        dcts_act_forget_self(t, p, 0, 0, 0);
    return 0;
}

/* ERR-8, ERR-6: A and B raise, the handler closes and frees each; C (quiet)
 * is still called in that pass, A and B never again, and later passes
 * call C alone.
 * Catches: a backend that touches the target after its handler (calls it
 * again, reads its fd or re-arms it), or whose pass breaks when the
 * handler changes the registry. */
static void handler_closes_target_pass_goes_on(dcts_t *t)
{
    dcts_probe *p[3];
    double zero = 0;

    raisers(t, p, 3, CODE);
    p[2]->ret = 0;
    for (int pass = 1; pass <= 2; pass++) {
        int rc = dcts_dispatch_full(t, &zero, handler_closes_target, t);
        CHECK(rc == 0, "expected: pass %d returns 0; observed: %s", pass,
              dcts_code_name(rc));
        CHECK(p[2]->calls == pass, "expected: C called in pass %d; "
              "observed: %d call(s) in all", pass, p[2]->calls);
    }
    CHECK(p[0]->calls == 1 && p[1]->calls == 1,
          "expected: A and B called once (then closed by the handler); "
          "observed: %d and %d call(s)", p[0]->calls, p[1]->calls);
    CHECK(dcts_handler_calls(t, NULL, NULL) == 2,
          "expected: 2 handler calls; observed: %d",
          dcts_handler_calls(t, NULL, NULL));
}

#define LEFT 3

/* ERR-8, DSP-6, DSP-7, DSP-5: a pass ends early (raise, no handler) with
 * two ready targets not called: one is then closed and freed and a new
 * target N (not readable) takes its fd number, the other is narrowed from
 * R|W to W.  The next pass calls neither the freed target nor N, gives
 * the narrowed one W only, and works (rc 0).
 * Catches: a backend that keeps the ready list of an interrupted pass and
 * resumes it later without re-checking it against the registry, or that
 * stays marked "busy" after an early return. */
static void consistent_after_propagation(dcts_t *t)
{
    dcts_probe *p[LEFT], *left[2];
    int sv[2], nleft = 0;

    for (int i = 0; i < LEFT; i++) {
        char name[24];
        snprintf(name, sizeof name, "%c", 'A' + i);
        p[i] = dcts_ready_probe(t, name, 1, 1, 0);
        p[i]->ret = CODE;
        p[i]->action = act_raise_once;
    }
    int rc = dcts_dispatch(t, 0);
    CHECK(rc == CODE && called_in_pass(p, LEFT) == 1,
          "expected: the pass ends at the first raise (rc %d, one call); "
          "observed: rc %s, %d call(s)", CODE, dcts_code_name(rc),
          called_in_pass(p, LEFT));
    for (int i = 0; i < LEFT; i++)
        if (p[i]->calls == 0)
            left[nleft++] = p[i];

    dcts_probe *closed = left[0], *narrowed = left[1];
    int fd = closed->target.fd;
    OK(dcts_closed(t, fd, closed));
    dcts_close(t, fd);
    dcts_probe_free(t, closed);
    dcts_socketpair_at(t, sv, fd);
    dcts_probe *c = dcts_probe_new(t, "N", sv[0]);
    OK(dcts_filter(t, c, 1, 0, 0));
    OK(dcts_filter(t, narrowed, 0, 1, 0));
    narrowed->ret = 0;                  /* this pass is about the events */

    OK(dcts_dispatch(t, 0));
    CHECK(c->calls == 0, "expected: N (new on %s's fd %d, nothing to read) "
          "not called; observed: r=%#lx w=%#lx e=%#lx", closed->name, fd,
          c->r, c->w, c->e);
    CHECK(narrowed->calls == 1 && narrowed->r == 0 && narrowed->w,
          "expected: %s (narrowed to W, writable) called with W only; "
          "observed: %d call(s), r=%#lx w=%#lx", narrowed->name,
          narrowed->calls, narrowed->r, narrowed->w);
}

/* ---- ERR-3: the raising target, after the registry moved ---------------- */

#define GROWERS_MAX 150

struct raise_log {
    dc_target *o[8];
    int code[8];
    int n;
};

static int logging_handler(void *arg, dc_target *o, int code)
{
    struct raise_log *log = arg;
    if (log->n < 8)
        log->o[log->n] = o, log->code[log->n] = code;
    log->n++;
    return 0;                           /* handled: the pass goes on */
}

/* G grows the registry by many idle targets from inside its call, then
 * raises. */
static int act_grow_then_raise(dcts_t *t, dcts_probe *p, unsigned long r,
                               unsigned long w, unsigned long e)
{
    int n = *(int *)p->user, peer;
    (void)r, (void)w, (void)e;
    dcts_drain(p->target.fd);
    for (int i = 0; i < n; i++) {
        char name[12];
        snprintf(name, sizeof name, "I%d", i);
        dcts_probe *idle = dcts_probe_on_socketpair(t, name, &peer);
        OK(dcts_filter(t, idle, 1, 0, 0));
    }
    return CODE;
}

/* S removes its own registration, then raises. */
static int act_remove_self_then_raise(dcts_t *t, dcts_probe *p,
                                      unsigned long r, unsigned long w,
                                      unsigned long e)
{
    (void)r, (void)w, (void)e;
    dcts_drain(p->target.fd);
    OK(dcts_filter(t, p, 0, 0, 0));
    return CODE + 1;
}

/* ERR-3: the handler gets the target that raised, even when that target
 * grew the registry by ~150 entries (its tables reallocated) or removed
 * itself (its slot reused by a swap) before raising; three quiet ready
 * targets around them.
 * Catches: a backend that looks the raiser up again after the call
 * through a pointer or index taken before it (a stale pointer into the
 * old table after realloc, the slot a swap-remove moved another target
 * into), and so hands the handler another target or freed memory. */
static void handler_gets_raiser_after_registry_moves(dcts_t *t)
{
    int room = dcts_fd_room(t);
    int grow = room == INT_MAX ? GROWERS_MAX : (room - 16) / 2;
    if (grow > GROWERS_MAX)
        grow = GROWERS_MAX;
    if (grow < 8)
        SKIP_DECLARED("the backend's fd_limit leaves room for only %d more targets",
             grow < 0 ? 0 : grow);
    dcts_probe *p[5];
    raisers(t, p, 5, 0);
    dcts_probe *g = p[1], *s = p[3];
    g->action = act_grow_then_raise, g->user = &grow;
    s->action = act_remove_self_then_raise;
    struct raise_log log = { .n = 0 };
    double zero = 0;
    int rc = dcts_dispatch_full(t, &zero, logging_handler, &log);
    CHECK(rc == 0, "expected: handled raises leave dispatch_once returning "
          "0; observed: %s", dcts_code_name(rc));
    int saw_g = 0, saw_s = 0;
    for (int i = 0; i < log.n && i < 8; i++) {
        saw_g += log.o[i] == &g->target && log.code[i] == CODE;
        saw_s += log.o[i] == &s->target && log.code[i] == CODE + 1;
    }
    CHECK(log.n == 2 && saw_g == 1 && saw_s == 1,
          "expected: two handler calls, handler(%s, %d) for the target that "
          "grew the registry by %d and handler(%s, %d) for the one that "
          "removed itself; observed: %d call(s), %d and %d of them right",
          g->name, CODE, grow, s->name, CODE + 1, log.n, saw_g, saw_s);
}

const dcts_case dcts_cases_errors[] = {
    { .id = "err-zero-is-success", CLAUSES(ERR_1),
      .summary = "targets returning 0 succeed: no handler call, rc 0",
      .run = zero_is_success },
    { .id = "err-nonzero-raised-unchanged", CLAUSES(ERR_1, ERR_4),
      .summary = "any non-zero return (1, 7, 256, 65537, 0x3fffffff) comes back "
      "unchanged",
      .run = nonzero_is_raised_unchanged },
    { .id = "err-interrupt-bypasses-handler", CLAUSES(ERR_2),
      .summary = "DC_INTERRUPT skips the handler and propagates at once",
      .run = interrupt_bypasses_handler },
    { .id = "err-exit-bypasses-handler", CLAUSES(ERR_2),
      .summary = "DC_EXIT skips the handler and propagates at once",
      .run = exit_bypasses_handler },
    { .id = "err-handler-gets-target-and-code", CLAUSES(ERR_3),
      .summary = "the handler is called once per raise with the raising target and "
      "its code",
      .run = handler_gets_target_and_code },
    { .id = "err-no-handler-propagates", CLAUSES(ERR_4),
      .summary = "without a handler a raise ends the pass at once",
      .run = no_handler_propagates_at_once },
    { .id = "err-handler-return-propagates", CLAUSES(ERR_5),
      .summary = "a non-zero handler return ends the pass at once and is returned",
      .run = handler_return_propagates_at_once },
    { .id = "err-reraising-handler-called-once", CLAUSES(ERR_3, ERR_5),
      .summary = "a handler that re-raises is called once for the one raise",
      .run = reraising_handler_called_once },
    { .id = "err-handled-pass-goes-on", CLAUSES(ERR_6),
      .summary = "after handled raises the pass calls every other ready target",
      .run = handled_pass_goes_on },
    { .id = "err-rest-after-raise", CLAUSES(ERR_7),
      .summary = "targets left uncalled by a raise are reported by the next calls",
      .run = rest_reported_after_raise },
    { .id = "err-rest-after-exit", CLAUSES(ERR_7, ERR_2),
      .summary = "targets left uncalled by DC_EXIT are reported by the next calls",
      .run = rest_reported_after_exit },
    { .id = "err-rest-after-handler-raise", CLAUSES(ERR_7, ERR_5),
      .summary = "targets left uncalled by a handler's raise are reported by the next "
      "calls",
      .run = rest_reported_after_handler_raise },
    { .id = "err-raiser-reported-again", CLAUSES(ERR_7, ERR_8),
      .summary = "a target whose raise ended the pass stays registered and is "
      "reported again",
      .run = raiser_reported_again },
    { .id = "err-handler-closes-target", CLAUSES(ERR_8, ERR_6),
      .summary = "a handler that closes the raising target: the pass goes on, the "
      "target is never called again",
      .run = handler_closes_target_pass_goes_on },
    { .id = "err-consistent-after-propagation", CLAUSES(ERR_8, DSP_5, DSP_6,
              DSP_7),
      .summary = "after a pass ends early, closes, reuse and filter changes "
      "hold on the next pass",
      .run = consistent_after_propagation },
    { .id = "err-handler-gets-raiser-after-registry-moves", CLAUSES(ERR_3),
      .summary = "the handler gets the raising target although it grew the registry "
      "or removed itself first",
      .run = handler_gets_raiser_after_registry_moves },
    { 0 }
};
