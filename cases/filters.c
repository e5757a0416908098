/*
 * filters.c: cases for the filter clauses (FLT-1 .. FLT-7): registering,
 * changing and removing interest with set_dispatch_filter and
 * set_poll_dispatch_filter, and what each does to the next dispatch.
 *
 * Targets sit on socketpairs whose state is settled before the dispatch
 * (readable and writable unless said otherwise), so a zero timeout is
 * enough everywhere except where a case checks that nothing is waited on.
 */
#include "dcts.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>

/* One pass over settled conditions. */
static void dispatch_now(dcts_t *t)
{
    OK(dcts_dispatch(t, 0));
}

static void dispatch_times(dcts_t *t, int n)
{
    for (int i = 0; i < n; i++)
        dispatch_now(t);
}

/* p, on a fresh readable and writable socketpair, registered with the
 * native flags. */
static dcts_probe *ready_probe_native(dcts_t *t, const char *name,
                                      unsigned long flags)
{
    int peer;
    dcts_probe *p = dcts_probe_on_socketpair(t, name, &peer);
    dcts_write_byte(t, peer);
    OK(dcts_poll_filter(t, p, flags));
    return p;
}

/* p's last call had R non-zero exactly when want_r, W when want_w, E 0. */
static void expect_last_call(dcts_t *t, const dcts_probe *p, int calls,
                             int want_r, int want_w, const char *after)
{
    CHECK(p->calls == calls, "expected: %s called %d time(s) by now (%s); "
          "observed: %d", p->name, calls, after, p->calls);
    CHECK(!!p->r == want_r && !!p->w == want_w && p->e == 0,
          "expected: %s called with R %s, W %s, E 0 (%s); observed: r=%#lx "
          "w=%#lx e=%#lx", p->name, want_r ? "non-zero" : "0",
          want_w ? "non-zero" : "0", after, p->r, p->w, p->e);
}

/* ---- FLT-1: all-false is complete removal ------------------------------- */

/* FLT-1: after (0,0,0) a readable target is never called nor waited on.
 * Catches: all-false stored as an interest of 0 that is still called, or a
 * target dropped from the table while its fd stays in the wait set (every
 * wait returns at once and nobody is called: a busy loop).
 * Also checks: TMO-11. */
static void all_false_removes_completely(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 1);

    dispatch_now(t);
    CHECK(a->calls == 1, "expected: A (readable, R|W|E) called before its "
          "removal; observed: %d call(s)", a->calls);
    OK(dcts_filter(t, a, 0, 0, 0));
    dispatch_times(t, 3);
    CHECK(a->calls == 1, "expected: A never called after "
          "set_dispatch_filter(A, 0, 0, 0) although still readable; "
          "observed: %d more call(s)", a->calls - 1);
    dcts_expect_idle_wait(t, 30, "its only target removed by an all-false "
                          "filter although that fd is still readable");
}

/* FLT-1: removing unregistered targets returns 0 and disturbs no one.
 * Catches: removing a target that is not registered failing (-ENOENT,
 * -EINVAL) or crashing, or removing whichever target holds that fd. */
static void removing_unregistered_is_harmless(dcts_t *t)
{
    int peer;
    dcts_probe *never = dcts_probe_on_socketpair(t, "N", &peer);
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 0, 0);
    dcts_probe *x = dcts_probe_new(t, "X", a->target.fd);   /* A's fd */

    OK(dcts_filter(t, never, 0, 0, 0));
    OK(dcts_poll_filter(t, never, 0));
    OK(dcts_filter(t, never, 0, 0, 0));
    OK(dcts_filter(t, x, 0, 0, 0));
    OK(dcts_poll_filter(t, x, 0));
    dcts_write_byte(t, peer);
    dispatch_now(t);
    CHECK(never->calls == 0 && x->calls == 0, "expected: targets that were "
          "only ever removed are never called; observed: N %d, X %d call(s)",
          never->calls, x->calls);
    CHECK(a->calls == 1, "expected: A, which holds fd %d, still called after "
          "the removal of X, an unregistered target on the same fd; "
          "observed: %d call(s)", a->target.fd, a->calls);
}

