/*
 * model.c: the contract as an executable model (see model.h).
 *
 * Three kinds of check, each naming the clause it enforces:
 *  - return codes of the filter calls and socket_closed (FLT-*, CLS-*,
 *    LIM-*), with the registry updated exactly as the clause says;
 *  - each dispatch_event call, when it happens (upper bounds): the target
 *    is alive and holds its fd under the registration the wait saw
 *    (DSP-5..DSP-7, CLS-2, FLT-1, FLT-4), at most once (DSP-1), with
 *    fields its current interest allows (EVT-3, DSP-5) in native bits
 *    (EVT-2) and, for a registration nothing touched during the pass,
 *    exactly the declared model's form of what the wait saw (EVT-1,
 *    EVT-9);
 *  - at the end of a pass (lower bounds): the result (ERR-2..ERR-6,
 *    TMO-7, ABI-4) and every untouched ready target called (DSP-3).
 * A registration or descriptor touched during the pass, a pass after a
 * propagation (ERR-7 leftovers) and an fd closed behind the backend
 * (LIM-3) only get the upper bounds that every legal design meets.
 */
#include "model.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

/* Every condition poll(2) can report; the backend's wait sees the subset
 * its own request bits (and the unasked ERR/HUP/NVAL) let through. */
#define K_ALL (POLLIN | POLLPRI | POLLOUT | POLLRDHUP | POLLRDNORM |       \
               POLLRDBAND | POLLWRNORM | POLLWRBAND)
/* Linux select(2)'s sets (fs/select.c), from the same poll mask. */
#define SEL_IN_SET  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX_SET  POLLPRI
/* The select model's native bits (CONTRACT.md, event models). */
#define SEL_R 0x1ul
#define SEL_W 0x2ul
#define SEL_E 0x4ul

typedef struct fields { unsigned long r, w, e; } fields;

static short kernel_view(int fd)
{
    struct pollfd p = { fd, K_ALL, 0 };
    return poll(&p, 1, 0) < 0 ? 0 : p.revents;
}

/* What a backend of model `model` reports for kernel mask k and interest
 * (ir, iw, ie), when nothing changed since its wait (EVT-9, the table). */
static fields form_of(unsigned model, short k, int ir, int iw, int ie)
{
    fields f = { 0, 0, 0 };
    unsigned long req, rev;
    switch (model) {
    case DC_MODEL_SELECT:
        f.r = ir && (k & SEL_IN_SET) ? SEL_R : 0;
        f.w = iw && (k & SEL_OUT_SET) ? SEL_W : 0;
        f.e = ie && (k & SEL_EX_SET) ? SEL_E : 0;
        break;
    case DC_MODEL_POLL:
        req = (ir ? POLLIN | POLLPRI : 0) | (iw ? POLLOUT : 0);
        rev = (unsigned short)k & (req | POLLERR | POLLHUP | POLLNVAL);
        f.r = rev & (POLLIN | POLLPRI);
        f.w = rev & POLLOUT;
        f.e = rev & (POLLERR | POLLHUP | POLLNVAL);
        break;
    case DC_MODEL_EPOLL:            /* EPOLL* equal POLL* on Linux */
        req = (ir ? POLLIN | POLLPRI | POLLRDHUP : 0) | (iw ? POLLOUT : 0);
        rev = (unsigned short)k & (req | POLLERR | POLLHUP);
        f.r = rev & (POLLIN | POLLPRI | POLLRDHUP);
        f.w = rev & POLLOUT;
        f.e = rev & (POLLERR | POLLHUP);
        break;
    }
    return f;
}

static int nonzero(fields f) { return f.r || f.w || f.e; }

/* Conditions a DC_MODEL_OTHER backend may report in any field, asked or
 * not: hangups, errors, a peer's shutdown, urgent data. */
#define K_EXCEPTIONAL (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP | POLLPRI)

/* DC_MODEL_OTHER: a call is allowed when some model would report
 * something, or an exceptional condition is there; R is required where
 * every model reports R (data, with nothing exceptional: POLLIN), W where
 * every model reports W (POLLOUT). */
