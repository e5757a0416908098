/*
 * closing.c: cases for the CLS-* clauses (CLS-1 .. CLS-7): socket_closed
 * before and after close(), fd numbers reused by the kernel, stale and
 * unknown calls, and destroy.
 *
 * The kernel hands out the lowest free fd number, so a socket opened right
 * after a close() usually takes the old number; dcts_socketpair_at makes
 * sure of it.  That is the situation socket_closed exists for: a backend
 * that keys its table by fd must never confuse the old owner and the new.
 */
#include "dcts.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* When the application calls socket_closed: before close() (CLS-1 allows
 * either), or after it; KEEP_NUMBER closes the file but keeps the number
 * for the case (dcts_close_keep_number), for a case that puts a new socket
 * there after calling the backend, which may open fds of its own. */
enum close_order { BEFORE_CLOSE, AFTER_CLOSE, AFTER_CLOSE_KEEP_NUMBER };

/* What an application does with a connection it drops: tell the backend,
 * then close; the probe is freed, so any later call on it fails the case
 * (DSP-6).  order may swap the first two steps (CLS-1). */
static void drop_connection(dcts_t *t, dcts_probe *p, enum close_order order)
{
    int fd = p->target.fd;
    if (order == AFTER_CLOSE)
        dcts_close(t, fd);
    else if (order == AFTER_CLOSE_KEEP_NUMBER)
        dcts_close_keep_number(t, fd);
    int rc = dcts_closed(t, fd, p);
    CHECK(rc == 0, "expected: socket_closed(%d, %s) %s close() returns 0; "
          "observed: %s", fd, p->name, order == BEFORE_CLOSE ? "before"
          : "after", dcts_code_name(rc));
    if (order == BEFORE_CLOSE)
        dcts_close(t, fd);
    dcts_probe_free(t, p);
}

/* A socket on fd (just freed) with a byte waiting, and nothing registered
 * on it; returns the probe for it (not registered). */
static dcts_probe *readable_socket_at(dcts_t *t, const char *name, int fd)
{
    int sv[2];
    dcts_socketpair_at(t, sv, fd);
    dcts_write_byte(t, sv[1]);
    return dcts_probe_new(t, name, sv[0]);
}

/* ---- CLS-1, CLS-2: before or after close, and the number reused --------- */

/* CLS-1, CLS-2: socket_closed while the socket is still open (and
 * readable) removes A at once: the pass before close() and the one after
 * do not call it; B, ready beside it, is called in both.
 * Catches: a socket_closed that does nothing (or only marks the fd, to be
 * dropped when the wait fails on it later). */
static void closed_before_close(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 0);
    dcts_probe *b = dcts_ready_probe(t, "B", 1, 0, 0);
    int fd = a->target.fd;

    OK(dcts_closed(t, fd, a));
    OK(dcts_dispatch(t, 0));
    CHECK(a->calls == 0, "expected: A not called after socket_closed, even "
          "though fd %d is still open and readable; observed: %d call(s)",
          fd, a->calls);
    dcts_close(t, fd);
    dcts_probe_free(t, a);
    OK(dcts_dispatch(t, 0));
    CHECK(b->calls == 2, "expected: B (ready) called in both passes; "
          "observed: %d call(s)", b->calls);
}

/* CLS-1: close() first, socket_closed after: returns 0, and the next
 * passes work (rc 0) without ever calling A; B is still called.
 * Catches: a socket_closed that asks the kernel about the fd (epoll_ctl
 * DEL, fcntl) and fails with -EBADF, or gives up before removing A. */
static void closed_after_close(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 0, 1);
    dcts_probe *b = dcts_ready_probe(t, "B", 1, 0, 0);

    drop_connection(t, a, AFTER_CLOSE);
    for (int pass = 1; pass <= 2; pass++)
        OK(dcts_dispatch(t, 0));
    CHECK(b->calls == 2, "expected: B (ready) called in both passes; "
          "observed: %d call(s)", b->calls);
}