/* FLT-1: removing some targets leaves every other one working.
 * Catches: removal from an array or list that drops or shifts the wrong
 * entry (a swap-remove that loses the entry it moves), or that clears more
 * of the wait set than the one fd. */
static void removal_leaves_others_working(dcts_t *t)
{
    enum { N = 6 };
    dcts_probe *p[N];

    for (int i = 0; i < N; i++) {
        char name[8];
        snprintf(name, sizeof name, "P%d", i);
        p[i] = dcts_ready_probe(t, name, 1, 0, 0);
    }
    OK(dcts_filter(t, p[0], 0, 0, 0));
    OK(dcts_poll_filter(t, p[3], 0));
    OK(dcts_filter(t, p[N - 1], 0, 0, 0));
    dcts_probe *late = dcts_ready_probe(t, "L", 1, 0, 0);
    dispatch_now(t);
    for (int i = 0; i < N; i++) {
        int removed = i == 0 || i == 3 || i == N - 1;
        CHECK(p[i]->calls == !removed, "expected: %s %s; observed: %d "
              "call(s)", p[i]->name, removed ? "(removed) not called"
              : "(still registered, readable) called once", p[i]->calls);
    }
    CHECK(late->calls == 1, "expected: L, registered after the removals, "
          "called once; observed: %d call(s)", late->calls);
}

/* ---- FLT-2: a removed target comes back --------------------------------- */

/* FLT-2: a removed target re-registers, by either call, with no remnant.
 * Catches: a removed slot left in a state that refuses or ignores the next
 * registration, or the old interest surviving removal (a remnant).
 * Also checks: FLT-5. */
static void readd_after_removal_works(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 0, 1, 0);

    dispatch_now(t);
    expect_last_call(t, a, 1, 0, 1, "W interest");
    OK(dcts_filter(t, a, 0, 0, 0));
    dispatch_now(t);
    OK(dcts_filter(t, a, 1, 0, 0));
    dispatch_now(t);
    expect_last_call(t, a, 2, 1, 0, "removed, then registered for R only");
    OK(dcts_poll_filter(t, a, 0));
    dispatch_now(t);
    OK(dcts_poll_filter(t, a, t->be->flags_for(0, 1, 0)));
    dispatch_now(t);
    expect_last_call(t, a, 3, 0, 1, "removed with flags 0, then registered "
                     "with flags_for(0,1,0)");
}

/* ---- FLT-3: changes apply from the next call ---------------------------- */

/* FLT-3: R -> W -> R switches take effect on the next dispatch_once.
 * Catches: a change stored in the table but not in the wait set (a stale
 * pollfd or epoll interest, an fd_set built once), or a change merged with
 * the old interest instead of replacing it. */
static void switch_r_to_w_takes_effect(dcts_t *t)
{
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    OK(dcts_filter(t, a, 1, 0, 0));
    dispatch_now(t);
    CHECK(a->calls == 0, "expected: A (idle socket, R interest) not called");
    OK(dcts_filter(t, a, 0, 1, 0));
    dispatch_now(t);
    expect_last_call(t, a, 1, 0, 1, "switched from R to W");
    OK(dcts_filter(t, a, 1, 0, 0));
    dispatch_now(t);
    CHECK(a->calls == 1, "expected: A not called once switched back from W "
          "to R on an idle socket; observed: r=%#lx w=%#lx e=%#lx", a->r,
          a->w, a->e);
    dcts_write_byte(t, peer);
    dispatch_now(t);
    expect_last_call(t, a, 2, 1, 0, "switched back to R, then readable");
}

/* FLT-3: a narrowed filter stops reporting the dropped field.
 * Catches: narrowing that keeps reporting the dropped field (flags ORed
 * into the old ones, or the field masked only on registration).
 * Also checks: EVT-3. */
