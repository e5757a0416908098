/*
 * select.c: the reference backend, built on select(2).
 *
 * It is the backend the others are measured against, so it favours the
 * plain and the obviously correct over speed.  Each rule of
 * spec/CONTRACT.md is named beside the code that keeps it: grep for an id
 * (TMO-9, DSP-7, ...) to find it.
 *
 * One dispatch_once goes:
 *
 *   1. refuse nesting, check the timeout               (DSP-9, TMO-7; frame.h)
 *   2. build fresh fd_sets from the registry and wait  (TMO-1..9)
 *   3. snapshot what was ready: fd, generation, bits   (DSP-5..7)
 *   4. walk the snapshot, re-checking before each call (backends/common)
 *
 * The frame of a call (step 1), the registry, the timeout arithmetic and
 * the pass itself are shared with the other backends (backends/common);
 * this file holds only what is select's own: three fd_sets, FD_SETSIZE,
 * and what EBADF means.
 */
#include "dispatch_context.h"
#include "deliver.h"
#include "frame.h"
#include "registry.h"
#include "timeout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/select.h>

/* Native flags: one bit per fd_set (EVT-2).  flags_for(r, w, e) is their
 * OR, so the set_dispatch_filter interests are exactly the 8 combinations
 * of these bits (FLT-5), and the three fields are disjoint (ABI-2). */
#define DC_SEL_READ   0x1ul         /* readfds */
#define DC_SEL_WRITE  0x2ul         /* writefds */
#define DC_SEL_EXCEPT 0x4ul         /* exceptfds: urgent (out-of-band) data */
#define DC_SEL_ALL    (DC_SEL_READ | DC_SEL_WRITE | DC_SEL_EXCEPT)

struct dc_context {
    dcb_registry reg;               /* fd -> {target, flags, generation} */
    int in_dispatch;                /* DSP-9: a dispatch_once is running */
};

/* ---- interest ------------------------------------------------------------ */

static unsigned long sel_flags_for(int r, int w, int e)
{
    return (r ? DC_SEL_READ : 0) | (w ? DC_SEL_WRITE : 0) |
           (e ? DC_SEL_EXCEPT : 0);
}

static int sel_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                        unsigned long flags)
{
    int rc = dcb_check_target(o);   /* LIM-4 */

    if (rc < 0)
        return rc;
    if (flags & ~DC_SEL_ALL)
        return -EINVAL;             /* a bit select has no set for */
    /* FLT-1, FLT-6: 0 removes; otherwise add, change or replace (FLT-4).
     * LIM-1: the registry was made with FD_SETSIZE as its limit, so no fd
     * that FD_SET would write past the bitmap is ever accepted (-ERANGE);
     * LIM-2: a negative fd gets -EBADF. */
    return dcb_registry_filter(&ctx->reg, o, flags);
}

/* FLT-5: literally the native call with flags_for, so the two can never
 * drift apart. */
static int sel_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                   int r, int w, int e)
{
    return sel_set_poll_dispatch_filter(ctx, o, sel_flags_for(r, w, e));
}

/* CLS-1: only the table is touched, never the kernel, so the fd may already
 * be closed (or even reused).  CLS-7: nothing is closed here.  Always 0:
 * an unknown fd, one out of range, a second call (CLS-4) or an fd now held
 * by a different target (CLS-5) are all "nothing to do". */
static int sel_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    dcb_registry_remove(&ctx->reg, fd, o);  /* o NULL: any holder (CLS-3) */
    return 0;
}

/* ---- life ---------------------------------------------------------------- */

static int sel_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        return -ENOMEM;             /* *out left untouched */
    dcb_registry_init(&ctx->reg, FD_SETSIZE);   /* LIM-1 */
    *out = ctx;
    return 0;
}

/* CLS-6: memory only; no target is called and no caller fd is closed. */
static void sel_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    dcb_registry_destroy(&ctx->reg);
    free(ctx);
}

/* ---- the wait ------------------------------------------------------------ */

