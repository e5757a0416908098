/*
 * uring.c: a backend built on io_uring (liburing), in the poll model.
 *
 * io_uring is completion-based: a poll is a request (IORING_OP_POLL_ADD)
 * that completes once, with the poll(2) bits of the moment, and is gone.
 * The contract is level-triggered (DSP-2), so a completed poll is re-armed
 * at the start of the next dispatch_once: if its condition was not
 * consumed, the new request completes at once, as poll(2) would report it
 * again.  Only the polls that completed (or whose interest changed) are
 * submitted again, so a pass costs in proportion to the ready fds, not to
 * the registered ones, as epoll's does.
 *
 * Three things differ from poll and epoll, and shape this file:
 *
 *   - a poll request holds a reference to the *file*: close() does not
 *     cancel it (CLS-1, LIM-3).  socket_closed therefore cancels the
 *     request (IORING_OP_POLL_REMOVE, by its user data) and submits the
 *     cancellation at once, so the file is let go when the caller expects.
 *   - cancellation is asynchronous: a request may complete (with its bits)
 *     after it was cancelled or replaced, in this pass or a later one
 *     (DSP-6, DSP-7, CLS-2).  Every request carries a tag in its user
 *     data, the fd and a serial number given to that one request; a slot
 *     per fd remembers the serial of the request in flight for the current
 *     registration.  A completion whose serial is not that one is stale
 *     and dropped.  Serials are never 0; 0 tags our cancellations, whose
 *     own completions are dropped.
 *   - a request for an fd closed behind the backend's back completes with
 *     -EBADF: reported as POLLNVAL in E, as poll(2) reports it (LIM-3),
 *     and again every pass until socket_closed.  An fd closed while its
 *     request is in flight is not seen until the file (kept open by the
 *     request) has an event; then the re-armed request finds it closed.
 *
 * One dispatch_once goes:
 *
 *   1. refuse nesting, check the timeout           (DSP-9, TMO-7; frame.h)
 *   2. prepare the requests of the fds queued for arming (new or changed
 *      registrations, polls that completed): a cancellation of the old
 *      request if one is in flight, and a POLL_ADD with a new serial
 *   3. submit them (io_uring_submit), and when no completion is there
 *      yet, wait for one with poll(2) on the ring's fd (see poll_ring),
 *      the timeout in whole milliseconds from the deadline exactly as the
 *      poll backend's (TMO-1..10 through frame.h); stale completions
 *      alone resume the wait for the time left
 *   4. the live completions form the pass's snapshot (one per registration:
 *      a registration has one request in flight), walked with re-checks
 *      (dcb_run_pass: DSP-1..8, ERR-1..8); their fds are queued for arming
 *
 * Each rule of spec/CONTRACT.md is named beside the code that keeps it.
 */
#include "dispatch_context.h"
#include "array.h"
#include "deliver.h"
#include "frame.h"
#include "registry.h"
#include "timeout.h"

#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The poll model's bits (EVT-2, EVT-9), as the poll backend's: POLLRDHUP
 * is accepted natively and reported in R. */
#define URG_READ    ((unsigned long)(POLLIN | POLLPRI))
#define URG_WRITE   ((unsigned long)POLLOUT)
#define URG_EXCEPT  ((unsigned long)(POLLERR | POLLHUP | POLLNVAL))
#define URG_R_BITS  (URG_READ | (unsigned long)POLLRDHUP)
#define URG_KNOWN   (URG_R_BITS | URG_WRITE | URG_EXCEPT)

/* Submission queue entries; the completion queue is twice as big.  More
 * requests than this in one pass are submitted in batches, and
 * completions beyond the queue wait in the kernel's overflow list
 * (IORING_FEAT_NODROP) until they are reaped. */
#define URG_RING_ENTRIES 1024

/* A slot's queued_at when the fd is not queued for arming. */
#define URG_NOT_QUEUED UINT_MAX