static void narrowing_drops_the_field(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 0);

    dispatch_now(t);
    expect_last_call(t, a, 1, 1, 1, "R|W interest");
    OK(dcts_filter(t, a, 1, 0, 0));
    dispatch_now(t);
    expect_last_call(t, a, 2, 1, 0, "narrowed to R");
    OK(dcts_poll_filter(t, a, t->be->flags_for(0, 1, 0)));
    dispatch_now(t);
    expect_last_call(t, a, 3, 0, 1, "changed to flags_for(0,1,0)");
    OK(dcts_filter(t, a, 0, 0, 1));
    dispatch_now(t);
    CHECK(a->calls == 3, "expected: A not called once narrowed to E only "
          "(nothing exceptional pending); observed: r=%#lx w=%#lx e=%#lx",
          a->r, a->w, a->e);
}

/* FLT-3, DSP-1: the interest changes while an event is pending that the
 * backend has not waited for yet.  A (R) is waited on while idle, then its
 * peer writes and A widens to R|W before the next call: that call reports
 * R and W to A, once.  The same with a replacement: C (R) is waited on
 * idle, its peer writes, D replaces C with the same interest: D is called
 * once with R, C never.
 * Catches: a completion-based backend (io_uring) that files completions
 * by fd alone.  The request made for the old interest or target has
 * already completed when the change cancels it (its completion sits in
 * the queue), the new request completes at once too, and both are taken
 * for the fd's: the target is called twice in one pass, or a replacement
 * gets the old request's bits. */
static void change_after_unseen_event(dcts_t *t)
{
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    OK(dcts_filter(t, a, 1, 0, 0));
    dispatch_now(t);                    /* waited on, idle */
    CHECK(a->calls == 0, "expected: A (idle socket, R interest) not called");
    dcts_write_byte(t, peer);           /* readable since that wait */
    OK(dcts_filter(t, a, 1, 1, 0));
    dispatch_now(t);
    expect_last_call(t, a, 1, 1, 1, "widened to R|W after its byte came, "
                     "one call in the pass");

    dcts_probe *c = dcts_probe_on_socketpair(t, "C", &peer);
    OK(dcts_filter(t, c, 1, 0, 0));
    dispatch_now(t);
    dcts_write_byte(t, peer);
    dcts_probe *d = dcts_probe_new(t, "D", c->target.fd);
    OK(dcts_filter(t, d, 1, 0, 0));     /* replaces C, same interest */
    dispatch_now(t);
    CHECK(c->calls == 0, "expected: C, replaced by D, never called; "
          "observed: %d call(s)", c->calls);
    expect_last_call(t, d, 1, 1, 0, "D replaced C after C's byte came, one "
                     "call in the pass");
}

/* ---- FLT-4: one target per fd ------------------------------------------- */

/* FLT-4: a second target on a held fd replaces the first, interest and all.
 * Catches: a per-fd list that keeps both targets (the first still called),
 * a union of the two interests, or a later removal of the replaced target
 * taking the new one with it.
 * Also checks: FLT-1. */
static void second_target_replaces_first(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 0, 1, 0);
    int fd = a->target.fd;
    dcts_probe *b = dcts_probe_new(t, "B", fd);

    OK(dcts_filter(t, b, 1, 0, 0));
    dispatch_now(t);
    CHECK(a->calls == 0, "expected: A, replaced on fd %d by B, never called; "
          "observed: r=%#lx w=%#lx e=%#lx", fd, a->r, a->w, a->e);
    expect_last_call(t, b, 1, 1, 0, "B replaced A (W) with R only: no union");
    OK(dcts_filter(t, a, 0, 0, 0));
    OK(dcts_closed(t, fd, a));
    dispatch_now(t);
    CHECK(a->calls == 0 && b->calls == 2, "expected: removing A (filter, "
          "then socket_closed(fd, A)) leaves B registered: B called again, "
          "A never; observed: B %d, A %d call(s)", b->calls, a->calls);
}