/* One dispatch_once's wait state, on its own stack. */
struct sel_wait {
    fd_set rd, wr, ex;              /* given to select, rebuilt every time */
    int nfds;                       /* highest fd in the sets, plus one */
    fd_set closed;                  /* LIM-3: registered fds found closed */
    int nclosed;
};

/* TMO-8: the sets are rebuilt from the registry before every select(),
 * because select() overwrites them with its results (and leaves them
 * undefined when it fails).  EVT-3: an fd goes only into the sets its
 * target asked for, so select can only report wanted fields.  fds found
 * closed are left out, so the retry cannot fail on them again. */
static void build_sets(const dc_context *ctx, struct sel_wait *w)
{
    FD_ZERO(&w->rd);
    FD_ZERO(&w->wr);
    FD_ZERO(&w->ex);
    w->nfds = 0;
    for (int fd = 0; fd < dcb_registry_end(&ctx->reg); fd++) {
        const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, fd);
        if (reg == NULL || FD_ISSET(fd, &w->closed))
            continue;
        if (reg->flags & DC_SEL_READ)
            FD_SET(fd, &w->rd);
        if (reg->flags & DC_SEL_WRITE)
            FD_SET(fd, &w->wr);
        if (reg->flags & DC_SEL_EXCEPT)
            FD_SET(fd, &w->ex);
        w->nfds = fd + 1;
    }
}

/* F_GETFD only reads the descriptor's flags: the cheapest way to ask the
 * kernel "is this fd open?" without side effects. */
static int fd_is_closed(int fd)
{
    return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* LIM-3: select() said EBADF but not which fd, so ask about each one.
 * Returns how many closed fds were newly found. */
static int find_closed_fds(const dc_context *ctx, struct sel_wait *w)
{
    int found = 0;

    for (int fd = 0; fd < dcb_registry_end(&ctx->reg); fd++) {
        if (dcb_registry_lookup(&ctx->reg, fd) != NULL &&
            !FD_ISSET(fd, &w->closed) && fd_is_closed(fd)) {
            FD_SET(fd, &w->closed);
            found++;
        }
    }
    w->nclosed += found;
    return found;
}

/* Waits until something is ready or the timeout passes.  Returns select's
 * count (> 0: w's sets hold the results), 0 when nothing is ready (the sets
 * must not be read), or a negative errno.  w->closed lists the fds found
 * closed on the way (LIM-3), even when 0 is returned. */
static int wait_for_events(const dc_context *ctx, double timeout,
                           struct sel_wait *w)
{
    dcb_deadline deadline = dcb_deadline_after(timeout);
    double wait_s = timeout;        /* the first wait is the full timeout */

    for (;;) {
        build_sets(ctx, w);         /* TMO-8: fresh sets ... */
        /* ... and a fresh timeval: Linux writes the time left back into it.
         * TMO-1: 0 gives a zero timeval, never NULL (which would block);
         * TMO-5, TMO-6: rounded up to the microsecond, clamped.  Once a
         * closed fd is found there is an event to report: do not wait. */
        struct timeval tv = dcb_timeout_timeval(w->nclosed ? 0.0 : wait_s);
        int n = select(w->nfds, &w->rd, &w->wr, &w->ex, &tv);
        if (n >= 0)
            return n;

        int err = errno;            /* TMO-10: the sets are garbage now */
        if (err == EINTR) {
            /* TMO-9: a signal is not an error.  Retry with only the time
             * left on the monotonic deadline, rather than return early, so
             * a caller's timeout still means "wait this long" in a process
             * that takes signals; never restart the full timeout. */
            wait_s = dcb_deadline_remaining(&deadline);
            if (wait_s <= 0 || w->nclosed)
                return 0;
        } else if (err == EBADF) {
            /* LIM-3: retry without the closed fds.  Every retry finds at
             * least one new closed fd, so this ends: no spin, and never an
             * endless -EBADF.  Found none (it was reopened meanwhile)? Then
             * report nothing this time; the next call starts afresh. */
            if (find_closed_fds(ctx, w) == 0)
                return 0;
        } else {
            return -err;            /* ABI-4, e.g. -ENOMEM */
        }
    }
}

/* ---- the pass ------------------------------------------------------------ */

/* DSP-5..7: what was ready, taken right after the wait and before any
 * callback can change the registry, with each registration's generation.
 * selected says whether w's sets hold select's results (TMO-10).  Returns
 * the number of entries written to snap, in fd order. */
static size_t take_snapshot(const dc_context *ctx, const struct sel_wait *w,
                            int selected, dcb_ready *snap)
{
    size_t n = 0;

    for (int fd = 0; fd < dcb_registry_end(&ctx->reg); fd++) {
        dcb_ready ev = { .fd = fd };
        if (FD_ISSET(fd, &w->closed)) {
            /* LIM-3, EVT-4: told in E even without E interest. */
            ev.e = DC_SEL_EXCEPT;
            ev.unasked = DC_SEL_EXCEPT;
        } else if (selected) {
            ev.r = FD_ISSET(fd, &w->rd) ? DC_SEL_READ : 0;
            ev.w = FD_ISSET(fd, &w->wr) ? DC_SEL_WRITE : 0;
            ev.e = FD_ISSET(fd, &w->ex) ? DC_SEL_EXCEPT : 0;   /* EVT-5 */
        }
        if ((ev.r | ev.w | ev.e) == 0)
            continue;               /* most fds: nothing to look up */
        /* Only registered fds are in the sets or found closed, and no
         * callback has run since the wait, so this finds fd's holder. */
        const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, fd);
        if (reg == NULL)
            continue;
        ev.generation = reg->generation;
        snap[n++] = ev;             /* DSP-1: one entry, fields combined */
    }
    return n;
}

