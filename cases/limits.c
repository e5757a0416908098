/*
 * limits.c: cases for the limits and bad-input clauses (LIM-1 .. LIM-4).
 *
 * A refused registration must leave the backend as it was: each case ends
 * by dispatching a control target, so a refusal that half-registered (or
 * scribbled past a table) shows as a wrong call, a missing one or a crash.
 */
#include "dcts.h"

#include <errno.h>
#include <limits.h>

/* ---- helpers ----------------------------------------------------------- */

/* Moves fd to number target, one of LIM-1's high numbers (1023, 1024,
 * 1100): SKIPs when it was taken before the backend was loaded, FAILs when
 * the backend took it since (fds are handed out lowest first, so only a
 * backend that aims at the number can hold it). */
static int move_to_free_fd(dcts_t *t, int fd, int target)
{
    dcts_need_free_fd(t, target);
    return dcts_move_fd(t, fd, target);
}

/* A probe (not registered) on a socket moved to fd number fd, with a byte
 * waiting to be read. */
static dcts_probe *readable_probe_at(dcts_t *t, const char *name, int fd)
{
    int peer;
    dcts_probe *p = dcts_probe_on_socketpair(t, name, &peer);

    p->target.fd = move_to_free_fd(t, p->target.fd, fd);
    dcts_write_byte(t, peer);
    return p;
}

/* Both filter calls, for every non-empty interest, refuse p; each rc must
 * satisfy ok (a negative errno, or a specific one). */
static void check_refused(dcts_t *t, dcts_probe *p, int (*ok)(int rc),
                          const char *want, const char *why)
{
    for (int i = 1; i < 8; i++) {
        int r = i & 1, w = !!(i & 2), e = !!(i & 4);
        int rc = dcts_filter(t, p, r, w, e);
        CHECK(ok(rc), "expected: set_dispatch_filter(%s, %d, %d, %d) on fd %d "
              "returns %s (%s); observed: %s", p->name, r, w, e,
              p->target.fd, want, why, dcts_code_name(rc));
        rc = dcts_poll_filter(t, p, t->be->flags_for(r, w, e));
        CHECK(ok(rc), "expected: set_poll_dispatch_filter(%s, %#lx) on fd %d "
              "returns %s (%s); observed: %s", p->name,
              t->be->flags_for(r, w, e), p->target.fd, want, why,
              dcts_code_name(rc));
    }
}

static int is_negative_errno(int rc)
{
    return rc < 0;
}

/* After refusals, a readable control target is dispatched with R, and
 * none of the refused probes (their fds readable too) is called. */
static void check_still_healthy(dcts_t *t, dcts_probe *const *refused,
                                size_t n)
{
    dcts_probe *control = dcts_ready_probe(t, "CTL", 1, 0, 0);

    OK(dcts_dispatch(t, 0));
    CHECK(control->calls == 1 && control->r, "expected: after the refusals, "
          "a readable control target is called once with R; observed: %d "
          "call(s), r=%#lx", control->calls, control->r);
    for (size_t i = 0; i < n; i++)
        CHECK(refused[i]->calls == 0, "expected: %s (fd %d, refused) is never "
              "called; observed: %d call(s)", refused[i]->name,
              refused[i]->target.fd, refused[i]->calls);
}

/* p, readable, registers through both filter calls and is dispatched with
 * R after each, alongside a readable control target on a low fd. */
static void check_accepted_and_dispatched(dcts_t *t, dcts_probe *p,
                                          const char *why)
{
    dcts_probe *control = dcts_ready_probe(t, "CTL", 1, 0, 0);
    int rc = dcts_filter(t, p, 1, 0, 0);

    CHECK(rc == 0, "expected: set_dispatch_filter(%s, 1, 0, 0) on fd %d "
          "returns 0 (%s); observed: %s", p->name, p->target.fd, why,
          dcts_code_name(rc));
    OK(dcts_dispatch(t, 0));
    CHECK(p->calls == 1 && p->r, "expected: %s (fd %d, readable) called once "
          "with R; observed: %d call(s), r=%#lx", p->name, p->target.fd,
          p->calls, p->r);
    rc = dcts_poll_filter(t, p, t->be->flags_for(1, 0, 0));
    CHECK(rc == 0, "expected: set_poll_dispatch_filter(%s, %#lx) on fd %d "
          "returns 0 (%s); observed: %s", p->name, t->be->flags_for(1, 0, 0),
          p->target.fd, why, dcts_code_name(rc));
    OK(dcts_dispatch(t, 0));
    CHECK(p->calls == 2 && p->r, "expected: %s (fd %d, still readable) "
          "called again with R; observed: %d call(s) in all", p->name,
          p->target.fd, p->calls);
    CHECK(control->calls == 2, "expected: the control target (fd %d) called "
          "on both passes; observed: %d call(s)", control->target.fd,
          control->calls);
}