typedef struct urg_slot {
    unsigned serial;            /* of the request in flight; 0: none */
    unsigned queued_at;         /* index in ctx->to_arm, or URG_NOT_QUEUED */
} urg_slot;

struct dc_context {
    dcb_registry reg;           /* fd -> {target, flags, generation} */
    struct io_uring ring;       /* ours: its fd is the one we close (CLS-7) */
    urg_slot *slot;             /* slot[fd], for every fd the registry has */
    size_t slot_size;
    int *to_arm;                /* fds whose request is to be (re)made; */
    size_t nto_arm, to_arm_cap; /* registered fds only, each once */
    unsigned last_serial;       /* the serial given out last */
    dcb_ready *snap;            /* the pass's snapshot, reused */
    size_t snap_cap, nsnap;
    struct pollfd *now;         /* confirm(): one per snapshot entry */
    size_t now_cap;
    int in_dispatch;            /* DSP-9: a dispatch_once is running */
};

/* ---- tags ---------------------------------------------------------------- */

static uint64_t make_tag(int fd, unsigned serial)
{
    return (uint64_t)serial << 32 | (uint32_t)fd;
}

static int tag_fd(uint64_t tag)
{
    return (int)(uint32_t)tag;
}

static unsigned tag_serial(uint64_t tag)
{
    return (unsigned)(tag >> 32);
}

/* A serial for a new request: never 0 (the tag of cancellations, and "no
 * request").  It wraps after 2^32 requests; a stale completion would have
 * to be that late to be mistaken for a live one, and cancellations
 * complete within the next wait. */
static unsigned next_serial(dc_context *ctx)
{
    if (++ctx->last_serial == 0)
        ctx->last_serial = 1;
    return ctx->last_serial;
}

/* ---- the arming queue ---------------------------------------------------- */

static void queue_arm(dc_context *ctx, int fd)
{
    urg_slot *s = &ctx->slot[fd];

    if (s->queued_at != URG_NOT_QUEUED)
        return;
    s->queued_at = (unsigned)ctx->nto_arm;
    ctx->to_arm[ctx->nto_arm++] = fd;   /* room reserved at registration */
}

/* O(1): the last entry fills the hole. */
static void unqueue_arm(dc_context *ctx, int fd)
{
    urg_slot *s = &ctx->slot[fd];
    unsigned at = s->queued_at;

    if (at == URG_NOT_QUEUED)
        return;
    int last = ctx->to_arm[--ctx->nto_arm];
    ctx->to_arm[at] = last;
    ctx->slot[last].queued_at = at;
    s->queued_at = URG_NOT_QUEUED;
}

/* ---- requests ------------------------------------------------------------ */

/* A free submission entry into *sqe: when the queue is full, what it
 * holds is submitted first, which empties it.  Returns 0, or the negative
 * errno of that submission (the queue keeps what it held). */
static int get_sqe(dc_context *ctx, struct io_uring_sqe **sqe)
{
    *sqe = io_uring_get_sqe(&ctx->ring);
    if (*sqe != NULL)
        return 0;
    int rc = io_uring_submit(&ctx->ring);
    if (rc < 0)
        return rc;
    *sqe = io_uring_get_sqe(&ctx->ring);
    return *sqe != NULL ? 0 : -EBUSY;
}

/* Cancels fd's request in flight, if any: from now on its completion is
 * stale.  Returns 0, or get_sqe's error when no entry could be had (the
 * request then completes on its own, stale, when its file wakes). */
static int cancel_request(dc_context *ctx, int fd)
{
    urg_slot *s = &ctx->slot[fd];
    struct io_uring_sqe *sqe;

    if (s->serial == 0)
        return 0;
    uint64_t tag = make_tag(fd, s->serial);
    s->serial = 0;                      /* stale from here on */
    int rc = get_sqe(ctx, &sqe);
    if (rc < 0)
        return rc;
    io_uring_prep_poll_remove(sqe, tag);
    io_uring_sqe_set_data64(sqe, make_tag(fd, 0));
    return 0;
}