static int other_allowed(short k, int ir, int iw, int ie)
{
    return (k & K_EXCEPTIONAL) ||
           nonzero(form_of(DC_MODEL_SELECT, k, ir, iw, ie)) ||
           nonzero(form_of(DC_MODEL_POLL, k, ir, iw, ie)) ||
           nonzero(form_of(DC_MODEL_EPOLL, k, ir, iw, ie));
}

static int other_requires_r(short k, int ir)
{
    return ir && (k & POLLIN) && !(k & K_EXCEPTIONAL);
}

static int other_requires_w(short k, int iw)
{
    return iw && (k & POLLOUT) && !(k & K_EXCEPTIONAL);
}

/* A call is required, in some field, for data, end of stream or room to
 * write that the target asked for (EVT-6: R or E, but reported). */
static int other_needs_call(short k, int ir, int iw)
{
    return (ir && (k & POLLIN)) || (iw && (k & POLLOUT));
}

static int needs_call(const mdl *m, short k, int ir, int iw, int ie)
{
    if (m->be->event_model == DC_MODEL_OTHER)
        return other_needs_call(k, ir, iw);
    return nonzero(form_of(m->be->event_model, k, ir, iw, ie));
}

void mdl_init(mdl *m, const dc_backend *be)
{
    memset(m, 0, sizeof *m);
    m->be = be;
    m->fr = be->flags_for(1, 0, 0);
    m->fw = be->flags_for(0, 1, 0);
    m->fe = be->flags_for(0, 0, 1);
    m->raised_slot = -1;
    for (int c = 0; c < MDL_CHANS; c++)
        for (int i = 0; i < 2; i++)
            m->chan[c].fd[i] = m->chan[c].dup[i] = -1;
    for (int s = 0; s < MDL_ALL_SLOTS; s++)
        m->slot[s].fd = -1;
}

int mdl_fail(mdl *m, const char *clause, const char *fmt, ...)
{
    if (m->failed)
        return -1;
    m->failed = 1;
    m->clause = clause;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->why, sizeof m->why, fmt, ap);
    va_end(ap);
    return -1;
}

int mdl_holder(const mdl *m, int fd)
{
    for (int i = 0; i < MDL_REGS; i++)
        if (m->reg[i].used && m->reg[i].fd == fd)
            return i;
    return -1;
}

int mdl_registered(const mdl *m, int slot)
{
    for (int i = 0; i < MDL_REGS; i++)
        if (m->reg[i].used && m->reg[i].slot == slot &&
            m->reg[i].inc == m->slot[slot].inc)
            return i;
    return -1;
}

static void drop_reg(mdl *m, int ri, mdl_gone why)
{
    mdl_slot *s = &m->slot[m->reg[ri].slot];
    if (s->inc == m->reg[ri].inc) {
        s->gone = why;
        s->gone_pass = m->in_pass ? m->pass : 0;
    }
    m->reg[ri].used = 0;
}

static void mark_changed(mdl *m, unsigned gen)
{
    for (int i = 0; i < m->nseen; i++)
        if (m->seen[i].gen == gen)
            m->seen[i].changed = 1;
}

void mdl_slot_new(mdl *m, int slot, int fd)
{
    m->slot[slot].live = 1;
    m->slot[slot].inc++;
    m->slot[slot].fd = fd;       /* gone: kept, it names the address's past */
}

void mdl_slot_free(mdl *m, int slot) { m->slot[slot].live = 0; }

void mdl_taint(mdl *m, int fd)
{
    int hi = mdl_holder(m, fd);
    if (hi >= 0)
        m->reg[hi].behind = 1;
    if (fd >= 0 && fd < (int)(sizeof m->tainted / sizeof m->tainted[0]))
        m->tainted[fd] = 1;
    for (int c = 0; c < MDL_CHANS; c++)
        for (int i = 0; i < 2; i++)
            if (m->chan[c].open &&
                (m->chan[c].fd[i] == fd || m->chan[c].dup[i] == fd))
                m->chan[c].pinned[i] = 1;
}

static int tainted(const mdl *m, int fd)
{
    return fd >= 0 && fd < (int)(sizeof m->tainted / sizeof m->tainted[0]) &&
           m->tainted[fd];
}