/* ---- LIM-1: the fd limit -------------------------------------------------- */

/* LIM-1: fd 1100 (past select's FD_SETSIZE): refused when the declared
 * limit is at or below it, otherwise registered and dispatched.
 * Catches: FD_SET past the fd_set (memory corruption, or glibc's fortify
 * abort) when the limit is not enforced or not declared; a limit enforced
 * by set_dispatch_filter only; a refusal that half-registers. */
static void fd_1100(dcts_t *t)
{
    const int fd = 1100;

    dcts_need_nofile(t, fd + 100);
    dcts_probe *big = readable_probe_at(t, "BIG", fd);
    if (t->be->fd_limit > 0 && t->be->fd_limit <= fd) {
        check_refused(t, big, is_negative_errno, "a negative errno",
                      "at or past the declared fd_limit");
        check_still_healthy(t, &big, 1);
    } else {
        check_accepted_and_dispatched(t, big, t->be->fd_limit ?
                                      "below the declared fd_limit" :
                                      "no fd_limit declared");
    }
}

/* LIM-1: exactly at the declared limit is refused; one below works.
 * Catches: an off-by-one limit check (fd > limit instead of >=: FD_SET of
 * bit FD_SETSIZE), or a limit lower than declared (fd_limit - 1 refused
 * or never reported). */
static void fd_limit_boundary(dcts_t *t)
{
    const int limit = t->be->fd_limit;

    if (limit <= 0)
        SKIP_DECLARED("the backend declares no fd limit (fd_limit 0); lim-fd-1100 "
             "covers a high fd");
    dcts_need_nofile(t, (long)limit + 1);
    dcts_probe *at = readable_probe_at(t, "AT", limit);
    dcts_probe *below = readable_probe_at(t, "BELOW", limit - 1);

    check_refused(t, at, is_negative_errno, "a negative errno",
                  "fd == fd_limit");
    check_accepted_and_dispatched(t, below, "fd == fd_limit - 1");
    CHECK(at->calls == 0, "expected: AT (fd %d, refused) never called; "
          "observed: %d call(s)", limit, at->calls);
}

/* ---- LIM-2: negative fds -------------------------------------------------- */

static int is_ebadf_or_einval(int rc)
{
    return rc == -EBADF || rc == -EINVAL;
}

/* LIM-2: fds -1, -5 and INT_MIN are refused with -EBADF or -EINVAL by both
 * filter calls, and the backend goes on working.
 * Catches: a poll backend that accepts them (poll silently ignores
 * negative fds, so the target just never hears anything); a table indexed
 * by a negative fd (a write before the array); FD_SET(-1). */
static void negative_fds(dcts_t *t)
{
    static const int fds[] = { -1, -5, INT_MIN };
    dcts_probe *bad[3];

    for (size_t i = 0; i < 3; i++) {
        bad[i] = dcts_probe_new(t, "NEG", fds[i]);
        check_refused(t, bad[i], is_ebadf_or_einval, "-EBADF or -EINVAL",
                      "a negative fd");
    }
    check_still_healthy(t, bad, 3);
}

/* ---- LIM-3: an fd closed behind the backend's back ----------------------- */

/* LIM-3: a backend need not tell of a closed fd when it declares that its
 * mechanism drops one silently; DC_MODEL_EPOLL implies the declaration,
 * and so does DC_MODEL_OTHER, whose mechanism may be epoll's. */
