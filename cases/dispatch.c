/*
 * dispatch.c: cases for the DSP-* clauses (DSP-1 .. DSP-9): one call per
 * target per pass, level-triggered reports, every ready target called and
 * no idle one, and a registry that callbacks may change under the loop.
 *
 * The order in which a backend calls its ready targets is unspecified.  A
 * case about one callback acting on another target therefore gives every
 * target the same action, "if nobody has acted yet, act on the others":
 * whoever the backend calls first acts, and the checks are on the rest.
 */
#include "dcts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* Cases that need n socketpairs: the process limit, and the backend's
 * own (SKIPs naming it). */
static void need_socketpairs(dcts_t *t, int n)
{
    dcts_need_fd_room(t, 2 * n);
}

/* n ready probes named prefix0, prefix1, ... with interest (r, w, e). */
static void ready_probes(dcts_t *t, dcts_probe **p, int n, const char *prefix,
                         int r, int w, int e)
{
    for (int i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        p[i] = dcts_ready_probe(t, name, r, w, e);
    }
}

/* ---- DSP-1, DSP-2: one combined call, reported while pending ------------ */

/* DSP-1: readable and writable, with R|W interest: one call, both fields.
 * Catches: a backend that walks its read set and its write set separately
 * and calls the target once for each (or drops one field). */
static void one_call_with_all_fields(dcts_t *t)
{
    dcts_probe *a = dcts_ready_probe(t, "A", 1, 1, 0);

    for (int pass = 1; pass <= 2; pass++) {
        OK(dcts_dispatch(t, 0));
        CHECK(a->calls_this_pass == 1,
              "expected: pass %d calls A (readable and writable) exactly "
              "once; observed: %d call(s)", pass, a->calls_this_pass);
        CHECK(a->r && a->w,
              "expected: R and W both set in that one call; observed: "
              "r=%#lx w=%#lx", a->r, a->w);
    }
}

/* DSP-2: what is not consumed is reported on every call, for R and for W.
 * Catches: an edge-triggered backend (EPOLLET, or one that remembers what
 * it already reported) that calls A once and then falls silent. */
static void unconsumed_reported_every_call(dcts_t *t)
{
    dcts_probe *rd = dcts_ready_probe(t, "R", 1, 0, 0);
    dcts_probe *wr = dcts_probe_on_socketpair(t, "W", NULL);

    OK(dcts_filter(t, wr, 0, 1, 0));
    for (int pass = 1; pass <= 3; pass++) {
        OK(dcts_dispatch(t, 0));
        CHECK(rd->calls == pass && rd->r,
              "expected: R (a byte left unread) called with R in each of 3 "
              "passes; observed: %d call(s) after pass %d", rd->calls, pass);
        CHECK(wr->calls == pass && wr->w,
              "expected: W (always writable) called with W in each of 3 "
              "passes; observed: %d call(s) after pass %d", wr->calls, pass);
    }
}

/* Reads one byte per call. */
static int act_read_one(dcts_t *t, dcts_probe *p, unsigned long r,
                        unsigned long w, unsigned long e)
{
    char c;
    (void)t, (void)w, (void)e;
    if (r && read(p->target.fd, &c, 1) != 1)
        p->user = p;                    /* flag: the read failed */
    return 0;
}

/* DSP-2, DSP-4: two bytes, one read per call: reported twice, then never.
 * Catches: an edge-triggered backend (no new data, so no second report),
 * and one whose ready list is sticky (a third call on a drained socket). */
static void reported_until_consumed(dcts_t *t)
{
    int peer;
    dcts_probe *a = dcts_probe_on_socketpair(t, "A", &peer);

    a->action = act_read_one;
    dcts_write_byte(t, peer);
    dcts_write_byte(t, peer);
    OK(dcts_filter(t, a, 1, 0, 0));
    for (int pass = 1; pass <= 3; pass++)
        OK(dcts_dispatch(t, 0));
    CHECK(a->calls == 2,
          "expected: A called in passes 1 and 2 (a byte left each time) and "
          "not in pass 3 (drained); observed: %d call(s)", a->calls);
    CHECK(a->user == NULL, "expected: A called with R only while a byte "
          "is there; observed: a read in one of its calls found nothing");
}

/* ---- DSP-3, DSP-4: everyone ready, and nobody else ---------------------- */

#define MANY_READY 80

/* DSP-3: 80 readable targets, one pass, all called.
 * Catches: a backend that calls only the first ready target per pass, or
 * at most one batch of events (epoll_wait's maxevents, 32 or 64), or that
 * walks fds below its registration count instead of below the highest fd. */
