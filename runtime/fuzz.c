/*
 * fuzz.c: the differential tester.  A seeded generator makes a sequence
 * of operations on pipes, socketpairs and targets; the executor performs
 * each on the backend and on the model (model.c), and every call the
 * backend makes is checked against what the model allows.  A divergence
 * is shrunk (delta debugging over the op list, each trial replayed from
 * scratch) and printed with its seed and the command that reruns it.
 *
 * Targets live in a fixed pool: freeing one and making a new one in the
 * same slot gives the backend the same address again (as malloc would,
 * but deterministically), and a call on a freed slot lands in our code,
 * where it is recorded instead of being undefined behaviour.
 *
 * The mdl-* cases (cases/model.c) run a fixed set of seeds per feature
 * set; `dispatch-cts fuzz` (harness/fuzz_cmd.c) runs fresh seeds for a
 * time.
 */
#include "dcts.h"
#include "model.h"

#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- operations ------------------------------------------------------------ */

enum {
    OP_OPEN, OP_TARGET, OP_FILTER, OP_NULLFILTER, OP_CLOSED, OP_DROP,
    OP_FREE, OP_CLOSEFD, OP_DUP, OP_WRITE, OP_READ, OP_SHUT, OP_BEHAVE,
    OP_DISPATCH, OP_NOMEM, OP_HIGH
};

/* What a target does when called, after the call is checked. */
enum {
    A_NONE, A_DRAIN, A_READ1, A_WRITE, A_REMOVE_SELF, A_FILTER_SELF,
    A_FILTER_OTHER, A_CLOSE_SELF, A_CLOSE_OTHER, A_REPLACE, A_REUSE,
    A_NESTED, A_GROW, A_COUNT
};

typedef struct mdl_op { unsigned char kind, a, b, c, d, e; } mdl_op;

static const int raise_codes[] = { 0, 1, 2, DC_INTERRUPT, DC_EXIT };
#define N_TIMEOUTS 8
#define FIRST_BAD_TIMEOUT 4

static const char *const action_names[A_COUNT] = {
    "nothing", "drain", "read 1", "write 1", "remove self", "filter self",
    "filter other", "close self", "close other", "replace other",
    "reuse other", "nested dispatch", "register or remove 48 more"
};
static const char *const handler_names[MDL_H_COUNT] = {
    "NULL", "handles", "re-raises", "returns 7", "closes the target",
    "closes and re-raises"
};
static const char *const timeout_names[N_TIMEOUTS] = {
    "NULL", "0", "-0.0", "1e-4", "-1", "NaN", "+inf", "-1e-300"
};

static double timeout_value(int i)
{
    static const double v[N_TIMEOUTS] = { 0, 0.0, -0.0, 1e-4, -1.0, 0, 0,
                                          -1e-300 };
    return i == 5 ? nan("") : i == 6 ? INFINITY : v[i];
}

/* ---- the executor ------------------------------------------------------------ */

typedef struct mtarget {
    dc_target t;              /* first member: what the backend sees */
    int stale;                /* its fd number was closed under it */
    int action, arg, param, ret;
} mtarget;

static struct run {
    const dc_backend *be;
    unsigned features;
    dc_context *ctx;
    mdl m;
    mtarget pool[MDL_ALL_SLOTS];
    int bulk_fd[MDL_BULK][2];     /* the bulk targets' socketpairs */
    int bulk_on;
    dc_context *ctx2;             /* ABI-3: a second context, never run, */
    dc_target twin;               /* holding one of the same fds */
    int handler;
} R;

/* A generating child streams each op here before running it, so that a
 * crash leaves its parent the prefix that led to it. */
static int stream_fd = -1;

static int slot_of(const dc_target *o)
{
    const mtarget *p = (const mtarget *)o;
    if (p < R.pool || p >= R.pool + MDL_ALL_SLOTS)
        return -1;
    return (int)(p - R.pool);
}

/* The channel and end that fd belongs to (its number, or its dup's). */
static int chan_of(int fd, int *end, int *is_dup)
{
    for (int c = 0; c < MDL_CHANS; c++)
        for (int i = 0; i < 2 && fd >= 0; i++)
            if (R.m.chan[c].open &&
                (R.m.chan[c].fd[i] == fd || R.m.chan[c].dup[i] == fd)) {
                *end = i;
                *is_dup = R.m.chan[c].dup[i] == fd;
                return c;
            }
    return -1;
}

static void mark_stale(int fd)
{
    for (int s = 0; s < MDL_ALL_SLOTS; s++)
        if (R.m.slot[s].live && R.pool[s].t.fd == fd)
            R.pool[s].stale = 1;
}

/* Closes one fd of a channel; the last fd of an end closes the end.  A
 * target other than keep (the one the caller is about to tell
 * socket_closed about; -2: any) that still holds fd has it closed behind
 * the backend's back (LIM-3). */
static void close_fd(int fd, int keep)
{
    int end, dup;
    int c = chan_of(fd, &end, &dup);
    if (c < 0)
        return;
    mdl_chan *ch = &R.m.chan[c];
    mdl_touch(&R.m, c);
    if (R.twin.fd == fd) {              /* the twin leaves as an app would */
        int rc = R.be->socket_closed(R.ctx2, fd, &R.twin);
        if (rc != 0)
            mdl_fail(&R.m, "CLS-4", "socket_closed(%d, twin) in a second "
                     "context returned %d", fd, rc);
        R.twin.fd = -1;
    }
    int hi = mdl_holder(&R.m, fd);
    if (hi >= 0 && keep != -2 && R.m.reg[hi].slot != keep)
        mdl_taint(&R.m, fd);
    close(fd);
    mark_stale(fd);
    if (dup)
        ch->dup[end] = -1;
    else
        ch->fd[end] = -1;
    if (ch->fd[end] < 0 && ch->dup[end] < 0)
        ch->bytes[end] = 0;                     /* nobody can read them */
    if (ch->fd[0] < 0 && ch->dup[0] < 0 && ch->fd[1] < 0 && ch->dup[1] < 0)
        ch->open = 0;
}