void mdl_touch(mdl *m, int chan)
{
    const mdl_chan *c = &m->chan[chan];
    for (int i = 0; i < m->nseen; i++)
        for (int e = 0; e < 2; e++)
            if (m->seen[i].fd == c->fd[e] || m->seen[i].fd == c->dup[e])
                m->seen[i].dirty = 1;
}

/* ---- filters and socket_closed ------------------------------------------ */

static const char *removal_clause(int native) { return native ? "FLT-6" : "FLT-1"; }

int mdl_filter(mdl *m, int slot, int r, int w, int e, int native, int rc)
{
    const char *call = native ? "set_poll_dispatch_filter" : "set_dispatch_filter";
    int on = r || w || e;
    if (m->failed)
        return -1;
    if (slot < 0)                                       /* LIM-4 */
        return rc == -EINVAL ? 0 :
            mdl_fail(m, "LIM-4", "%s(NULL) returned %d, not -EINVAL", call, rc);
    mdl_slot *s = &m->slot[slot];
    int fd = s->fd;
    if (fd < 0) {                                       /* LIM-2 */
        if (rc == -EBADF || rc == -EINVAL || (!on && rc == 0))
            return 0;
        return mdl_fail(m, "LIM-2", "%s on T%d with fd %d returned %d, not "
                        "-EBADF or -EINVAL", call, slot, fd, rc);
    }
    int hi = mdl_holder(m, fd);
    int mine = hi >= 0 && hi == mdl_registered(m, slot);
    if (!on) {                                          /* FLT-1, FLT-6 */
        if (rc != 0)
            return mdl_fail(m, removal_clause(native), "%s(T%d, 0) (fd %d, %s) "
                            "returned %d, not 0", call, slot, fd,
                            mine ? "registered" : "not registered", rc);
        if (mine)
            drop_reg(m, hi, native ? MDL_GONE_NATIVE0 : MDL_GONE_FILTER);
        return 0;
    }
    if (m->be->fd_limit > 0 && fd >= m->be->fd_limit)   /* LIM-1 */
        return rc < 0 ? 0 : mdl_fail(m, "LIM-1", "%s on fd %d, at or past "
                                     "fd_limit %d, returned %d", call, fd,
                                     m->be->fd_limit, rc);
    if (rc != 0) {
        const char *clause = m->in_pass ? "DSP-8"
            : m->be->fd_limit > 0 ? "LIM-1"
            : hi >= 0 && !mine ? "FLT-4" : (!r && !w) ? "FLT-7"
            : native ? "FLT-5" : "FLT-3";
        return mdl_fail(m, clause, "%s(T%d, %d%d%d) on fd %d returned %d, "
                        "not 0", call, slot, !!r, !!w, !!e, fd, rc);
    }
    if (mine) {                                         /* FLT-3 */
        m->reg[hi].r = !!r, m->reg[hi].w = !!w, m->reg[hi].e = !!e;
        mark_changed(m, m->reg[hi].gen);
        return 0;
    }
    if (hi >= 0)                                        /* FLT-4 */
        drop_reg(m, hi, MDL_GONE_REPLACED);
    for (int i = 0; i < MDL_REGS; i++)
        if (!m->reg[i].used) {
            m->reg[i] = (mdl_reg){ 1, fd, slot, s->inc, ++m->next_gen,
                                   !!r, !!w, !!e, 0, 0 };
            return 0;
        }
    return mdl_fail(m, "HARNESS", "model registry full");
}

int mdl_filter_nomem(mdl *m, int slot, int r, int w, int e, int native, int rc)
{
    if (m->failed)
        return -1;
    if (rc >= 0)
        return mdl_filter(m, slot, r, w, e, native, rc);
    if (mdl_registered(m, slot) < 0) {  /* ABI-5: nothing changed */
        m->slot[slot].gone = MDL_GONE_FAILED;
        m->slot[slot].gone_pass = m->in_pass ? m->pass : 0;
    }
    return 0;
}