static void every_ready_target_called(dcts_t *t)
{
    dcts_probe *p[MANY_READY];
    int missed = 0, first_missed = -1;

    need_socketpairs(t, MANY_READY);
    ready_probes(t, p, MANY_READY, "T", 1, 0, 0);
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < MANY_READY; i++)
        if (p[i]->calls != 1 && missed++ == 0)
            first_missed = i;
    CHECK(missed == 0,
          "expected: all %d readable targets called once in one pass; "
          "observed: %d not called (first: T%d on fd %d)", MANY_READY,
          missed, first_missed, first_missed >= 0 ? p[first_missed]->target.fd : -1);
}

#define IDLE_SILENT 30
#define IDLE_FULL 5
#define FEW_READY 3

/* DSP-4: idle targets (nothing to read; or W wanted on a full socket) are
 * never called, while a few ready ones are.
 * Catches: a backend that calls every registered target each pass (with
 * empty fields), or that reports the wrong fd's readiness to a neighbour. */
static void idle_targets_not_called(dcts_t *t)
{
    dcts_probe *idle[IDLE_SILENT + IDLE_FULL], *ready[FEW_READY];
    int nidle = IDLE_SILENT + IDLE_FULL;

    need_socketpairs(t, IDLE_SILENT + IDLE_FULL + FEW_READY);
    for (int i = 0; i < nidle; i++) {
        char name[24];
        snprintf(name, sizeof name, "I%d", i);
        idle[i] = dcts_probe_on_socketpair(t, name, NULL);
        if (i < IDLE_SILENT) {
            OK(dcts_filter(t, idle[i], 1, 0, 1));
        } else {
            dcts_fill(t, idle[i]->target.fd);
            OK(dcts_filter(t, idle[i], 0, 1, 0));
        }
    }
    ready_probes(t, ready, FEW_READY, "Y", 1, 0, 0);
    for (int pass = 1; pass <= 2; pass++) {
        OK(dcts_dispatch(t, 0));
        for (int i = 0; i < FEW_READY; i++)
            CHECK(ready[i]->calls == pass,
                  "expected: ready target %s called in pass %d; observed: "
                  "%d call(s)", ready[i]->name, pass, ready[i]->calls);
    }
    for (int i = 0; i < nidle; i++)
        CHECK(idle[i]->calls == 0,
              "expected: idle target %s (fd %d, %s) never called; observed: "
              "%d call(s)", idle[i]->name, idle[i]->target.fd,
              i < IDLE_SILENT ? "R|E interest, nothing to read"
                              : "W interest, send buffer full",
              idle[i]->calls);
}

/* ---- DSP-5 .. DSP-7: the first caller acts on the other ----------------- */

/* Two ready targets A and B, each set to do `deed` to the other if it is
 * called first.  The deed sees the duel: actor, victim, and what it did. */
typedef struct duel duel;
struct duel {
    void (*deed)(dcts_t *t, duel *d);
    dcts_probe *actor;          /* who was called first, or NULL */
    dcts_probe *victim;         /* the other one */
    int victim_fd;              /* its fd, kept after it is closed */
    dcts_probe *planted;        /* DSP-7: the newcomer on victim_fd */
    int planted_peer;
    int rc;                     /* the first non-zero return of the deed */
};

static int act_first_on_other(dcts_t *t, dcts_probe *p, unsigned long r,
                              unsigned long w, unsigned long e)
{
    duel *d = p->user;
    (void)r, (void)w, (void)e;
    if (d->actor == NULL) {
        d->actor = p;
        d->victim = p->other;
        d->victim_fd = p->other->target.fd;
        d->deed(t, d);
    }
    return 0;
}

/* A and B, registered and ready, dispatched once: one of them must be
 * called and the deed must go through. */
static void run_duel_on(dcts_t *t, duel *d, dcts_probe *a, dcts_probe *b)
{
    a->other = b, b->other = a;
    a->user = b->user = d;
    a->action = b->action = act_first_on_other;
    OK(dcts_dispatch(t, 0));
    CHECK(d->actor != NULL,
          "expected: A or B (both ready) called; observed: neither");
    CHECK(d->rc == 0, "expected: the operations made from %s's callback "
          "return 0; observed: %s", d->actor->name, dcts_code_name(d->rc));
}

/* Makes A and B ready with interest (r, w, e), then run_duel_on. */
static void run_duel(dcts_t *t, duel *d, int r, int w, int e)
{
    run_duel_on(t, d, dcts_ready_probe(t, "A", r, w, e),
                dcts_ready_probe(t, "B", r, w, e));
}

static void note_rc(duel *d, int rc)
{
    if (d->rc == 0)
        d->rc = rc;
}

