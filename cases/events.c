/*
 * events.c: cases for the event-format clauses (EVT-1 .. EVT-9): for each
 * condition the kernel can report, which of R, W and E the target is
 * called with, and with which bits.
 *
 * Every situation is settled in the kernel before the backend is asked
 * (dcts_await for anything that travels over TCP), so most cases dispatch
 * with a zero timeout and never depend on timing.
 */
#include "dcts.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the fields, by model ----------------------------------------------- */

enum { F_R = 1, F_W = 2, F_E = 4, F_ANY = F_R | F_W | F_E };

static unsigned long field_bits(dcts_t *t, int field)
{
    return t->be->flags_for(field == F_R, field == F_W, field == F_E);
}

static int is_poll_model(dcts_t *t)
{
    return t->be->event_model == DC_MODEL_POLL ||
           t->be->event_model == DC_MODEL_EPOLL;
}

static const char *model_name(dcts_t *t)
{
    switch (t->be->event_model) {
    case DC_MODEL_SELECT: return "select model";
    case DC_MODEL_POLL:   return "poll model";
    case DC_MODEL_EPOLL:  return "epoll model";
    default:              return "other model";
    }
}

static const char *fields_name(int fields)
{
    static const char *const names[] = {
        "no field", "R", "W", "R or W", "E", "R or E", "W or E", "any field",
    };
    return names[fields & F_ANY];
}

/* The OR of p's last call's fields named in fields. */
static unsigned long fields_of(const dcts_probe *p, int fields)
{
    return ((fields & F_R) ? p->r : 0) | ((fields & F_W) ? p->w : 0) |
           ((fields & F_E) ? p->e : 0);
}

/* The field(s) the declared model puts a condition in: the select form,
 * the poll form (POLL and EPOLL), or any field for DC_MODEL_OTHER. */
static int model_fields(dcts_t *t, int select_form, int poll_form)
{
    if (t->be->event_model == DC_MODEL_SELECT)
        return select_form;
    return is_poll_model(t) ? poll_form : F_ANY;
}

/* ---- situations: each returns the fd to watch, settled ------------------ */

/* A socket with one byte to read; writable too. */
static int readable_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_write_byte(t, sv[1]);
    return sv[0];
}

/* A socket with nothing to read and room to write. */
static int idle_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    return sv[0];
}

/* A socket with nothing to read and a full send buffer: nothing pending. */
static int filled_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_fill(t, sv[0]);
    return sv[0];
}

/* A socket with a byte to read and a full send buffer: readable only. */
static int readable_filled_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_fill(t, sv[0]);
    dcts_write_byte(t, sv[1]);
    return sv[0];
}

/* A socket whose peer closed (POLLIN|POLLOUT|POLLHUP). */
static int hungup_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_close(t, sv[1]);
    return sv[0];
}

/* A socket whose peer shut down its sending side (POLLIN|POLLRDHUP|POLLOUT,
 * no POLLHUP). */
static int half_closed_socket(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    if (shutdown(sv[1], SHUT_WR) != 0)
        dcts_harness_skip(t, "harness: shutdown(SHUT_WR): %s", strerror(errno));
    return sv[0];
}

/* A pipe's read end with one byte waiting: readable, never writable. */
static int pipe_with_data(dcts_t *t)
{
    int p[2];
    dcts_pipe(t, p);
    dcts_write_byte(t, p[1]);
    return p[0];
}

/* A pipe's read end whose writer closed, nothing buffered: POLLHUP alone. */
static int pipe_writer_gone(dcts_t *t)
{
    int p[2];
    dcts_pipe(t, p);
    dcts_close(t, p[1]);
    return p[0];
}

/* A pipe's write end whose reader closed: POLLOUT|POLLERR. */
static int pipe_reader_gone(dcts_t *t)
{
    int p[2];
    dcts_pipe(t, p);
    dcts_close(t, p[0]);
    return p[1];
}

/* The same, filled first: POLLERR alone (select: writable). */
static int full_pipe_reader_gone(dcts_t *t)
{
    int p[2];
    dcts_pipe(t, p);
    dcts_fill(t, p[1]);
    dcts_close(t, p[0]);
    return p[1];
}

/* A TCP socket with one byte of urgent data pending (POLLPRI). */
static int tcp_with_urgent(dcts_t *t)
{
    int client, server;
    dcts_tcp_pair(t, &client, &server);
    dcts_send_urgent(t, client);
    dcts_await(t, server, POLLPRI, 2000);
    return server;
}