/* FLT-4 (its "why": a new socket on a reused number supersedes the old
 * one), LIM-3: O's fd is closed without socket_closed, a new socket takes
 * the number and N registers there with O's very interest.  N is called
 * for its own byte; O never.
 * Catches: a backend that files the replacement in its table but, seeing
 * the kernel's interest unchanged, skips the kernel call: the entry it
 * keeps was the closed file's and went with it, so N is never waited for
 * (epoll, and every engine over it that keeps watchers per fd number). */
static void replacement_on_reused_number_is_waited_for(dcts_t *t)
{
    int sv[2];
    dcts_probe *o = dcts_probe_on_socketpair(t, "O", NULL);
    int fd = o->target.fd;

    OK(dcts_filter(t, o, 1, 0, 0));
    dispatch_now(t);                    /* the wait has seen O's file */
    dcts_close(t, fd);                  /* behind the backend's back */
    dcts_socketpair_at(t, sv, fd);
    dcts_probe *n = dcts_probe_new(t, "N", sv[0]);
    OK(dcts_filter(t, n, 1, 0, 0));     /* replaces O, same interest */
    dcts_write_byte(t, sv[1]);
    OK(dcts_dispatch(t, 0.2));
    CHECK(n->calls == 1 && n->r, "expected: N, which replaced O on reused fd "
          "%d (O's fd closed without socket_closed), called with R for its "
          "byte; observed: %d call(s), r=%#lx", fd, n->calls, n->r);
    CHECK(o->calls == 0, "expected: O never called; observed: %d call(s)",
          o->calls);
}

/* ---- FLT-5: the native call is the boolean call ------------------------- */

enum socket_state { READY, HUNGUP, IDLE, N_STATES };

static const char *const state_names[N_STATES] = {
    "readable and writable", "readable, writable and hung up", "idle writable",
};

/* A probe on a fresh socketpair in the given state, not registered; its
 * peer's fd goes to *peer (-1 once closed, for HUNGUP). */
static dcts_probe *probe_in_state(dcts_t *t, const char *name,
                                  enum socket_state state, int *peer)
{
    dcts_probe *p = dcts_probe_on_socketpair(t, name, peer);
    if (state != IDLE)
        dcts_write_byte(t, *peer);
    if (state == HUNGUP) {
        dcts_close(t, *peer);
        *peer = -1;
    }
    return p;
}

/* A pair of targets in the same state: one set with the boolean call, one
 * with the native flags, either freshly or over an earlier R|W|E interest. */
typedef struct twin {
    dcts_probe *boolean, *native;
    int peer[2];                /* their socketpairs' other ends, or -1 */
    int combo;                  /* bit 0 R, bit 1 W, bit 2 E */
    enum socket_state state;
    int over_full;              /* registered R|W|E first */
} twin;

/* The most fds a twin holds: two socketpairs. */
#define TWIN_FDS 4

static void make_twin(dcts_t *t, twin *tw, int index)
{
    int r = tw->combo & 1, w = !!(tw->combo & 2), e = !!(tw->combo & 4);
    char name[24];

    snprintf(name, sizeof name, "B%d", index);
    tw->boolean = probe_in_state(t, name, tw->state, &tw->peer[0]);
    snprintf(name, sizeof name, "N%d", index);
    tw->native = probe_in_state(t, name, tw->state, &tw->peer[1]);
    if (tw->over_full) {
        OK(dcts_filter(t, tw->boolean, 1, 1, 1));
        OK(dcts_filter(t, tw->native, 1, 1, 1));
    }
    OK(dcts_filter(t, tw->boolean, r, w, e));
    OK(dcts_poll_filter(t, tw->native, t->be->flags_for(r, w, e)));
}

/* Removes both targets of tw and closes their fds, so the numbers can
 * serve the next twins (under a small fd_limit). */