static void deed_narrow_to_write(dcts_t *t, duel *d)
{
    note_rc(d, dcts_filter(t, d->victim, 0, 1, 0));
}

static void deed_narrow_to_read(dcts_t *t, duel *d)
{
    note_rc(d, dcts_filter(t, d->victim, 1, 0, 0));
}

static void deed_remove(dcts_t *t, duel *d)
{
    note_rc(d, dcts_filter(t, d->victim, 0, 0, 0));
}

static void deed_close_and_free(dcts_t *t, duel *d)
{
    note_rc(d, dcts_closed(t, d->victim_fd, d->victim));
    dcts_close(t, d->victim_fd);
    dcts_probe_free(t, d->victim);
}

static void deed_remove_and_free(dcts_t *t, duel *d)
{
    note_rc(d, dcts_filter(t, d->victim, 0, 0, 0));
    dcts_probe_free(t, d->victim);
}

/* Closes the victim, then opens a socket on its fd number (not readable)
 * and registers a newcomer C there for R. */
static void deed_close_and_plant(dcts_t *t, duel *d)
{
    int sv[2];
    deed_close_and_free(t, d);
    dcts_socketpair_at(t, sv, d->victim_fd);
    d->planted = dcts_probe_new(t, "C", sv[0]);
    d->planted_peer = sv[1];
    note_rc(d, dcts_filter(t, d->planted, 1, 0, 0));
}

/* DSP-5: the first called narrows the other from R|W to W; the other, both
 * readable and writable, must then get no R in that pass or the next.
 * Catches: a backend that calls with the events of its wait without
 * masking them by the interest as it is at the time of the call. */
static void callback_narrows_other(dcts_t *t)
{
    duel d = { .deed = deed_narrow_to_write };

    run_duel(t, &d, 1, 1, 0);
    CHECK(d.victim->r == 0,
          "expected: %s, narrowed to W by %s earlier in the pass, gets no R; "
          "observed: r=%#lx", d.victim->name, d.actor->name, d.victim->r);
    OK(dcts_dispatch(t, 0));
    CHECK(d.victim->calls_this_pass == 1 && d.victim->r == 0 && d.victim->w,
          "expected: on the next pass %s (W interest, writable) called with "
          "W only; observed: %d call(s), r=%#lx w=%#lx", d.victim->name,
          d.victim->calls_this_pass, d.victim->r, d.victim->w);
}

/* A TCP socket with a byte to read, urgent data pending and room to
 * write, registered R|W|E: every field has something to report. */
static dcts_probe *probe_with_every_field(dcts_t *t, const char *name)
{
    int client, server;
    dcts_tcp_pair(t, &client, &server);
    dcts_write_byte(t, client);
    dcts_send_urgent(t, client);
    dcts_probe *p = dcts_probe_new(t, name, server);
    OK(dcts_filter(t, p, 1, 1, 1));
    return p;
}

/* DSP-5: every field is masked, not only R.  First two readable and
 * writable sockets registered R|W, then two TCP sockets with data, urgent
 * data and room registered R|W|E; each time the first called narrows the
 * other to R, which then gets neither W nor E in that pass.
 * Catches: a re-check that masks R (or only some fields) by the current
 * interest and passes W or E from the wait through. */
static void callback_narrows_other_fields(dcts_t *t)
{
    duel rw = { .deed = deed_narrow_to_read };
    run_duel(t, &rw, 1, 1, 0);
    CHECK(rw.victim->calls == 0 || rw.victim->w == 0,
          "expected: %s, narrowed from R|W to R by %s earlier in the pass, "
          "gets no W; observed: w=%#lx", rw.victim->name, rw.actor->name,
          rw.victim->w);

    duel rwe = { .deed = deed_narrow_to_read };
    run_duel_on(t, &rwe, probe_with_every_field(t, "C"),
                probe_with_every_field(t, "D"));
    CHECK(rwe.victim->calls == 0 ||
          (rwe.victim->w == 0 && rwe.victim->e == 0),
          "expected: %s, narrowed from R|W|E to R by %s earlier in the pass, "
          "gets neither W nor E; observed: w=%#lx e=%#lx", rwe.victim->name,
          rwe.actor->name, rwe.victim->w, rwe.victim->e);
}

/* DSP-4, DSP-5: A and B readable with R interest only; the first called
 * narrows the other to W.  The other's only field in this pass's results
 * is R, now masked away, so it is not called in that pass at all (least of
 * all with R = W = E = 0); on the next pass it gets W only.
 * Catches: mutant empty-call-after-mask (a re-check that asks "anything
 * left?" before masking by the current interest, not after). */
