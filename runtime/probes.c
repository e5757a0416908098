/*
 * probes.c: probe targets, and the recorded forms of the four operations
 * (what they do goes into the trace, trace.c).
 */
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- probes -------------------------------------------------------------- */

static const char *probe_name(dc_target *o)
{
    dcts_probe *p = (dcts_probe *)o;
    if (o == NULL)
        return "NULL";
    if (p->magic == DCTS_PROBE_LIVE || p->magic == DCTS_PROBE_FREED)
        return p->name;
    return "(not a probe)";
}

/* Every probe's dispatch_event: record, check, then act. */
static int probe_dispatch(dc_target *self, unsigned long r, unsigned long w,
                          unsigned long e)
{
    dcts_probe *p = (dcts_probe *)self;
    dcts_t *t = dcts_rt.current;

    if (p->magic == DCTS_PROBE_FREED) {
        dcts_rt.use_after_free++;
        dcts_trace(t, "#%u %s.dispatch_event(r=%#lx,w=%#lx,e=%#lx) AFTER FREE",
                   dcts_rt.pass, p->name, r, w, e);
        return 0;
    }
    dcts_trace(t, "#%u %s(r=%#lx,w=%#lx,e=%#lx)", dcts_rt.pass, p->name, r, w, e);
    if (dcts_rt.destroying)
        dcts_rt.calls_in_destroy++;
    if (++p->calls_this_pass > 1)
        dcts_rt.double_calls++;
    p->calls++;
    p->r = r, p->w = w, p->e = e;
    p->r_seen |= r, p->w_seen |= w, p->e_seen |= e;
    return p->action ? p->action(t, p, r, w, e) : p->ret;
}

/* Every probe the case made, freed when it ends (a freed probe's memory
 * stays until then, see dcts.h). */
static struct {
    dcts_probe **all;
    size_t n, cap;
} made;

static void free_probes(void)
{
    for (size_t i = 0; i < made.n; i++)
        free(made.all[i]);
    free(made.all);
    memset(&made, 0, sizeof made);
}

dcts_probe *dcts_probe_new(dcts_t *t, const char *name, int fd)
{
    dcts_probe *p = calloc(1, sizeof *p);
    if (p == NULL)
        dcts_harness_skip(t, "harness: out of memory for a probe");
    dcts_probe **grown = dcts_grow(made.all, &made.cap, made.n, sizeof *made.all, 64);
    if (grown == NULL) {
        free(p);
        dcts_harness_skip(t, "harness: out of memory for a probe");
    }
    made.all = grown;
    made.all[made.n++] = p;
    dcts_add_cleanup(DCTS_CLEANUP_MEMORY, free_probes);
    p->target.fd = fd;
    p->target.dispatch_event = probe_dispatch;
    p->magic = DCTS_PROBE_LIVE;
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

void dcts_probe_free(dcts_t *t, dcts_probe *p)
{
    (void)t;
    p->magic = DCTS_PROBE_FREED;    /* memory stays mapped: see dcts.h */
}

dcts_probe *dcts_probe_on_socketpair(dcts_t *t, const char *name, int *peer)
{
    int sv[2];
    dcts_socketpair(t, sv);
    if (peer)
        *peer = sv[1];
    return dcts_probe_new(t, name, sv[0]);
}

dcts_probe *dcts_ready_probe(dcts_t *t, const char *name, int r, int w, int e)
{
    int peer;
    dcts_probe *p = dcts_probe_on_socketpair(t, name, &peer);
    int rc;

    dcts_write_byte(t, peer);
    rc = dcts_filter(t, p, r, w, e);
    if (rc != 0)
        dcts_fail(t, "expected: set_dispatch_filter(%s, %d, %d, %d) on fd %d "
                  "returns 0; observed: %s", name, r, w, e, p->target.fd,
                  dcts_code_name(rc));
    return p;
}

int dcts_act_drain(dcts_t *t, dcts_probe *p, unsigned long r, unsigned long w,
                   unsigned long e)
{
    (void)t, (void)w, (void)e;
    if (r)
        dcts_drain(p->target.fd);
    return p->ret;
}

int dcts_act_forget_self(dcts_t *t, dcts_probe *p, unsigned long r,
                         unsigned long w, unsigned long e)
{
    int fd = p->target.fd;
    (void)r, (void)w, (void)e;
    dcts_closed(t, fd, p);
    dcts_close(t, fd);
    dcts_probe_free(t, p);
    return 0;
}

/* ---- the operations, recorded -------------------------------------------- */

/* LIM-1 lets a backend refuse any fd at or past its declared fd_limit.  A
 * case about something else that registered such an fd made more fds than
 * the limit holds: the case's problem, so it SKIPs instead of failing. */
static int checked_registration(dcts_t *t, const dcts_probe *p, int rc)
{
    int limit = t->be->fd_limit;

    if (rc < 0 && p && limit > 0 && p->target.fd >= limit &&
        !dcts_case_names_clause(t->c, "LIM-1"))
        dcts_harness_skip(t, "harness: %s's fd %d is at or past the "
                          "backend's fd_limit %d, which LIM-1 lets it refuse "
                          "(%s)", p->name, p->target.fd, limit,
                          dcts_code_name(rc));
    return rc;
}

int dcts_filter(dcts_t *t, dcts_probe *p, int r, int w, int e)
{
    return checked_registration(t, p, t->be->set_dispatch_filter(
        t->ctx, p ? &p->target : NULL, r, w, e));
}

int dcts_poll_filter(dcts_t *t, dcts_probe *p, unsigned long flags)
{
    return checked_registration(t, p, t->be->set_poll_dispatch_filter(
        t->ctx, p ? &p->target : NULL, flags));
}

int dcts_closed(dcts_t *t, int fd, dcts_probe *p_or_null)
{
    return t->be->socket_closed(t->ctx, fd, p_or_null ? &p_or_null->target : NULL);
}

int dcts_dispatch_full(dcts_t *t, const double *timeout_s,
                       dc_error_handler handler, void *arg)
{
    for (size_t i = 0; i < made.n; i++)
        made.all[i]->calls_this_pass = 0;
    dcts_rt.pass++;
    return t->be->dispatch_once(t->ctx, timeout_s, handler, arg);
}

int dcts_dispatch(dcts_t *t, double timeout_s)
{
    return dcts_dispatch_full(t, &timeout_s, NULL, NULL);
}

int dcts_recording_handler(void *arg, dc_target *o, int code)
{
    dcts_rt.handler_calls++;
    dcts_rt.handler_last_o = o;
    dcts_rt.handler_last_code = code;
    dcts_trace(dcts_rt.current, "#%u handler(%s, %s)", dcts_rt.pass,
               probe_name(o), dcts_code_name(code));
    return arg ? *(int *)arg : 0;
}

int dcts_handler_calls(dcts_t *t, dc_target **last_o, int *last_code)
{
    (void)t;
    if (last_o)
        *last_o = dcts_rt.handler_last_o;
    if (last_code)
        *last_code = dcts_rt.handler_last_code;
    return dcts_rt.handler_calls;
}