int mdl_socket_closed(mdl *m, int fd, int slot, int rc)
{
    if (m->failed)
        return -1;
    if (fd < 0)                                         /* CLS-4 */
        return rc == 0 || rc == -EBADF ? 0 :
            mdl_fail(m, "CLS-4", "socket_closed(%d) returned %d", fd, rc);
    int hi = mdl_holder(m, fd);
    int match = hi >= 0 && (slot < 0 || hi == mdl_registered(m, slot));
    if (rc != 0) {
        const char *clause = hi < 0 ? "CLS-4" : !match ? "CLS-5"
                           : slot < 0 ? "CLS-3" : "CLS-1";
        return mdl_fail(m, clause, "socket_closed(%d, %s%.0d) returned %d, "
                        "not 0", fd, slot < 0 ? "NULL" : "T", slot < 0 ? 0 : slot,
                        rc);
    }
    if (match)                                          /* CLS-2, CLS-3 */
        drop_reg(m, hi, MDL_GONE_CLOSED);
    return 0;                                           /* CLS-5 */
}

/* ---- passes --------------------------------------------------------------- */

/* The model's own prediction of "readable" (POLLIN), from the bytes it
 * counted and the ends it saw shut or closed; -1 when the fd is none of
 * the channels'. */
static int predicted_readable(const mdl *m, int fd)
{
    for (int c = 0; c < MDL_CHANS; c++) {
        const mdl_chan *ch = &m->chan[c];
        if (!ch->open)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fd != ch->fd[i] && fd != ch->dup[i])
                continue;
            if (ch->pipe)
                return i == 0 && ch->bytes[0] > 0;
            int peer_gone = ch->fd[1 - i] < 0 && ch->dup[1 - i] < 0;
            if (peer_gone && ch->pinned[1 - i] && ch->bytes[i] == 0 &&
                !ch->rd_shut[i] && !ch->wr_shut[1 - i])
                return -1;  /* EOF only once the backend lets the file go */
            return ch->bytes[i] > 0 || ch->rd_shut[i] || ch->wr_shut[1 - i] ||
                   peer_gone;
        }
    }
    return -1;
}

/* Whether fd's channel peer was closed behind the backend's back. */
static int peer_pinned(const mdl *m, int fd)
{
    for (int c = 0; c < MDL_CHANS; c++) {
        const mdl_chan *ch = &m->chan[c];
        for (int i = 0; ch->open && i < 2; i++)
            if (fd == ch->fd[i] || fd == ch->dup[i])
                return ch->pinned[1 - i];
    }
    return 0;
}

/* CLS-7: every fd the caller holds is still open on the file it opened
 * (a backend that closed one lets the number go to the next socket). */
static void check_fds_ours(mdl *m)
{
    for (int c = 0; c < MDL_CHANS; c++)
        for (int i = 0; i < 4 && m->chan[c].open; i++) {
            int fd = i < 2 ? m->chan[c].fd[i] : m->chan[c].dup[i - 2];
            struct stat st;
            if (fd < 0)
                continue;
            if (fstat(fd, &st) != 0 || st.st_ino != m->chan[c].ino[i % 2]) {
                mdl_fail(m, "CLS-7", "fd %d, open as far as the caller knows, "
                         "is %s: the backend closed an fd it did not open", fd,
                         fstat(fd, &st) != 0 ? "closed" : "another file now");
                return;
            }
        }
}