/* What reaches the kernel: the request bits only.  The kernel adds POLLERR
 * and POLLHUP to every poll request, so an E-only interest asks for 0 and
 * still hears them (FLT-7). */
static unsigned kernel_events(unsigned long flags)
{
    return (unsigned)(flags & (URG_R_BITS | URG_WRITE));
}

/* Step 2 (see the top): a request for every queued fd (all registered:
 * a removal takes its fd off the queue).  Returns 0, or a negative errno
 * when the submission queue could not be emptied; the fds not yet armed
 * stay queued, and a cancelled request is not made again. */
static int arm_queued(dc_context *ctx)
{
    while (ctx->nto_arm > 0) {
        int fd = ctx->to_arm[ctx->nto_arm - 1];
        const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, fd);
        struct io_uring_sqe *sqe = NULL;
        int rc = cancel_request(ctx, fd);   /* FLT-3, FLT-4: the old one */

        if (rc == 0)
            rc = get_sqe(ctx, &sqe);
        if (rc < 0)
            return rc;
        unsigned serial = next_serial(ctx);
        io_uring_prep_poll_add(sqe, fd, kernel_events(reg->flags));
        io_uring_sqe_set_data64(sqe, make_tag(fd, serial));
        ctx->slot[fd].serial = serial;
        unqueue_arm(ctx, fd);
    }
    return 0;
}

/* ---- interest ------------------------------------------------------------ */

static unsigned long urg_flags_for(int r, int w, int e)
{
    return (r ? URG_READ : 0) | (w ? URG_WRITE : 0) | (e ? URG_EXCEPT : 0);
}

/* CLS-1: the request is cancelled by its tag, so the fd may be closed or
 * reused already; the cancellation is submitted now, so a file the caller
 * closed is released now, not at the next dispatch_once.  CLS-4, CLS-5:
 * an unknown fd, a second call or another holder: nothing.  CLS-7: the
 * fd is never closed here.  Always 0. */
static int urg_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    if (!dcb_registry_remove(&ctx->reg, fd, o))    /* o NULL: CLS-3 */
        return 0;
    unqueue_arm(ctx, fd);
    if (ctx->slot[fd].serial != 0 && cancel_request(ctx, fd) == 0)
        io_uring_submit(&ctx->ring);
    return 0;
}

/* Room for fd's slot and for one more queued fd, before the registry is
 * changed, so a registration never half-succeeds (ABI-5). */
static int reserve(dc_context *ctx, int fd)
{
    size_t old = ctx->slot_size;
    void *slot = ctx->slot, *to_arm = ctx->to_arm;
    int rc = dcb_array_reserve(&slot, &ctx->slot_size, (size_t)fd + 1,
                               sizeof *ctx->slot);

    ctx->slot = slot;
    if (rc == 0 && ctx->slot_size > old) {
        for (size_t i = old; i < ctx->slot_size; i++) {
            ctx->slot[i].serial = 0;
            ctx->slot[i].queued_at = URG_NOT_QUEUED;
        }
    }
    if (rc == 0)
        rc = dcb_array_reserve(&to_arm, &ctx->to_arm_cap,
                               dcb_registry_count(&ctx->reg) + 1,
                               sizeof *ctx->to_arm);
    ctx->to_arm = to_arm;
    return rc;
}

/* Registers, replaces (FLT-4) or changes (FLT-3) o's interest.  Nothing
 * reaches the kernel here: the fd is queued, and its request is made at
 * the next dispatch_once (FLT-3: "on the next dispatch_once").  A new
 * registration always gets a new request (its file may not be the one the
 * old request holds: a number reused behind our back, LIM-3); a change
 * only when the kernel's part of the interest changed. */