static void drop_twin(dcts_t *t, twin *tw)
{
    dcts_probe *both[2] = { tw->boolean, tw->native };

    for (int i = 0; i < 2; i++) {
        OK(dcts_filter(t, both[i], 0, 0, 0));
        dcts_close(t, both[i]->target.fd);
        if (tw->peer[i] >= 0)
            dcts_close(t, tw->peer[i]);
    }
}

static void expect_twins_alike(dcts_t *t, const twin *tw)
{
    const dcts_probe *b = tw->boolean, *n = tw->native;
    int r = tw->combo & 1, w = !!(tw->combo & 2), e = !!(tw->combo & 4);

    CHECK(b->calls == n->calls && b->r == n->r && b->w == n->w &&
          b->e == n->e && b->r_seen == n->r_seen && b->w_seen == n->w_seen &&
          b->e_seen == n->e_seen,
          "expected: on a %s socket%s, set_poll_dispatch_filter(%s, "
          "flags_for(%d,%d,%d) = %#lx) behaves as set_dispatch_filter(%s, "
          "%d, %d, %d); observed: %s %d call(s), last r=%#lx w=%#lx e=%#lx; "
          "%s %d call(s), last r=%#lx w=%#lx e=%#lx", state_names[tw->state],
          tw->over_full ? " (both first registered R|W|E)" : "", n->name, r,
          w, e, t->be->flags_for(r, w, e), b->name, r, w, e, n->name,
          n->calls, n->r, n->w, n->e, b->name, b->calls, b->r, b->w, b->e);
}

/* FLT-5: native flags_for(r,w,e) behaves as the boolean call, all 8, in
 * three socket states, set freshly or over R|W|E: 48 twins.  Under a
 * declared fd_limit they run in as many rounds as the fds below it need
 * (LIM-1: only fds below the limit have to work), each round's twins
 * removed and closed before the next.
 * Catches: a native call that ignores or mistranslates its flags (flags
 * taken as booleans, E bits dropped, every registration made R|W|E), or
 * that treats a change or flags 0 differently from the boolean call. */
static void poll_filter_matches_boolean_filter(dcts_t *t)
{
    enum { N = 8 * N_STATES * 2 };
    twin tw[N];
    int total_calls = 0, room = dcts_fd_room(t);
    int per_round = room / TWIN_FDS < N ? room / TWIN_FDS : N;

    if (per_round < 1)
        dcts_need_fd_room(t, TWIN_FDS);         /* SKIPs, naming the limit */
    dcts_need_nofile(t, 2 * TWIN_FDS * (long)per_round + 256);
    for (int i = 0; i < N; i++)
        tw[i] = (twin){ NULL, NULL, { -1, -1 }, i / (N_STATES * 2),
                        (enum socket_state)(i / 2 % N_STATES), i % 2 };
    for (int first = 0; first < N; first += per_round) {
        int end = first + per_round < N ? first + per_round : N;
        for (int i = first; i < end; i++)
            make_twin(t, &tw[i], i);
        dispatch_times(t, 3);
        for (int i = first; i < end; i++) {
            expect_twins_alike(t, &tw[i]);
            total_calls += tw[i].boolean->calls;
            drop_twin(t, &tw[i]);
        }
    }
    CHECK(total_calls > 0, "expected: some of the ready targets called; "
          "observed: none");
}

/* ---- FLT-6: native flags 0 is removal ----------------------------------- */

/* FLT-6: native flags 0 is removal: never called, fd not waited on.
 * Catches: flags 0 taken as "no change" (or refused), or a target dropped
 * from the table while its fd stays in the wait set (a busy loop).
 * Also checks: TMO-11. */
