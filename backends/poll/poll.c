/*
 * poll.c: a backend built on poll(2).
 *
 * Unlike select it has no fd limit, and unlike the reference it keeps its
 * wait list between calls: a dense array of struct pollfd, one per
 * registration, plus index[fd] saying where fd's entry is.  Adding appends,
 * removing moves the last entry into the hole, and a filter change rewrites
 * one entry, so every filter call is O(1) whatever the number of targets.
 *
 * One dispatch_once goes:
 *
 *   1. refuse nesting, check the timeout           (DSP-9, TMO-7; frame.h)
 *   2. poll() the array, retrying after signals    (TMO-1..10; frame.h)
 *   3. snapshot the ready entries: fd, generation, revents split in three
 *                                                  (EVT-1, EVT-9, DSP-5..7)
 *   4. walk the snapshot, re-checking before each call   (deliver.h)
 *
 * The snapshot, not the array, is what step 4 walks: a callback may add or
 * remove registrations and so reorder the array under the pass (DSP-8).
 * The snapshot is a buffer of the context, reused from pass to pass: it is
 * grown only between the wait and the first call, never by what a
 * callback may do (the filter calls touch the array, not the snapshot),
 * and a nested dispatch_once is refused before it reaches it (DSP-9).
 * Each rule of spec/CONTRACT.md is named beside the code that keeps it.
 */
#include "dispatch_context.h"
#include "array.h"
#include "deliver.h"
#include "frame.h"
#include "registry.h"
#include "timeout.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

/* The native flags of each field (EVT-2, EVT-9).  flags_for gives R, W and
 * E; POLLRDHUP is accepted from set_poll_dispatch_filter for a caller that
 * wants to tell a peer's shutdown apart, and is reported in R, beside the
 * POLLIN that comes with it (the FIN row of CONTRACT.md's table). */
#define POL_READ    ((unsigned long)(POLLIN | POLLPRI))
#define POL_WRITE   ((unsigned long)POLLOUT)
#define POL_EXCEPT  ((unsigned long)(POLLERR | POLLHUP | POLLNVAL))
#define POL_R_BITS  (POL_READ | (unsigned long)POLLRDHUP)
#define POL_KNOWN   (POL_R_BITS | POL_WRITE | POL_EXCEPT)

struct dc_context {
    dcb_registry reg;           /* fd -> {target, flags, generation} */
    struct pollfd *pfd;         /* pfd[0..npfd): one per registration */
    size_t npfd, pfd_cap;
    unsigned *index;            /* index[fd]: fd's entry in pfd, while held */
    size_t index_size;          /* entries allocated in index */
    dcb_ready *snap;            /* the pass's snapshot (see the top) */
    size_t snap_cap;            /* entries allocated in snap */
    int in_dispatch;            /* DSP-9: a dispatch_once is running */
};

/* ---- the pollfd array ---------------------------------------------------- */

/* Makes room for fd's index and one more pollfd before the registry is
 * changed, so that a registration never half-succeeds. */
static int reserve(dc_context *ctx, int fd)
{
    void *index = ctx->index, *pfd = ctx->pfd;
    int rc = dcb_array_reserve(&index, &ctx->index_size, (size_t)fd + 1,
                               sizeof *ctx->index);

    ctx->index = index;
    if (rc == 0)
        rc = dcb_array_reserve(&pfd, &ctx->pfd_cap, ctx->npfd + 1,
                               sizeof *ctx->pfd);
    ctx->pfd = pfd;
    return rc;
}

/* What reaches the kernel: the request bits only.  POLLERR, POLLHUP and
 * POLLNVAL are reported whatever events says, so an E-only interest polls
 * with events 0 and still hears them (FLT-7). */
static short kernel_events(unsigned long flags)
{
    return (short)(flags & (POL_R_BITS | POL_WRITE));
}

static void pollfd_append(dc_context *ctx, int fd)
{
    ctx->index[fd] = (unsigned)ctx->npfd;
    ctx->pfd[ctx->npfd].fd = fd;
    ctx->pfd[ctx->npfd].revents = 0;
    ctx->npfd++;
}

/* O(1) removal: the last entry fills the hole and its index follows. */
static void pollfd_drop(dc_context *ctx, int fd)
{
    unsigned hole = ctx->index[fd];
    struct pollfd last = ctx->pfd[--ctx->npfd];

    ctx->pfd[hole] = last;
    ctx->index[last.fd] = hole;     /* a no-op when fd was the last one */
}

/* ---- interest ------------------------------------------------------------ */

static unsigned long pol_flags_for(int r, int w, int e)
{
    return (r ? POL_READ : 0) | (w ? POL_WRITE : 0) | (e ? POL_EXCEPT : 0);
}

/* CLS-1: only our own tables are touched, never the kernel, so the fd may
 * already be closed or even reused.  Removing what fd does not hold (or
 * what another target holds, CLS-5) is harmless, and always 0 (CLS-4). */
static int pol_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    if (dcb_registry_remove(&ctx->reg, fd, o))     /* o NULL: CLS-3 */
        pollfd_drop(ctx, fd);
    return 0;                       /* CLS-7: nothing is closed here */
}

