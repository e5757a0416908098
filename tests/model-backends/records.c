/*
 * records.c: a backend of a design unlike the bundled ones, for
 * tests/model.sh: the differential tester must pass it as written and
 * find each defect that -DDEFECT=N builds into it.
 *
 * The design: poll(2); registrations are records in a dense array kept
 * compact by swap-remove, each with a sequence number; a pass copies
 * (target, sequence, revents) out of the poll results and delivers them
 * in reverse order, calling a target only while a record with the same
 * target and sequence still exists, masked by its current events.  No
 * fd-indexed table, no generations per fd, no shared code with
 * backends/.  DC_MODEL_POLL.
 *
 * Defects (each a realistic slip in this design):
 *   1  the pass reads revents by array position, so a swap-remove in a
 *      callback hands the removed record's results to the one moved in
 *   2  a registration finds its record by target pointer only, so a
 *      second target on a held fd is added beside the first (no FLT-4)
 *   3  W is not masked at the call ("the wait only reports what was
 *      asked"): a W narrowed during the pass is still delivered (DSP-5)
 *   4  socket_closed finds the record by fd only, ignoring o (CLS-5)
 */
#include "dispatch_context.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#ifndef DEFECT
#define DEFECT 0
#endif

typedef struct record { dc_target *o; int fd; short events; unsigned seq; } record;
typedef struct result { dc_target *o; unsigned seq; short revents; int pos; } result;

struct dc_context {
    record *rec;
    size_t n, cap;
    unsigned next_seq;
    int in_pass;
};

static int create(dc_context **out)
{
    dc_context *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    *out = c;
    return 0;
}

static void destroy(dc_context *c)
{
    free(c->rec);
    free(c);
}

static unsigned long flags_for(int r, int w, int e)
{
    return (r ? POLLIN | POLLPRI : 0) | (w ? POLLOUT : 0) |
           (e ? POLLERR | POLLHUP | POLLNVAL : 0);
}

static long find_fd(dc_context *c, int fd)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->rec[i].fd == fd)
            return (long)i;
    return -1;
}

static void remove_at(dc_context *c, size_t i)
{
    c->rec[i] = c->rec[--c->n];            /* swap-remove */
}

static int set_flags(dc_context *c, dc_target *o, unsigned long flags)
{
    if (!o)
        return -EINVAL;
    if (flags & ~flags_for(1, 1, 1))
        return -EINVAL;
    long i = -1;
#if DEFECT == 2
    for (size_t k = 0; k < c->n; k++)
        if (c->rec[k].o == o)
            i = (long)k;
#else
    i = find_fd(c, o->fd);
#endif
    if (flags == 0) {
        if (i >= 0 && c->rec[i].o == o)
            remove_at(c, (size_t)i);
        return 0;
    }
    if (o->fd < 0)
        return -EBADF;
    if (i >= 0 && c->rec[i].o == o) {
        c->rec[i].events = (short)flags;   /* a change: same record */
        return 0;
    }
    if (i < 0) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 8;
            record *r = realloc(c->rec, cap * sizeof *r);
            if (!r)
                return -ENOMEM;
            c->rec = r, c->cap = cap;
        }
        i = (long)c->n++;
    }
    c->rec[i] = (record){ o, o->fd, (short)flags, ++c->next_seq };
    return 0;
}

static int set_filter(dc_context *c, dc_target *o, int r, int w, int e)
{
    return set_flags(c, o, flags_for(r, w, e));
}

static int socket_closed(dc_context *c, int fd, dc_target *o)
{
    long i = find_fd(c, fd);
#if DEFECT == 4
    (void)o;
    if (i >= 0)
#else
    if (i >= 0 && (!o || c->rec[i].o == o))
#endif
        remove_at(c, (size_t)i);
    return 0;
}

static int timeout_ms(const double *t, int *ms)
{
    if (!t || *t == 0) {
        *ms = 0;
        return 0;
    }
    if (isnan(*t) || *t < 0 || isinf(*t))
        return -EINVAL;
    double v = ceil(*t * 1000.0);
    *ms = v > INT_MAX ? INT_MAX : (int)v;
    return 0;
}

static record *live(dc_context *c, const result *x)
{
#if DEFECT == 1
    return (size_t)x->pos < c->n ? &c->rec[x->pos] : NULL;
#else
    for (size_t i = 0; i < c->n; i++)
        if (c->rec[i].o == x->o && c->rec[i].seq == x->seq)
            return &c->rec[i];
    return NULL;
#endif
}

static int dispatch_once(dc_context *c, const double *t, dc_error_handler h,
                         void *arg)
{
    int ms, rc = 0;
    if (c->in_pass)
        return -EBUSY;
    if (timeout_ms(t, &ms) != 0)
        return -EINVAL;
    size_t n = c->n;
    struct pollfd *p = calloc(n ? n : 1, sizeof *p);
    result *x = calloc(n ? n : 1, sizeof *x);
    if (!p || !x) {
        free(p), free(x);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){ c->rec[i].fd,
                                (short)(c->rec[i].events & (POLLIN | POLLPRI | POLLOUT)), 0 };
    int got = poll(p, n, ms);
    if (got < 0) {                         /* EINTR or worse: nothing stale */
        free(p), free(x);
        return errno == EINTR ? 0 : -errno;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = (result){ c->rec[i].o, c->rec[i].seq, p[i].revents, (int)i };
    c->in_pass = 1;
    for (size_t k = n; k-- > 0 && rc == 0; ) {
        record *r = x[k].revents ? live(c, &x[k]) : NULL;
        if (!r)
            continue;
        unsigned long ev = (unsigned short)x[k].revents;
        unsigned long rr = ev & (POLLIN | POLLPRI) & (unsigned long)r->events;
#if DEFECT == 3
        unsigned long ww = ev & POLLOUT;   /* the wait asked, so it is wanted */
#else
        unsigned long ww = ev & POLLOUT & (unsigned long)r->events;
#endif
        unsigned long ee = ev & (POLLERR | POLLHUP | POLLNVAL);
        if (!rr && !ww && !ee)
            continue;
        dc_target *o = r->o;
        int code = o->dispatch_event(o, rr, ww, ee);
        if (code == DC_INTERRUPT || code == DC_EXIT || (code && !h))
            rc = code;
        else if (code)
            rc = h(arg, o, code);
    }
    c->in_pass = 0;
    free(p), free(x);
    return rc;
}

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "records",
    .create = create,
    .destroy = destroy,
    .dispatch_once = dispatch_once,
    .set_dispatch_filter = set_filter,
    .set_poll_dispatch_filter = set_flags,
    .socket_closed = socket_closed,
    .flags_for = flags_for,
    .fd_limit = 0,
    .event_model = DC_MODEL_POLL,
    .caps = 0,
};

DC_EXPORT_BACKEND(descriptor)