static int wait_and_dispatch(dc_context *ctx, double timeout,
                             dc_error_handler handler, void *handler_arg)
{
    struct sel_wait w;

    FD_ZERO(&w.closed);
    w.nclosed = 0;
    int n = wait_for_events(ctx, timeout, &w);
    if (n < 0)
        return n;
    if (n == 0 && w.nclosed == 0)
        return 0;                   /* timed out or interrupted: no events */

    /* The snapshot belongs to this call, not the context, so nothing a
     * callback does can overwrite it.  One entry per registration at most.
     * If it cannot be had, nothing is lost: the events are still pending
     * and the next call reports them (DSP-2). */
    dcb_ready *snap = malloc(dcb_registry_count(&ctx->reg) * sizeof *snap);
    if (snap == NULL)
        return -ENOMEM;
    size_t len = take_snapshot(ctx, &w, n > 0, snap);  /* TMO-10: sets read
                                                        * only after success */
    int rc = dcb_run_pass(&ctx->reg, snap, len, handler, handler_arg);
    free(snap);
    return rc;
}

/* ABI-4: 0, a propagated positive code, or a negative errno. */
static int sel_dispatch_once(dc_context *ctx, const double *timeout_s,
                             dc_error_handler handler, void *handler_arg)
{
    /* DSP-9, TMO-7 first, then the wait and the pass (frame.h). */
    return dcb_dispatch_framed(ctx, &ctx->in_dispatch, timeout_s,
                               wait_and_dispatch, handler, handler_arg);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "select",
    .create = sel_create,
    .destroy = sel_destroy,
    .dispatch_once = sel_dispatch_once,
    .set_dispatch_filter = sel_set_dispatch_filter,
    .set_poll_dispatch_filter = sel_set_poll_dispatch_filter,
    .socket_closed = sel_socket_closed,
    .flags_for = sel_flags_for,
    .fd_limit = FD_SETSIZE,         /* LIM-1 */
    .event_model = DC_MODEL_SELECT,
    .caps = 0,                      /* DSP-9: nesting is refused */
};

DC_EXPORT_BACKEND(descriptor)