/* CLS-2: O is dropped, a new readable socket takes O's fd number and
 * nothing is registered on it: nobody is called.  Then N registers
 * there: N alone is called.
 * Catches: a backend whose table still routes the fd to O (a socket_closed
 * that marks instead of removing), or that lets the new socket's events
 * reach O. */
static void reused_number_not_routed_to_old(dcts_t *t)
{
    dcts_probe *o = dcts_ready_probe(t, "O", 1, 0, 0);
    int fd = o->target.fd;

    drop_connection(t, o, BEFORE_CLOSE);
    dcts_probe *n = readable_socket_at(t, "N", fd);
    OK(dcts_dispatch(t, 0));
    OK(dcts_filter(t, n, 1, 0, 0));
    OK(dcts_dispatch(t, 0));
    CHECK(n->calls == 1 && n->r,
          "expected: N, registered on reused fd %d, called with R; "
          "observed: %d call(s), r=%#lx", fd, n->calls, n->r);
}

/* CLS-2 (its note on duplicated files), CLS-1, TMO-11: O's fd is
 * duplicated, as a forked child or a dup2 would, then closed, and only
 * then socket_closed; a new socket takes the number (kept for it by the
 * case meanwhile, so that an epoll fd the backend makes anew cannot take
 * it).  The old file, alive through the duplicate, becomes readable: with
 * nobody holding the number the waits sleep (one may end early while the
 * backend finds the stale entry, TMO-11), and once N registers there N is
 * not called for it (only for its own byte).  select and poll keep no
 * kernel state; an epoll backend has to see the stale entry for what it
 * is.
 * Catches: an epoll backend that files kernel events by fd number alone:
 * epoll registers the file, EPOLL_CTL_DEL on a closed number cannot remove
 * the entry, and the surviving entry's events reach whoever holds the
 * number now, or, held by no one, end every wait at once (a busy loop). */
static void duplicate_outlives(dcts_t *t, dcts_probe *bystander,
                               int bystander_peer)
{
    int peer, sv[2];
    dcts_probe *o = dcts_probe_on_socketpair(t, "O", &peer);
    if (bystander != NULL) {            /* see the case below */
        dcts_close_keep_number(t, 0);   /* our stdin (/dev/null) goes */
        o->target.fd = dcts_move_fd(t, o->target.fd, 0);
    }
    int fd = o->target.fd;

    OK(dcts_filter(t, o, 1, 0, 0));
    OK(dcts_dispatch(t, 0));            /* the wait has seen the fd */
    dcts_own_fd(t, dup(fd));            /* the file outlives the number */
    /* With a bystander, O's number (0, the lowest) is let go: a backend
     * that rebuilds its epoll set gets 0 for the new epoll fd, which it
     * must not take for a failure.  Alone, the number is kept for N. */
    drop_connection(t, o, bystander ? AFTER_CLOSE : AFTER_CLOSE_KEEP_NUMBER);
    dcts_write_byte(t, peer);           /* the old file is readable now */
    dcts_expect_idle_wait(t, 30, "the only readable file is one whose fd "
                          "was closed and socket_closed, kept open by a "
                          "duplicate");
    if (bystander != NULL && dcts_fd_is_open(fd))
        SKIP_DECLARED("the backend took fd %d for itself meanwhile (CLS-6 "
                      "lets it): the case cannot reuse the number", fd);
    dcts_socketpair_at(t, sv, fd);      /* free, or kept for this */
    dcts_probe *n = dcts_probe_new(t, "N", sv[0]);
    OK(dcts_filter(t, n, 1, 0, 0));
    OK(dcts_dispatch(t, 0));
    CHECK(n->calls == 0, "expected: N (fd %d, idle) not called for O's old "
          "file, kept open by a duplicate; observed: %d call(s), r=%#lx",
          fd, n->calls, n->r);
    dcts_expect_idle_wait(t, 30, "N, on the reused number, has nothing to "
                          "read; the readable file is O's old one");
    dcts_write_byte(t, sv[1]);
    if (bystander != NULL)
        dcts_write_byte(t, bystander_peer);
    OK(dcts_dispatch(t, 0));
    CHECK(n->calls == 1 && n->r, "expected: N called with R for its own "
          "byte; observed: %d call(s), r=%#lx", n->calls, n->r);
    if (bystander != NULL)
        CHECK(bystander->calls == 1 && bystander->r, "expected: %s (another "
              "fd, registered all along) called with R once its byte came; "
              "observed: %d call(s), r=%#lx", bystander->name,
              bystander->calls, bystander->r);
}

