/*
 * dcts.h: the vocabulary conformance cases are written in.
 *
 * A case is a function taking a dcts_t.  Before it runs, the runtime has
 * created a fresh context of the backend under test (t->ctx); after it
 * returns (or fails) the runtime destroys that context and closes every fd
 * and joins every helper thread the case asked it for.  A case never frees
 * anything by hand except on purpose.
 *
 * Cases speak through a few macros:
 *
 *     CHECK(cond, "expected: ...", ...)   fail unless cond
 *     OK(expr)                            fail unless expr returns 0
 *     SKIP("reason", ...)                 not applicable to this backend
 *
 * A failure message says what was expected; the runtime adds what was
 * observed: the sequence of dispatch_event and handler calls so far.  It
 * hands both over as parts (dcts_outcome); the harness composes the
 * message around them (the clauses, the rerun line, the lesson).
 */
#ifndef DCTS_H
#define DCTS_H

#include "dispatch_context.h"
#include "case.h"     /* the table: a case's row, the statuses */
#include "env.h"      /* the environment before the backend ran */
#include "alloc.h"    /* allocation failures */

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- inside a case: the state the runtime hands over --------------------- */

struct dcts {
    const dcts_case *c;
    const dc_backend *be;
    dc_context *ctx;         /* fresh context of be, destroyed after the case */
    double scale;            /* --timeout-scale: multiply every tolerance */
};

/* Ending a case early.  They do not return. */
__attribute__((noreturn, format(printf, 2, 3)))
void dcts_fail(dcts_t *t, const char *fmt, ...);
__attribute__((noreturn, format(printf, 2, 3)))
void dcts_skip(dcts_t *t, const char *fmt, ...);

/* The case's own preparation failed (a kernel object could not be made,
 * an fd number it needs was taken, a signal storm did not arrive): the
 * backend is not at fault, so the case SKIPs with the reason, prefixed
 * "harness: ", and never FAILs.  Only for conditions the contract lets a
 * backend cause or that no backend causes; a condition only a broken
 * backend causes is a CHECK of the clause it breaks. */
__attribute__((noreturn, format(printf, 2, 3)))
void dcts_harness_skip(dcts_t *t, const char *fmt, ...);

#define CHECK(cond, ...)                                                   \
    do { if (!(cond)) dcts_fail(t, __VA_ARGS__); } while (0)
#define SKIP(...) dcts_skip(t, __VA_ARGS__)
/* The case's preparation needs cond; SKIPs (dcts_harness_skip) if not. */
#define NEED(cond, ...)                                                    \
    do { if (!(cond)) dcts_harness_skip(t, __VA_ARGS__); } while (0)
/* A SKIP that follows from what the backend declares (fd_limit, event
 * model, caps), reported apart from one the environment causes (SKIP). */
__attribute__((noreturn, format(printf, 2, 3)))
void dcts_skip_declared(dcts_t *t, const char *fmt, ...);
#define SKIP_DECLARED(...) dcts_skip_declared(t, __VA_ARGS__)

/* SKIPs when number fd was taken before the backend was loaded; FAILs
 * when it was free then and is taken now. */
