/*
 * faults.c: cases that make resources run out under a live backend
 * (ABI-4, ABI-5): allocations that fail inside create, a registration
 * sequence and dispatch_once, and a process with no free descriptor.
 *
 * Allocation failures come from the harness's own malloc (runtime/alloc.c).
 * Each case sweeps: it fails the 1st allocation the operations make, then
 * the 2nd, and so on, until a run makes fewer allocations than the one
 * armed to fail, so every allocation site the operations reach has failed
 * once.  After each failure it checks that the call returned a negative
 * errno (or coped and returned 0), that the context is exactly what it
 * was, that the call works when retried, and that nothing allocated or
 * opened by a failed call is kept.  Under valgrind and sanitizers, whose
 * allocators replace the harness's, these cases SKIP and say so.
 *
 * Two more faults have their cases elsewhere, not repeated here: a storm
 * of signals during a wait, with an event arriving mid-wait
 * (tmo-signal-event-not-lost, TMO-9/TMO-10, cases/timeout.c), and an fd
 * closed behind the backend's back (lim-closed-behind-back, LIM-3, with
 * its "no busy loop" check, cases/limits.c).
 */
#include "dcts.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Sweeps stop here: a backend making more allocations than this in one
 * create or registration sequence has had its first ones failed, which
 * covers the sites that matter (the first of each kind). */
#define SWEEP_MAX 256

/* fds scanned when counting what is open: far above what a case uses (the
 * harness's own result pipe sits at 500). */
#define FD_SCAN_END 1024

/* The fd the growing registrations use: high enough that every table the
 * backend keeps by fd must grow to hold it, low enough for select's
 * FD_SETSIZE and clear of the harness's result pipe.  (A backend whose
 * fd_limit is lower keeps C on its own low fd.) */
#define HIGH_FD 300

static int is_negative_errno(int rc)
{
    return rc < 0 && rc > -4096;
}