static int end_fd(const mdl_chan *ch, int end)
{
    return ch->fd[end] >= 0 ? ch->fd[end] : ch->dup[end];
}

static void open_chan(int c, int pipe_kind)
{
    int sv[2];
    mdl_chan *ch = &R.m.chan[c];
    int rc = pipe_kind ? pipe2(sv, O_NONBLOCK | O_CLOEXEC)
                       : socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
                                    SOCK_CLOEXEC, 0, sv);
    if (rc != 0) {
        mdl_fail(&R.m, "HARNESS", "cannot open a %s: %s",
                 pipe_kind ? "pipe" : "socketpair", strerror(errno));
        return;
    }
    struct stat st0, st1;
    fstat(sv[0], &st0);
    fstat(sv[1], &st1);
    *ch = (mdl_chan){ 1, pipe_kind, { sv[0], sv[1] }, { -1, -1 },
                      { st0.st_ino, st1.st_ino }, { 0, 0 }, { 0, 0 }, { 0, 0 },
                      { 0, 0 } };
    if (R.ctx2 && R.twin.fd < 0 && !pipe_kind) {  /* ABI-3 */
        R.twin.fd = sv[0];
        int rc = R.be->set_dispatch_filter(R.ctx2, &R.twin, 1, 1, 1);
        if (rc != 0)
            mdl_fail(&R.m, "ABI-3", "a second context refused fd %d (%d)",
                     sv[0], rc);
    }
}

/* A target of the second context: the first one must never call it. */
static int on_twin(dc_target *self, unsigned long r, unsigned long w,
                   unsigned long e)
{
    if (R.m.destroying)
        mdl_fail(&R.m, "CLS-6", "destroy called the target of fd %d", self->fd);
    else
        mdl_fail(&R.m, "ABI-3", "dispatch_once of one context called the "
                 "target fd %d of another (r=%#lx w=%#lx e=%#lx)", self->fd,
                 r, w, e);
    return 0;
}

/* LIM-1: moves an end's fd to fd_limit - 1 or fd_limit when the backend
 * declares a limit, to 64 and above (past a bitmap's first word) when it
 * does not; RLIMIT_NOFILE is raised when the hard limit allows, and the
 * move is skipped when it does not or the number is taken. */