/* A TCP socket whose peer shut down its sending side (FIN). */
static int tcp_after_fin(dcts_t *t)
{
    int client, server;
    dcts_tcp_pair(t, &client, &server);
    if (shutdown(client, SHUT_WR) != 0)
        dcts_harness_skip(t, "harness: shutdown(SHUT_WR): %s", strerror(errno));
    dcts_await(t, server, POLLIN | POLLRDHUP, 2000);
    return server;
}

/* A TCP socket whose peer reset the connection (RST). */
static int tcp_after_rst(dcts_t *t)
{
    int client, server;
    dcts_tcp_pair(t, &client, &server);
    dcts_close_reset(t, client);
    dcts_await(t, server, POLLERR, 2000);
    return server;
}

/* A non-blocking TCP socket whose connect to a closed port was refused;
 * *at_once is set when connect said so itself (SO_ERROR is then spent). */
static int refused_connect(dcts_t *t, int *at_once)
{
    struct sockaddr_in to;
    int fd = dcts_own_fd(t, socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
                                   SOCK_CLOEXEC, 0));

    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((unsigned short)dcts_closed_port(t));
    *at_once = 0;
    if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0)
        dcts_harness_skip(t, "harness: a connect to a closed port succeeded");
    if (errno == ECONNREFUSED)
        *at_once = 1;
    else if (errno != EINPROGRESS)
        dcts_harness_skip(t, "harness: connect: %s", strerror(errno));
    dcts_await(t, fd, POLLOUT, 2000);
    return fd;
}

static int refused_connect_any(dcts_t *t)
{
    int at_once;
    return refused_connect(t, &at_once);
}

/* ---- probes and checks -------------------------------------------------- */

/* A probe on fd registered with interest (r, w, e). */
static dcts_probe *watch(dcts_t *t, const char *name, int fd, int r, int w,
                         int e)
{
    dcts_probe *p = dcts_probe_new(t, name, fd);
    int rc = dcts_filter(t, p, r, w, e);
    CHECK(rc == 0, "expected: set_dispatch_filter(%s, %d, %d, %d) on fd %d "
          "returns 0; observed: %s", name, r, w, e, fd, dcts_code_name(rc));
    return p;
}

/* One pass over settled conditions. */
static void dispatch_now(dcts_t *t)
{
    OK(dcts_dispatch(t, 0));
}

/* p was called once, with exactly the fields in nonzero non-zero. */
static void expect_fields(dcts_t *t, const dcts_probe *p, int nonzero,
                          const char *situation)
{
    CHECK(p->calls == 1, "expected: %s (%s) called once; observed: %d call(s)",
          p->name, situation, p->calls);
    CHECK((p->r != 0) == !!(nonzero & F_R) &&
          (p->w != 0) == !!(nonzero & F_W) &&
          (p->e != 0) == !!(nonzero & F_E),
          "expected: %s (%s) called with R %s, W %s, E %s; observed: "
          "r=%#lx w=%#lx e=%#lx", p->name, situation,
          (nonzero & F_R) ? "non-zero" : "0",
          (nonzero & F_W) ? "non-zero" : "0",
          (nonzero & F_E) ? "non-zero" : "0", p->r, p->w, p->e);
}

/* p was called, with the condition in the field(s) the model names. */
static void expect_reported_in(dcts_t *t, const dcts_probe *p, int fields,
                               const char *condition)
{
    CHECK(p->calls >= 1, "expected: %s called for %s; observed: not called",
          p->name, condition);
    CHECK(fields_of(p, fields) != 0,
          "expected: %s reported in %s (%s); observed: r=%#lx w=%#lx e=%#lx",
          condition, fields_name(fields), model_name(t), p->r, p->w, p->e);
}

/* Every call p got carried only the native bits of its own field. */
static void expect_native_bits(dcts_t *t, const dcts_probe *p,
                               const char *situation)
{
    unsigned long rb = field_bits(t, F_R), wb = field_bits(t, F_W),
                  eb = field_bits(t, F_E);
    CHECK(!(p->r_seen & ~rb) && !(p->w_seen & ~wb) && !(p->e_seen & ~eb),
          "expected: %s (%s): R within %#lx, W within %#lx, E within %#lx "
          "(flags_for of each field); observed: R bits %#lx, W bits %#lx, "
          "E bits %#lx", p->name, situation, rb, wb, eb, p->r_seen, p->w_seen,
          p->e_seen);
}