static int pol_register(dc_context *ctx, dc_target *o, unsigned long flags)
{
    /* LIM-2 (-EBADF) before any allocation; LIM-1 cannot refuse here, as
     * the registry has no limit. */
    int rc = dcb_registry_check_fd(&ctx->reg, o->fd);

    if (rc == 0)
        rc = reserve(ctx, o->fd);
    if (rc == 0)
        rc = dcb_registry_set(&ctx->reg, o, flags);
    if (rc < 0)
        return rc;                  /* -ENOMEM: the registry is unchanged */
    if (rc == DCB_REG_ADDED)
        pollfd_append(ctx, o->fd);
    /* ADDED, REPLACED (FLT-4: the new target's interest alone) or CHANGED
     * (FLT-3): the entry now asks for exactly this interest. */
    ctx->pfd[ctx->index[o->fd]].events = kernel_events(flags);
    return 0;
}

static const dcb_filter_ops pol_filter = {
    .known = POL_KNOWN,
    .apply = pol_register,
    .remove = pol_socket_closed,
};

/* LIM-4, FLT-6 checked, then FLT-1's removal or the registration
 * (frame.h). */
static int pol_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                        unsigned long flags)
{
    return dcb_filter(ctx, o, flags, &pol_filter);
}

/* FLT-5: literally the native call with flags_for. */
static int pol_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                   int r, int w, int e)
{
    return pol_set_poll_dispatch_filter(ctx, o, pol_flags_for(r, w, e));
}

/* ---- life ---------------------------------------------------------------- */

static int pol_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        return -ENOMEM;             /* *out left untouched */
    dcb_registry_init(&ctx->reg, 0);    /* LIM-1: poll has no fd limit */
    *out = ctx;
    return 0;
}

/* CLS-6: memory only; no target is called and no caller fd is closed. */
static void pol_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    dcb_registry_destroy(&ctx->reg);
    free(ctx->pfd);
    free(ctx->index);
    free(ctx->snap);
    free(ctx);
}

/* ---- the pass ------------------------------------------------------------ */

static int poll_array(void *arg, int timeout_ms)
{
    dc_context *ctx = arg;

    /* TMO-1: the timeout is >= 0 (frame.c), never -1, so even an empty
     * array cannot block forever. */
    return poll(ctx->pfd, (nfds_t)ctx->npfd, timeout_ms);
}

/* One ready entry in the contract's form.  EVT-9: exactly the kernel's
 * bits, split by field; EVT-1: a field is 0 when none of its bits is set.
 * EVT-4: ERR, HUP and NVAL reach the target even without E interest, and
 * NVAL is how a closed fd is told in E (LIM-3). */
static dcb_ready ready_entry(const dc_context *ctx, const struct pollfd *p)
{
    unsigned long rev = (unsigned short)p->revents;
    dcb_ready ev = {
        .fd = p->fd,
        .generation = dcb_registry_lookup(&ctx->reg, p->fd)->generation,
        .r = rev & POL_R_BITS,
        .w = rev & POL_WRITE,
        .e = rev & POL_EXCEPT,
        .unasked = POL_EXCEPT,
    };
    return ev;
}

/* DSP-5..7: the ready entries, taken right after poll() and before any
 * callback can change the array.  poll() said how many there are, so the
 * scan stops at the last one.  Returns the number written to snap.
 * The scan may cover every registration, so the array and its length are
 * read once: through ctx, the compiler must reload both after every store
 * to snap, which made this loop half again as costly as poll's own; and
 * the count is checked only where it can change, beside the store. */
static size_t take_snapshot(const dc_context *ctx, size_t nready,
                            dcb_ready *snap)
{
    const struct pollfd *pfd = ctx->pfd;
    size_t npfd = ctx->npfd, n = 0;

    for (size_t i = 0; i < npfd; i++) {
        if (pfd[i].revents == 0)
            continue;
        snap[n++] = ready_entry(ctx, &pfd[i]);      /* DSP-1 */
        if (n == nready)
            break;                  /* the rest of the array is idle */
    }
    return n;
}

static int wait_and_dispatch(dc_context *ctx, double timeout,
                             dc_error_handler handler, void *handler_arg)
{
    dcb_deadline deadline = dcb_deadline_after(timeout);
    int n = dcb_wait_ms(&deadline, poll_array, ctx);

    if (n <= 0)
        return n;                   /* timed out, or -errno (TMO-10) */

    /* The snapshot is made big enough for what is ready before the first
     * call, and not touched again until the pass ends (see the top).
     * Without room nothing is lost: the events are still pending (DSP-2). */
    void *snap = ctx->snap;
    int rc = dcb_array_reserve(&snap, &ctx->snap_cap, (size_t)n,
                               sizeof *ctx->snap);
    ctx->snap = snap;
    if (rc < 0)
        return rc;                  /* -ENOMEM */
    size_t len = take_snapshot(ctx, (size_t)n, ctx->snap);
    return dcb_run_pass(&ctx->reg, ctx->snap, len, handler, handler_arg);
}

/* ABI-4: 0, a propagated positive code, or a negative errno. */
static int pol_dispatch_once(dc_context *ctx, const double *timeout_s,
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
    .name = "poll",
    .create = pol_create,
    .destroy = pol_destroy,
    .dispatch_once = pol_dispatch_once,
    .set_dispatch_filter = pol_set_dispatch_filter,
    .set_poll_dispatch_filter = pol_set_poll_dispatch_filter,
    .socket_closed = pol_socket_closed,
    .flags_for = pol_flags_for,
    .fd_limit = 0,                  /* LIM-1: any fd the process can open */
    .event_model = DC_MODEL_POLL,
    .caps = 0,                      /* DSP-9: nesting is refused */
};

DC_EXPORT_BACKEND(descriptor)