void mdl_pass_begin(mdl *m, mdl_handler_kind h, int bad_timeout)
{
    check_fds_ours(m);
    int keep = 0;
    if (m->prev_propagated)              /* ERR-7: leftovers may be kept */
        for (int i = 0; i < m->nseen && keep < MDL_SEEN - MDL_REGS; i++)
            if (!m->seen[i].called && !m->seen[i].old) {
                m->seen[keep] = m->seen[i];
                m->seen[keep].old = 1;
                keep++;
            }
    m->nseen = keep;
    m->pass++;
    m->in_pass = 1;
    m->lenient = m->prev_propagated;
    m->handler = h;
    m->bad_timeout = bad_timeout;
    m->calls = 0;
    m->awaiting_handler = 0;
    m->raised_o = NULL;
    m->handled_errors = 0;
    m->propagated = 0;
    for (int i = 0; i < MDL_REGS; i++) {
        const mdl_reg *g = &m->reg[i];
        if (!g->used)
            continue;
        short k = kernel_view(g->fd);
        int want = predicted_readable(m, g->fd);
        if (want >= 0 && !tainted(m, g->fd) && (k & POLLNVAL))
            mdl_fail(m, "CLS-7", "fd %d, open as far as the caller knows, is "
                     "closed: the backend closed an fd it did not open", g->fd);
        if (want >= 0 && !tainted(m, g->fd) && want != !!(k & POLLIN))
            mdl_fail(m, "HARNESS", "the model says fd %d is %sreadable, the "
                     "kernel says revents %#x", g->fd, want ? "" : "not ", k);
        /* A peer closed behind the backend may be held open by it (an
         * io_uring request pins its file) and let go during the call:
         * this end's state may change under the pass, as if touched. */
        m->seen[m->nseen++] = (mdl_seen){ g->fd, g->slot, g->inc, g->gen,
                                          g->r, g->w, g->e, k, 0,
                                          peer_pinned(m, g->fd), 0, 0 };
    }
}

static const char *gone_clause(const mdl *m, const mdl_slot *s)
{
    if (m->in_pass && s->gone_pass == m->pass)
        return "DSP-6";
    switch (s->gone) {
    case MDL_GONE_CLOSED:   return "CLS-2";
    case MDL_GONE_FILTER:   return "FLT-1";
    case MDL_GONE_NATIVE0:  return "FLT-6";
    case MDL_GONE_REPLACED: return "FLT-4";
    case MDL_GONE_FAILED:   return "ABI-5";
    case MDL_GONE_NEVER:    break;
    }
    return "DSP-4";
}

static const char *gone_text(mdl_gone g)
{
    switch (g) {
    case MDL_GONE_CLOSED:   return "after socket_closed";
    case MDL_GONE_FILTER:   return "after removal by set_dispatch_filter(0,0,0)";
    case MDL_GONE_NATIVE0:  return "after removal by set_poll_dispatch_filter(0)";
    case MDL_GONE_REPLACED: return "after another target replaced it on its fd";
    case MDL_GONE_FAILED:   return "after its registration failed with an errno";
    case MDL_GONE_NEVER:    break;
    }
    return "never registered";
}

static int subset(unsigned long got, unsigned long allowed)
{
    return (got & ~allowed) == 0;
}

/* A touched registration, a dirty descriptor or a leftover: each field
 * must be one that some look at the descriptor (the wait's, an earlier
 * wait's, or one now) shows for the wider of the old and new interest. */
static int loose_check(mdl *m, const mdl_seen *sn, mdl_reg *g, int slot,
                       unsigned long r, unsigned long w, unsigned long e)
{
    short k = 0;
    for (int i = 0; i < m->nseen; i++)
        if (m->seen[i].gen == sn->gen)
            k |= m->seen[i].k;
    k |= kernel_view(g->fd);
    int ir = sn->r || g->r, iw = sn->w || g->w, ie = sn->e || g->e;
    if (m->be->event_model == DC_MODEL_OTHER)
        return other_allowed(k, ir, iw, ie) ? 0 :
            mdl_fail(m, "DSP-4", "T%d (fd %d) called (r=%#lx w=%#lx e=%#lx) "
                     "with nothing pending (revents %#x)", slot, g->fd, r, w,
                     e, k);
    fields a = form_of(m->be->event_model, k, ir, iw, ie);
    if (subset(r, a.r) && subset(w, a.w) && subset(e, a.e))
        return 0;
    return mdl_fail(m, nonzero(a) ? "EVT-1" : "DSP-4",
                    "T%d (fd %d) called with r=%#lx w=%#lx e=%#lx; no wait "
                    "shows more than r=%#lx w=%#lx e=%#lx (revents %#x)", slot,
                    g->fd, r, w, e, a.r, a.w, a.e, k);
}