/* ---- the situations, together ------------------------------------------- */

typedef struct situation {
    const char *name;
    int (*make)(dcts_t *t);
} situation;

static const situation situations[] = {
    { "readable socket", readable_socket },
    { "idle writable socket", idle_socket },
    { "socket whose peer closed", hungup_socket },
    { "socket whose peer shut down writing", half_closed_socket },
    { "pipe read end with data", pipe_with_data },
    { "pipe whose writer closed", pipe_writer_gone },
    { "pipe whose reader closed", pipe_reader_gone },
    { "full pipe whose reader closed", full_pipe_reader_gone },
    { "TCP socket with urgent data", tcp_with_urgent },
    { "TCP socket after the peer's FIN", tcp_after_fin },
    { "TCP socket after the peer's RST", tcp_after_rst },
    { "refused non-blocking connect", refused_connect_any },
};

#define N_SITUATIONS (sizeof situations / sizeof situations[0])

/* "R|E" for the interest with those fields. */
static const char *interest_name(int fields)
{
    static const char *const names[] = {
        "none", "R", "W", "R|W", "E", "R|E", "W|E", "R|W|E",
    };
    return names[fields & F_ANY];
}

/* One probe per situation, probe Si on situations[i], all registered with
 * interest (r, w, e). */
static void watch_all(dcts_t *t, int r, int w, int e,
                      dcts_probe *p[N_SITUATIONS])
{
    for (size_t i = 0; i < N_SITUATIONS; i++) {
        char name[8];
        snprintf(name, sizeof name, "S%zu", i);
        p[i] = watch(t, name, situations[i].make(t), r, w, e);
    }
}

/* ---- EVT-1: zero exactly when nothing of the kind is pending ------------ */

/* EVT-1: a target that is only readable gets W == 0 and E == 0.
 * Catches: E computed with the seed's erratum (revents & POLLERR) | POLLHUP
 * | POLLNVAL, which is never 0; or W/E copied from R. */
static void readable_only_gets_only_r(dcts_t *t)
{
    dcts_probe *pipe_end = watch(t, "P", pipe_with_data(t), 1, 1, 1);
    dcts_probe *sock = watch(t, "S", readable_socket(t), 1, 0, 1);

    dispatch_now(t);
    expect_fields(t, pipe_end, F_R, "pipe read end with data, R|W|E interest");
    expect_fields(t, sock, F_R, "readable socket, R|E interest");
}

/* EVT-1: an idle writable socket, R|W|E interest, gets W only.
 * Catches: R or E filled on a merely writable fd (e.g. the seed's erratum,
 * or every field set from one "ready" flag). */
static void writable_only_gets_only_w(dcts_t *t)
{
    dcts_probe *p = watch(t, "A", idle_socket(t), 1, 1, 1);

    dispatch_now(t);
    expect_fields(t, p, F_W, "idle writable socket, R|W|E interest");
}

/* EVT-1: with nothing pending, no interest gets a call.
 * Catches: a backend that reports the interest instead of readiness, or
 * calls every registered target on every pass.
 * Also checks: DSP-4. */
static void nothing_pending_not_called(dcts_t *t)
{
    dcts_probe *p = dcts_probe_new(t, "A", filled_socket(t));

    for (int i = 1; i < 8; i++) {
        int r = i & 1, w = !!(i & 2), e = !!(i & 4);
        OK(dcts_filter(t, p, r, w, e));
        dispatch_now(t);
        CHECK(p->calls == 0, "expected: a socket with nothing to read and a "
              "full send buffer is not called (interest %d,%d,%d); observed: "
              "r=%#lx w=%#lx e=%#lx", r, w, e, p->r, p->w, p->e);
    }
}

/* ---- EVT-2: native bits, each field within its own flags ---------------- */

/* EVT-2: in every situation, each field holds only its own flags_for bits.
 * Catches: a bare 1 (a bool) in place of the native bit, e.g. W = 1 where
 * flags_for(0,1,0) is POLLOUT or 0x2; the whole revents copied into every
 * field; POLLHUP or POLLERR filed under R or W. */