static void narrowed_to_nothing_pending(dcts_t *t)
{
    duel d = { .deed = deed_narrow_to_write };

    run_duel(t, &d, 1, 0, 0);
    CHECK(d.victim->calls == 0 ||
          (d.victim->r == 0 && (d.victim->w | d.victim->e) != 0),
          "expected: %s (R only pending, narrowed to W by %s earlier in the "
          "pass) not called in that pass; observed: %d call(s), last with "
          "r=%#lx w=%#lx e=%#lx", d.victim->name, d.actor->name,
          d.victim->calls, d.victim->r, d.victim->w, d.victim->e);
    OK(dcts_dispatch(t, 0));
    CHECK(d.victim->calls_this_pass == 1 && d.victim->r == 0 && d.victim->w,
          "expected: on the next pass %s (W interest, writable) called with "
          "W only; observed: %d call(s), r=%#lx w=%#lx", d.victim->name,
          d.victim->calls_this_pass, d.victim->r, d.victim->w);
}

/* DSP-5, DSP-6: the first called removes the other (all-false interest);
 * the other is not called in that pass, nor in the next.
 * Catches: a backend that calls whatever its wait reported, without
 * checking that the target is still registered. */
static void callback_removes_other(dcts_t *t)
{
    duel d = { .deed = deed_remove };

    run_duel(t, &d, 1, 1, 0);
    CHECK(d.victim->calls == 0,
          "expected: %s, removed by %s earlier in the pass, not called; "
          "observed: %d call(s)", d.victim->name, d.actor->name,
          d.victim->calls);
    OK(dcts_dispatch(t, 0));
    CHECK(d.victim->calls == 0 && d.actor->calls == 2,
          "expected: next pass calls %s again and not %s (removed); "
          "observed: %d and %d call(s)", d.actor->name, d.victim->name,
          d.actor->calls, d.victim->calls);
}

/* DSP-6: the first called closes and frees the other (socket_closed,
 * close, free), the way a server drops a peer connection; the runtime
 * fails the case on any call to the freed target.
 * Catches: a backend that keeps target pointers from the wait and calls
 * them without looking the fd up again (a use-after-free in real life). */
static void callback_closes_other(dcts_t *t)
{
    duel d = { .deed = deed_close_and_free };

    run_duel(t, &d, 1, 0, 0);
    CHECK(d.victim->calls == 0,
          "expected: %s, closed by %s earlier in the pass, never called; "
          "observed: %d call(s)", d.victim->name, d.actor->name,
          d.victim->calls);
    OK(dcts_dispatch(t, 0));
    CHECK(d.actor->calls == 2, "expected: %s called again on the next pass; "
          "observed: %d call(s) in all", d.actor->name, d.actor->calls);
}

/* DSP-6: the same with removal by all-false interest instead of
 * socket_closed: the other is freed, its fd stays open and readable.
 * Catches: a backend that re-checks only closed fds (or only socket_closed
 * removals) and still calls a target removed by its filter. */
static void callback_removes_and_frees_other(dcts_t *t)
{
    duel d = { .deed = deed_remove_and_free };

    run_duel(t, &d, 1, 0, 0);
    OK(dcts_dispatch(t, 0));
    CHECK(d.victim->calls == 0 && d.actor->calls == 2,
          "expected: %s (removed and freed by %s) never called, %s called "
          "in both passes; observed: %d and %d call(s)", d.victim->name,
          d.actor->name, d.actor->name, d.victim->calls, d.actor->calls);
}

/* DSP-7: the first called closes the other, and a newcomer C takes the
 * other's fd number at once (a new connection accepted in a callback);
 * C's socket is not readable, so C gets nothing from that pass (the stale
 * R was the old socket's) nor the next; once written to, C is called.
 * Catches: a backend that re-checks only "is this fd registered?" and so
 * hands the old socket's events to whoever holds the number now.
 * Also checks: CLS-2. */
static void reused_fd_gets_no_stale_event(dcts_t *t)
{
    duel d = { .deed = deed_close_and_plant };

    run_duel(t, &d, 1, 0, 0);
    NEED(d.planted->target.fd == d.victim_fd,
          "harness: C on fd %d, not on %s's old fd %d",
          d.planted->target.fd, d.victim->name, d.victim_fd);
    CHECK(d.planted->calls == 0,
          "expected: C, registered on reused fd %d during the pass, gets "
          "nothing from that pass (its socket is not readable); observed: "
          "%d call(s), r=%#lx", d.victim_fd, d.planted->calls, d.planted->r);
    OK(dcts_dispatch(t, 0));
    CHECK(d.planted->calls == 0,
          "expected: C not called on the next pass either (nothing to "
          "read); observed: %d call(s)", d.planted->calls);
    dcts_write_byte(t, d.planted_peer);
    OK(dcts_dispatch(t, 0));
    CHECK(d.planted->calls == 1 && d.planted->r,
          "expected: C called with R once its socket is readable; observed: "
          "%d call(s), r=%#lx", d.planted->calls, d.planted->r);
}

