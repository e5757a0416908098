/*
 * scale.c: dispatch among thousands of registrations (DSP-3, DSP-4, LIM-1).
 *
 * The other areas use a handful of fds; a backend that is correct for ten
 * can still fail for ten thousand: a poll array whose index goes stale when
 * entries move, a scan that stops early, an epoll_wait buffer that holds
 * only the first batch, a bitmap written past its end.  These cases
 * register thousands of eventfds, make a scattered few of them readable,
 * and check that exactly those are called.
 *
 * eventfds because each is one fd (a socketpair or pipe needs two) and is
 * idle until written: a counter of 0 is not readable, 1 is, and reading
 * it back to 0 consumes the event.
 *
 * A declared fd_limit is a capability (CONTRACT.md, "Optional
 * capabilities"): where the point of a case is the number of targets, it
 * scales down to fit under the limit; where the point is the size itself,
 * it SKIPs and names the limit.  Either way the case itself never needs
 * more than RLIMIT_NOFILE can be raised to, or it SKIPs and says why.
 */
#include "dcts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

/* fds a case leaves for the process's own (stdio, the harness's pipes)
 * below RLIMIT_NOFILE; below a declared fd_limit, dcts_fd_room counts. */
#define HEADROOM 256

/* The most probes a case here makes.  Static, so a case that fails half way
 * leaks nothing (the runtime closes the fds and frees the probes). */
#define MOST 30000
static dcts_probe *probes[MOST];
static char want[MOST];

/* ---- eventfd probes ------------------------------------------------------ */

/* A probe on a new idle eventfd, registered for R; the runtime closes the
 * fd when the case ends.  Fails the case, naming i, when the backend
 * refuses the registration (LIM-1: no fd under the declared limit may be
 * refused). */
static dcts_probe *idle_probe(dcts_t *t, const char *prefix, int i)
{
    char name[12];
    int fd = dcts_own_fd(t, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    int limit = t->be->fd_limit;

    if (limit > 0 && fd >= limit)
        SKIP("the process already holds too many fds: eventfd %d is at or "
             "past the backend's fd_limit %d", fd, limit);
    snprintf(name, sizeof name, "%s%d", prefix, i);
    dcts_probe *p = dcts_probe_new(t, name, fd);
    int rc = dcts_filter(t, p, 1, 0, 0);
    CHECK(rc == 0, "expected: registering %s on fd %d (R) returns 0; "
          "observed: %s", name, fd, dcts_code_name(rc));
    return p;
}

/* probes[0..n) on new idle eventfds, registered for R; want[] cleared. */
static void idle_probes(dcts_t *t, const char *prefix, int n)
{
    memset(want, 0, sizeof want);
    for (int i = 0; i < n; i++)
        probes[i] = idle_probe(t, prefix, i);
}

/* Makes p's eventfd readable (counter 1). */
static void make_ready(dcts_t *t, dcts_probe *p)
{
    uint64_t one = 1;

    NEED(write(p->target.fd, &one, sizeof one) == (ssize_t)sizeof one,
          "harness: writing eventfd %d: %s", p->target.fd, strerror(errno));
}

/* Makes p's eventfd idle again (counter 0). */
static void make_idle(dcts_probe *p)
{
    uint64_t count;

    if (read(p->target.fd, &count, sizeof count) < 0) {
        /* EAGAIN: it was idle already. */
    }
}

/* ---- checking a pass ----------------------------------------------------- */

/* After one pass: every probe with want[i] set was called exactly once,
 * with R and nothing else; no other of probes[0..n) was called.  what
 * names the situation in the failure message. */
static void expect_called(dcts_t *t, int n, const char *what)
{
    dcts_probe **p = probes;

    for (int i = 0; i < n; i++) {
        if (want[i]) {
            CHECK(p[i]->calls_this_pass == 1,
                  "expected: %s: readable %s (fd %d) called once in the "
                  "pass (DSP-3); observed: %d call(s)", what, p[i]->name,
                  p[i]->target.fd, p[i]->calls_this_pass);
            CHECK(p[i]->r && !p[i]->w,
                  "expected: %s: %s called with R only; observed: "
                  "r=%#lx w=%#lx e=%#lx", what, p[i]->name, p[i]->r,
                  p[i]->w, p[i]->e);
        } else {
            CHECK(p[i]->calls_this_pass == 0,
                  "expected: %s: idle or removed %s (fd %d) not called "
                  "(DSP-4, FLT-1); observed: r=%#lx w=%#lx e=%#lx", what,
                  p[i]->name, p[i]->target.fd, p[i]->r, p[i]->w, p[i]->e);
        }
    }
}

/* ---- DSP-3, DSP-4: 10,000 idle, 10 active -------------------------------- */

#define IDLE_WANTED 10000
#define ACTIVE 10
#define LEAST_IDLE 100          /* below this, "many idle" means nothing */

/* Spreads k of n indices evenly, first and last included. */
static int spread(int k, int of_k, int n)
{
    return (int)((long)k * (n - 1) / (of_k - 1));
}

/* DSP-3, DSP-4: 10,000 idle eventfds and 10 readable ones among them, the
 * first and the highest fd included.  One pass calls each of the 10
 * exactly once and no idle one; once they are drained, a pass calls no one.
 * Catches: a poll backend that stops scanning after n entries instead of
 * after n ready ones (the later actives are never called); a table, index
 * or bitmap of fixed size (1024, 4096 slots) that refuses, corrupts or
 * loses the fds past it; any backend that calls idle targets.  Under a
 * declared fd_limit (select: FD_SETSIZE) it runs with as many idle fds as
 * fit below the limit. */
static void ten_thousand_idle_ten_active(dcts_t *t)
{
    int idle = IDLE_WANTED, room = dcts_fd_room(t);

    if (room < idle + ACTIVE)
        idle = room > ACTIVE ? room - ACTIVE : 0;
    if (idle < LEAST_IDLE)
        SKIP_DECLARED("the backend's fd_limit %d leaves room for %d idle fds beside "
             "the %d active ones; the case needs at least %d", t->be->fd_limit,
             idle, ACTIVE, LEAST_IDLE);
    int n = idle + ACTIVE;
    dcts_need_nofile(t, n + HEADROOM);

    idle_probes(t, "E", n);
    for (int k = 0; k < ACTIVE; k++) {
        int i = spread(k, ACTIVE, n);
        want[i] = 1;
        make_ready(t, probes[i]);
    }

    OK(dcts_dispatch(t, 0));
    expect_called(t, n, "10 of many readable");
    for (int i = 0; i < n; i++)
        if (want[i])
            make_idle(probes[i]);
    memset(want, 0, sizeof want);
    OK(dcts_dispatch(t, 0));
    expect_called(t, n, "all drained");
}

/* ---- DSP-3, DSP-4, LIM-1: tens of thousands of fds ----------------------- */

#define MANY_WANTED MOST
#define MANY_FLOOR 16384        /* below this it is not "tens of thousands" */
#define SCATTERED 12

/* How many fds this process can have: the hard RLIMIT_NOFILE, which
 * dcts_need_nofile can raise the soft limit to. */
static long nofile_hard_limit(void)
{
    struct rlimit rl;

    /* As measured before the backend ran (dcts.h), when it was. */
    if (dcts_env_before.measured) {
        long hard = dcts_env_before.nofile_hard;
        return hard < 0 || hard > MANY_WANTED * 2L ? MANY_WANTED * 2L : hard;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)MANY_WANTED * 2)
        return (long)MANY_WANTED * 2;
    return (long)rl.rlim_max;
}