static void poll_filter_zero_removes(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 0, 0);
    dcts_probe *b = ready_probe_native(t, "B", t->be->flags_for(1, 1, 1));

    dispatch_now(t);
    CHECK(a->calls == 1 && b->calls == 1, "expected: A and B (readable) "
          "called before their removal; observed: A %d, B %d call(s)",
          a->calls, b->calls);
    OK(dcts_poll_filter(t, a, 0));
    OK(dcts_poll_filter(t, b, 0));
    dispatch_times(t, 3);
    CHECK(a->calls == 1 && b->calls == 1, "expected: A and B never called "
          "after set_poll_dispatch_filter(o, 0) although still readable; "
          "observed: A %d, B %d more call(s)", a->calls - 1, b->calls - 1);
    dcts_expect_idle_wait(t, 30, "its only targets removed with "
                          "set_poll_dispatch_filter(o, 0) although their fds "
                          "are still readable");
    OK(dcts_poll_filter(t, a, 0));          /* again: harmless */
}

/* FLT-6 with ABI-5: native flags with bits flags_for never gives may be
 * refused; a refusal changes nothing.  Tries the lowest such bits and the
 * highest, on a registered target (R interest, readable and writable) and
 * on an unregistered one; after each refusal one pass shows the registry.
 * The refused flags ask for R|W: had they been applied, W would show.
 * Catches: flags validated after the registration was changed (or the
 * target registered, or its old holder evicted), so a refused call still
 * leaves it changed: W now reported, or the unregistered one called. */
static void refused_flags_change_nothing(dcts_t *t)
{
    unsigned long known = t->be->flags_for(1, 1, 1);
    unsigned long rw = t->be->flags_for(1, 1, 0);  /* what a change would be */
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 0);
    dcts_probe *b = dcts_ready_probe(t, "B", 1, 1, 0);
    unsigned long tried[4];
    int ntried = 0, refused = 0;

    OK(dcts_filter(t, a, 1, 0, 0));
    OK(dcts_filter(t, b, 0, 0, 0));     /* b: not registered */
    for (int bit = 0; bit < (int)(8 * sizeof(unsigned long)) && ntried < 3; bit++)
        if (!(known & (1ul << bit)))
            tried[ntried++] = 1ul << bit;
    unsigned long top = 1ul << (8 * sizeof(unsigned long) - 1);
    if (!(known & top))
        tried[ntried++] = top;
    for (int i = 0; i < ntried; i++) {
        unsigned long bad = rw | tried[i];
        int ra = dcts_poll_filter(t, a, bad);
        int rb = dcts_poll_filter(t, b, bad);
        if (ra == 0 || rb == 0)
            continue;       /* accepted: its meaning is the backend's */
        refused++;
        CHECK(ra == -EINVAL && rb == -EINVAL, "expected: native flags %#lx "
              "(bit %#lx unknown to flags_for) accepted or refused with "
              "-EINVAL; observed: %s for A, %s for B", bad, tried[i],
              dcts_code_name(ra), dcts_code_name(rb));
        dispatch_now(t);
        CHECK(a->calls_this_pass == 1 && a->r != 0 && a->w == 0,
              "expected: after a refused set_poll_dispatch_filter(A, %#lx), "
              "A still registered with R only: one call with R and no W; "
              "observed: %d call(s) (r=%#lx w=%#lx)", bad,
              a->calls_this_pass, a->r, a->w);
        CHECK(b->calls_this_pass == 0, "expected: after a refused "
              "set_poll_dispatch_filter(B, %#lx), B still unregistered: not "
              "called; observed: %d call(s)", bad, b->calls_this_pass);
    }
    if (refused == 0)
        SKIP_DECLARED("the backend accepts every native bit it was offered (FLT-6 "
             "lets it): no refusal to check");
}

/* FLT-6: flags with a bit the backend may not know (the top bit of an
 * unsigned long, which no mechanism's flags use) are refused with a
 * negative errno, leaving the registration exactly as it was, or
 * accepted (0) as a registration of at least their known interest.
 * Checked from both states: unregistered, then registered for R.
 * Catches: an unknown bit answered 0 without registering anything (the
 * caller believes it is registered and waits forever), a refusal that
 * half-applied the new interest or dropped the old one. */