static int open_fd_count(void)
{
    int n = 0;
    for (int fd = 0; fd < FD_SCAN_END; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* Destroys t->ctx, if any: each round of a sweep makes its own. */
static void drop_context(dcts_t *t)
{
    dc_context *ctx = t->ctx;
    t->ctx = NULL;
    if (ctx)
        t->be->destroy(ctx);
}

/* ---- create ------------------------------------------------------------ */

/* ctx (just made) works: a registration of a (readable) returns 0 and one
 * dispatch calls it once with R.  Then ctx is destroyed. */
static void use_and_destroy(dcts_t *t, dc_context *ctx, dcts_probe *a,
                            const char *how)
{
    double zero = 0;
    int calls = a->calls;
    a->calls_this_pass = 0;             /* a pass of ctx, not of t->ctx */
    int rc = t->be->set_dispatch_filter(ctx, &a->target, 1, 0, 0);
    int drc = rc == 0 ? t->be->dispatch_once(ctx, &zero, NULL, NULL) : 0;
    t->be->destroy(ctx);
    CHECK(rc == 0, "expected: a context made by create %s registers a "
          "target; observed: %s", how, dcts_code_name(rc));
    CHECK(drc == 0 && a->calls == calls + 1 && a->r != 0,
          "expected: a context made by create %s dispatches a readable "
          "target once with R; observed: dispatch_once %s, %d call(s), "
          "r=%#lx", how, dcts_code_name(drc), a->calls - calls, a->r);
}

/* ABI-4, ABI-5, CLS-6: create with its 1st, 2nd, ... allocation failing.
 * Each time it returns a negative errno, having kept no memory, no fd and
 * set no context, or it copes and returns a context that works; a create
 * right after works.  A warm-up create/destroy first, so that whatever a
 * backend allocates once per process is not taken for a leak.
 * Catches: a create that returns 0 with a NULL or half-built context when
 * calloc fails, or dereferences the NULL; a failed create that keeps what
 * it allocated before the failure, or the epoll fd it had opened; -1 or a
 * positive code instead of -ENOMEM; a destroy that misses what create
 * allocated. */
static void create_under_enomem(dcts_t *t)
{
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    dcts_need_alloc_injection(t);
    dcts_write_byte(t, peer);
    dc_context *ctx = NULL;
    OK(t->be->create(&ctx));
    use_and_destroy(t, ctx, a, "(warm-up)");

    for (long n = 1; n <= SWEEP_MAX; n++) {
        long bytes = dcts_alloc_live_bytes();
        int fds = open_fd_count();
        ctx = NULL;
        dcts_alloc_fail_nth(n);
        int rc = t->be->create(&ctx);
        int fired = dcts_alloc_disarm();
        dcts_trace(t, "create with allocation %ld failing: %s%s", n,
                   dcts_code_name(rc), fired ? "" : " (no such allocation)");
        CHECK(rc == 0 || (fired && is_negative_errno(rc)), "expected: "
              "create returns 0%s; observed: %s", fired ? " or a negative "
              "errno when an allocation fails" : " (no allocation failed)",
              dcts_code_name(rc));
        const char *what = fired ? "failed" : "was never made";
        if (rc == 0) {
            CHECK(ctx != NULL, "expected: create returning 0 sets a context "
                  "(allocation %ld %s); observed: NULL", n, what);
            use_and_destroy(t, ctx, a, fired ? "that saw an allocation fail"
                            : "");
        } else {
            CHECK(ctx == NULL, "expected: a failed create (%s, allocation "
                  "%ld failed) sets no context", dcts_code_name(rc), n);
        }
        long kept = dcts_alloc_live_bytes() - bytes;
        CHECK(kept == 0, "expected: %s frees everything; observed: %ld "
              "byte(s) still allocated (allocation %ld %s)",
              rc == 0 ? "create then destroy" : "a failed create", kept, n,
              what);
        CHECK(open_fd_count() == fds, "expected: %s closes every fd it "
              "opened; observed: %d fd(s) more open (allocation %ld %s)",
              rc == 0 ? "create then destroy" : "a failed create",
              open_fd_count() - fds, n, what);
        if (!fired)
            return;                     /* every allocation has failed once */
        if (rc != 0) {                  /* the next create works */
            ctx = NULL;
            OK(t->be->create(&ctx));
            use_and_destroy(t, ctx, a, "right after a failed create");
        }
    }
}

/* ---- a registration sequence ---------------------------------------------- */

/* Who takes part: A and A2 share A's fd (A2 replaces A, FLT-4); C sits on
 * HIGH_FD so the backend's tables grow for it. */
enum { A, A2, B, C, MEMBERS };

typedef struct member {
    dcts_probe *p;
    int registered;
    int r, w;                   /* the interest the model says it has */
} member;

typedef enum { SET, SET_NATIVE, CLOSED, REMOVE } step_op;

typedef struct step {
    step_op op;
    int who;
    int r, w;
    const char *what;
} step;

static const step sequence[] = {
    { SET,        A,  1, 0, "set_dispatch_filter(A, R)" },
    { SET_NATIVE, B,  1, 0, "set_poll_dispatch_filter(B, flags_for(R))" },
    { SET,        C,  1, 0, "set_dispatch_filter(C on a high fd, R)" },
    { SET,        A,  1, 1, "set_dispatch_filter(A, R|W) (a change)" },
    { SET,        A2, 1, 0, "set_dispatch_filter(A2 on A's fd, R) (replaces A)" },
    { CLOSED,     B,  0, 0, "socket_closed(B's fd, B)" },
    { SET_NATIVE, B,  1, 1, "set_poll_dispatch_filter(B, flags_for(R|W))" },
    { REMOVE,     C,  0, 0, "set_dispatch_filter(C, 0, 0, 0)" },
    { SET,        C,  1, 0, "set_dispatch_filter(C, R) (again)" },
};
#define STEPS (sizeof sequence / sizeof sequence[0])

static int run_step(dcts_t *t, member *m, const step *s)
{
    dcts_probe *p = m[s->who].p;
    switch (s->op) {
    case SET:
        return dcts_filter(t, p, s->r, s->w, 0);
    case SET_NATIVE:
        return dcts_poll_filter(t, p, t->be->flags_for(s->r, s->w, 0));
    case CLOSED:
        return dcts_closed(t, p->target.fd, p);
    case REMOVE:
        return dcts_filter(t, p, 0, 0, 0);
    }
    return 0;
}

/* What a successful step does to the model. */
static void apply_step(member *m, const step *s)
{
    member *who = &m[s->who];
    if (s->op == CLOSED || s->op == REMOVE) {
        who->registered = 0;
        return;
    }
    for (int i = 0; i < MEMBERS; i++)   /* FLT-4: one target per fd */
        if (m[i].p->target.fd == who->p->target.fd)
            m[i].registered = 0;
    who->registered = 1;
    who->r = s->r, who->w = s->w;
}

/* Every member is readable and writable all the time, so one dispatch
 * shows the whole registry: the registered ones are called once, with R,
 * and with W exactly when their interest has it (EVT-3); the others not. */
static void check_registry(dcts_t *t, const member *m, const char *when)
{
    int rc = dcts_dispatch(t, 0);
    CHECK(rc == 0, "expected: dispatch_once(0) %s returns 0; observed: %s",
          when, dcts_code_name(rc));
    for (int i = 0; i < MEMBERS; i++) {
        const dcts_probe *p = m[i].p;
        if (!m[i].registered) {
            CHECK(p->calls_this_pass == 0, "expected: %s, which is not "
                  "registered %s, not called; observed: called (r=%#lx "
                  "w=%#lx)", p->name, when, p->r, p->w);
            continue;
        }
        CHECK(p->calls_this_pass == 1 && p->r != 0 &&
              (p->w != 0) == (m[i].w != 0),
              "expected: %s (registered with R%s) called once %s with R%s; "
              "observed: %d call(s) (the last with r=%#lx w=%#lx)", p->name,
              m[i].w ? "|W" : "", when, m[i].w ? " and W" : " and no W",
              p->calls_this_pass, p->r, p->w);
    }
}

/* One round: a fresh context, the sequence with the nth of its own
 * allocations failing (the checks between steps may allocate freely).
 * Returns 1 if the failure happened, 0 if the sequence made fewer than n
 * allocations.  The context is destroyed at the end, and must have kept
 * nothing. */
static int registration_round(dcts_t *t, member *m, long n)
{
    long left = n;
    int fired_at = -1;
    char when[192];

    dcts_trace_clear(t);
    drop_context(t);
    long bytes = dcts_alloc_live_bytes();
    OK(t->be->create(&t->ctx));
    CHECK(t->ctx != NULL, "expected: create returns a context");
    for (int i = 0; i < MEMBERS; i++)
        m[i].registered = 0;
    for (size_t k = 0; k < STEPS; k++) {
        const step *s = &sequence[k];
        long before = dcts_alloc_count();
        int armed = fired_at < 0;
        if (armed)
            dcts_alloc_fail_nth(left);
        int rc = run_step(t, m, s);
        int fired = dcts_alloc_disarm() && armed;
        left -= dcts_alloc_count() - before;
        if (!fired) {
            CHECK(rc == 0, "expected: %s returns 0 (no allocation failed); "
                  "observed: %s", s->what, dcts_code_name(rc));
            apply_step(m, s);
            snprintf(when, sizeof when, "after %s", s->what);
            check_registry(t, m, when);
            continue;
        }
        fired_at = (int)k;
        dcts_trace(t, "allocation %ld (in %s) failed: %s", n, s->what,
                   dcts_code_name(rc));
        CHECK(rc == 0 || is_negative_errno(rc), "expected: %s returns 0 or "
              "a negative errno when an allocation in it fails; observed: %s",
              s->what, dcts_code_name(rc));
        if (rc == 0)
            apply_step(m, s);           /* it coped: the step happened */
        snprintf(when, sizeof when, "after %s %s", s->what, rc == 0 ?
                 "coped with a failed allocation" : "failed (ENOMEM)");
        check_registry(t, m, when);     /* a failure changed nothing */
        if (rc != 0) {
            rc = run_step(t, m, s);
            CHECK(rc == 0, "expected: %s, retried after it failed for "
                  "want of memory, returns 0; observed: %s", s->what,
                  dcts_code_name(rc));
            apply_step(m, s);
            snprintf(when, sizeof when, "after %s was retried", s->what);
            check_registry(t, m, when);
        }
    }
    drop_context(t);
    long kept = dcts_alloc_live_bytes() - bytes;
    CHECK(kept == 0, "expected: a context that saw %s frees everything at "
          "destroy; observed: %ld byte(s) still allocated",
          fired_at < 0 ? "no failure" : sequence[fired_at].what, kept);
    return fired_at >= 0;
}

/* ABI-4, ABI-5: a sequence of registrations, changes, a replacement, a
 * socket_closed and removals, run again and again with its 1st, 2nd, ...
 * allocation failing.  After every step one dispatch shows the whole
 * registry; a failed step must have changed nothing, and works when
 * retried; every context frees all it allocated.
 * Catches: a registration filed in the registry before the table that
 * holds its wait entry could grow, so a failed call leaves a target that
 * is registered but never waited for (or a wait entry with no target);
 * a replacement that evicts the old holder before its own allocation
 * failed; a growth that loses the old table when realloc fails; a crash
 * on the NULL from malloc; -1 instead of -ENOMEM. */
static void registration_under_enomem(dcts_t *t)
{
    member m[MEMBERS];
    int peer[MEMBERS];

    memset(m, 0, sizeof m);
    m[A].p = dcts_probe_on_socketpair(t, "A", &peer[A]);
    m[A2].p = dcts_probe_new(t, "A2", m[A].p->target.fd);
    m[B].p = dcts_probe_on_socketpair(t, "B", &peer[B]);
    m[C].p = dcts_probe_on_socketpair(t, "C", &peer[C]);
    if (t->be->fd_limit == 0 || t->be->fd_limit > HIGH_FD)   /* LIM-1 */
        m[C].p->target.fd = dcts_move_fd(t, m[C].p->target.fd, HIGH_FD);
    dcts_need_alloc_injection(t);
    dcts_write_byte(t, peer[A]);
    dcts_write_byte(t, peer[B]);
    dcts_write_byte(t, peer[C]);

    registration_round(t, m, 0);        /* the plain sequence works */
    for (long n = 1; n <= SWEEP_MAX; n++)
        if (!registration_round(t, m, n))
            return;
}

/* ---- a registry that grows ------------------------------------------------ */

#define GROWTH_MAX 100

/* One round: a fresh context, targets registered one by one with the nth
 * allocation of the whole sequence failing; after the failing call (and
 * its retry) one pass must show exactly the targets registered.  Returns
 * 1 if the failure happened, 0 if the sequence made fewer than n
 * allocations. */
static int growth_round(dcts_t *t, dcts_probe **p, int count, long n)
{
    int fired = -1, rc = 0;
    long left = n;

    dcts_trace_clear(t);
    drop_context(t);
    long bytes = dcts_alloc_live_bytes();
    OK(t->be->create(&t->ctx));
    for (int i = 0; i < count && fired < 0 && n > 0; i++) {
        long before = dcts_alloc_count();
        dcts_alloc_fail_nth(left);
        rc = dcts_filter(t, p[i], 1, 0, 0);
        if (dcts_alloc_disarm()) {
            fired = i;
            break;
        }
        left -= dcts_alloc_count() - before;
        CHECK(rc == 0, "expected: registering %s returns 0 (no allocation "
              "failed); observed: %s", p[i]->name, dcts_code_name(rc));
    }
    if (n == 0)                         /* the plain sequence works */
        for (int i = 0; i < count; i++)
            OK(dcts_filter(t, p[i], 1, 0, 0));
    if (fired >= 0) {
        CHECK(rc == 0 || is_negative_errno(rc), "expected: registering %s "
              "(target %d) returns 0 or a negative errno when an allocation "
              "in it fails; observed: %s", p[fired]->name, fired + 1,
              dcts_code_name(rc));
        int upto = rc == 0 ? fired + 1 : fired;
        OK(dcts_dispatch(t, 0));
        for (int i = 0; i <= fired; i++)
            CHECK(p[i]->calls_this_pass == (i < upto),
                  "expected: after registering %s %s, %s %s; observed: %d "
                  "call(s)", p[fired]->name, rc == 0 ? "coped with a failed "
                  "allocation" : "failed for want of memory", p[i]->name,
                  i < upto ? "(registered, readable) called once"
                           : "(its registration failed) not called",
                  p[i]->calls_this_pass);
        if (rc != 0) {
            rc = dcts_filter(t, p[fired], 1, 0, 0);
            CHECK(rc == 0, "expected: registering %s again after it failed "
                  "for want of memory returns 0; observed: %s",
                  p[fired]->name, dcts_code_name(rc));
            OK(dcts_dispatch(t, 0));
            for (int i = 0; i <= fired; i++)
                CHECK(p[i]->calls_this_pass == 1, "expected: after the "
                      "retry every registered target called once; observed: "
                      "%s %d call(s)", p[i]->name, p[i]->calls_this_pass);
        }
    }
    drop_context(t);
    long kept = dcts_alloc_live_bytes() - bytes;
    CHECK(kept == 0, "expected: a context that grew to %d targets frees "
          "everything at destroy; observed: %ld byte(s) still allocated",
          fired >= 0 ? fired + 1 : count, kept);
    return fired >= 0;
}

/* ABI-4, ABI-5: up to 100 readable targets registered one by one, again
 * and again with the 1st, 2nd, ... allocation of the whole sequence
 * failing, so that each growth of each of the backend's tables fails
 * once: the failed registration changed nothing and works when retried.
 * Catches: a registration filed (in a hash map, in the fd index) before
 * the table that must grow for it has grown, so a failed growth leaves a
 * target registered but never waited for, or a slot the next lookup
 * trips on; a growth that loses the old table when realloc fails. */
static void growth_under_enomem(dcts_t *t)
{
    int room = dcts_fd_room(t);
    int count = room == INT_MAX || room / 2 - 8 > GROWTH_MAX ? GROWTH_MAX
                                                             : room / 2 - 8;
    dcts_probe *p[GROWTH_MAX];

    if (count < 16)
        SKIP_DECLARED("the backend's fd_limit leaves room for only %d targets",
             count < 0 ? 0 : count);
    dcts_need_alloc_injection(t);
    for (int i = 0; i < count; i++) {
        char name[12];
        int peer;
        snprintf(name, sizeof name, "G%d", i);
        p[i] = dcts_probe_on_socketpair(t, name, &peer);
        dcts_write_byte(t, peer);
    }
    growth_round(t, p, count, 0);
    for (long n = 1; n <= SWEEP_MAX; n++)
        if (!growth_round(t, p, count, n))
            return;
}

/* ---- dispatch_once --------------------------------------------------------- */

/* ABI-4, ABI-5, DSP-2: three readable targets; dispatch_once(0) with its
 * 1st, 2nd, ... allocation failing returns 0 having called all three, or
 * a negative errno; then the next dispatch_once calls each of them once.
 * Catches: a pass that dereferences a NULL snapshot; a failed pass that
 * marks the ready targets as handled, so their events are lost; -1 or a
 * positive code instead of -ENOMEM. */
static void dispatch_under_enomem(dcts_t *t)
{
    dcts_probe *p[3] = {
        dcts_ready_probe(t, "A", 1, 0, 0),
        dcts_ready_probe(t, "B", 1, 0, 0),
        dcts_ready_probe(t, "C", 1, 0, 0),
    };

    dcts_need_alloc_injection(t);
    for (long n = 1; n <= SWEEP_MAX; n++) {
        dcts_trace_clear(t);
        dcts_alloc_fail_nth(n);
        int rc = dcts_dispatch(t, 0);
        int fired = dcts_alloc_disarm();
        CHECK(rc == 0 || (fired && is_negative_errno(rc)), "expected: "
              "dispatch_once returns 0%s; observed: %s", fired ? " or a "
              "negative errno when an allocation fails" : " (no allocation "
              "failed)", dcts_code_name(rc));
        const char *how = rc != 0 ? "in the pass after one that failed"
                          : fired ? "in a pass that coped with a failed "
                                    "allocation"
                          : "in a pass with no failure";
        if (rc != 0) {                  /* nothing may be lost: try again */
            rc = dcts_dispatch(t, 0);
            CHECK(rc == 0, "expected: dispatch_once returns 0 %s; observed: "
                  "%s", how, dcts_code_name(rc));
        }
        for (int i = 0; i < 3; i++)
            CHECK(p[i]->calls_this_pass == 1 && p[i]->r != 0,
                  "expected: %s (readable) called once with R %s; observed: "
                  "%d call(s)", p[i]->name, how, p[i]->calls_this_pass);
        if (!fired)
            return;
    }
}

/* ---- no free descriptor --------------------------------------------------- */

/* RLIMIT_NOFILE's soft limit while the descriptors run out: above every
 * fd a case has open (a few dozen at most), below the result pipe. */
#define FD_LIMIT 128

/* The fds taken to fill the table, given back by release_fds. */
typedef struct fd_fill {
    int fd[FD_LIMIT + 2];
    int n;
} fd_fill;

/* Takes every free fd below the lowered limit, or SKIPs when the limit is
 * not enforced (valgrind keeps a limit of its own). */
static void exhaust_fds(dcts_t *t, fd_fill *fill)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        SKIP("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
    /* The limit before the backend ran decides a SKIP (dcts.h). */
    long before = dcts_env_before.measured ? dcts_env_before.nofile_soft
                  : rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
    if (before >= 0 && before < FD_LIMIT)
        SKIP("RLIMIT_NOFILE is %ld already, below the %d this case sets",
             before, FD_LIMIT);
    rl.rlim_cur = FD_LIMIT;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        CHECK(!dcts_env_before.measured, "cannot set RLIMIT_NOFILE to %d: "
              "%s; its hard limit was %ld before the backend was loaded, "
              "and the backend lowered it (a SKIP is for the environment, "
              "not for what the backend did)", FD_LIMIT, strerror(errno),
              dcts_env_before.nofile_hard);
        SKIP("cannot lower RLIMIT_NOFILE to %d: %s", FD_LIMIT,
             strerror(errno));
    }
    for (fill->n = 0;;) {
        int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            NEED(errno == EMFILE, "harness: filling the fd table: %s",
                  strerror(errno));
            return;
        }
        fill->fd[fill->n++] = dcts_own_fd(t, fd);
        if (fill->n == FD_LIMIT + 2)
            SKIP("RLIMIT_NOFILE lowered to %d does not stop new fds here "
                 "(valgrind keeps a limit of its own)", FD_LIMIT);
    }
}