static void move_high(int c, int end, int which)
{
    mdl_chan *ch = &R.m.chan[c];
    int fd = ch->fd[end], lim = R.be->fd_limit;
    int to = lim > 0 ? lim - 1 + (which & 1) : 64 + which % 8;
    struct rlimit rl;
    if (!ch->open || fd < 0 || fd == R.twin.fd || mdl_holder(&R.m, fd) >= 0 ||
        to >= MDL_MAX_FD || getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if ((rlim_t)to >= rl.rlim_cur) {
        if ((rlim_t)to >= rl.rlim_max)
            return;
        rl.rlim_cur = rl.rlim_max < (rlim_t)MDL_MAX_FD ? rl.rlim_max : MDL_MAX_FD;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            return;
    }
    if (fcntl(to, F_GETFD) != -1 || errno != EBADF)
        return;                         /* taken: not ours to move onto */
    mdl_touch(&R.m, c);
    if (dup3(fd, to, O_CLOEXEC) < 0)
        return;
    close(fd);
    mark_stale(fd);
    ch->fd[end] = to;
}

static void do_write(int c, int end, int n)
{
    mdl_chan *ch = &R.m.chan[c];
    char buf[64] = { 0 };
    int fd = end_fd(ch, end);
    if (!ch->open || fd < 0 || (ch->pipe && end == 0))
        return;
    mdl_touch(&R.m, c);
    ssize_t got = ch->pipe ? write(fd, buf, (size_t)n)
                           : send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (got > 0)
        ch->bytes[1 - end] += got;
}

static void do_read(int c, int end, int n)
{
    mdl_chan *ch = &R.m.chan[c];
    char buf[4096];
    int fd = end_fd(ch, end);
    if (!ch->open || fd < 0 || (ch->pipe && end == 1))
        return;
    mdl_touch(&R.m, c);
    ssize_t got = read(fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
    if (got > 0)
        ch->bytes[end] -= got;
}

static void do_shutdown(int c, int end, int how)
{
    mdl_chan *ch = &R.m.chan[c];
    int fd = end_fd(ch, end);
    if (!ch->open || ch->pipe || fd < 0)
        return;
    mdl_touch(&R.m, c);
    int h = how == 0 ? SHUT_RD : how == 1 ? SHUT_WR : SHUT_RDWR;
    if (shutdown(fd, h) != 0)
        return;
    if (h != SHUT_WR)
        ch->rd_shut[end] = 1;
    if (h != SHUT_RD)
        ch->wr_shut[end] = 1;
}

static int on_event(dc_target *self, unsigned long r, unsigned long w,
                    unsigned long e);

static void new_target(int s, int fd)
{
    mdl_slot_new(&R.m, s, fd);
    R.pool[s] = (mtarget){ { fd, on_event }, 0, A_NONE, 0, 0, 0 };
}

static void filter(int s, int rwe, int native)
{
    int r = rwe & 4, w = rwe & 2, e = rwe & 1;
    mtarget *p = &R.pool[s];
    if (!R.m.slot[s].live || p->stale)
        return;
    p->t.dispatch_event = on_event;
    int rc = native
        ? R.be->set_poll_dispatch_filter(R.ctx, &p->t, R.be->flags_for(!!r, !!w, !!e))
        : R.be->set_dispatch_filter(R.ctx, &p->t, r, w, e); /* any non-zero is true */
    mdl_filter(&R.m, s, r, w, e, native, rc);
}

/* ABI-5: the same filter call with its nth allocation failing, where the
 * harness's allocator can be made to fail (not under valgrind or ASan). */
static void filter_nomem(int s, int rwe, int native, int nth)
{
    int r = rwe & 4, w = rwe & 2, e = rwe & 1;
    mtarget *p = &R.pool[s];
    if (!R.m.slot[s].live || p->stale || dcts_alloc_injection_unavailable())
        return;
    unsigned long flags = R.be->flags_for(!!r, !!w, !!e);
    dcts_alloc_fail_nth(nth);
    int rc = native ? R.be->set_poll_dispatch_filter(R.ctx, &p->t, flags)
                    : R.be->set_dispatch_filter(R.ctx, &p->t, r, w, e);
    if (dcts_alloc_disarm())
        mdl_filter_nomem(&R.m, s, r, w, e, native, rc);
    else
        mdl_filter(&R.m, s, r, w, e, native, rc);
}

static void closed(int fd, int s)
{
    int rc = R.be->socket_closed(R.ctx, fd, s < 0 ? NULL : &R.pool[s].t);
    mdl_socket_closed(&R.m, fd, s, rc);
}

/* Without MDL_F_BEHIND, no fd a registered target other than keep (-2:
 * none) holds is ever closed: the sequence stays in the contract's
 * everyday ground, where every bundled backend must be exact. */
static int would_close_behind(int fd, int keep)
{
    int hi = mdl_holder(&R.m, fd);
    return !(R.features & MDL_F_BEHIND) && hi >= 0 && keep != -2 &&
           R.m.reg[hi].slot != keep;
}

/* socket_closed and close in the order asked, then free the target. */
static void drop(int s, int order, int do_free)
{
    if (!R.m.slot[s].live ||
        would_close_behind(R.pool[s].t.fd, order == 2 ? -2 : s))
        return;
    int fd = R.pool[s].t.fd, end, dup;
    int open = !R.pool[s].stale && chan_of(fd, &end, &dup) >= 0;
    if (order == 1 && open)
        close_fd(fd, s);                /* CLS-1: closed first */
    closed(fd, order == 2 ? -1 : s);
    if (order != 1 && open)
        close_fd(fd, order == 2 ? -2 : s);
    if (do_free && mdl_registered(&R.m, s) < 0)
        mdl_slot_free(&R.m, s);
}

static void reuse(int s)
{
    int fd = R.pool[s].t.fd, end, dup;
    int c = chan_of(fd, &end, &dup);
    if (!R.m.slot[s].live || R.pool[s].stale || c < 0)
        return;
    for (int i = 0; i < 2; i++)
        if (would_close_behind(R.m.chan[c].fd[i], s) ||
            would_close_behind(R.m.chan[c].dup[i], s))
            return;
    closed(fd, s);
    for (int i = 0; i < 2; i++) {       /* the whole channel goes */
        if (R.m.chan[c].dup[i] >= 0)
            close_fd(R.m.chan[c].dup[i], s);
        if (R.m.chan[c].fd[i] >= 0)
            close_fd(R.m.chan[c].fd[i], s);
    }
    mdl_slot_free(&R.m, s);
    open_chan(c, 0);                    /* the same numbers, most likely */
    if (!R.m.chan[c].open)
        return;
    new_target(s, R.m.chan[c].fd[0]);   /* the same address */
    do_write(c, 1, 1);
    filter(s, 6, 0);                    /* DSP-7: nothing from this pass */
}

/* DSP-8: 48 targets registered from one callback (the registry grows
 * under the loop), each on a socketpair of its own that only ever is
 * writable; the next call sweeps them all out again. */
static void grow(void)
{
    for (int i = 0; i < MDL_BULK; i++) {
        int s = MDL_SLOTS + i, *sv = R.bulk_fd[i];
        if (R.bulk_on) {
            if (sv[0] < 0)
                continue;
            closed(sv[0], s);
            close(sv[0]);
            close(sv[1]);
            sv[0] = sv[1] = -1;
            mdl_slot_free(&R.m, s);
        } else {
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                           0, sv) != 0) {
                sv[0] = sv[1] = -1;
                continue;
            }
            new_target(s, sv[0]);
            filter(s, 2, i & 1);
        }
    }
    R.bulk_on = !R.bulk_on;
}

static void nested(void)
{
    /* One level: in a backend that really nests (DC_CAP_REENTRANT) the
     * nested pass calls this target again, and a callback that always
     * nested would recurse without end. */
    if (R.m.nested > 0)
        return;
    mdl_nested_begin(&R.m);
    int rc = R.be->dispatch_once(R.ctx, NULL, NULL, NULL);
    mdl_nested_end(&R.m, rc);
}

static void act(int s, int action, int arg, int param)
{
    int fd = R.pool[s].t.fd, end, dup;
    int c = chan_of(fd, &end, &dup);
    arg %= MDL_SLOTS;
    switch (action) {
    case A_DRAIN:       if (c >= 0) do_read(c, end, 4096); break;
    case A_READ1:       if (c >= 0) do_read(c, end, 1); break;
    case A_WRITE:       if (c >= 0) do_write(c, end, 1); break;
    case A_REMOVE_SELF: filter(s, 0, param & 8); break;
    case A_FILTER_SELF: filter(s, param & 7, param & 8); break;
    case A_FILTER_OTHER: filter(arg, param & 7, param & 8); break;
    case A_CLOSE_SELF:  drop(s, param % 3, 1); break;
    case A_CLOSE_OTHER: drop(arg, param % 3, 1); break;
    case A_REPLACE: {                   /* FLT-4 mid-pass, on arg's fd */
        int n = param % MDL_SLOTS;
        if (R.m.slot[n].live || !R.m.slot[arg].live || R.pool[arg].stale)
            break;
        new_target(n, R.pool[arg].t.fd);
        filter(n, 7, 0);
        break;
    }
    case A_REUSE:       reuse(arg); break;
    case A_NESTED:      nested(); break;
    case A_GROW:        grow(); break;
    }
}