static void fields_carry_native_bits(dcts_t *t)
{
    dcts_probe *p[N_SITUATIONS];

    watch_all(t, 1, 1, 1, p);
    dispatch_now(t);
    expect_fields(t, p[0], F_R | F_W, situations[0].name);
    for (size_t i = 0; i < N_SITUATIONS; i++) {
        CHECK(p[i]->calls == 1, "expected: %s (%s, R|W|E interest) called "
              "once; observed: %d call(s)", p[i]->name, situations[i].name,
              p[i]->calls);
        expect_native_bits(t, p[i], situations[i].name);
    }
}

/* ---- EVT-3: R and W only when asked ------------------------------------- */

/* EVT-3: a readable and writable socket reports only the asked fields.
 * Catches: a backend that waits for, or reports, every condition of the fd
 * whatever the interest (all fds in every select set; pollfd.events fixed
 * at POLLIN|POLLOUT; revents passed through unmasked).
 * Also checks: EVT-1. */
static void unwanted_fields_stay_zero(dcts_t *t)
{
    static const int interests[] = { F_R, F_W, F_E, F_R | F_E, F_W | F_E };
    enum { N = sizeof interests / sizeof interests[0] };
    dcts_probe *p[N];

    for (int i = 0; i < N; i++) {
        char name[8];
        snprintf(name, sizeof name, "I%d", i);
        p[i] = watch(t, name, readable_socket(t), interests[i] & F_R,
                     interests[i] & F_W, interests[i] & F_E);
    }
    dispatch_now(t);
    for (int i = 0; i < N; i++) {
        int wanted = interests[i] & (F_R | F_W);
        char what[80];
        snprintf(what, sizeof what, "readable and writable socket, %s "
                 "interest", interest_name(interests[i]));
        if (wanted)
            expect_fields(t, p[i], wanted, what);
        else
            CHECK(p[i]->calls == 0, "expected: %s (%s) not called: it asked "
                  "for neither R nor W; observed: r=%#lx w=%#lx e=%#lx",
                  p[i]->name, what, p[i]->r, p[i]->w, p[i]->e);
    }
}

/* EVT-3: an R-only target is not woken, nor spun on, by writability.
 * Catches: a backend that puts an R-only fd in the write set (or asks
 * POLLOUT) and masks the result afterwards: nobody is called, but every
 * wait returns at once (a busy loop).
 * Also checks: TMO-11. */
static void r_only_not_woken_by_writable(dcts_t *t)
{
    int peer;
    dcts_probe *p = dcts_probe_on_socketpair(t, "A", &peer);

    OK(dcts_filter(t, p, 1, 0, 0));
    dispatch_now(t);
    CHECK(p->calls == 0, "expected: an R-only target on a socket that is "
          "only writable is not called; observed: r=%#lx w=%#lx e=%#lx",
          p->r, p->w, p->e);
    dcts_expect_idle_wait(t, 30, "an R-only target whose socket is only "
                          "writable");
    CHECK(p->calls == 0, "expected: A still not called after the idle waits");
    dcts_write_byte(t, peer);
    dispatch_now(t);
    expect_fields(t, p, F_R, "readable and writable socket, R interest");
}

/* EVT-3: neither a W-only target on a socket that is only readable nor an
 * E-only one on a socket that is readable and writable (no urgent data, no
 * hangup, no error) is called, or woken: the wait sleeps.
 * Catches: a backend that waits on every fd for a field it was not asked
 * for (an fd put in readfds, writefds or exceptfds whatever its interest,
 * e.g. a flag test written with | for &) and masks the result afterwards:
 * nobody is called, but every wait returns at once (a busy loop).
 * Also checks: TMO-11. */
static void unasked_fields_do_not_wake(dcts_t *t)
{
    dcts_probe *w = watch(t, "W", readable_filled_socket(t), 0, 1, 0);
    dcts_probe *e = watch(t, "E", readable_socket(t), 0, 0, 1);

    dispatch_now(t);
    CHECK(w->calls == 0 && e->calls == 0, "expected: W (W interest, socket "
          "only readable) and E (E interest, socket readable and writable) "
          "not called; observed: W %d, E %d call(s)", w->calls, e->calls);
    dcts_expect_idle_wait(t, 50, "a W-only target on a socket that is only "
                          "readable and an E-only one on a readable and "
                          "writable socket");
    CHECK(w->calls == 0 && e->calls == 0, "expected: W and E still not "
          "called after a 50 ms wait");
}

/* ---- EVT-4: what the mechanism reports unasked -------------------------- */