/* CLS-2, CLS-1, TMO-11: the scenario above with O alone. */
static void duplicate_outlives_closed_fd(dcts_t *t)
{
    duplicate_outlives(t, NULL, -1);
}

/* CLS-2, CLS-1: the same with K, another target, registered (R, idle) all
 * along: whatever the backend does about the old file's stale entry (an
 * epoll backend may rebuild its epoll set from the registry), K is still
 * waited for, and called once its byte comes.  O is on fd 0 (the case
 * process's /dev/null stdin, replaced): the lowest number, so the new
 * epoll fd of a backend's rebuild gets 0 (then the case SKIPs at the
 * end, the backend's choice; CLS-6).
 * Catches: an epoll rebuild that drops or mangles the other registrations
 * (a copy loop that skips some, a wrong tag, the old epoll fd kept), or
 * that takes a new epoll fd of 0 for a failure and keeps the stale entry
 * (every wait then ends at once).
 * Also checks: TMO-11. */
static void duplicate_outlives_closed_fd_others_kept(dcts_t *t)
{
    int peer;
    dcts_probe *k = dcts_probe_on_socketpair(t, "K", &peer);

    OK(dcts_filter(t, k, 1, 0, 0));
    duplicate_outlives(t, k, peer);
}

/* ---- CLS-3 .. CLS-5: which target goes ---------------------------------- */

/* CLS-3: socket_closed(fd, NULL) removes A, whoever it is; the fd stays
 * open and readable, so a kept registration would show; B stays.
 * Catches: a backend that treats a NULL target as "matches nobody". */
static void closed_null_removes_holder(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 0);
    dcts_probe *b = dcts_ready_probe(t, "B", 1, 0, 0);

    OK(dcts_closed(t, a->target.fd, NULL));
    for (int pass = 1; pass <= 2; pass++)
        OK(dcts_dispatch(t, 0));
    CHECK(a->calls == 0, "expected: A, removed by socket_closed(%d, NULL), "
          "not called; observed: %d call(s)", a->target.fd, a->calls);
    CHECK(b->calls == 2, "expected: B (another fd) still called; observed: "
          "%d call(s)", b->calls);
}

/* CLS-4: socket_closed for fds nobody registered (an open fd, a closed
 * one, 100000, INT_MAX) returns 0; for -1, 0 or a negative errno; A,
 * registered and ready, is still called once per pass afterwards.
 * Catches: a backend that indexes its table by fd without a bound check
 * (a crash on 100000), reports "not found" as an error, or removes the
 * wrong slot. */
static void closed_unknown_fd_harmless(dcts_t *t)
{
    int peer, gone[2];
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    dcts_write_byte(t, peer);
    OK(dcts_filter(t, a, 1, 0, 0));
    dcts_pipe(t, gone);
    dcts_close(t, gone[0]);
    const int unknown[] = { peer, gone[0], 100000, INT_MAX };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int rc = dcts_closed(t, unknown[i], NULL);
        CHECK(rc == 0, "expected: socket_closed(%d, NULL) for an fd nobody "
              "registered returns 0; observed: %s", unknown[i],
              dcts_code_name(rc));
    }
    int rc = dcts_closed(t, -1, NULL);
    CHECK(rc == 0 || (rc < 0 && rc > -4096),
          "expected: socket_closed(-1, NULL) returns 0 or a negative errno; "
          "observed: %s", dcts_code_name(rc));
    for (int pass = 1; pass <= 2; pass++) {
        OK(dcts_dispatch(t, 0));
        CHECK(a->calls == pass, "expected: A (registered, readable) still "
              "called in pass %d; observed: %d call(s)", pass, a->calls);
    }
}