static int closed_fd_may_go_untold(const dc_backend *be)
{
    return (be->caps & DC_CAP_CLOSED_FD_SILENT) ||
           be->event_model == DC_MODEL_EPOLL ||
           be->event_model == DC_MODEL_OTHER;   /* any mechanism: LIM-3 */
}

/* Whether B has been told of its closed fd in the form its model has. */
static int told_of_closed_fd(dcts_t *t, const dcts_probe *b)
{
    if (closed_fd_may_go_untold(t->be))
        return 1;           /* nothing to tell: the mechanism dropped it */
    switch (t->be->event_model) {
    case DC_MODEL_SELECT:
    case DC_MODEL_POLL:
        return (b->e_seen & t->be->flags_for(0, 0, 1)) != 0; /* E, POLLNVAL */
    default:
        return (b->r_seen | b->w_seen | b->e_seen) != 0;
    }
}

/* LIM-3, TMO-11: B's fd (b_fd, R interest) was just closed without
 * socket_closed; a, when not NULL, is readable (and drains itself).  Each
 * of two passes returns 0 and a gets its R in the first; B is told within
 * the two (unless the backend declares DC_CAP_CLOSED_FD_SILENT); after
 * socket_closed(B) idle waits sleep and B is not called again. */
static void expect_closed_fd_told(dcts_t *t, dcts_probe *a, dcts_probe *b,
                                  int b_fd)
{
    for (int pass = 1; pass <= 2; pass++) {
        int rc = dcts_dispatch(t, 0);
        CHECK(rc == 0, "expected: dispatch_once #%d with a registered fd "
              "closed behind the backend's back returns 0; observed: %s",
              pass, dcts_code_name(rc));
        if (a != NULL)
            CHECK(a->calls == 1 && a->r_seen, "expected: A (readable) "
                  "called with R in the first pass despite B's closed fd; "
                  "observed: %d call(s) after pass %d", a->calls, pass);
    }
    CHECK(told_of_closed_fd(t, b), "expected: %s (fd %d closed behind the "
          "backend's back%s) told within two passes%s, since the backend "
          "does not declare DC_CAP_CLOSED_FD_SILENT; observed: %d call(s), "
          "e seen %#lx", b->name, b_fd, a ? "" : ", nothing else ready",
          t->be->event_model == DC_MODEL_OTHER ? "" : " in E", b->calls,
          b->e_seen);
    OK(dcts_closed(t, b_fd, b));
    int b_calls = b->calls;
    dcts_expect_idle_wait(t, 30, "after socket_closed of the fd closed "
                          "behind the backend's back");
    CHECK(b->calls == b_calls, "expected: %s not called after its "
          "socket_closed; observed: %d more call(s)", b->name,
          b->calls - b_calls);
}

/* LIM-3: B's fd (R interest only) is closed without socket_closed while A
 * is readable (expect_closed_fd_told).  No fd is opened after the close,
 * so its number is not reused.
 * Catches: select's EBADF returned as -EBADF on every call (every target
 * wedged), a retry loop on EBADF that never ends or spins, the closed fd
 * dropped without telling its target, the fd kept in the sets after
 * socket_closed (every later wait fails at once: a busy loop).
 * Also checks: TMO-11. */
static void fd_closed_behind_the_back(dcts_t *t)
{
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);
    dcts_probe *b = dcts_probe_on_socketpair(t, "B", NULL);
    int b_fd = b->target.fd;

    a->action = dcts_act_drain;
    OK(dcts_filter(t, a, 1, 0, 0));
    OK(dcts_filter(t, b, 1, 0, 0));
    dcts_write_byte(t, peer);
    dcts_close(t, b_fd);
    expect_closed_fd_told(t, a, b, b_fd);
}

/* LIM-3: the same with nothing else ready: the closed fd is the only
 * news, and still reaches its target.
 * Catches: a select backend that, once the retry without the closed fd
 * finds nothing ready (0), returns "nothing happened" without reporting
 * the closed fd it found, so its target is never told.
 * Also checks: TMO-11. */