/* Marks in want[] a fixed scatter of k distinct indices below n, the last
 * one included. */
static void scatter(int n, int k)
{
    uint32_t x = 2463534242u;           /* xorshift32: the same every run */

    want[n - 1] = 1;
    for (int placed = 1; placed < k;) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        int i = (int)(x % (uint32_t)n);
        if (!want[i]) {
            want[i] = 1;
            placed++;
        }
    }
}

/* DSP-3, DSP-4, LIM-1: 30,000 eventfds (fewer if RLIMIT_NOFILE's hard
 * limit says so, but at least 16,384) all registered; 12 scattered ones
 * written: exactly those are called.  Then nine in ten are removed, half by
 * filter and half by socket_closed, in ascending order (so a poll backend
 * moves entries into every hole), a few of the written ones among them and
 * still readable; a few survivors are written too: exactly the readable
 * survivors are called.
 * Catches: a backend that refuses or corrupts fds past some size (LIM-1 for
 * fd_limit 0), a swap-remove that forgets to fix the moved fd's index (the
 * wrong target called, or a removed one), a scan or wait buffer that stops
 * early, and removed-but-readable fds still reported.  SKIPs under a
 * declared fd_limit below 16,384: its point is the size.
 * Also checks: FLT-1. */
static void tens_of_thousands(dcts_t *t)
{
    long room = nofile_hard_limit() - HEADROOM;
    int n = room < MANY_WANTED ? (int)room : MANY_WANTED;

    if (t->be->fd_limit > 0 && t->be->fd_limit < MANY_FLOOR + HEADROOM)
        SKIP_DECLARED("needs fds up to %d; the backend declares fd_limit %d",
             MANY_FLOOR + HEADROOM, t->be->fd_limit);
    if (n < MANY_FLOOR)
        SKIP("needs %d file descriptors; RLIMIT_NOFILE's hard limit allows "
             "only %ld", MANY_FLOOR + HEADROOM, room + HEADROOM);
    dcts_need_nofile(t, n + HEADROOM);

    idle_probes(t, "F", n);
    scatter(n, SCATTERED);
    for (int i = 0; i < n; i++)
        if (want[i])
            make_ready(t, probes[i]);
    OK(dcts_dispatch(t, 0));
    expect_called(t, n, "12 scattered readable of all registered");

    /* Keep one in ten; the written ones removed stay readable. */
    for (int i = 0; i < n; i++) {
        if (i % 10 == 3)
            continue;
        if (i % 2)
            OK(dcts_filter(t, probes[i], 0, 0, 0));
        else
            OK(dcts_closed(t, probes[i]->target.fd, probes[i]));
        want[i] = 0;
    }
    for (int i = 3; i < n; i += 10 * 997)
        if (!want[i]) {
            want[i] = 1;
            make_ready(t, probes[i]);
        }
    OK(dcts_dispatch(t, 0));
    expect_called(t, n, "after removing nine in ten");
}

const dcts_case dcts_cases_scale[] = {
    { .id = "dsp-10000-idle-10-active", CLAUSES(DSP_3, DSP_4),
      .summary = "among 10,000 idle registered fds, exactly the 10 readable ones are "
      "called",
      .run = ten_thousand_idle_ten_active, .flags = DCTS_F_SERIAL },
    { .id = "lim-tens-of-thousands-fds", CLAUSES(DSP_3, DSP_4, LIM_1, FLT_1),
      .summary = "up to 30,000 registered fds (at least 16,384): exactly the "
      "scattered readable ones are called, also after removing nine in ten",
      .run = tens_of_thousands, .flags = DCTS_F_SERIAL },
    { 0 }
};