/* CLS-4: socket_closed twice on the same target returns 0 both times; the
 * other targets are untouched, and A can be registered again and works.
 * Catches: a backend that counts registrations down on every call (a
 * second call corrupts the count, and the buffers sized by it), or errs on
 * the second call.
 * Also checks: FLT-2. */
static void closed_twice_harmless(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 0, 0);
    dcts_probe *others[3];
    int fd = a->target.fd;

    for (int i = 0; i < 3; i++) {
        char name[24];
        snprintf(name, sizeof name, "B%d", i);
        others[i] = dcts_ready_probe(t, name, 1, 0, 0);
    }
    OK(dcts_closed(t, fd, a));
    int rc = dcts_closed(t, fd, a);
    CHECK(rc == 0, "expected: a second socket_closed(%d, A) returns 0; "
          "observed: %s", fd, dcts_code_name(rc));
    rc = dcts_closed(t, fd, NULL);
    CHECK(rc == 0, "expected: a third, socket_closed(%d, NULL), returns 0; "
          "observed: %s", fd, dcts_code_name(rc));
    OK(dcts_dispatch(t, 0));
    CHECK(a->calls == 0, "expected: A not called after socket_closed; "
          "observed: %d call(s)", a->calls);
    OK(dcts_filter(t, a, 1, 0, 0));
    OK(dcts_dispatch(t, 0));
    CHECK(a->calls == 1, "expected: A, registered again, called; observed: "
          "%d call(s)", a->calls);
    for (int i = 0; i < 3; i++)
        CHECK(others[i]->calls == 2, "expected: %s (ready) called in both "
              "passes; observed: %d call(s)", others[i]->name,
              others[i]->calls);
}

/* CLS-5: O is dropped, N takes O's fd number and registers; a stale
 * socket_closed(fd, O) (e.g. from O's delayed cleanup) must leave N alone.
 * Catches: a backend whose socket_closed removes whatever holds fd,
 * ignoring which target it was called for.
 * Also checks: CLS-2. */
static void stale_closed_keeps_new_holder(dcts_t *t)
{
    dcts_probe *o = dcts_ready_probe(t, "O", 1, 0, 0);
    int fd = o->target.fd;

    drop_connection(t, o, BEFORE_CLOSE);
    dcts_probe *n = readable_socket_at(t, "N", fd);
    OK(dcts_filter(t, n, 1, 0, 0));
    int rc = dcts_closed(t, fd, o);
    CHECK(rc == 0, "expected: a stale socket_closed(%d, O) returns 0; "
          "observed: %s", fd, dcts_code_name(rc));
    OK(dcts_dispatch(t, 0));
    CHECK(n->calls == 1 && n->r,
          "expected: N, now holding fd %d, still called with R after the "
          "stale socket_closed(%d, O); observed: %d call(s)", fd, fd,
          n->calls);
}

/* CLS-5, FLT-4: N replaces O on the same (open) fd; socket_closed(fd, O)
 * then leaves N registered, and O is never called.
 * Catches: the same "remove whatever holds fd" mistake, reached through a
 * replacement rather than a reused number. */
static void closed_for_replaced_keeps_replacement(dcts_t *t)
{
    dcts_probe *o = dcts_ready_probe(t, "O", 1, 0, 0);
    dcts_probe *n = dcts_probe_new(t, "N", o->target.fd);

    OK(dcts_filter(t, n, 1, 0, 0));
    OK(dcts_closed(t, o->target.fd, o));
    OK(dcts_dispatch(t, 0));
    CHECK(o->calls == 0 && n->calls == 1,
          "expected: N (which replaced O on fd %d) called and O not, after "
          "socket_closed(%d, O); observed: N %d call(s), O %d",
          o->target.fd, o->target.fd, n->calls, o->calls);
}

/* ---- CLS-6, CLS-7: destroy, and the caller's fds ------------------------ */

#define AT_DESTROY 6