static int on_event(dc_target *self, unsigned long r, unsigned long w,
                    unsigned long e)
{
    int s = slot_of(self);
    if (s < 0) {
        mdl_fail(&R.m, "DSP-4", "dispatch_event called on %p, not a target "
                 "of this sequence", (void *)self);
        return 0;
    }
    if (mdl_call(&R.m, s, r, w, e) != 0)
        return 0;
    mtarget *p = &R.pool[s];
    int code = raise_codes[p->ret % 5];
    p->ret = 0;                                 /* one raise per behaviour */
    act(s, p->action, p->arg, p->param);
    if (code && !R.m.failed)
        mdl_raise(&R.m, s, self, code);
    return R.m.failed ? 0 : code;
}

static int on_handler(void *arg, dc_target *o, int code)
{
    if (arg != &R) {
        mdl_fail(&R.m, "ERR-3", "the handler got arg %p, not the handler_arg "
                 "%p", arg, (void *)&R);
        return 0;
    }
    if (mdl_handler_call(&R.m, o, code) != 0)
        return 0;
    int ret = 0, s = slot_of(o);
    switch (R.handler) {
    case MDL_H_RERAISE:       ret = code; break;
    case MDL_H_OTHER:         ret = 7; break;
    case MDL_H_CLOSE_RERAISE: ret = code; /* fall through */
    case MDL_H_CLOSE:         if (s >= 0) drop(s, 0, 1); break;
    }
    if (R.m.failed)
        return 0;
    mdl_handler_return(&R.m, ret);
    return ret;
}

static void dispatch(int tmo, int handler)
{
    double t = timeout_value(tmo);
    R.handler = handler;
    mdl_pass_begin(&R.m, handler, tmo >= FIRST_BAD_TIMEOUT);
    if (R.m.failed)
        return;
    int rc = R.be->dispatch_once(R.ctx, tmo == 0 ? NULL : &t,
                                 handler == MDL_H_NONE ? NULL : on_handler, &R);
    mdl_pass_end(&R.m, rc);
}

static void exec_op(const mdl_op *op)
{
    int s = op->a % MDL_SLOTS, c = op->a % MDL_CHANS;
    mdl_chan *ch = &R.m.chan[c];
    switch (op->kind) {
    case OP_OPEN:
        if (!ch->open)
            open_chan(c, op->b & 1);
        break;
    case OP_TARGET: {
        int ci = op->b % MDL_CHANS, end = op->c & 1;
        mdl_chan *tc = &R.m.chan[ci];
        int fd = op->d == 2 ? -1 : op->d ? tc->dup[end] : tc->fd[end];
        if (!R.m.slot[s].live && (op->d == 2 || (tc->open && fd >= 0)))
            new_target(s, fd);
        break;
    }
    case OP_FILTER:     filter(s, op->b & 7, op->c & 1); break;
    case OP_NULLFILTER: {
        int rc = op->b & 1
            ? R.be->set_poll_dispatch_filter(R.ctx, NULL, R.be->flags_for(1, 0, 0))
            : R.be->set_dispatch_filter(R.ctx, NULL, 1, 0, 0);
        mdl_filter(&R.m, -1, 1, 0, 0, op->b & 1, rc);
        break;
    }
    case OP_CLOSED:
        if (!R.m.slot[s].live)
            break;
        if (op->b == 2) {               /* CLS-5: a late notice from another */
            int o = op->c % MDL_SLOTS;
            if (R.m.slot[o].live && o != s)
                closed(R.pool[s].t.fd, o);
        } else {
            closed(R.pool[s].t.fd, op->b == 1 ? -1 : s);
        }
        break;
    case OP_DROP:       drop(s, op->b % 3, op->c & 1); break;
    case OP_FREE:
        if (R.m.slot[s].live && mdl_registered(&R.m, s) < 0)
            mdl_slot_free(&R.m, s);
        break;
    case OP_CLOSEFD: {
        int fd = op->c & 1 ? ch->dup[op->b & 1] : ch->fd[op->b & 1];
        if (!ch->open || fd < 0 || would_close_behind(fd, -1))
            break;
        close_fd(fd, -1);               /* a holder: LIM-3, behind its back */
        break;
    }
    case OP_DUP:
        if (ch->open && ch->fd[op->b & 1] >= 0 && ch->dup[op->b & 1] < 0)
            ch->dup[op->b & 1] = fcntl(ch->fd[op->b & 1], F_DUPFD_CLOEXEC, 0);
        break;
    case OP_WRITE:      do_write(c, op->b & 1, op->c % 64 + 1); break;
    case OP_READ:       do_read(c, op->b & 1, op->c ? op->c : 4096); break;
    case OP_SHUT:       do_shutdown(c, op->b & 1, op->c % 3); break;
    case OP_BEHAVE:
        if (R.m.slot[s].live) {
            R.pool[s].action = op->b % A_COUNT;
            R.pool[s].arg = op->c;
            R.pool[s].param = op->e;
            R.pool[s].ret = op->d % 5;
        }
        break;
    case OP_DISPATCH:   dispatch(op->b % N_TIMEOUTS, op->c % MDL_H_COUNT); break;
    case OP_NOMEM:      filter_nomem(s, op->b & 7, op->c & 1, op->d % 4 + 1); break;
    case OP_HIGH:       move_high(c, op->b & 1, op->c); break;
    }
}