static int exact_check(mdl *m, const mdl_seen *sn, int slot, unsigned long r,
                       unsigned long w, unsigned long e)
{
    unsigned model = m->be->event_model;
    if (model == DC_MODEL_OTHER) {
        if (!other_allowed(sn->k, sn->r, sn->w, sn->e))
            return mdl_fail(m, "DSP-4", "T%d (fd %d, interest %d%d%d) called "
                            "with nothing pending at the wait (revents %#x)",
                            slot, sn->fd, sn->r, sn->w, sn->e, sn->k);
        if ((other_requires_r(sn->k, sn->r) && !r) ||
            (other_requires_w(sn->k, sn->w) && !w))
            return mdl_fail(m, "EVT-1", "T%d (fd %d, interest %d%d%d) called "
                            "with r=%#lx w=%#lx: the wait saw it %s (revents "
                            "%#x)", slot, sn->fd, sn->r, sn->w, sn->e, r, w,
                            !r && other_requires_r(sn->k, sn->r)
                                ? "readable" : "writable", sn->k);
        return 0;
    }
    fields x = form_of(model, sn->k, sn->r, sn->w, sn->e);
    if (x.r == r && x.w == w && x.e == e)
        return 0;
    if (!nonzero(x))
        return mdl_fail(m, "DSP-4", "T%d (fd %d, interest %d%d%d) called with "
                        "r=%#lx w=%#lx e=%#lx; nothing was pending at the wait "
                        "(revents %#x)", slot, sn->fd, sn->r, sn->w, sn->e, r,
                        w, e, sn->k);
    return mdl_fail(m, model == DC_MODEL_SELECT ? "EVT-1" : "EVT-9",
                    "T%d (fd %d, interest %d%d%d, untouched in the pass) called "
                    "with r=%#lx w=%#lx e=%#lx; the wait saw r=%#lx w=%#lx "
                    "e=%#lx (revents %#x)", slot, sn->fd, sn->r, sn->w, sn->e,
                    r, w, e, x.r, x.w, x.e, sn->k);
}

int mdl_call(mdl *m, int slot, unsigned long r, unsigned long w,
             unsigned long e)
{
    if (m->failed)
        return -1;
    mdl_slot *s = &m->slot[slot];
    if (m->destroying)
        return mdl_fail(m, "CLS-6", "destroy called T%d", slot);
    if (!m->in_pass)
        return mdl_fail(m, "DSP-4", "T%d called outside dispatch_once", slot);
    if (m->nested && !(m->be->caps & DC_CAP_REENTRANT))
        return mdl_fail(m, "DSP-9", "a nested dispatch_once, which must be "
                        "refused with -EBUSY (no DC_CAP_REENTRANT), called T%d",
                        slot);
    if (m->propagated && !m->nested)
        return mdl_fail(m, m->propagated_clause, "T%d called after the pass "
                        "had to end with code %d", slot, m->propagated_code);
    if (m->awaiting_handler && !m->nested)
        return mdl_fail(m, "ERR-3", "T%d called before the handler was given "
                        "the code %d raised earlier", slot, m->raised_code);
    if (!s->live)
        return mdl_fail(m, gone_clause(m, s), "T%d called after it was freed "
                        "(%s)", slot, gone_text(s->gone));
    int ri = mdl_registered(m, slot);
    if (ri < 0)
        return mdl_fail(m, gone_clause(m, s), "T%d (fd %d) called while not "
                        "registered (%s)", slot, s->fd, gone_text(s->gone));
    mdl_reg *g = &m->reg[ri];
    m->calls++;
    if (!r && !w && !e)
        return mdl_fail(m, "DSP-4", "T%d called with r = w = e = 0", slot);
    if (!subset(r, m->fr) || !subset(w, m->fw) || !subset(e, m->fe))
        return mdl_fail(m, "EVT-2", "T%d called with r=%#lx w=%#lx e=%#lx, "
                        "outside flags_for's R=%#lx W=%#lx E=%#lx", slot, r, w,
                        e, m->fr, m->fw, m->fe);
    if (m->nested) {
        if (e)
            m->reg[ri].told = 1;        /* LIM-3: told, in the nested pass */
        return 0;   /* a real nested pass (DC_CAP_REENTRANT) waits on its
                     * own: the model took no view of that wait, so only
                     * the rules above, which need none, are checked */
    }
    mdl_seen *sn = NULL;
    for (int i = 0; i < m->nseen; i++)
        if (m->seen[i].gen == g->gen && (!sn || sn->old))
            sn = &m->seen[i];
    int narrowed_r = sn && sn->r, narrowed_w = sn && sn->w;
    if (r && !g->r)
        return mdl_fail(m, narrowed_r ? "DSP-5" : "EVT-3", "T%d called with "
                        "r=%#lx but its interest is %d%d%d", slot, r, g->r,
                        g->w, g->e);
    if (w && !g->w)
        return mdl_fail(m, narrowed_w ? "DSP-5" : "EVT-3", "T%d called with "
                        "w=%#lx but its interest is %d%d%d", slot, w, g->r,
                        g->w, g->e);
    if (m->be->event_model == DC_MODEL_SELECT && e && !g->e && !tainted(m, g->fd))
        return mdl_fail(m, sn && sn->e ? "DSP-5" : "EVT-1", "T%d called with "
                        "e=%#lx (urgent data) but its interest is %d%d%d",
                        slot, e, g->r, g->w, g->e);
    if (tainted(m, g->fd)) {             /* LIM-3: the backend's choice */
        if (e)
            m->reg[ri].told = 1;
        return 0;
    }
    if (!sn)
        return mdl_fail(m, "DSP-7", "T%d (fd %d) registered during the pass "
                        "was called in it", slot, g->fd);
    if (m->nested)                       /* a reentrant nested pass */
        return loose_check(m, sn, g, slot, r, w, e);
    if (sn->called)
        return mdl_fail(m, "DSP-1", "T%d called twice in one pass", slot);
    for (int i = 0; i < m->nseen; i++)
        if (m->seen[i].gen == g->gen)
            m->seen[i].called = 1;
    if (sn->changed || sn->dirty || sn->old || m->lenient)
        return loose_check(m, sn, g, slot, r, w, e);
    return exact_check(m, sn, slot, r, w, e);
}