static int urg_register(dc_context *ctx, dc_target *o, unsigned long flags)
{
    int rc = dcb_registry_check_fd(&ctx->reg, o->fd);     /* LIM-2 */

    if (rc == 0)
        rc = reserve(ctx, o->fd);
    if (rc < 0)
        return rc;
    const dcb_reg *held = dcb_registry_lookup(&ctx->reg, o->fd);
    unsigned long before = held != NULL ? held->flags : 0;
    rc = dcb_registry_set(&ctx->reg, o, flags);
    if (rc < 0)
        return rc;                  /* -ENOMEM: nothing changed */
    if (rc != DCB_REG_CHANGED || kernel_events(flags) != kernel_events(before))
        queue_arm(ctx, o->fd);
    return 0;
}

static const dcb_filter_ops urg_filter = {
    .known = URG_KNOWN,
    .apply = urg_register,
    .remove = urg_socket_closed,
};

/* LIM-4, FLT-6 checked, then FLT-1's removal or the registration
 * (frame.h). */
static int urg_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                        unsigned long flags)
{
    return dcb_filter(ctx, o, flags, &urg_filter);
}

/* FLT-5: literally the native call with flags_for. */
static int urg_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                   int r, int w, int e)
{
    return urg_set_poll_dispatch_filter(ctx, o, urg_flags_for(r, w, e));
}

/* ---- life ---------------------------------------------------------------- */

static int urg_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        return -ENOMEM;             /* *out left untouched */
    /* The ring's fd is opened close-on-exec by the kernel. */
    int rc = io_uring_queue_init(URG_RING_ENTRIES, &ctx->ring, 0);
    if (rc < 0) {
        free(ctx);
        return rc;                  /* e.g. -EMFILE, -ENOMEM, -ENOSYS */
    }
    dcb_registry_init(&ctx->reg, 0);    /* LIM-1: no fd limit */
    *out = ctx;
    return 0;
}

/* CLS-6: the ring goes with every request in flight (the kernel cancels
 * them and lets their files go); no target is called and no caller fd is
 * closed (CLS-7). */
static void urg_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    io_uring_queue_exit(&ctx->ring);
    dcb_registry_destroy(&ctx->reg);
    free(ctx->slot);
    free(ctx->to_arm);
    free(ctx->snap);
    free(ctx->now);
    free(ctx);
}

/* ---- the pass ------------------------------------------------------------ */

/* One live completion in the contract's form.  EVT-9: exactly the bits the
 * kernel's poll gave, split by field (the kernel also sets POLLRDHUP
 * unasked: the re-check masks it by the interest, DSP-5); -EBADF is
 * POLLNVAL, what poll(2) says of a closed fd (LIM-3).  EVT-4: ERR, HUP
 * and NVAL reach the target whatever its interest. */
static dcb_ready completion_ready(const dc_context *ctx, int fd, int res)
{
    unsigned long bits = res >= 0 ? (unsigned long)(unsigned)res
                       : res == -EBADF ? (unsigned long)POLLNVAL : 0;
    dcb_ready ev = {
        .fd = fd,
        .generation = dcb_registry_lookup(&ctx->reg, fd)->generation,
        .r = bits & URG_R_BITS,
        .w = bits & URG_WRITE,
        .e = bits & URG_EXCEPT,
        .unasked = URG_EXCEPT,
    };
    return ev;
}

/* Takes every completion there is.  A live one (its serial is its fd's
 * request in flight) joins the snapshot, and its fd is queued for arming
 * (DSP-2); the stale ones are dropped (CLS-2, DSP-6, DSP-7).  Completions
 * the kernel kept in its overflow list are fetched too.  Returns the
 * number of live completions taken. */