/* EVT-4: a pipe whose writer closed reaches an R-only reader; no spin after.
 * Catches: a poll backend that masks revents by the interest before
 * mapping it, so POLLHUP without POLLIN is dropped: poll returns at once on
 * every call and nobody is told (100% CPU).
 * Also checks: EVT-6, TMO-11. */
static void pipe_hangup_reaches_r_only_target(dcts_t *t)
{
    dcts_probe *p = watch(t, "A", pipe_writer_gone(t), 1, 0, 0);
    double start = dcts_now();

    p->action = dcts_act_forget_self;
    OK(dcts_dispatch(t, 0.05));
    double took = dcts_ms_since(start);
    CHECK(p->calls == 1, "expected: the reader of a pipe whose writer closed, "
          "registered for R only, is called (the hangup is reported unasked);"
          " observed: not called, and the 50 ms wait %s",
          took < 30 ? "returned at once (a busy loop)" : "slept");
    expect_reported_in(t, p, model_fields(t, F_R, F_E),
                       "a pipe whose writer closed");
    dcts_expect_idle_wait(t, 30, "after the only target removed itself");
}

/* The share of the wall time this thread gets while it spins (1 on an
 * idle machine, less under load), measured over about ms. */
static double cpu_share(double ms)
{
    double cpu = dcts_thread_cpu_ms(), start = dcts_now();
    volatile unsigned long spins = 0;

    while (dcts_ms_since(start) < ms)
        spins++;
    double share = (dcts_thread_cpu_ms() - cpu) / dcts_ms_since(start);
    return share > 1 ? 1 : share;
}

/* EVT-4, FLT-7: a pipe whose writer closed, its reader registered for E
 * only.  The kernel reports the hangup whatever it was asked: the reader
 * is told (in E where the model has a hangup bit), or, where the model's E
 * does not cover it (select's exceptfds), the wait sleeps.  Sleeping is
 * measured in CPU time: a wait that returns at once and waits again
 * inside the backend looks like a sleep by the clock.
 * Catches: a backend, or an engine under it, that waits on the fd, gets
 * the hangup it did not ask for, finds no target wanting it and waits
 * again at once: 100% CPU for the whole timeout, and nobody is told.
 * Also checks: TMO-11. */
static void pipe_hangup_e_only_no_spin(dcts_t *t)
{
    dcts_probe *p = watch(t, "A", pipe_writer_gone(t), 0, 0, 1);

    dispatch_now(t);
    double cpu = dcts_thread_cpu_ms(), start = dcts_now();
    OK(dcts_dispatch(t, 0.1));
    cpu = dcts_thread_cpu_ms() - cpu;
    double took = dcts_ms_since(start);
    if (p->calls > 0) {
        expect_reported_in(t, p, model_fields(t, F_E, F_E),
                           "an E-only reader of a pipe whose writer closed");
        return;
    }
    /* A sleeping wait uses next to no CPU; a spinning one uses all the
     * machine gives it, which under load is a small share of the wall
     * time: a quarter of that share is the ceiling. */
    double ceiling = cpu_share(20) * took / 4 + 1;
    CHECK(cpu < ceiling, "expected: A (E-only, on a "
          "pipe whose writer closed) told of the hangup, or a wait that "
          "sleeps (under %.0f ms of CPU); observed: A not called, and "
          "dispatch_once(100 ms) used %.0f ms of CPU in %.0f ms: the backend "
          "waits on a hangup it reports to nobody (a busy loop)", ceiling,
          cpu, took);
}

/* EVT-4: a pipe whose reader closed reaches writers without E interest.
 * Catches: POLLERR (a pipe whose reader closed) dropped because it was not
 * asked for: with the pipe full nobody is told at all, and with room the
 * target sees W but never learns of the error. */
static void pipe_error_reaches_target_without_e(dcts_t *t)
{
    dcts_probe *full_w = watch(t, "FW", full_pipe_reader_gone(t), 0, 1, 0);
    dcts_probe *full_r = watch(t, "FR", full_pipe_reader_gone(t), 1, 0, 0);
    dcts_probe *room_w = watch(t, "W", pipe_reader_gone(t), 0, 1, 0);

    dispatch_now(t);
    expect_reported_in(t, full_w, model_fields(t, F_W, F_E),
                       "a full pipe whose reader closed, W interest");
    expect_reported_in(t, full_r, model_fields(t, F_R, F_E),
                       "a full pipe whose reader closed, R interest");
    expect_reported_in(t, room_w, model_fields(t, F_W, F_E),
                       "a pipe whose reader closed, W interest");
}