void dcts_need_free_fd(dcts_t *t, int fd);
/* expr must return 0; otherwise the failure names expr and its value. */
#define OK(expr)                                                           \
    do { long dcts_rc_ = (long)(expr);                                     \
         if (dcts_rc_ != 0)                                                \
             dcts_fail(t, "expected: %s returns 0; observed: %ld (%s)",    \
                       #expr, dcts_rc_, dcts_code_name(dcts_rc_));         \
    } while (0)

/* "-EINVAL", "DC_INTERRUPT", "0", "7": a readable name for a return code. */
const char *dcts_code_name(long code);

/* ---- probe targets -------------------------------------------------------- */

typedef struct dcts_probe dcts_probe;

/* What a probe does when called, after recording the call.  The return
 * value is what dispatch_event returns (0 or a code to raise). */
typedef int (*dcts_action)(dcts_t *t, dcts_probe *p,
                           unsigned long r, unsigned long w, unsigned long e);

struct dcts_probe {
    dc_target target;        /* first member: what the backend sees */
    unsigned magic;          /* DCTS_PROBE_LIVE, or _FREED once released */
    char name[12];           /* "A", "B", ... as shown in traces */
    int calls;               /* dispatch_event calls so far */
    int calls_this_pass;     /* reset by dcts_dispatch before each call */
    unsigned long r, w, e;   /* arguments of the last call */
    unsigned long r_seen, w_seen, e_seen;  /* OR of all calls */
    dcts_action action;      /* NULL: record only, return ret */
    int ret;                 /* returned when action is NULL */
    void *user;              /* for the action */
    dcts_probe *other;       /* for actions that act on a second probe */
};

#define DCTS_PROBE_LIVE  0x1badcafeu
#define DCTS_PROBE_FREED 0xdeadbeefu

/* A new probe named name on fd (not registered yet).  Probes live until
 * the case ends, whatever the case does with them. */
dcts_probe *dcts_probe_new(dcts_t *t, const char *name, int fd);

/* Ready-made actions. */
int dcts_act_drain(dcts_t *t, dcts_probe *p,        /* reads what is there */
                   unsigned long r, unsigned long w, unsigned long e);
int dcts_act_forget_self(dcts_t *t, dcts_probe *p,  /* socket_closed(self),
                                                       close, free */
                         unsigned long r, unsigned long w, unsigned long e);

/* "Frees" p the way an application would after socket_closed: p is
 * poisoned, and any later dispatch_event on it is recorded as a
 * use-after-free, which fails the case (DSP-6).  The memory stays mapped
 * so the violation is detected instead of crashing. */
void dcts_probe_free(dcts_t *t, dcts_probe *p);

/* A probe on one end of a fresh socketpair, not registered; the other
 * end's fd goes to *peer when peer is not NULL. */
dcts_probe *dcts_probe_on_socketpair(dcts_t *t, const char *name, int *peer);
/* A probe on a fresh socketpair with one byte waiting to be read (so it is
 * readable and writable), registered with interest (r, w, e); fails the
 * case when the registration is refused. */
dcts_probe *dcts_ready_probe(dcts_t *t, const char *name, int r, int w, int e);

/* ---- the operations, recorded --------------------------------------------- */

/* Each forwards to t->be with t->ctx and returns what the backend returned.
 * A filter call refused for a probe whose fd is at or past the declared
 * fd_limit SKIPs the case (LIM-1 allows the refusal), unless the case
 * names LIM-1. */
int dcts_filter(dcts_t *t, dcts_probe *p, int r, int w, int e);
int dcts_poll_filter(dcts_t *t, dcts_probe *p, unsigned long flags);
int dcts_closed(dcts_t *t, int fd, dcts_probe *p_or_null);

/* dispatch_once with a timeout in seconds and no handler; resets every
 * probe's calls_this_pass first. */
int dcts_dispatch(dcts_t *t, double timeout_s);
/* The same with an explicit timeout pointer and handler. */
int dcts_dispatch_full(dcts_t *t, const double *timeout_s,
                       dc_error_handler handler, void *arg);

/* A handler that records its call and returns the code in *(int *)arg
 * (0 = handled); arg may be NULL (handled). */
int dcts_recording_handler(void *arg, dc_target *o, int code);

/* ---- the trace: what the backend did, for failure messages --------------- */

/* Appends a line to the trace ("A.dispatch_event(r=0x1,w=0,e=0)").  The
 * runtime records dispatch_event and handler calls by itself. */
__attribute__((format(printf, 2, 3)))
void dcts_trace(dcts_t *t, const char *fmt, ...);
/* The trace so far, comma-separated, or "no calls". */
const char *dcts_trace_text(dcts_t *t);
/* Forgets the trace (e.g. after a setup phase). */
void dcts_trace_clear(dcts_t *t);
/* Number of handler calls recorded, and the last one's target and code. */
int dcts_handler_calls(dcts_t *t, dc_target **last_o, int *last_code);

/* ---- kernel objects, closed by the runtime when the case ends ----------- */

/* AF_UNIX stream socketpair, both ends non-blocking. */
void dcts_socketpair(dcts_t *t, int sv[2]);
/* pipe, both ends non-blocking: p[0] read end, p[1] write end. */
void dcts_pipe(dcts_t *t, int p[2]);
/* A connected TCP pair on 127.0.0.1, both non-blocking. */
void dcts_tcp_pair(dcts_t *t, int *client, int *server);
/* A TCP listener on 127.0.0.1 (port in *port), non-blocking. */
int dcts_tcp_listener(dcts_t *t, int *port);
/* A port on 127.0.0.1 where nothing listens (for refused connects). */
int dcts_closed_port(dcts_t *t);
/* Tracks an fd the case made itself, so it is closed at the end. */
int dcts_own_fd(dcts_t *t, int fd);
/* Closes fd now and stops tracking it. */
void dcts_close(dcts_t *t, int fd);
/* Moves fd to number target (dup2, then close the old one); returns target.
 * target must be free or kept by dcts_close_keep_number: a number taken
 * by anything else (the backend may open fds of its own, CLS-6) SKIPs,
 * since dup2 would silently close it. */
int dcts_move_fd(dcts_t *t, int fd, int target);
/* close(fd) as the backend sees it (the file goes, its kernel
 * registrations with it), but the number stays the case's: an idle
 * placeholder (a pipe's read end, its writer kept open) takes it in the
 * same dup2, so an fd the backend opens later cannot land there.  For a
 * case that reuses the number after calling the backend in between. */
void dcts_close_keep_number(dcts_t *t, int fd);
/* A socketpair whose sv[0] is number fd, which must be free (e.g. just
 * closed) or kept by dcts_close_keep_number: for cases about a reused fd
 * number.  Both ends non-blocking.  SKIPs when something else took the
 * number meanwhile (an fd the backend opened for itself). */
void dcts_socketpair_at(dcts_t *t, int sv[2], int fd);
/* How many more fds the case can open whose numbers stay below the
 * backend's declared fd_limit, with a few left for the backend's own (an
 * epoll fd, a self-pipe); INT_MAX when the backend declares no limit. */
int dcts_fd_room(dcts_t *t);
/* SKIPs, naming the limit, unless dcts_fd_room(t) >= n. */
void dcts_need_fd_room(dcts_t *t, int n);
/* Raises RLIMIT_NOFILE to at least n, or SKIPs with the reason. */
void dcts_need_nofile(dcts_t *t, long n);

/* Writes one byte (fails the case if it cannot). */
void dcts_write_byte(dcts_t *t, int fd);
/* Reads and discards whatever is readable; returns the count (-1: error,
 * 0: EOF). */
long dcts_drain(int fd);
/* Fills fd's send buffer until it would block. */
void dcts_fill(dcts_t *t, int fd);
/* Waits up to ms milliseconds, with poll(2), until fd reports any of
 * events (POLLERR and POLLHUP always count) and returns the revents seen;
 * fails the case as a harness problem if nothing shows.  Settles a
 * condition still in flight (a TCP segment) before the backend is asked. */
int dcts_await(dcts_t *t, int fd, int events, double ms);
/* Sends one byte of urgent data (send MSG_OOB) on a connected TCP socket. */
void dcts_send_urgent(dcts_t *t, int fd);
/* Closes fd with SO_LINGER {1, 0}, so a TCP peer gets a RST (untracked). */
void dcts_close_reset(dcts_t *t, int fd);
/* An AF_UNIX stream listener bound to path (e.g. in dcts_tmpdir),
 * non-blocking. */
int dcts_unix_listener(dcts_t *t, const char *path);
/* An anonymous in-memory file (memfd) holding len bytes of data (none if
 * data is NULL), its offset at 0: for a peer's stdin or stdout. */
int dcts_memfile(dcts_t *t, const char *name, const void *data, size_t len);

/* ---- peer programs and temporary files (spawn.c, tmpdir.c) -------------- */

/* The path of the executable name on $PATH, or NULL (static storage). */
const char *dcts_which(const char *name);
/* Starts argv (argv[0] a path or a name on $PATH) as a peer: stdin from
 * in_fd and stdout to out_fd (-1: /dev/null), stderr the case's, no other
 * descriptor, in the case's process group.  The runtime SIGKILLs and
 * reaps it when the case ends, whichever way; so does the harness's
 * watchdog with the case's process group. */
pid_t dcts_spawn(dcts_t *t, char *const argv[], int in_fd, int out_fd);
/* 1 when the peer pid has ended (reaped; its wait status in *status),
 * 0 while it runs.  Never blocks. */
int dcts_spawn_done(dcts_t *t, pid_t pid, int *status);
/* "exited with status 0", "killed by signal 9 (Killed)" (static). */
const char *dcts_exit_text(int status);
/* A private directory, the same for every call in a case, removed with
 * everything in it when the case ends. */
const char *dcts_tmpdir(dcts_t *t);

/* ---- time ---------------------------------------------------------------- */

/* Monotonic seconds. */
double dcts_now(void);
/* Milliseconds since since (a dcts_now value). */
double dcts_ms_since(double since);
/* CPU time (user + system) the calling thread has used, in milliseconds:
 * a wait that sleeps uses almost none of its wall time, a busy loop all
 * of it, on any machine and under valgrind alike. */
double dcts_thread_cpu_ms(void);
/* A tolerance of ms milliseconds, scaled by --timeout-scale. */
double dcts_tol_ms(dcts_t *t, double ms);
/* Upper bounds on a duration, on a loaded machine: measure(t, arg) does
 * one attempt (with its own checks) and returns its length in ms.  While
 * every attempt so far took longer than limit_ms, but by no more than a
 * machine can delay a process (300 ms, scaled), it is measured again, up
 * to 3 attempts in all; the least length is returned.  A loaded machine
 * makes a wait late now and then, a broken backend every time.  Never use
 * it for lower bounds: no machine makes a wait shorter. */
double dcts_least_ms(dcts_t *t, double limit_ms,
                     double (*measure)(dcts_t *t, void *arg), void *arg);
/* Writes one byte to fd from a helper thread after ms milliseconds. */
void dcts_write_later(dcts_t *t, int fd, double ms);
/* Sleeps ms milliseconds. */
void dcts_sleep_ms(double ms);
/* TMO-11: DCTS_IDLE_WAITS calls of dispatch_once(ms) when nothing
 * registered is ready: each must return 0, and at most one of them before
 * 60% of ms (the one a backend may need to learn of a stale condition).
 * Calls that keep ending early mean the backend waits on something it
 * reports to nobody (a busy loop); what names the situation for the
 * message. */
#define DCTS_IDLE_WAITS 3
void dcts_expect_idle_wait(dcts_t *t, double ms, const char *what);
/* SIGALRM every interval_us microseconds (handler installed without
 * SA_RESTART, so waits see EINTR) until dcts_signal_storm_stop or the end
 * of the case; returns nothing, counts deliveries. */
void dcts_signal_storm(dcts_t *t, long interval_us);
void dcts_signal_storm_stop(dcts_t *t);
/* The same storm, ending by itself ms milliseconds from now (or at
 * dcts_signal_storm_stop): a wait that a storm would stretch forever then
 * still ends, and the case can measure how far it was stretched. */
void dcts_signal_storm_for(dcts_t *t, long interval_us, double ms);
long dcts_signals_delivered(void);

#endif /* DCTS_H */