static void format_op(char *buf, size_t len, const mdl_op *op)
{
    int s = op->a % MDL_SLOTS, c = op->a % MDL_CHANS;
    static const char *const orders[3] = {
        "socket_closed then close", "close then socket_closed",
        "socket_closed(fd, NULL) then close" };
    switch (op->kind) {
    case OP_OPEN: snprintf(buf, len, "open C%d (%s)", c, op->b & 1 ? "pipe" : "socketpair"); break;
    case OP_TARGET:
        if (op->d == 2)
            snprintf(buf, len, "new T%d on fd -1", s);
        else
            snprintf(buf, len, "new T%d on C%d end %d%s", s, op->b % MDL_CHANS,
                     op->c & 1, op->d ? " (its dup)" : "");
        break;
    case OP_FILTER:
        snprintf(buf, len, "%s T%d %d%d%d", op->c & 1 ? "set_poll_dispatch_filter"
                 : "set_dispatch_filter", s, !!(op->b & 4), !!(op->b & 2), op->b & 1);
        break;
    case OP_NULLFILTER: snprintf(buf, len, "%s(NULL)", op->b & 1 ? "set_poll_dispatch_filter" : "set_dispatch_filter"); break;
    case OP_NOMEM:
        snprintf(buf, len, "%s T%d %d%d%d, its allocation #%d failing",
                 op->c & 1 ? "set_poll_dispatch_filter" : "set_dispatch_filter",
                 s, !!(op->b & 4), !!(op->b & 2), op->b & 1, op->d % 4 + 1);
        break;
    case OP_CLOSED:
        snprintf(buf, len, "socket_closed(T%d's fd, %s)", s, op->b == 0 ? "itself"
                 : op->b == 1 ? "NULL" : "another target");
        break;
    case OP_DROP: snprintf(buf, len, "T%d: %s%s", s, orders[op->b % 3], op->c & 1 ? ", free" : ""); break;
    case OP_FREE: snprintf(buf, len, "free T%d", s); break;
    case OP_CLOSEFD: snprintf(buf, len, "close C%d end %d%s", c, op->b & 1, op->c & 1 ? " (its dup)" : ""); break;
    case OP_DUP: snprintf(buf, len, "dup C%d end %d", c, op->b & 1); break;
    case OP_HIGH: snprintf(buf, len, "move C%d end %d to a high fd (%s)", c, op->b & 1,
                           op->c & 1 ? "fd_limit, or 64 + k" : "fd_limit - 1, or 64 + k"); break;
    case OP_WRITE: snprintf(buf, len, "write %d byte(s) into C%d end %d", op->c % 64 + 1, c, op->b & 1); break;
    case OP_READ: snprintf(buf, len, "read from C%d end %d", c, op->b & 1); break;
    case OP_SHUT: snprintf(buf, len, "shutdown C%d end %d %s", c, op->b & 1, op->c % 3 == 0 ? "SHUT_RD" : op->c % 3 == 1 ? "SHUT_WR" : "SHUT_RDWR"); break;
    case OP_BEHAVE:
        snprintf(buf, len, "T%d when called: %s (T%d, %#x), returns %d", s,
                 action_names[op->b % A_COUNT], op->c % MDL_SLOTS, op->e,
                 raise_codes[op->d % 5]);
        break;
    case OP_DISPATCH:
        snprintf(buf, len, "dispatch_once(timeout %s, handler %s)",
                 timeout_names[op->b % N_TIMEOUTS], handler_names[op->c % MDL_H_COUNT]);
        break;
    default: snprintf(buf, len, "?"); break;
    }
}

/* ---- the generator --------------------------------------------------------------- */

typedef struct rng { unsigned long long s; } rng;

static unsigned next(rng *g)
{
    g->s ^= g->s >> 12, g->s ^= g->s << 25, g->s ^= g->s >> 27;
    return (unsigned)((g->s * 2685821657736338717ull) >> 33);
}

static unsigned pick(rng *g, unsigned n) { return next(g) % n; }
static unsigned chance(rng *g, unsigned pct) { return pick(g, 100) < pct; }

static int live_slot(rng *g)
{
    int start = (int)pick(g, MDL_SLOTS);
    for (int i = 0; i < MDL_SLOTS; i++) {
        int s = (start + i) % MDL_SLOTS;
        if (R.m.slot[s].live && !R.pool[s].stale)
            return s;
    }
    return -1;
}

static int free_slot(rng *g)
{
    int start = (int)pick(g, MDL_SLOTS);
    for (int i = 0; i < MDL_SLOTS; i++)
        if (!R.m.slot[(start + i) % MDL_SLOTS].live)
            return (start + i) % MDL_SLOTS;
    return -1;
}

static int open_chan_idx(rng *g)
{
    int start = (int)pick(g, MDL_CHANS);
    for (int i = 0; i < MDL_CHANS; i++)
        if (R.m.chan[(start + i) % MDL_CHANS].open)
            return (start + i) % MDL_CHANS;
    return -1;
}