static size_t reap(dc_context *ctx)
{
    size_t live = 0;

    for (;;) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;

        io_uring_for_each_cqe(&ctx->ring, head, cqe) {
            uint64_t tag = io_uring_cqe_get_data64(cqe);
            int fd = tag_fd(tag);
            unsigned serial = tag_serial(tag);
            seen++;
            if (serial == 0 || fd < 0 || (size_t)fd >= ctx->slot_size ||
                ctx->slot[fd].serial != serial)
                continue;               /* stale, or a cancellation's */
            ctx->slot[fd].serial = 0;   /* the request is done */
            queue_arm(ctx, fd);         /* DSP-2: asked again next pass */
            dcb_ready ev = completion_ready(ctx, fd, cqe->res);
            if ((ev.r | ev.w | ev.e) != 0 && ctx->nsnap < ctx->snap_cap) {
                ctx->snap[ctx->nsnap++] = ev;
                live++;
            }
        }
        io_uring_cq_advance(&ctx->ring, seen);
        if (!io_uring_cq_has_overflow(&ctx->ring) ||
            io_uring_get_events(&ctx->ring) < 0)
            return live;
    }
}

/* The snapshot's bits as they are now, in one poll(2) over its fds.  A
 * completion's bits are those of the moment it completed, and a request
 * completed by a wake-up takes them from the wake-up's key: a socket
 * wakes its readers with EPOLLPRI (and a hangup with EPOLLERR) in the key
 * whether or not there is urgent data or an error, and data that came and
 * was read before this pass still shows.  What the target gets must be
 * what is pending (DSP-4, EVT-9), so each entry takes poll's word, and
 * one with nothing left is dropped (its fd is re-armed all the same).
 * Returns the entries kept. */
static size_t confirm(dc_context *ctx, size_t live)
{
    size_t n = ctx->nsnap, kept = 0;
    if (n == 0)
        return live;
    for (size_t i = 0; i < n; i++)
        ctx->now[i] = (struct pollfd){
            .fd = ctx->snap[i].fd,
            .events = (short)kernel_events(
                dcb_registry_lookup(&ctx->reg, ctx->snap[i].fd)->flags),
        };
    if (poll(ctx->now, (nfds_t)n, 0) < 0)
        return live;                /* keep the completions' word */
    for (size_t i = 0; i < n; i++) {
        dcb_ready ev = ctx->snap[i];
        unsigned long bits = (unsigned long)(unsigned short)ctx->now[i].revents;
        ev.r = bits & URG_R_BITS;
        ev.w = bits & URG_WRITE;
        ev.e = bits & URG_EXCEPT;
        if (ev.r | ev.w | ev.e)
            ctx->snap[kept++] = ev;
    }
    ctx->nsnap = kept;
    return kept;
}

/* Waits up to timeout_ms for a completion: poll(2) on the ring's fd, which
 * is readable while completions wait in the queue.  Returns like poll.
 *
 * Not io_uring_wait_cqe_timeout, whose wait is inside io_uring_enter:
 * valgrind (3.19, Debian 12) runs no other thread of the program while one
 * is in io_uring_enter, so under valgrind a byte another thread writes, or
 * a timer thread's signal, would never end the wait (TMO-4, TMO-9).  The
 * extra system call is made only by a pass that has to wait at all. */
static int poll_ring(const dc_context *ctx, int timeout_ms)
{
    struct pollfd ring = { .fd = ctx->ring.ring_fd, .events = POLLIN };

    return poll(&ring, 1, timeout_ms);
}

/* The wait for dcb_wait_ms, the prepared requests submitted first: 0 ms
 * looks without waiting (TMO-1, one io_uring_enter), and with completions
 * already there (a request for a ready fd completes as it is submitted)
 * nothing is waited for.  Returns the live completions taken, 0 when the
 * time ran out, or -1 with errno: EINTR for a signal (TMO-9), and also
 * when only stale completions came, so that the wait is resumed for the
 * time left rather than cut short (TMO-3). */