static void unknown_bits_refused_or_registered(dcts_t *t)
{
    const unsigned long unknown = ~(~0ul >> 1);
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    dcts_write_byte(t, peer);           /* readable and writable */
    int rc = dcts_poll_filter(t, a, t->be->flags_for(1, 0, 0) | unknown);
    CHECK(rc <= 0, "expected: 0 or a negative errno for flags with an "
          "unknown bit; observed: %s", dcts_code_name(rc));
    dispatch_now(t);
    if (rc == 0)
        expect_last_call(t, a, 1, 1, 0, "registered, unregistered before, "
                         "with flags_for(1,0,0) plus an unknown bit: "
                         "accepted");
    else
        CHECK(a->calls == 0, "expected: A (unregistered; flags with an "
              "unknown bit refused with %s) not called; observed: %d "
              "call(s)", dcts_code_name(rc), a->calls);

    OK(dcts_filter(t, a, 1, 0, 0));
    int before = a->calls;
    rc = dcts_poll_filter(t, a, t->be->flags_for(0, 1, 0) | unknown);
    CHECK(rc <= 0, "expected: 0 or a negative errno for flags with an "
          "unknown bit; observed: %s", dcts_code_name(rc));
    dispatch_now(t);
    expect_last_call(t, a, before + 1, rc != 0, rc == 0,
                     rc == 0 ? "R interest changed to flags_for(0,1,0) plus "
                     "an unknown bit: accepted" : "R interest kept: "
                     "flags_for(0,1,0) plus an unknown bit refused");
}

/* ---- FLT-7: E alone is a registration ----------------------------------- */

/* A TCP socket that gets urgent data after p is registered E-only on it. */
static dcts_probe *e_only_on_urgent(dcts_t *t, const char *name, int native)
{
    int client, server;
    dcts_tcp_pair(t, &client, &server);
    dcts_probe *p = dcts_probe_new(t, name, server);
    OK(native ? dcts_poll_filter(t, p, t->be->flags_for(0, 0, 1))
              : dcts_filter(t, p, 0, 0, 1));
    dcts_send_urgent(t, client);
    dcts_await(t, server, POLLPRI, 2000);
    return p;
}

/* A socketpair end whose peer closes after p is registered E-only on it. */
static dcts_probe *e_only_on_hangup(dcts_t *t, const char *name, int native)
{
    int peer;
    dcts_probe *p = dcts_probe_on_socketpair(t, name, &peer);
    OK(native ? dcts_poll_filter(t, p, t->be->flags_for(0, 0, 1))
              : dcts_filter(t, p, 0, 0, 1));
    dcts_close(t, peer);
    return p;
}

static int called_in_e_only(const dcts_probe *p)
{
    return p->calls == 1 && p->e != 0 && p->r == 0 && p->w == 0;
}

/* FLT-7: an E-only target (either call) hears urgent data or a hangup.
 * Catches: an E-only interest taken for removal (for poll it puts no bit
 * in pollfd.events, and "events == 0" looks like nothing to wait for), or
 * a select backend that never waits on exceptfds. */
static void e_only_interest_is_live(dcts_t *t)
{
    unsigned model = t->be->event_model;
    int want_urgent = model != DC_MODEL_POLL && model != DC_MODEL_EPOLL;
    int want_hangup = model != DC_MODEL_SELECT;
    dcts_probe *p[4] = { NULL, NULL, NULL, NULL };

    if (want_urgent) {
        p[0] = e_only_on_urgent(t, "UB", 0);
        p[1] = e_only_on_urgent(t, "UN", 1);
    }
    if (want_hangup) {
        p[2] = e_only_on_hangup(t, "HB", 0);
        p[3] = e_only_on_hangup(t, "HN", 1);
    }
    dispatch_now(t);
    if (model == DC_MODEL_OTHER) {
        int heard = 0;
        for (int i = 0; i < 4; i++)
            heard |= called_in_e_only(p[i]);
        CHECK(heard, "expected: an E-only target hears urgent data or a "
              "hangup, in E only; observed: none did");
        return;
    }
    for (int i = 0; i < 4; i++)
        CHECK(p[i] == NULL || called_in_e_only(p[i]),
              "expected: %s, registered E-only (%s), called once with E only "
              "for %s; observed: %d call(s), last r=%#lx w=%#lx e=%#lx",
              p[i]->name, i % 2 ? "native flags_for(0,0,1)"
              : "set_dispatch_filter(0,0,1)", i < 2 ? "urgent data" :
              "a hangup", p[i]->calls, p[i]->r, p[i]->w, p[i]->e);
}