/* Destroys the case's context now, so the case can look at what is left;
 * the runtime then has nothing to destroy. */
static void destroy_now(dcts_t *t)
{
    dc_context *ctx = t->ctx;
    t->ctx = NULL;
    t->be->destroy(ctx);
}

static int total_calls(dcts_probe **p, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += p[i]->calls;
    return k;
}

/* Destroys with p[0..n) registered; no call may happen and their fds
 * must stay open. */
static void destroy_and_check(dcts_t *t, dcts_probe **p, int n)
{
    int before = total_calls(p, n);

    destroy_now(t);
    CHECK(total_calls(p, n) == before,
          "expected: destroy calls no target; observed: %d call(s)",
          total_calls(p, n) - before);
    for (int i = 0; i < n; i++)
        CHECK(dcts_fd_is_open(p[i]->target.fd),
              "expected: %s's fd %d still open after destroy; observed: "
              "closed", p[i]->name, p[i]->target.fd);
}

/* CLS-6, CLS-7: destroy with six targets registered and ready (R, W,
 * errors all asked for): no target is called, every fd stays open.
 * Catches: a destroy that "flushes" pending events or tells each target it
 * is going away, or that closes the registered fds. */
static void destroy_calls_no_target(dcts_t *t)
{
    dcts_probe *p[AT_DESTROY];

    for (int i = 0; i < AT_DESTROY; i++) {
        char name[24];
        snprintf(name, sizeof name, "D%d", i);
        p[i] = dcts_ready_probe(t, name, 1, 1, 1);
    }
    destroy_and_check(t, p, AT_DESTROY);
}

#define RAISED 7                /* what the targets below return */

/* CLS-6, ERR-7: destroy right after a pass that ended early (a raise with
 * no handler) with ready targets never called: destroy calls none of them.
 * Catches: a backend that keeps the rest of an interrupted pass and
 * delivers it when the context is torn down. */
static void destroy_after_propagation_calls_no_target(dcts_t *t)
{
    dcts_probe *p[AT_DESTROY];

    for (int i = 0; i < AT_DESTROY; i++) {
        char name[24];
        snprintf(name, sizeof name, "D%d", i);
        p[i] = dcts_ready_probe(t, name, 1, 1, 0);
        p[i]->ret = RAISED;
    }
    int rc = dcts_dispatch(t, 0);
    CHECK(rc == RAISED && total_calls(p, AT_DESTROY) == 1,
          "expected: the pass ends at the first raise (rc %d, one call); "
          "observed: rc %s, %d call(s)", RAISED, dcts_code_name(rc),
          total_calls(p, AT_DESTROY));
    destroy_and_check(t, p, AT_DESTROY);
}

/* One step that must leave every fd open. */
static void fds_still_open(dcts_t *t, const int *fds, int n, const char *step)
{
    for (int i = 0; i < n; i++)
        CHECK(dcts_fd_is_open(fds[i]), "expected: fd %d still open after "
              "%s (the backend never closes a caller's fd); observed: closed",
              fds[i], step);
}

/* CLS-7: every way of letting go of a registration (socket_closed, with
 * and without the target; all-false filter; native flags 0; replacement)
 * and destroy leave the caller's fds (sockets and pipe ends) open.
 * Catches: a backend that close()s the fd it was told about, thinking it
 * owns it (in socket_closed, removal, replacement or destroy). */