static mdl_op gen_op(rng *g, unsigned f)
{
    mdl_op op = { 0, 0, 0, 0, 0, 0 };
    int s = live_slot(g), c = open_chan_idx(g);
    unsigned roll = pick(g, 100);

    if (c < 0 || (roll < 6 && chance(g, 50))) {
        op.kind = OP_OPEN;
        op.a = (unsigned char)pick(g, MDL_CHANS);
        op.b = chance(g, 30);
        return op;
    }
    if (s < 0 || roll < 14) {
        int n = free_slot(g);
        if (n >= 0) {
            op.kind = OP_TARGET;
            op.a = (unsigned char)n;
            op.b = (unsigned char)c;
            op.c = R.m.chan[c].pipe ? chance(g, 10) : pick(g, 2);
            op.d = (f & MDL_F_DUP) && R.m.chan[c].dup[op.c] >= 0 && chance(g, 50);
            if ((f & MDL_F_BADARGS) && chance(g, 5))
                op.d = 2;
            return op;
        }
        if (s < 0) {
            op.kind = OP_DISPATCH;
            return op;
        }
    }
    if (roll < 36) {
        op.kind = OP_FILTER;
        op.a = (unsigned char)s;
        op.b = (unsigned char)(chance(g, 12) ? 0 : pick(g, 8));
        op.c = chance(g, 40);
        return op;
    }
    if (roll < 60) {
        op.kind = OP_DISPATCH;
        op.b = (f & MDL_F_BADARGS) && chance(g, 10)
            ? (unsigned char)(FIRST_BAD_TIMEOUT + pick(g, N_TIMEOUTS - FIRST_BAD_TIMEOUT))
            : (unsigned char)(chance(g, 5) ? 3 : pick(g, 3));
        op.c = (f & MDL_F_ERRORS) ? (unsigned char)pick(g, MDL_H_COUNT) : 0;
        return op;
    }
    if (roll < 70) {
        const mdl_chan *ch = &R.m.chan[c];
        op.a = (unsigned char)c;
        op.b = ch->pipe ? 1 : pick(g, 2);
        op.c = (unsigned char)pick(g, 8);
        op.kind = OP_WRITE;
        if (chance(g, 35)) {
            op.kind = OP_READ;
            op.b = ch->pipe ? 0 : pick(g, 2);
            op.c = chance(g, 50) ? 0 : 1;
        } else if (!ch->pipe && chance(g, 12)) {
            op.kind = OP_SHUT;
            op.c = (unsigned char)pick(g, 3);
        }
        return op;
    }
    if (roll < 84) {
        static const int core[] = { A_NONE, A_DRAIN, A_READ1, A_WRITE,
                                    A_REMOVE_SELF, A_FILTER_SELF, A_FILTER_OTHER };
        static const int closing[] = { A_CLOSE_SELF, A_CLOSE_OTHER, A_REPLACE,
                                       A_REUSE };
        op.kind = OP_BEHAVE;
        op.a = (unsigned char)s;
        op.b = (unsigned char)core[pick(g, 7)];
        if ((f & MDL_F_CLOSE) && chance(g, 35))
            op.b = (unsigned char)closing[pick(g, 4)];
        if ((f & MDL_F_NESTED) && chance(g, 15))
            op.b = A_NESTED;
        if ((f & MDL_F_CLOSE) && chance(g, 3))
            op.b = A_GROW;
        op.c = (unsigned char)pick(g, MDL_SLOTS);
        op.e = (unsigned char)pick(g, 16);
        if (op.b == A_REPLACE)
            op.e = (unsigned char)free_slot(g);
        op.d = (f & MDL_F_ERRORS) && chance(g, 40) ? (unsigned char)(1 + pick(g, 4)) : 0;
        return op;
    }
    if ((f & MDL_F_CLOSE) && roll < 94) {
        op.a = (unsigned char)s;
        unsigned k = pick(g, 10);
        if (k < 4) {
            op.kind = OP_DROP;
            op.b = (unsigned char)pick(g, 3);
            op.c = chance(g, 80);
        } else if (k < 6) {
            op.kind = OP_CLOSED;
            op.b = (unsigned char)pick(g, 3);
            op.c = (unsigned char)pick(g, MDL_SLOTS);
        } else if (k < 7) {
            op.kind = OP_FREE;
        } else {                        /* close an fd no target holds */
            op.kind = OP_CLOSEFD;
            op.a = (unsigned char)c;
            op.b = pick(g, 2);
            op.c = chance(g, 30);
            const mdl_chan *ch = &R.m.chan[c];
            int fd = op.c ? ch->dup[op.b] : ch->fd[op.b];
            if (fd >= 0 && mdl_holder(&R.m, fd) >= 0 &&
                !((f & MDL_F_BEHIND) && chance(g, 30)))
                op.kind = OP_DISPATCH;
        }
        return op;
    }
    if ((f & MDL_F_DUP) && roll < 97) {
        op.kind = OP_DUP;
        op.a = (unsigned char)c;
        op.b = pick(g, 2);
        return op;
    }
    if ((f & MDL_F_HIGHFD) && chance(g, 25)) {
        op.kind = OP_HIGH;
        op.a = (unsigned char)c;
        op.b = pick(g, 2);
        op.c = (unsigned char)pick(g, 8);
        return op;
    }
    if ((f & MDL_F_ALLOC) && chance(g, 30)) {
        op.kind = OP_NOMEM;
        op.a = (unsigned char)s;
        op.b = (unsigned char)(1 + pick(g, 7));
        op.c = chance(g, 40);
        op.d = (unsigned char)pick(g, 4);
        return op;
    }
    if ((f & MDL_F_BADARGS) && chance(g, 30)) {
        op.kind = OP_NULLFILTER;
        op.b = pick(g, 2);
        return op;
    }
    op.kind = OP_DISPATCH;
    return op;
}

/* ---- running a sequence ------------------------------------------------------------ */

#define MAX_OPS 96