const dcts_case dcts_cases_filters[] = {
    { .id = "flt-all-false-removes", CLAUSES(FLT_1, TMO_11),
      .summary = "an all-false filter removes a target: never called, fd not waited on",
      .run = all_false_removes_completely, .flags = DCTS_F_TIMING },
    { .id = "flt-remove-unregistered", CLAUSES(FLT_1),
      .summary = "removing an unregistered target returns 0 and leaves the fd's holder",
      .run = removing_unregistered_is_harmless },
    { .id = "flt-removal-leaves-others", CLAUSES(FLT_1),
      .summary = "removing some targets leaves every other target working",
      .run = removal_leaves_others_working },
    { .id = "flt-readd-after-removal", CLAUSES(FLT_2, FLT_5),
      .summary = "a removed target registers again and works, with no old interest left",
      .run = readd_after_removal_works },
    { .id = "flt-switch-r-to-w", CLAUSES(FLT_3),
      .summary = "switching R to W and back takes effect on the next dispatch_once",
      .run = switch_r_to_w_takes_effect },
    { .id = "flt-narrow-drops-field", CLAUSES(FLT_3, EVT_3),
      .summary = "a narrowed filter stops the dropped field from being reported",
      .run = narrowing_drops_the_field },
    { .id = "flt-change-after-unseen-event", CLAUSES(FLT_3, DSP_1),
      .summary = "a change or replacement while an event the backend has not waited "
      "for is pending: one call",
      .run = change_after_unseen_event },
    { .id = "flt-second-target-replaces", CLAUSES(FLT_4, FLT_1),
      .summary = "a second target on a held fd replaces the first, interest and all",
      .run = second_target_replaces_first },
    { .id = "flt-replaces-on-reused-number", CLAUSES(FLT_4, LIM_3),
      .summary = "a target replacing one whose fd was closed unannounced and reused is "
      "waited for",
      .run = replacement_on_reused_number_is_waited_for },
    { .id = "flt-poll-filter-equivalence", CLAUSES(FLT_5),
      .summary = "native flags_for(r,w,e) acts as the boolean call, all 8 combinations",
      .run = poll_filter_matches_boolean_filter },
    { .id = "flt-poll-filter-zero-removes", CLAUSES(FLT_6, TMO_11),
      .summary = "set_poll_dispatch_filter(o, 0) removes o: not called, fd not waited on",
      .run = poll_filter_zero_removes, .flags = DCTS_F_TIMING },
    { .id = "flt-unknown-bits", CLAUSES(FLT_6),
      .summary = "flags with an unknown bit: refused, registration untouched, or "
      "accepted as their known interest",
      .run = unknown_bits_refused_or_registered },
    { .id = "flt-e-only-is-live", CLAUSES(FLT_7),
      .summary = "an E-only interest is a registration that hears the model's E events",
      .run = e_only_interest_is_live, .flags = DCTS_F_TCP },
    { .id = "flt-refused-flags-change-nothing", CLAUSES(FLT_6, ABI_5),
      .summary = "native flags refused for unknown bits leave the registration (or its "
      "absence) exactly as it was",
      .run = refused_flags_change_nothing },
    { 0 }
};