/* ---- DSP-8: the registry changes under the loop ------------------------- */

#define NEWCOMERS 100
#define GROWERS 3

struct growth {
    dcts_probe *newcomer[NEWCOMERS];
    int made;                   /* newcomers registered so far */
    int rc;                     /* first refused registration */
};

/* The first grower called registers 100 newcomers on fresh readable
 * sockets: the registry grows (and may be reallocated) under the loop. */
static int act_grow(dcts_t *t, dcts_probe *p, unsigned long r,
                    unsigned long w, unsigned long e)
{
    struct growth *g = p->user;
    (void)r, (void)w, (void)e;
    for (; g->made < NEWCOMERS && g->rc == 0; g->made++) {
        char name[24];
        int peer;
        snprintf(name, sizeof name, "N%d", g->made);
        dcts_probe *n = dcts_probe_on_socketpair(t, name, &peer);
        dcts_write_byte(t, peer);
        g->rc = dcts_filter(t, n, 1, 0, 0);
        g->newcomer[g->made] = n;
    }
    return 0;
}

/* DSP-8: a callback registers 100 new targets: the pass still calls each
 * original ready target exactly once, and the next pass calls all 100.
 * Catches: a backend that keeps a pointer into its registry across a call
 * (stale after a realloc), or whose loop bound or ready list is corrupted
 * by a registry that grows mid-pass.
 * Also checks: DSP-3. */
static void registry_grows_in_callback(dcts_t *t)
{
    struct growth g = { .made = 0 };
    dcts_probe *orig[GROWERS];
    int missing = 0;

    need_socketpairs(t, NEWCOMERS + GROWERS);
    ready_probes(t, orig, GROWERS, "G", 1, 0, 0);
    for (int i = 0; i < GROWERS; i++)
        orig[i]->action = act_grow, orig[i]->user = &g;
    OK(dcts_dispatch(t, 0));
    CHECK(g.rc == 0, "expected: registering newcomer %d from a callback "
          "returns 0; observed: %s", g.made, dcts_code_name(g.rc));
    for (int i = 0; i < GROWERS; i++)
        CHECK(orig[i]->calls == 1,
              "expected: ready target %s called exactly once in the pass "
              "that grew the registry; observed: %d call(s)", orig[i]->name,
              orig[i]->calls);
    for (int i = 0; i < NEWCOMERS; i++)
        CHECK(g.newcomer[i]->calls == 0 || g.newcomer[i]->r,
              "expected: newcomer %s, if called in the pass that made it, "
              "called with its real R; observed: r=%#lx w=%#lx e=%#lx",
              g.newcomer[i]->name, g.newcomer[i]->r, g.newcomer[i]->w,
              g.newcomer[i]->e);
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < NEWCOMERS; i++)
        if (g.newcomer[i]->calls_this_pass != 1 || !g.newcomer[i]->r)
            missing++;
    CHECK(missing == 0, "expected: the next pass calls all %d newcomers "
          "(readable) with R; observed: %d not called", NEWCOMERS, missing);
}

#define SWEPT 20

struct sweep {
    dcts_probe *all[SWEPT];
    dcts_probe *sweeper;        /* the first called, or NULL */
    int calls_before;           /* the others' calls when it swept */
    int rc;
};

static int others_calls(const struct sweep *s)
{
    int n = 0;
    for (int i = 0; i < SWEPT; i++)
        if (s->all[i] != s->sweeper)
            n += s->all[i]->calls;
    return n;
}

/* The first called removes every other target, then drops and registers
 * itself again (socket_closed on its own fd, then a new registration). */
static int act_sweep(dcts_t *t, dcts_probe *p, unsigned long r,
                     unsigned long w, unsigned long e)
{
    struct sweep *s = p->user;
    (void)r, (void)w, (void)e;
    if (s->sweeper != NULL)
        return 0;
    s->sweeper = p;
    s->calls_before = others_calls(s);
    for (int i = 0; i < SWEPT; i++)
        if (s->all[i] != p && s->rc == 0)
            s->rc = dcts_filter(t, s->all[i], 0, 0, 0);
    if (s->rc == 0)
        s->rc = dcts_closed(t, p->target.fd, p);
    if (s->rc == 0)
        s->rc = dcts_filter(t, p, 1, 0, 0);
    return 0;
}