static void fd_closed_behind_the_back_alone(dcts_t *t)
{
    dcts_probe *b = dcts_probe_on_socketpair(t, "B", NULL);
    int b_fd = b->target.fd;

    OK(dcts_filter(t, b, 1, 0, 0));
    dcts_close(t, b_fd);
    expect_closed_fd_told(t, NULL, b, b_fd);
}

/* DSP-3, LIM-3: fd 0 is an fd like any other: readable, it is called;
 * closed behind the backend's back (a second socket there, closed before
 * any pass, as in lim-closed-behind-back), its target is told.  The case
 * process's fd 0 is the harness's /dev/null stdin, which no case reads,
 * so the first socket is moved onto it (dup2 closes the old one).
 * A context is also made while fd 0 is free, so that the backend's own
 * fd (an epoll fd) may be 0.
 * Catches: a loop over the fds (building the sets, reading the results,
 * looking for closed fds) that starts at 1, or "fd > 0" taken for "fd is
 * valid" (for the caller's fds or the backend's own).
 * Also checks: TMO-11. */
static void fd_zero(dcts_t *t)
{
    int peer;
    dcts_probe *z = dcts_probe_on_socketpair(t, "Z", &peer);

    dcts_close_keep_number(t, 0);       /* our stdin (/dev/null) goes */
    z->target.fd = dcts_move_fd(t, z->target.fd, 0);
    z->action = dcts_act_drain;
    OK(dcts_filter(t, z, 1, 0, 0));
    dcts_write_byte(t, peer);
    OK(dcts_dispatch(t, 0));
    CHECK(z->calls == 1 && z->r_seen, "expected: Z (fd 0, readable, R "
          "interest) called once with R; observed: %d call(s), r seen %#lx",
          z->calls, z->r_seen);
    OK(dcts_closed(t, 0, z));
    dcts_close(t, 0);
    dc_context *other = NULL;           /* its own fds may now take 0 */
    OK(t->be->create(&other));
    CHECK(other != NULL, "expected: create, with fd 0 free, sets a context");
    t->be->destroy(other);

    int sv[2];
    dcts_socketpair_at(t, sv, 0);       /* 0 is free: just closed */
    dcts_probe *b = dcts_probe_new(t, "B", sv[0]);
    OK(dcts_filter(t, b, 1, 0, 0));
    dcts_close(t, 0);
    expect_closed_fd_told(t, NULL, b, 0);
}

/* ---- LIM-4: NULL targets ---------------------------------------------------- */

/* Both filter calls refuse o with -EINVAL for every interest, removal
 * included. */
static void check_target_refused(dcts_t *t, dc_target *o, const char *what)
{
    for (int i = 0; i < 8; i++) {
        int r = i & 1, w = !!(i & 2), e = !!(i & 4);
        unsigned long flags = t->be->flags_for(r, w, e);
        int rc = t->be->set_dispatch_filter(t->ctx, o, r, w, e);
        CHECK(rc == -EINVAL, "expected: set_dispatch_filter(%s, %d, %d, %d) "
              "returns -EINVAL; observed: %s", what, r, w, e,
              dcts_code_name(rc));
        rc = t->be->set_poll_dispatch_filter(t->ctx, o, flags);
        CHECK(rc == -EINVAL, "expected: set_poll_dispatch_filter(%s, %#lx) "
              "returns -EINVAL; observed: %s", what, flags,
              dcts_code_name(rc));
    }
}

/* LIM-4: a NULL target is refused, removal included, and nothing changes.
 * Catches: o->fd read through NULL (a crash), NULL filed in the table
 * (a crash in the next pass), removal of NULL answered 0 after touching
 * the table. */
static void null_target(dcts_t *t)
{
    check_target_refused(t, NULL, "NULL");
    check_still_healthy(t, NULL, 0);
}

/* FLT-1, ABI-5: a target whose dispatch_event is NULL (a caller bug,
 * about which LIM-4 asks nothing) on the readable fd OWNER holds.  Its
 * registration may be refused or accepted.  Refused: OWNER still holds the
 * fd and is called (ABI-5).  Accepted: it replaced OWNER (FLT-4), so it is
 * removed again before any dispatch could call it.  Either way, removing
 * it (again) with both calls returns 0 and leaves OWNER alone (FLT-1).
 * Catches: a refusal that has already filed the target, or evicted OWNER,
 * before saying no; a removal that refuses (-EINVAL) what it need not
 * look at, or removes whatever holds the fd. */