static void backend_never_closes_caller_fds(dcts_t *t)
{
    int pp[2];
    dcts_probe *p[6];
    int fds[7];

    for (int i = 0; i < 5; i++) {
        char name[24];
        snprintf(name, sizeof name, "F%d", i);
        p[i] = dcts_ready_probe(t, name, 1, 1, 0);
        fds[i] = p[i]->target.fd;
    }
    dcts_pipe(t, pp);
    p[5] = dcts_probe_new(t, "P", pp[1]);
    OK(dcts_filter(t, p[5], 0, 1, 0));
    fds[5] = pp[0], fds[6] = pp[1];
    dcts_probe *replacement = dcts_probe_new(t, "R", fds[4]);

    OK(dcts_closed(t, fds[0], p[0]));
    fds_still_open(t, fds, 7, "socket_closed(fd, o)");
    OK(dcts_closed(t, fds[1], NULL));
    fds_still_open(t, fds, 7, "socket_closed(fd, NULL)");
    OK(dcts_filter(t, p[2], 0, 0, 0));
    fds_still_open(t, fds, 7, "set_dispatch_filter(o, 0, 0, 0)");
    OK(dcts_poll_filter(t, p[3], 0));
    fds_still_open(t, fds, 7, "set_poll_dispatch_filter(o, 0)");
    OK(dcts_filter(t, replacement, 1, 0, 0));
    fds_still_open(t, fds, 7, "a replacing registration");
    OK(dcts_dispatch(t, 0));
    fds_still_open(t, fds, 7, "dispatch_once");
    destroy_now(t);
    fds_still_open(t, fds, 7, "destroy");
}

const dcts_case dcts_cases_closing[] = {
    { .id = "cls-closed-before-close", CLAUSES(CLS_1, CLS_2),
      .summary = "socket_closed before close() removes the target at once",
      .run = closed_before_close },
    { .id = "cls-closed-after-close", CLAUSES(CLS_1),
      .summary = "socket_closed after close() returns 0 and removes the target",
      .run = closed_after_close },
    { .id = "cls-reused-fd-not-routed-to-old", CLAUSES(CLS_2),
      .summary = "a new socket on a closed target's fd number never reaches the old "
      "target",
      .run = reused_number_not_routed_to_old },
    { .id = "cls-duplicate-others-kept", CLAUSES(CLS_2, CLS_1, TMO_11),
      .summary = "a duplicated fd closed before socket_closed: the other targets are "
      "still waited for",
      .run = duplicate_outlives_closed_fd_others_kept,
      .flags = DCTS_F_TIMING },
    { .id = "cls-duplicate-outlives-fd", CLAUSES(CLS_2, CLS_1, TMO_11),
      .summary = "a closed fd's file kept open by a dup never reaches the number's new "
      "holder, nor spins",
      .run = duplicate_outlives_closed_fd, .flags = DCTS_F_TIMING },
    { .id = "cls-closed-null-removes-holder", CLAUSES(CLS_3),
      .summary = "socket_closed(fd, NULL) removes whichever target holds fd",
      .run = closed_null_removes_holder },
    { .id = "cls-unknown-fd-harmless", CLAUSES(CLS_4),
      .summary = "socket_closed for unregistered, closed, huge and negative fds is "
      "harmless",
      .run = closed_unknown_fd_harmless },
    { .id = "cls-closed-twice-harmless", CLAUSES(CLS_4, FLT_2),
      .summary = "socket_closed called twice returns 0 and changes nothing else",
      .run = closed_twice_harmless },
    { .id = "cls-stale-closed-keeps-new-holder", CLAUSES(CLS_5, CLS_2),
      .summary = "a stale socket_closed(fd, old) after the number was reused keeps the "
      "new target",
      .run = stale_closed_keeps_new_holder },
    { .id = "cls-closed-for-replaced-keeps-new", CLAUSES(CLS_5, FLT_4),
      .summary = "socket_closed(fd, replaced target) keeps the replacement",
      .run = closed_for_replaced_keeps_replacement },
    { .id = "cls-destroy-calls-no-target", CLAUSES(CLS_6, CLS_7),
      .summary = "destroy with ready targets calls none and closes no fd",
      .run = destroy_calls_no_target },
    { .id = "cls-destroy-after-propagation", CLAUSES(CLS_6, ERR_7),
      .summary = "destroy after a pass ended early calls none of the pending targets",
      .run = destroy_after_propagation_calls_no_target },
    { .id = "cls-never-closes-caller-fds", CLAUSES(CLS_7),
      .summary = "no removal, replacement or destroy closes a caller's fd",
      .run = backend_never_closes_caller_fds },
    { 0 }
};