static void release_fds(dcts_t *t, fd_fill *fill)
{
    while (fill->n > 0)
        dcts_close(t, fill->fd[--fill->n]);
}

/* ABI-4, ABI-5: with every fd taken (RLIMIT_NOFILE lowered, the table
 * filled), a registration, a filter change, a dispatch, a second create
 * and a socket_closed each work or return a negative errno, and leave the
 * registry as the model says; a failed create keeps no fd and (where the
 * allocator is interposed) no memory.  Once fds are
 * free again everything works.
 * Catches: a backend that needs a new fd per call (a pipe or an eventfd
 * to wake itself, a dup for the kernel) and crashes or returns -1 when it
 * gets none, or half-registers a target; a create that leaks its
 * half-made context when epoll_create fails with EMFILE. */
static void operations_without_free_fds(dcts_t *t)
{
    int peer_a, peer_b;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer_a);
    dcts_probe *b = dcts_probe_on_socketpair(t, "B", &peer_b);

    dcts_write_byte(t, peer_a);
    dcts_write_byte(t, peer_b);
    OK(dcts_filter(t, a, 1, 0, 0));
    fd_fill fill;
    exhaust_fds(t, &fill);

    int rb = dcts_filter(t, b, 1, 0, 0);
    int ra = dcts_filter(t, a, 1, 1, 0);
    CHECK((rb == 0 || is_negative_errno(rb)) &&
          (ra == 0 || is_negative_errno(ra)), "expected: with no free fd, "
          "registering B and changing A's interest return 0 or a negative "
          "errno; observed: %s and %s", dcts_code_name(rb),
          dcts_code_name(ra));
    int rc = dcts_dispatch(t, 0);
    CHECK(rc == 0 || is_negative_errno(rc), "expected: with no free fd, "
          "dispatch_once returns 0 or a negative errno; observed: %s",
          dcts_code_name(rc));
    if (rc == 0) {
        CHECK(a->calls == 1 && a->r && (a->w != 0) == (ra == 0),
              "expected: with no free fd, A called once with R%s (its "
              "change %s); observed: %d call(s), r=%#lx w=%#lx",
              ra == 0 ? " and W" : " only", ra == 0 ? "worked" : "failed",
              a->calls, a->r, a->w);
        CHECK(b->calls == (rb == 0), "expected: with no free fd, B called "
              "%s (its registration %s); observed: %d call(s)",
              rb == 0 ? "once" : "never", rb == 0 ? "worked" : "failed",
              b->calls);
    }

    int fds = open_fd_count();
    int counted = dcts_alloc_injection_unavailable() == NULL;
    long live = counted ? dcts_alloc_live_bytes() : 0;
    dc_context *other = NULL;
    int rcreate = t->be->create(&other);
    if (rcreate != 0 && counted)
        CHECK(dcts_alloc_live_bytes() == live, "expected: a failed create "
              "keeps no memory; observed: %ld bytes more in use",
              dcts_alloc_live_bytes() - live);
    CHECK(rcreate == 0 || is_negative_errno(rcreate), "expected: with no "
          "free fd, create returns 0 or a negative errno; observed: %s",
          dcts_code_name(rcreate));
    if (rcreate == 0) {
        CHECK(other != NULL, "expected: create returning 0 sets a context");
        t->be->destroy(other);
    }
    CHECK(open_fd_count() == fds, "expected: with no free fd, %s keeps no "
          "fd; observed: %d more open", rcreate == 0 ? "create then destroy"
          : "a failed create", open_fd_count() - fds);
    OK(dcts_closed(t, b->target.fd, b));

    release_fds(t, &fill);           /* fds are free again */
    dcts_trace_clear(t);
    OK(dcts_filter(t, b, 1, 0, 0));
    OK(dcts_filter(t, a, 1, 0, 0));
    OK(dcts_dispatch(t, 0));
    CHECK(a->calls_this_pass == 1 && b->calls_this_pass == 1,
          "expected: once fds are free again, A and B (readable) are each "
          "called once; observed: A %d, B %d call(s)", a->calls_this_pass,
          b->calls_this_pass);
}