static void null_dispatch_event(dcts_t *t)
{
    static dc_target hollow;    /* static: valid whatever the backend keeps */
    const char *what = "HOLLOW (dispatch_event NULL, on OWNER's fd)";
    dcts_probe *owner = dcts_ready_probe(t, "OWNER", 1, 0, 0);

    hollow.fd = owner->target.fd;
    hollow.dispatch_event = NULL;
    int registered = t->be->set_dispatch_filter(t->ctx, &hollow, 1, 0, 0);
    CHECK(registered <= 0 && registered > -4096, "expected: "
          "set_dispatch_filter(%s, 1, 0, 0) returns 0 or a negative errno; "
          "observed: %s", what, dcts_code_name(registered));
    if (registered == 0) {      /* accepted: it holds the fd now (FLT-4) */
        OK(t->be->set_dispatch_filter(t->ctx, &hollow, 0, 0, 0));
        OK(dcts_filter(t, owner, 1, 0, 0));
    }
    int rc = t->be->set_dispatch_filter(t->ctx, &hollow, 0, 0, 0);
    CHECK(rc == 0, "expected: set_dispatch_filter(%s, 0, 0, 0), removal of "
          "a target not registered, returns 0 (FLT-1); observed: %s", what,
          dcts_code_name(rc));
    rc = t->be->set_poll_dispatch_filter(t->ctx, &hollow, 0);
    CHECK(rc == 0, "expected: set_poll_dispatch_filter(%s, 0) returns 0 "
          "(FLT-1, FLT-6); observed: %s", what, dcts_code_name(rc));
    OK(dcts_dispatch(t, 0));
    CHECK(owner->calls == 1 && owner->r, "expected: OWNER (readable) still "
          "holds its fd after %s and the removals of HOLLOW, and is called "
          "once with R; observed: %d call(s), r=%#lx", registered == 0 ?
          "HOLLOW's registration" : "the refused registration of HOLLOW",
          owner->calls, owner->r);
    check_still_healthy(t, NULL, 0);
}

const dcts_case dcts_cases_limits[] = {
    { .id = "lim-fd-1100", CLAUSES(LIM_1),
      .summary = "fd 1100 is refused at or past fd_limit, otherwise works",
      .run = fd_1100, .budget_s = 2 },
    { .id = "lim-fd-limit-boundary", CLAUSES(LIM_1),
      .summary = "fd == fd_limit is refused; fd_limit - 1 registers and is dispatched",
      .run = fd_limit_boundary, .budget_s = 2 },
    { .id = "lim-negative-fd", CLAUSES(LIM_2),
      .summary = "fds -1, -5 and INT_MIN are refused with -EBADF or -EINVAL",
      .run = negative_fds, .budget_s = 2 },
    { .id = "lim-closed-behind-back", CLAUSES(LIM_3, TMO_11),
      .summary = "an fd closed without socket_closed: no crash, wedge or spin; told in E",
      .run = fd_closed_behind_the_back, .budget_s = 2 },
    { .id = "lim-closed-behind-back-alone", CLAUSES(LIM_3, TMO_11),
      .summary = "an fd closed without socket_closed, nothing else ready: told in E",
      .run = fd_closed_behind_the_back_alone, .budget_s = 2 },
    { .id = "lim-fd-zero", CLAUSES(DSP_3, LIM_3, TMO_11),
      .summary = "fd 0 is dispatched, and told in E when closed behind the backend",
      .run = fd_zero, .budget_s = 2 },
    { .id = "lim-null-target", CLAUSES(LIM_4),
      .summary = "a NULL target is refused with -EINVAL by both filter calls",
      .run = null_target, .budget_s = 2 },
    { .id = "lim-null-dispatch-event", CLAUSES(FLT_1, ABI_5),
      .summary = "a target whose dispatch_event is NULL: a refused registration "
      "changes nothing, and removing it is harmless",
      .run = null_dispatch_event, .budget_s = 2 },
    { 0 }
};