static void release(void)
{
    R.m.destroying = 1;
    if (R.ctx2)
        R.be->destroy(R.ctx2);
    if (R.ctx)
        R.be->destroy(R.ctx);
    R.ctx = R.ctx2 = NULL;
    R.m.destroying = 0;
    for (int i = 0; i < MDL_BULK; i++)
        if (R.bulk_fd[i][0] >= 0) {
            close(R.bulk_fd[i][0]);
            close(R.bulk_fd[i][1]);
        }
    for (int c = 0; c < MDL_CHANS; c++)
        for (int i = 0; i < 2; i++) {
            if (R.m.chan[c].dup[i] >= 0)
                close(R.m.chan[c].dup[i]);
            if (R.m.chan[c].fd[i] >= 0)
                close(R.m.chan[c].fd[i]);
            R.m.chan[c].fd[i] = R.m.chan[c].dup[i] = -1;
        }
}

/* ABI-2, which every sequence relies on: one flags value per interest. */
static void check_flags_for(void)
{
    unsigned long fr = R.m.fr, fw = R.m.fw, fe = R.m.fe;
    if (R.be->flags_for(0, 0, 0) != 0 || !fr || !fw || !fe ||
        (fr & fw) || (fr & fe) || (fw & fe)) {
        mdl_fail(&R.m, "ABI-2", "flags_for: (0,0,0)=%#lx R=%#lx W=%#lx E=%#lx",
                 R.be->flags_for(0, 0, 0), fr, fw, fe);
        return;
    }
    for (int i = 1; i < 8; i++)
        if (R.be->flags_for(i & 4, i & 2, i & 1) !=
            ((i & 4 ? fr : 0) | (i & 2 ? fw : 0) | (i & 1 ? fe : 0)))
            mdl_fail(&R.m, "ABI-2", "flags_for(%d,%d,%d) is not the OR of its "
                     "fields", !!(i & 4), !!(i & 2), i & 1);
}

/* create, given time when it runs out of a resource: a negative errno is
 * a legal answer (ABI-4), and a backend whose kernel object is freed
 * after destroy returns (an io_uring ring is torn down by a kernel
 * worker) may find none left when sequences make hundreds in a row. */
static int create_retrying(const dc_backend *be, dc_context **ctx)
{
    int rc = be->create(ctx);
    for (int i = 0; i < 40 && (rc == -ENOMEM || rc == -EAGAIN ||
                               rc == -EMFILE || rc == -ENFILE); i++) {
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        rc = be->create(ctx);
    }
    return rc;
}

/* Runs a sequence: generated from g (ops written to out) or replayed from
 * in.  Returns the number of ops run; R.m holds the outcome. */
static size_t execute(const dc_backend *be, rng *g, unsigned features,
                      const mdl_op *in, size_t nin, mdl_op *out)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGPIPE, &ign, &old);
    memset(&R, 0, sizeof R);
    R.be = be;
    R.features = features;
    mdl_init(&R.m, be);
    check_flags_for();
    for (int i = 0; i < MDL_BULK; i++)
        R.bulk_fd[i][0] = R.bulk_fd[i][1] = -1;
    R.twin = (dc_target){ -1, on_twin };
    int rc = create_retrying(be, &R.ctx);
    if (rc != 0 || !R.ctx)
        mdl_fail(&R.m, "ABI-1", "create returned %d", rc);
    else if ((rc = create_retrying(be, &R.ctx2)) != 0 || !R.ctx2)
        mdl_fail(&R.m, "ABI-3", "a second create returned %d", rc);
    size_t n = 0, len = g ? 24 + pick(g, MAX_OPS - 24) : nin;
    while (n < len && !R.m.failed) {
        mdl_op op = g ? gen_op(g, features) : in[n];
        if (n + 1 == len && g)
            op = (mdl_op){ OP_DISPATCH, 0, 1, 0, 0, 0 };
        if (out)
            out[n] = op;
        if (stream_fd >= 0 && write(stream_fd, &op, sizeof op) != sizeof op)
            stream_fd = -1;
        n++;
        exec_op(&op);
    }
    if (!R.m.failed)            /* one last look: what callbacks left */
        dispatch(1, MDL_H_HANDLE);
    release();
    sigaction(SIGPIPE, &old, NULL);
    return n;
}

/* A trial's outcome: NULL (no divergence) or the clause. */
typedef struct outcome { int diverged; char clause[16]; char why[512]; } outcome;

static void outcome_of_model(outcome *o)
{
    o->diverged = R.m.failed;
    snprintf(o->clause, sizeof o->clause, "%s", R.m.failed ? R.m.clause : "");
    snprintf(o->why, sizeof o->why, "%s", R.m.failed ? R.m.why : "");
}

/* Replays ops in a child process (a crash or a hang is an outcome too). */
static void replay_forked(const dc_backend *be, unsigned f, const mdl_op *ops,
                          size_t n, outcome *o)
{
    int p[2];
    memset(o, 0, sizeof *o);
    if (pipe(p) != 0)
        return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        alarm(5);
        execute(be, NULL, f, ops, n, NULL);
        outcome_of_model(o);
        ssize_t wr = write(p[1], o, sizeof *o);
        _exit(wr == (ssize_t)sizeof *o ? 0 : 3);
    }
    close(p[1]);
    ssize_t got = pid > 0 ? read(p[0], o, sizeof *o) : -1;
    close(p[0]);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    if (got != (ssize_t)sizeof *o) {
        o->diverged = 1;
        int hang = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
        snprintf(o->clause, sizeof o->clause, "%s", hang ? "HANG" : "CRASH");
        snprintf(o->why, sizeof o->why, "%s", hang
                 ? "the sequence did not end within 5 s (a call blocked)"
                 : WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "the trial died");
    }
}

static void replay(const dc_backend *be, unsigned f, const mdl_op *ops,
                   size_t n, int forked, outcome *o)
{
    if (forked) {
        replay_forked(be, f, ops, n, o);
        return;
    }
    execute(be, NULL, f, ops, n, NULL);
    outcome_of_model(o);
}