const dcts_case dcts_cases_faults[] = {
    { .id = "fault-enomem-create", CLAUSES(ABI_4, ABI_5, CLS_6),
      .summary = "create with its 1st, 2nd, ... allocation failing: -ENOMEM and no "
      "leak, or a working context",
      .run = create_under_enomem, .budget_s = 10, .flags = DCTS_F_FAULT },
    { .id = "fault-enomem-registration", CLAUSES(ABI_4, ABI_5),
      .summary = "registrations with their 1st, 2nd, ... allocation failing leave the "
      "registry as it was, and work when retried",
      .run = registration_under_enomem,
      .budget_s = 10, .flags = DCTS_F_FAULT },
    { .id = "fault-enomem-growth", CLAUSES(ABI_4, ABI_5),
      .summary = "up to 100 registrations with the 1st, 2nd, ... allocation failing, "
      "each growth in turn: the failed one changed nothing, the retry works",
      .run = growth_under_enomem, .budget_s = 10, .flags = DCTS_F_FAULT },
    { .id = "fault-enomem-dispatch", CLAUSES(ABI_4, ABI_5, DSP_2),
      .summary = "dispatch_once with an allocation failing returns -ENOMEM or 0 and "
      "loses no event",
      .run = dispatch_under_enomem, .budget_s = 5, .flags = DCTS_F_FAULT },
    { .id = "fault-no-free-fd", CLAUSES(ABI_4, ABI_5),
      .summary = "with every fd taken, operations work or return a negative errno; "
      "afterwards all works",
      .run = operations_without_free_fds,
      .budget_s = 5, .flags = DCTS_F_FAULT },
    { 0 }
};