/* DSP-8, DSP-6: one callback removes 19 ready targets and re-registers
 * itself; none of the 19 is called after that, and the next pass calls
 * the sweeper alone.
 * Catches: a backend iterating a compacted array that shifts entries under
 * the loop, or that drops a registration made from the target's own
 * callback (the "re-registered self" is lost or called twice). */
static void callback_removes_many_and_reregisters_self(dcts_t *t)
{
    struct sweep s = { .sweeper = NULL };

    ready_probes(t, s.all, SWEPT, "S", 1, 0, 0);
    for (int i = 0; i < SWEPT; i++)
        s.all[i]->action = act_sweep, s.all[i]->user = &s;
    OK(dcts_dispatch(t, 0));
    CHECK(s.sweeper != NULL, "expected: some of %d ready targets called; "
          "observed: none", SWEPT);
    CHECK(s.rc == 0, "expected: removals and re-registration from %s's "
          "callback return 0; observed: %s", s.sweeper->name,
          dcts_code_name(s.rc));
    CHECK(others_calls(&s) == s.calls_before,
          "expected: no target called after %s removed it; observed: %d "
          "call(s) after the sweep", s.sweeper->name,
          others_calls(&s) - s.calls_before);
    OK(dcts_dispatch(t, 0));
    CHECK(s.sweeper->calls == 2 && others_calls(&s) == s.calls_before,
          "expected: the next pass calls %s (re-registered, readable) and "
          "nobody else; observed: %s called %d time(s) in all, others %d "
          "time(s) more", s.sweeper->name, s.sweeper->name, s.sweeper->calls,
          others_calls(&s) - s.calls_before);
}

#define SELF_CLOSERS 10

/* DSP-8, DSP-3: ten ready targets each close themselves in their callback;
 * all ten are called in the pass, none afterwards.
 * Catches: a backend that removes the current entry from the array it is
 * walking (swap with the last, shift down) and so skips the next one. */
static void callbacks_close_themselves(dcts_t *t)
{
    dcts_probe *p[SELF_CLOSERS];
    int called = 0;

    ready_probes(t, p, SELF_CLOSERS, "Q", 1, 0, 0);
    for (int i = 0; i < SELF_CLOSERS; i++)
        p[i]->action = dcts_act_forget_self;
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < SELF_CLOSERS; i++)
        called += p[i]->calls == 1;
    CHECK(called == SELF_CLOSERS,
          "expected: all %d ready targets called once although each closes "
          "itself in its callback; observed: %d called", SELF_CLOSERS, called);
    OK(dcts_dispatch(t, 0));
}

/* ---- DSP-9: dispatch_once inside a callback ----------------------------- */

#define NESTERS 4

struct nesting {
    int reentrant;              /* the backend declares DC_CAP_REENTRANT */
    dcts_probe *p[NESTERS];
    int depth;
    int rc[NESTERS * (NESTERS + 1)];
    int n;
};

/* A declared-reentrant nested pass is a pass of its own: its calls are
 * counted apart from the outer pass's (DSP-1 holds for each). */
static int nested_pass(dcts_t *t, struct nesting *ns)
{
    int outer_counts[NESTERS], rc;
    double zero = 0;

    for (int i = 0; i < NESTERS; i++)
        outer_counts[i] = ns->p[i]->calls_this_pass;
    rc = dcts_dispatch_full(t, &zero, NULL, NULL);
    for (int i = 0; i < NESTERS; i++)
        ns->p[i]->calls_this_pass = outer_counts[i];
    return rc;
}

/* Every call made by the outer pass calls dispatch_once(ctx, 0) again. */
static int act_nest(dcts_t *t, dcts_probe *p, unsigned long r,
                    unsigned long w, unsigned long e)
{
    struct nesting *ns = p->user;
    double zero = 0;
    int rc;
    (void)r, (void)w, (void)e;
    if (ns->depth > 0 || ns->n >= (int)(sizeof ns->rc / sizeof ns->rc[0]))
        return 0;
    ns->depth++;
    /* Without DC_CAP_REENTRANT it goes straight to the backend, so any
     * target it calls counts as a second call in the outer pass (DSP-1). */
    rc = ns->reentrant ? nested_pass(t, ns)
                       : t->be->dispatch_once(t->ctx, &zero, NULL, NULL);
    ns->depth--;
    ns->rc[ns->n++] = rc;
    return 0;
}

/* DSP-9: each target of the outer pass calls dispatch_once re-entrantly:
 * -EBUSY every time (or, for a backend declaring DC_CAP_REENTRANT, a
 * working nested pass); the outer pass still calls each ready target once,
 * and the next top-level dispatch works.
 * Catches: no nesting guard (the nested pass calls the others a second
 * time, or clobbers the outer pass's state), a guard that clears itself on
 * the nested -EBUSY return, and a guard left set after the outer pass.
 * Also checks: DSP-1. */