static int wait_ring(void *arg, int timeout_ms)
{
    dc_context *ctx = arg;
    int rc = timeout_ms == 0 ? io_uring_submit_and_get_events(&ctx->ring)
                             : io_uring_submit(&ctx->ring);

    if (rc < 0 && rc != -EINTR) {
        errno = -rc;
        return -1;                  /* TMO-10: nothing is taken */
    }
    int polled = 1;
    if (rc >= 0 && timeout_ms > 0 && io_uring_cq_ready(&ctx->ring) == 0) {
        polled = poll_ring(ctx, timeout_ms);
        if (polled < 0)
            return -1;              /* errno from poll: EINTR is resumed */
    }
    size_t live = confirm(ctx, reap(ctx));
    if (live > 0 || timeout_ms == 0 || polled == 0)
        return (int)live;
    errno = EINTR;                  /* a signal, or stale ones only */
    return -1;
}

static int wait_and_dispatch(dc_context *ctx, double timeout,
                             dc_error_handler handler, void *handler_arg)
{
    dcb_deadline deadline = dcb_deadline_after(timeout);
    /* DSP-3: room for one live completion per registration, made before
     * the wait and not touched again until the pass ends (DSP-8, DSP-9). */
    size_t count = dcb_registry_count(&ctx->reg);
    void *snap = ctx->snap;
    int rc = dcb_array_reserve(&snap, &ctx->snap_cap, count > 0 ? count : 1,
                               sizeof *ctx->snap);

    ctx->snap = snap;
    if (rc == 0) {
        void *now = ctx->now;
        rc = dcb_array_reserve(&now, &ctx->now_cap, count > 0 ? count : 1,
                               sizeof *ctx->now);
        ctx->now = now;
    }
    if (rc == 0)
        rc = arm_queued(ctx);
    if (rc < 0)
        return rc;                  /* nothing lost: still queued */
    ctx->nsnap = 0;
    int n = dcb_wait_ms(&deadline, wait_ring, ctx);
    if (n <= 0)
        return n;                   /* timed out, or -errno (TMO-10) */
    return dcb_run_pass(&ctx->reg, ctx->snap, ctx->nsnap, handler,
                        handler_arg);
}

/* ABI-4: 0, a propagated positive code, or a negative errno. */
static int urg_dispatch_once(dc_context *ctx, const double *timeout_s,
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
    .name = "uring",
    .create = urg_create,
    .destroy = urg_destroy,
    .dispatch_once = urg_dispatch_once,
    .set_dispatch_filter = urg_set_dispatch_filter,
    .set_poll_dispatch_filter = urg_set_poll_dispatch_filter,
    .socket_closed = urg_socket_closed,
    .flags_for = urg_flags_for,
    .fd_limit = 0,                  /* LIM-1: any fd the process can open */
    .event_model = DC_MODEL_POLL,
    /* DSP-9: nesting is refused.  LIM-3: a request in flight holds its
     * file, so a close behind our back is not seen while it waits. */
    .caps = DC_CAP_CLOSED_FD_SILENT,
};

DC_EXPORT_BACKEND(descriptor)

/* liburing says its version only from 2.4 on (Debian 12 has 2.3). */
#ifdef IO_URING_VERSION_MAJOR
#define URG_STR(x) #x
#define URG_VERSION(a, b) " " URG_STR(a) "." URG_STR(b)
#define URG_LIBURING_VERSION \
    URG_VERSION(IO_URING_VERSION_MAJOR, IO_URING_VERSION_MINOR)
#else
#define URG_LIBURING_VERSION ""
#endif

/* The library, and whether the kernel lets this process make a ring
 * (kernel.io_uring_disabled, seccomp and containers may refuse it). */
static const char *urg_about(void)
{
    static char about[160];
    struct io_uring ring;
    int rc = io_uring_queue_init(2, &ring, 0);

    snprintf(about, sizeof about, "liburing%s, io_uring %s; poll model, "
             "one-shot POLL_ADD re-armed per pass", URG_LIBURING_VERSION,
             rc == 0 ? "available" : "refused by the kernel");
    if (rc == 0)
        io_uring_queue_exit(&ring);
    return about;
}

DC_EXPORT_ABOUT(urg_about)