/* Delta debugging: drop chunks of ops while the same clause still fails. */
static size_t shrink(const dc_backend *be, unsigned f, mdl_op *ops, size_t n,
                     int forked, const char *clause, outcome *last)
{
    mdl_op *trial = malloc(sizeof *trial * (n ? n : 1));
    size_t chunk = n / 2 ? n / 2 : 1;
    int budget = 400;                   /* trials, so a slow shrink ends */
    while (chunk >= 1 && budget > 0) {
        int progress = 0;
        for (size_t i = 0; i < n && budget > 0; ) {
            size_t k = i + chunk > n ? n - i : chunk, m = 0;
            for (size_t j = 0; j < n; j++)
                if (j < i || j >= i + k)
                    trial[m++] = ops[j];
            outcome o;
            replay(be, f, trial, m, forked, &o);
            budget--;
            if (o.diverged && strcmp(o.clause, clause) == 0) {
                memcpy(ops, trial, sizeof *ops * m);
                n = m;
                *last = o;
                progress = 1;
            } else {
                i += k;
            }
        }
        if (!progress)
            chunk /= 2;
    }
    free(trial);
    return n;
}

static const struct { const char *name; unsigned bit; } feature_table[] = {
    { "core", MDL_F_CORE }, { "close", MDL_F_CLOSE }, { "errors", MDL_F_ERRORS },
    { "nested", MDL_F_NESTED }, { "dup", MDL_F_DUP }, { "behind", MDL_F_BEHIND },
    { "badargs", MDL_F_BADARGS }, { "alloc", MDL_F_ALLOC },
    { "highfd", MDL_F_HIGHFD },
};

const char *mdl_feature_names(void)
{
    return "core, close, errors, nested, dup, behind, badargs, alloc, highfd";
}

int mdl_parse_features(const char *list, unsigned *out)
{
    unsigned bits = 0;
    while (*list) {
        size_t len = strcspn(list, ",");
        int found = 0;
        for (size_t i = 0; i < sizeof feature_table / sizeof feature_table[0]; i++)
            if (strlen(feature_table[i].name) == len &&
                strncmp(feature_table[i].name, list, len) == 0)
                bits |= feature_table[i].bit, found = 1;
        if (!found)
            return -1;
        list += len + (list[len] == ',');
    }
    *out = bits;
    return 0;
}

static void describe(mdl_result *res, unsigned long seed, unsigned f,
                     const mdl_op *ops, size_t n, const outcome *o,
                     const char *note)
{
    const dcts_clause *cl = dcts_find_clause(o->clause);
    size_t len = 0, cap = sizeof res->text;
    res->diverged = 1;
    snprintf(res->clause, sizeof res->clause, "%s", o->clause);
    len += (size_t)snprintf(res->text + len, cap - len,
                            "%s%s%s: %s\n  model seed %lu, features %#x; %s "
                            "%zu op(s):\n", o->clause, cl ? " " : "",
                            cl ? cl->text : "", o->why, seed, f, note, n);
    for (size_t i = 0; i < n && len < cap - 100; i++) {
        char line[160];
        format_op(line, sizeof line, &ops[i]);
        len += (size_t)snprintf(res->text + len, cap - len, "    %2zu. %s\n",
                                i + 1, line);
    }
    char names[96] = "";
    for (size_t i = 0; f != MDL_F_ALL &&
         i < sizeof feature_table / sizeof feature_table[0]; i++)
        if (f & feature_table[i].bit)
            snprintf(names + strlen(names), sizeof names - strlen(names),
                     "%s%s", names[0] ? "," : " --features ",
                     feature_table[i].name);
    if (len < cap - 200)
        snprintf(res->text + len, cap - len, "    (then destroy)\n  rerun: "
                 "dispatch-cts fuzz --seed %lu%s BACKEND.so\n", seed, names);
}

void mdl_fuzz_one(const dc_backend *be, unsigned long seed, unsigned features,
                  int fork_trials, mdl_result *res)
{
    mdl_op ops[MAX_OPS];
    rng g = { seed * 0x9E3779B97F4A7C15ull + 1 };
    outcome o;
    size_t n;

    memset(res, 0, sizeof *res);
    if (!fork_trials) {
        n = execute(be, &g, features, NULL, 0, ops);
        outcome_of_model(&o);
    } else {                    /* generate in a child: it may crash */
        int p[2];
        if (pipe(p) != 0)
            return;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {         /* each op goes out before it runs */
            close(p[0]);
            alarm(5);
            stream_fd = p[1];
            execute(be, &g, features, NULL, 0, ops);
            _exit(0);
        }
        close(p[1]);
        n = 0;
        while (pid > 0 && n < MAX_OPS &&
               read(p[0], &ops[n], sizeof ops[n]) == (ssize_t)sizeof ops[n])
            n++;
        close(p[0]);
        if (pid > 0)
            waitpid(pid, NULL, 0);
        replay(be, features, ops, n, 1, &o);
    }
    if (!o.diverged || strcmp(o.clause, "HARNESS") == 0) {
        if (o.diverged) {       /* the tester's own fault: never charged */
            res->diverged = -1;
            snprintf(res->clause, sizeof res->clause, "HARNESS");
            snprintf(res->text, sizeof res->text, "harness: model seed %lu: "
                     "%s (a bug of the tester, not of the backend)\n", seed,
                     o.why);
        }
        return;
    }
    outcome again;
    replay(be, features, ops, n, fork_trials, &again);
    if (!again.diverged || strcmp(again.clause, o.clause) != 0) {
        describe(res, seed, features, ops, n, &o,
                 "not reproduced on replay, so not shrunk:");
        return;
    }
    outcome last = again;
    n = shrink(be, features, ops, n, fork_trials, o.clause, &last);
    describe(res, seed, features, ops, n, &last, "shrunk to");
}