static void nested_dispatch_refused_or_supported(dcts_t *t)
{
    struct nesting ns = { .reentrant = !!(t->be->caps & DC_CAP_REENTRANT) };
    dcts_probe **p = ns.p;

    ready_probes(t, p, NESTERS, "P", 1, 0, 0);
    for (int i = 0; i < NESTERS; i++)
        p[i]->action = act_nest, p[i]->user = &ns;
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < ns.n; i++)
        CHECK(ns.reentrant ? ns.rc[i] == 0 : ns.rc[i] == -EBUSY,
              "expected: nested dispatch_once #%d returns %s; observed: %s",
              i + 1, ns.reentrant ? "0 (backend declares DC_CAP_REENTRANT)"
                                  : "-EBUSY (no DC_CAP_REENTRANT)",
              dcts_code_name(ns.rc[i]));
    for (int i = 0; i < NESTERS; i++)
        CHECK(ns.reentrant ? p[i]->calls >= 1 : p[i]->calls == 1,
              "expected: ready target %s called %s in the outer pass; "
              "observed: %d call(s)", p[i]->name,
              ns.reentrant ? "at least once" : "exactly once", p[i]->calls);
    for (int i = 0; i < NESTERS; i++)
        p[i]->action = NULL;
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < NESTERS; i++)
        CHECK(p[i]->calls_this_pass == 1,
              "expected: the next top-level dispatch calls %s once; "
              "observed: %d call(s)", p[i]->name, p[i]->calls_this_pass);
}

/* ---- DSP-3 with FLT-1: a registry that loses and regains members -------- */

#define CHURN_MAX 120

/* One pass: exactly the members marked in live[] are called, once, with R,
 * and with W exactly when want_w. */
static void expect_exactly(dcts_t *t, dcts_probe **p, const int *live, int n,
                           int want_w, const char *when)
{
    OK(dcts_dispatch(t, 0));
    for (int i = 0; i < n; i++) {
        int want = live[i];
        CHECK(p[i]->calls_this_pass == want &&
              (!want || (p[i]->r != 0 && (p[i]->w != 0) == want_w)),
              "expected: %s, %s %s; observed: %d call(s) (r=%#lx w=%#lx) "
              "on fd %d", when, p[i]->name, want ? (want_w
              ? "called once with R and W" : "called once with R and no W")
              : "not called (removed)", p[i]->calls_this_pass, p[i]->r,
              p[i]->w, p[i]->target.fd);
    }
}

/* DSP-3, FLT-1: up to 120 readable and writable targets on scattered fd
 * numbers, registered with R,
 * then every other one removed, the rest widened to R|W, the removed ones
 * registered again: after each step exactly the registered ones are
 * called, each with its current interest.
 * Catches: a registry whose removals break lookups of the others: an
 * open-addressing table that ends a probe chain at a deleted slot (its
 * later members are lost to dispatch, or registered twice by a change),
 * a swap-remove that leaves an index pointing at the moved member, a
 * sparse array compacted without remapping.
 * Also checks: FLT-3. */
static void churned_registry_finds_every_member(dcts_t *t)
{
    int room = dcts_fd_room(t);
    int n = room == INT_MAX || room / 2 - 8 > CHURN_MAX ? CHURN_MAX
                                                        : room / 2 - 8;
    if (n < 16)
        SKIP_DECLARED("the backend's fd_limit leaves room for only %d targets",
             n < 0 ? 0 : n);
    dcts_probe *p[CHURN_MAX];
    int live[CHURN_MAX];
    /* Scattered numbers, not consecutive ones: consecutive keys spread
     * perfectly under the usual hashes (identity, Fibonacci), so a table
     * would never have to probe past a deleted slot. */
    int hi = t->be->fd_limit > 0 && t->be->fd_limit < 1024
             ? (int)t->be->fd_limit - 8 : 1024;
    unsigned seed = 12345;

    for (int i = 0; i < n; i++) {
        char name[12];
        int peer, fd = -1;
        snprintf(name, sizeof name, "M%d", i);
        p[i] = dcts_probe_on_socketpair(t, name, &peer);
        for (int tries = 0; tries < 4096 && fd < 0 && hi > 96; tries++) {
            seed = seed * 1103515245u + 12345u;
            int num = 64 + (int)((seed >> 8) % (unsigned)(hi - 64));
            if (fcntl(num, F_GETFD) == -1)
                fd = num;               /* free */
        }
        if (fd >= 0)
            p[i]->target.fd = dcts_move_fd(t, p[i]->target.fd, fd);
        dcts_write_byte(t, peer);       /* readable, and writable */
        OK(dcts_filter(t, p[i], 1, 0, 0));
        live[i] = 1;
    }
    expect_exactly(t, p, live, n, 0, "all registered with R");
    for (int i = 0; i < n; i += 2) {
        OK(dcts_filter(t, p[i], 0, 0, 0));
        live[i] = 0;
    }
    expect_exactly(t, p, live, n, 0, "after every other one was removed");
    for (int i = 1; i < n; i += 2)
        OK(dcts_filter(t, p[i], 1, 1, 0));
    expect_exactly(t, p, live, n, 1, "after the rest were widened to R|W");
    for (int i = 0; i < n; i += 2) {
        OK(dcts_filter(t, p[i], 1, 1, 0));
        live[i] = 1;
    }
    expect_exactly(t, p, live, n, 1, "after the removed ones were "
                   "registered again with R|W");
}