void mdl_raise(mdl *m, int slot, dc_target *o, int code)
{
    if (m->failed)
        return;
    if (m->nested) {                     /* the nested call's own result */
        if (m->n_nested_rc < 4)
            m->nested_rc_ok[m->n_nested_rc++] = code;
        return;
    }
    m->raised_slot = slot;
    m->raised_code = code;
    m->raised_o = o;
    if (code == DC_INTERRUPT || code == DC_EXIT || m->handler == MDL_H_NONE) {
        m->propagated = 1;
        m->propagated_code = code;
        m->propagated_clause = m->handler == MDL_H_NONE &&
            code != DC_INTERRUPT && code != DC_EXIT ? "ERR-4" : "ERR-2";
    } else {
        m->awaiting_handler = 1;
    }
}

int mdl_handler_call(mdl *m, dc_target *o, int code)
{
    if (m->failed)
        return -1;
    if (m->propagated && m->propagated_clause[4] == '2')
        return mdl_fail(m, "ERR-2", "the handler was called (code %d) after "
                        "a target raised %s", code,
                        m->propagated_code == DC_EXIT ? "DC_EXIT" : "DC_INTERRUPT");
    if (!m->awaiting_handler)
        return mdl_fail(m, "ERR-3", "the handler was called (code %d) with no "
                        "raise waiting for it", code);
    m->awaiting_handler = 0;
    if (o != m->raised_o || code != m->raised_code)
        return mdl_fail(m, "ERR-3", "the handler got (%p, %d); T%d raised %d "
                        "from %p", (void *)o, code, m->raised_slot,
                        m->raised_code, (void *)m->raised_o);
    return 0;
}

void mdl_handler_return(mdl *m, int ret)
{
    if (ret == 0) {
        m->handled_errors++;
        return;
    }
    m->propagated = 1;
    m->propagated_code = ret;
    m->propagated_clause = "ERR-5";
}