/* EVT-4: a socket hangup reaches R-only and W-only targets (E in poll models).
 * Catches: POLLHUP of a socket whose peer closed dropped when the target
 * did not ask for E (the target hears R or W and never the hangup). */
static void socket_hangup_reaches_target_without_e(dcts_t *t)
{
    dcts_probe *r_only = watch(t, "R", hungup_socket(t), 1, 0, 0);
    dcts_probe *w_only = watch(t, "W", hungup_socket(t), 0, 1, 0);

    dispatch_now(t);
    expect_reported_in(t, r_only, model_fields(t, F_R, F_E),
                       "a socket whose peer closed, R interest");
    expect_reported_in(t, w_only, model_fields(t, F_W, F_E),
                       "a socket whose peer closed, W interest");
}

/* ---- EVT-5 .. EVT-8: TCP conditions ------------------------------------- */

/* EVT-5: urgent data arrives in E (select model) or R as PRI (poll models).
 * Catches: a select backend that never fills (or never reads) exceptfds; a
 * poll backend that drops POLLPRI or asks for POLLIN only. */
static void urgent_data_is_reported(dcts_t *t)
{
    dcts_probe *p = watch(t, "A", tcp_with_urgent(t), 1, 0, 1);
    unsigned long pri = t->be->event_model == DC_MODEL_EPOLL ? EPOLLPRI
                                                              : POLLPRI;

    dispatch_now(t);
    expect_reported_in(t, p, model_fields(t, F_E, F_R),
                       "urgent data (MSG_OOB), R|E interest");
    if (is_poll_model(t))
        CHECK(p->r & pri, "expected: urgent data in R as the PRI bit %#lx "
              "(%s); observed: r=%#lx w=%#lx e=%#lx", pri, model_name(t),
              p->r, p->w, p->e);
}

/* EVT-6: a peer's FIN (TCP, socketpair) reaches an R-only target.
 * Catches: an end of stream never reported (e.g. only POLLIN|POLLPRI taken
 * as readable while the kernel says POLLRDHUP, or R dropped with no data). */
static void peer_fin_is_reported(dcts_t *t)
{
    dcts_probe *tcp = watch(t, "TCP", tcp_after_fin(t), 1, 0, 0);
    dcts_probe *unix_end = watch(t, "UNIX", half_closed_socket(t), 1, 0, 0);
    char c;

    dispatch_now(t);
    expect_reported_in(t, tcp, model_fields(t, F_R, F_R | F_E),
                       "a TCP peer's FIN, R interest");
    expect_reported_in(t, unix_end, model_fields(t, F_R, F_R | F_E),
                       "a socketpair peer's shutdown(SHUT_WR), R interest");
    NEED(read(tcp->target.fd, &c, 1) == 0,
          "harness: expected read() to return 0 (end of stream) after FIN");
}

/* EVT-7: a peer's RST reaches an R-only target in R or E.
 * Catches: a reset connection never reported, or reported only in W. */
static void peer_rst_is_reported(dcts_t *t)
{
    dcts_probe *p = watch(t, "A", tcp_after_rst(t), 1, 0, 0);
    char c;

    dispatch_now(t);
    expect_reported_in(t, p, F_R | F_E, "a TCP peer's RST, R interest");
    ssize_t n = read(p->target.fd, &c, 1);
    NEED(n == 0 || (n < 0 && errno == ECONNRESET),
          "harness: expected read() to fail with ECONNRESET (or return 0) "
          "after RST; observed: %zd (%s)", n, n < 0 ? strerror(errno) : "");
}

/* EVT-8: a refused non-blocking connect reaches a W-only target in W or E.
 * Catches: a refused connect never reported to a W-only target (the error
 * dropped because E was not asked); a backend that consumes SO_ERROR. */