const dcts_case dcts_cases_dispatch[] = {
    { .id = "dsp-one-call-all-fields", CLAUSES(DSP_1),
      .summary = "a readable and writable target with R|W interest gets one call with "
      "both fields",
      .run = one_call_with_all_fields },
    { .id = "dsp-level-triggered", CLAUSES(DSP_2),
      .summary = "unconsumed R and W are reported again on each of three calls",
      .run = unconsumed_reported_every_call },
    { .id = "dsp-reported-until-consumed", CLAUSES(DSP_2, DSP_4),
      .summary = "two bytes read one per call: reported twice, then no more",
      .run = reported_until_consumed },
    { .id = "dsp-all-ready-called", CLAUSES(DSP_3),
      .summary = "80 readable targets are all called in one pass",
      .run = every_ready_target_called },
    { .id = "dsp-idle-not-called", CLAUSES(DSP_4),
      .summary = "idle targets among ready ones are never called",
      .run = idle_targets_not_called },
    { .id = "dsp-callback-narrows-other", CLAUSES(DSP_5),
      .summary = "a target narrowed to W earlier in the pass gets no R",
      .run = callback_narrows_other },
    { .id = "dsp-callback-narrows-other-fields", CLAUSES(DSP_5),
      .summary = "a target narrowed to R earlier in the pass gets neither W nor E",
      .run = callback_narrows_other_fields },
    { .id = "dsp-narrowed-to-nothing-pending", CLAUSES(DSP_4, DSP_5),
      .summary = "a target whose only pending field is switched off earlier in the "
      "pass is not called in it",
      .run = narrowed_to_nothing_pending },
    { .id = "dsp-callback-removes-other", CLAUSES(DSP_5, DSP_6),
      .summary = "a target removed earlier in the pass is not called",
      .run = callback_removes_other },
    { .id = "dsp-callback-closes-other", CLAUSES(DSP_6),
      .summary = "a target closed and freed earlier in the pass is never called",
      .run = callback_closes_other },
    { .id = "dsp-callback-removes-frees-other", CLAUSES(DSP_6),
      .summary = "a target removed by its filter and freed earlier in the pass is "
      "never called",
      .run = callback_removes_and_frees_other },
    { .id = "dsp-reused-fd-no-stale-event", CLAUSES(DSP_7, CLS_2),
      .summary = "a target registered mid-pass on a reused fd gets nothing stale",
      .run = reused_fd_gets_no_stale_event },
    { .id = "dsp-registry-grows-in-callback", CLAUSES(DSP_8, DSP_3),
      .summary = "a callback registers 100 targets: the pass and the next are intact",
      .run = registry_grows_in_callback },
    { .id = "dsp-callback-sweeps-others", CLAUSES(DSP_8, DSP_6),
      .summary = "a callback removes 19 targets and re-registers itself",
      .run = callback_removes_many_and_reregisters_self },
    { .id = "dsp-callbacks-close-themselves", CLAUSES(DSP_8, DSP_3),
      .summary = "ten targets closing themselves in their callbacks are all called",
      .run = callbacks_close_themselves },
    { .id = "dsp-nested-dispatch", CLAUSES(DSP_9, DSP_1),
      .summary = "dispatch_once nested in a callback is refused with -EBUSY (or "
      "supported) and the outer pass goes on",
      .run = nested_dispatch_refused_or_supported },
    { .id = "dsp-churned-registry", CLAUSES(DSP_3, FLT_1, FLT_3),
      .summary = "every other of 120 targets removed, the rest widened, the removed "
      "re-added: exactly the registered ones called, each as asked",
      .run = churned_registry_finds_every_member },
    { 0 }
};