static int result_check(mdl *m, int rc)
{
    int want = m->propagated ? m->propagated_code : 0;
    if (m->bad_timeout && rc == -EINVAL)                /* TMO-7 */
        return m->calls == 0 ? 0 : mdl_fail(m, "TMO-7", "dispatch_once "
               "returned -EINVAL for a bad timeout after calling %d "
               "target(s)", m->calls);
    if (rc == want)
        return 0;
    if (m->awaiting_handler)
        return mdl_fail(m, "ERR-3", "T%d raised %d; dispatch_once returned %d "
                        "without calling the handler", m->raised_slot,
                        m->raised_code, rc);
    if (m->propagated)
        return mdl_fail(m, m->propagated_clause, "dispatch_once returned %d; "
                        "the pass had to end with %d", rc, want);
    if (rc == -EBUSY)
        return mdl_fail(m, "ERR-8", "dispatch_once returned -EBUSY outside "
                        "any pass");
    if (rc > 0)
        return mdl_fail(m, m->handled_errors ? "ERR-6" : "ABI-4",
                        "dispatch_once returned %d; nothing was to propagate%s",
                        rc, m->handled_errors ? " (the handler handled every "
                        "raise)" : "");
    return mdl_fail(m, m->bad_timeout ? "TMO-7" : "ABI-4", "dispatch_once "
                    "returned %d", rc);
}

int mdl_pass_end(mdl *m, int rc)
{
    m->in_pass = 0;
    if (m->failed)
        return -1;
    if (result_check(m, rc) != 0)
        return -1;
    m->prev_propagated = m->propagated;
    if (m->propagated || m->lenient || (m->bad_timeout && rc == -EINVAL))
        return 0;
    for (int i = 0; i < m->nseen; i++) {                /* LIM-3 */
        const mdl_seen *sn = &m->seen[i];
        int ri = mdl_holder(m, sn->fd);
        unsigned model = m->be->event_model;
        /* Only while the number stays closed all through the pass: a
         * backend may look at the fd when it calls, and a callback may
         * have given the number to a new socket by then. */
        if (sn->old || ri < 0 || m->reg[ri].gen != sn->gen ||
            !m->reg[ri].behind || m->reg[ri].told || !(sn->k & POLLNVAL) ||
            sn->dirty || sn->changed || !(kernel_view(sn->fd) & POLLNVAL) ||
            (model != DC_MODEL_SELECT && model != DC_MODEL_POLL) ||
            (m->be->caps & DC_CAP_CLOSED_FD_SILENT))
            continue;
        return mdl_fail(m, "LIM-3", "T%d's fd %d was closed behind the "
                        "backend's back; the pass did not tell it in E",
                        sn->slot, sn->fd);
    }
    for (int i = 0; i < m->nseen; i++) {                /* DSP-3 */
        const mdl_seen *sn = &m->seen[i];
        if (sn->old || sn->called || sn->changed || sn->dirty ||
            tainted(m, sn->fd) || !needs_call(m, sn->k, sn->r, sn->w, sn->e))
            continue;
        int ri = mdl_holder(m, sn->fd);
        if (ri < 0 || m->reg[ri].gen != sn->gen)
            continue;
        return mdl_fail(m, m->handled_errors ? "ERR-6" : "DSP-3", "T%d (fd %d,"
                        " interest %d%d%d) was ready at the wait (revents %#x) "
                        "and not called in the pass", sn->slot, sn->fd, sn->r,
                        sn->w, sn->e, sn->k);
    }
    return 0;
}

void mdl_nested_begin(mdl *m)
{
    m->nested++;
    m->n_nested_rc = 0;
    if (m->be->caps & DC_CAP_REENTRANT)
        m->lenient = 1;          /* the outer pass goes on under DSP-5..7 */
}

int mdl_nested_end(mdl *m, int rc)
{
    m->nested--;
    if (m->failed)
        return -1;
    if (!(m->be->caps & DC_CAP_REENTRANT))
        return rc == -EBUSY ? 0 : mdl_fail(m, "DSP-9", "a nested dispatch_once "
               "returned %d; without DC_CAP_REENTRANT it must be -EBUSY", rc);
    if (rc == 0)
        return 0;
    for (int i = 0; i < m->n_nested_rc; i++)
        if (m->nested_rc_ok[i] == rc)
            return 0;
    return mdl_fail(m, "DSP-9", "a nested dispatch_once (DC_CAP_REENTRANT) "
                    "returned %d", rc);
}