static void refused_connect_is_reported(dcts_t *t)
{
    int at_once, err = 0;
    socklen_t len = sizeof err;
    dcts_probe *p = watch(t, "A", refused_connect(t, &at_once), 0, 1, 0);

    dispatch_now(t);
    expect_reported_in(t, p, F_W | F_E,
                       "a refused non-blocking connect, W interest");
    if (at_once)
        return;              /* connect already said ECONNREFUSED itself */
    if (getsockopt(p->target.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        dcts_harness_skip(t, "harness: getsockopt(SO_ERROR): %s", strerror(errno));
    CHECK(err == ECONNREFUSED, "expected: SO_ERROR still ECONNREFUSED after "
          "the dispatch (the backend must not consume it); observed: %d (%s)",
          err, strerror(err));
}

/* ---- EVT-9: exactly the kernel's bits ----------------------------------- */

/* What the kernel itself reports for fd asked with the native flags:
 * poll(2) revents (DC_MODEL_POLL) or epoll_wait(2) events (DC_MODEL_EPOLL). */
static unsigned long kernel_report(dcts_t *t, int fd, unsigned long flags)
{
    if (t->be->event_model == DC_MODEL_POLL) {
        struct pollfd pfd = { fd, (short)flags, 0 };
        if (poll(&pfd, 1, 0) < 0)
            dcts_harness_skip(t, "harness: poll: %s", strerror(errno));
        return (unsigned short)pfd.revents;
    }
    struct epoll_event ev, got;
    int ep = dcts_own_fd(t, epoll_create1(EPOLL_CLOEXEC));
    memset(&ev, 0, sizeof ev);
    ev.events = (unsigned)flags;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        dcts_harness_skip(t, "harness: epoll_ctl: %s", strerror(errno));
    int n = epoll_wait(ep, &got, 1, 0);
    dcts_close(t, ep);
    return n == 1 ? got.events : 0;
}

/* The (R, W, E) the model's table makes of the kernel's report. */
static void kernel_fields(dcts_t *t, unsigned long rev, unsigned long out[3])
{
    if (t->be->event_model == DC_MODEL_POLL) {
        out[0] = rev & (POLLIN | POLLPRI);
        out[1] = rev & POLLOUT;
        out[2] = rev & (POLLERR | POLLHUP | POLLNVAL);
    } else {
        out[0] = rev & (EPOLLIN | EPOLLPRI | EPOLLRDHUP);
        out[1] = rev & EPOLLOUT;
        out[2] = rev & (EPOLLERR | EPOLLHUP);
    }
}

/* Every situation, registered with the interest (F_* fields): each target
 * gets exactly what the kernel reports for its fd asked with flags_for
 * (or no call when that is nothing).  Unregisters them all at the end. */
static void compare_with_kernel(dcts_t *t, int interest)
{
    int r = !!(interest & F_R), w = !!(interest & F_W), e = !!(interest & F_E);
    unsigned long flags = t->be->flags_for(r, w, e);
    unsigned long want[N_SITUATIONS][3];
    dcts_probe *p[N_SITUATIONS];

    watch_all(t, r, w, e, p);
    for (size_t i = 0; i < N_SITUATIONS; i++)
        kernel_fields(t, kernel_report(t, p[i]->target.fd, flags), want[i]);
    dispatch_now(t);
    for (size_t i = 0; i < N_SITUATIONS; i++) {
        const dcts_probe *q = p[i];
        int expect_call = (want[i][0] | want[i][1] | want[i][2]) != 0;
        int same = q->r == want[i][0] && q->w == want[i][1] &&
                   q->e == want[i][2];
        CHECK(q->calls == expect_call && (!expect_call || same),
              "expected: %s (%s, %s interest) %s r=%#lx w=%#lx e=%#lx, what "
              "the kernel reports (%s); observed: %d call(s), last r=%#lx "
              "w=%#lx e=%#lx", q->name, situations[i].name,
              interest_name(interest), expect_call ? "called with" : "not "
              "called: kernel gives", want[i][0], want[i][1], want[i][2],
              model_name(t), q->calls, q->r, q->w, q->e);
        OK(dcts_filter(t, p[i], 0, 0, 0));
    }
}

static void skip_unless_poll_model(dcts_t *t)
{
    if (!is_poll_model(t))
        SKIP_DECLARED("EVT-9 applies to the poll and epoll models; this backend "
             "declares the %s", model_name(t));
}

/* EVT-9: poll models report exactly the kernel's bits (R|W|E interest).
 * Catches: a poll backend that adds, drops or translates bits: the seed's
 * erratum E, POLLRDNORM or POLLHUP folded into R, POLLNVAL dropped, a
 * bool in place of the bits. */
static void poll_bits_match_kernel(dcts_t *t)
{
    skip_unless_poll_model(t);
    compare_with_kernel(t, F_ANY);
}

/* EVT-9: the same with R-only, W-only and E-only interests.
 * Catches: the same under narrow interests, where the kernel still reports
 * hangups and errors unasked: a backend masking revents by interest, or
 * one asking the kernel for more than the interest and reporting it.
 * Also checks: EVT-3, EVT-4. */
static void poll_bits_match_kernel_narrow(dcts_t *t)
{
    skip_unless_poll_model(t);
    compare_with_kernel(t, F_R);
    compare_with_kernel(t, F_W);
    compare_with_kernel(t, F_E);
}

const dcts_case dcts_cases_events[] = {
    { .id = "evt-readable-only-fields", CLAUSES(EVT_1),
      .summary = "a target that is only readable gets W == 0 and E == 0",
      .run = readable_only_gets_only_r },
    { .id = "evt-writable-only-fields", CLAUSES(EVT_1),
      .summary = "an idle writable socket with R|W|E interest gets W only",
      .run = writable_only_gets_only_w },
    { .id = "evt-nothing-pending-not-called", CLAUSES(EVT_1, DSP_4),
      .summary = "a socket with nothing to read and a full buffer is never called",
      .run = nothing_pending_not_called },
    { .id = "evt-native-bits", CLAUSES(EVT_2),
      .summary = "every field carries only the native bits of its own flags_for",
      .run = fields_carry_native_bits, .flags = DCTS_F_TCP },
    { .id = "evt-unwanted-fields-zero", CLAUSES(EVT_3, EVT_1),
      .summary = "R and W are reported only to targets that asked for them",
      .run = unwanted_fields_stay_zero },
    { .id = "evt-r-only-not-woken-by-writable", CLAUSES(EVT_3, TMO_11),
      .summary = "an R-only target on a writable socket is neither called nor spun on",
      .run = r_only_not_woken_by_writable, .flags = DCTS_F_TIMING },
    { .id = "evt-unasked-fields-no-wakeup", CLAUSES(EVT_3, TMO_11),
      .summary = "W-only on a readable socket and E-only on a readable and writable "
      "one are neither called nor spun on",
      .run = unasked_fields_do_not_wake, .flags = DCTS_F_TIMING },
    { .id = "evt-pipe-hangup-r-only", CLAUSES(EVT_4, EVT_6, TMO_11),
      .summary = "a pipe whose writer closed reaches an R-only reader; then no busy loop",
      .run = pipe_hangup_reaches_r_only_target, .flags = DCTS_F_TIMING },
    { .id = "evt-pipe-hangup-e-only", CLAUSES(EVT_4, FLT_7, TMO_11),
      .summary = "a pipe whose writer closed reaches an E-only reader, or the wait "
      "sleeps: never a busy loop",
      .run = pipe_hangup_e_only_no_spin, .flags = DCTS_F_TIMING },
    { .id = "evt-pipe-error-unasked", CLAUSES(EVT_4),
      .summary = "a pipe whose reader closed reaches R-only and W-only writers",
      .run = pipe_error_reaches_target_without_e },
    { .id = "evt-socket-hangup-unasked", CLAUSES(EVT_4),
      .summary = "a socket whose peer closed reaches R-only and W-only targets",
      .run = socket_hangup_reaches_target_without_e },
    { .id = "evt-urgent-data", CLAUSES(EVT_5),
      .summary = "urgent TCP data is reported in E (select) or R as PRI (poll models)",
      .run = urgent_data_is_reported, .flags = DCTS_F_TCP },
    { .id = "evt-peer-fin", CLAUSES(EVT_6),
      .summary = "a peer's orderly shutdown reaches an R-only target",
      .run = peer_fin_is_reported, .flags = DCTS_F_TCP },
    { .id = "evt-peer-rst", CLAUSES(EVT_7),
      .summary = "a connection reset by the peer is reported in R or E",
      .run = peer_rst_is_reported, .flags = DCTS_F_TCP },
    { .id = "evt-connect-refused", CLAUSES(EVT_8),
      .summary = "a refused non-blocking connect reaches a W-only target in W or E",
      .run = refused_connect_is_reported, .flags = DCTS_F_TCP },
    { .id = "evt-poll-exact-bits", CLAUSES(EVT_9),
      .summary = "poll models report exactly the kernel's bits (R|W|E interest)",
      .run = poll_bits_match_kernel, .flags = DCTS_F_TCP },
    { .id = "evt-poll-exact-bits-narrow", CLAUSES(EVT_9, EVT_3, EVT_4),
      .summary = "poll models report exactly the kernel's bits (R, W or E interest only)",
      .run = poll_bits_match_kernel_narrow, .flags = DCTS_F_TCP },
    { 0 }
};
