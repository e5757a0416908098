/*
 * otherepoll.c: an independent epoll backend with its own event model
 * (tests/independent/).
 *
 * Design, chosen to take the other legal branch wherever the contract
 * offers one:
 *  - DC_MODEL_OTHER with native bits of its own, above bit 31 where
 *    unsigned long is 64 bits wide;
 *  - each kernel registration is tagged (sequence << 32 | fd); an event
 *    whose tag no longer matches the registry right after the wait is a
 *    ghost (a registration kept alive by a duplicate of a closed fd,
 *    CLS-2's note): it is dropped and the whole epoll set is rebuilt on a
 *    fresh epoll fd before the next wait;
 *  - waits with epoll_pwait2 at nanosecond granularity (epoll_wait's
 *    milliseconds only where the kernel lacks it), so a 0.3 ms timeout
 *    waits about 0.3 ms, not 1 ms (TMO-5 rounds up in "the mechanism's
 *    unit");
 *  - a bad timeout behaves as zero (TMO-7's second branch);
 *  - EINTR returns 0 having dispatched nothing (TMO-9's first branch);
 *  - fd_limit is 0: the registry is an array indexed by fd that grows to
 *    any fd the process can open (LIM-1);
 *  - unknown native bits are accepted and ignored (FLT-6 only permits
 *    refusing them);
 *  - a negative fd is refused with -EINVAL (LIM-2) and socket_closed of a
 *    negative fd returns -EBADF (CLS-4); the descriptor is larger than
 *    dc_backend and sets an unknown caps bit (ABI-1);
 *  - after a pass ends by propagation, the targets it did not reach are
 *    remembered and served first by the next pass, if that pass's wait
 *    finds them ready again (ERR-7 keeps them; they are re-checked and
 *    re-waited, so DSP-2 and DSP-5 to DSP-7 hold).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "indep_common.h"

#if ULONG_MAX > 0xffffffffUL
#define OE_BIT(n) (1UL << (n))
#else
#define OE_BIT(n) (1UL << ((n) - 24)) /* a 32-bit long: same layout, lower */
#endif

#define OE_READ  OE_BIT(40)
#define OE_URG   OE_BIT(41)
#define OE_RDHUP OE_BIT(42)
#define OE_WRITE OE_BIT(33)
#define OE_ERROR OE_BIT(50)
#define OE_HUP   OE_BIT(51)
#define OE_R_BITS (OE_READ | OE_URG | OE_RDHUP)
#define OE_W_BITS OE_WRITE
#define OE_E_BITS (OE_ERROR | OE_HUP)

struct oe_reg {
    dc_target *target;    /* NULL: the fd is not registered */
    unsigned long flags;
    uint32_t seq;
    uint64_t served_first_in; /* pass number that serves it first (ERR-7) */
};

struct dc_context {
    int epfd;
    struct oe_reg *regs;  /* indexed by fd */
    size_t regs_capacity;
    size_t live;
    uint32_t last_seq;
    uint64_t passes;
    struct epoll_event *events;
    size_t events_capacity;
    int in_pass;          /* DSP-9: nested calls are refused */
    int needs_rebuild;    /* a ghost was seen */
};

static uint64_t oe_tag(uint32_t seq, int fd)
{
    return (uint64_t)seq << 32 | (uint32_t)fd;
}

static unsigned long oe_flags_for(int r, int w, int e)
{
    return (r ? OE_R_BITS : 0) | (w ? OE_W_BITS : 0) | (e ? OE_E_BITS : 0);
}

/* Native interest to epoll request bits; E is never requested, the kernel
 * reports EPOLLERR and EPOLLHUP anyway (FLT-7). */
static uint32_t oe_request(unsigned long flags)
{
    return (flags & OE_READ ? EPOLLIN : 0) | (flags & OE_URG ? EPOLLPRI : 0) |
           (flags & OE_RDHUP ? EPOLLRDHUP : 0) |
           (flags & OE_WRITE ? EPOLLOUT : 0);
}

static int oe_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = tag;
    return epoll_ctl(epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

/* Sets the kernel registration of fd, whether or not the kernel still has
 * one (a closed-behind-the-back fd loses it, LIM-3). */
static int oe_ctl_set(int epfd, int fd, uint32_t events, uint64_t tag,
                      int believed_present)
{
    int op = believed_present ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int rc = oe_ctl(epfd, op, fd, events, tag);
    if (rc == -ENOENT && op == EPOLL_CTL_MOD)
        rc = oe_ctl(epfd, EPOLL_CTL_ADD, fd, events, tag);
    else if (rc == -EEXIST && op == EPOLL_CTL_ADD)
        rc = oe_ctl(epfd, EPOLL_CTL_MOD, fd, events, tag);
    return rc;
}

static int oe_create(dc_context **out)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return -errno;
    dc_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
#ifndef DEFECT_CREATE_LEAKS_FD
        close(epfd);                    /* ABI-5: a failed create keeps nothing */
#endif
        return -ENOMEM;
    }
    ctx->epfd = epfd;
    *out = ctx;
    return 0;
}

static void oe_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    close(ctx->epfd);                   /* ours; caller fds are left alone */
    free(ctx->regs);
    free(ctx->events);
    free(ctx);
}

static int oe_reserve_fd(dc_context *ctx, int fd)
{
    if ((size_t)fd < ctx->regs_capacity)
        return 0;
    size_t capacity = ctx->regs_capacity ? ctx->regs_capacity : 64;
    while (capacity <= (size_t)fd)
        capacity *= 2;
    struct oe_reg *regs = realloc(ctx->regs, capacity * sizeof *regs);
    if (regs == NULL)
        return -ENOMEM;
    memset(regs + ctx->regs_capacity, 0,
           (capacity - ctx->regs_capacity) * sizeof *regs);
    ctx->regs = regs;
    ctx->regs_capacity = capacity;
    return 0;
}

/* Forgets fd's registration.  A failing EPOLL_CTL_DEL is ignored (CLS-1);
 * if it left a ghost behind, the tag check finds it. */
static void oe_unregister(dc_context *ctx, int fd)
{
    struct oe_reg *reg = &ctx->regs[fd];
    (void)oe_ctl(ctx->epfd, EPOLL_CTL_DEL, fd, 0, 0);
    reg->target = NULL;
    reg->flags = 0;
    ctx->live--;
}

static struct oe_reg *oe_lookup(dc_context *ctx, int fd)
{
    if (fd < 0 || (size_t)fd >= ctx->regs_capacity ||
        ctx->regs[fd].target == NULL)
        return NULL;
    return &ctx->regs[fd];
}

static int oe_set_poll_filter(dc_context *ctx, dc_target *o,
                              unsigned long flags)
{
    if (o == NULL)
        return -EINVAL;                 /* LIM-4 */
    int fd = o->fd;
    if (flags == 0) {                   /* FLT-1, FLT-6 */
        struct oe_reg *reg = oe_lookup(ctx, fd);
        if (reg != NULL && reg->target == o)
            oe_unregister(ctx, fd);
        return 0;
    }
    if (fd < 0)
        return -EINVAL;                 /* LIM-2's other spelling */
    int rc = oe_reserve_fd(ctx, fd);
    if (rc != 0)
        return rc;
    struct oe_reg *reg = &ctx->regs[fd];
    uint32_t events = oe_request(flags);
    if (reg->target == o) {             /* same registration, new interest */
        rc = oe_ctl_set(ctx->epfd, fd, events, oe_tag(reg->seq, fd), 1);
        if (rc == 0)
            reg->flags = flags;
        return rc;
    }
    /* A new registration, or FLT-4's replacement: a new tag, so that
     * anything gathered under the old one is stale (DSP-7). */
    uint32_t seq = ctx->last_seq + 1;
    if (seq == 0)
        seq = 1;
#ifdef DEFECT_REPLACE_OLD_TAG
    /* Defect: a replacement re-arms the kernel with the old tag, so the
     * new holder's events look like ghosts until a rebuild (FLT-4). */
    rc = oe_ctl_set(ctx->epfd, fd, events,
                    oe_tag(reg->target != NULL ? reg->seq : seq, fd),
                    reg->target != NULL);
#else
    rc = oe_ctl_set(ctx->epfd, fd, events, oe_tag(seq, fd),
                    reg->target != NULL);
#endif
    if (rc != 0)
        return rc;                      /* ABI-5: nothing changed */
    ctx->last_seq = seq;
    if (reg->target == NULL)
        ctx->live++;
    reg->target = o;
    reg->flags = flags;
    reg->seq = seq;
    reg->served_first_in = 0;
    return 0;
}

static int oe_set_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    return oe_set_poll_filter(ctx, o, oe_flags_for(r, w, e));
}

static int oe_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    if (fd < 0)
        return -EBADF;                  /* CLS-4 allows 0 or -EBADF */
    struct oe_reg *reg = oe_lookup(ctx, fd);
    if (reg != NULL && (o == NULL || reg->target == o))
        oe_unregister(ctx, fd);         /* CLS-2, CLS-3; else CLS-4, CLS-5 */
    return 0;
}

/* Replaces the epoll fd by a fresh one holding exactly the registry, which
 * drops every ghost.  On failure the old set stays and a later pass tries
 * again. */
static void oe_rebuild(dc_context *ctx)
{
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return;
    for (size_t fd = 0; fd < ctx->regs_capacity; fd++) {
        const struct oe_reg *reg = &ctx->regs[fd];
        if (reg->target == NULL)
            continue;
        int rc = oe_ctl(epfd, EPOLL_CTL_ADD, (int)fd, oe_request(reg->flags),
                        oe_tag(reg->seq, (int)fd));
        /* A registered fd closed behind our back (LIM-3) or not pollable
         * stays in the registry, as it did in the old set. */
        if (rc != 0 && rc != -EBADF && rc != -EPERM) {
            close(epfd);
            return;
        }
    }
    close(ctx->epfd);
    ctx->epfd = epfd;
    ctx->needs_rebuild = 0;
}

/* seconds (>= 0, finite) as a timespec for epoll_pwait2: rounded up to the
 * nanosecond, never to zero (TMO-5), clamped to 10^9 s before any cast
 * (TMO-6). */
static struct timespec oe_timespec(double seconds)
{
    struct timespec ts = { 0, 0 };
    if (!(seconds > 0.0))
        return ts;
    if (seconds >= 1e9) {
        ts.tv_sec = 1000000000;
        return ts;
    }
    double whole = floor(seconds);
    double ns = ceil((seconds - whole) * 1e9);
    ts.tv_sec = (time_t)whole;
    if (ns >= 1e9) {
        ts.tv_sec++;
        ns = 0.0;
    }
    ts.tv_nsec = (long)ns;
    if (ts.tv_sec == 0 && ts.tv_nsec == 0)
        ts.tv_nsec = 1;
    return ts;
}

/* One wait: epoll_pwait2's nanoseconds where the kernel has it, else
 * epoll_wait's milliseconds.  -1 and errno on failure. */
static int oe_wait(dc_context *ctx, double seconds)
{
    int capacity = (int)ctx->events_capacity;
#ifdef DEFECT_TIMEOUT_TRUNCATED
    /* Defect: the millisecond path with a truncating cast, 0.5 ms
     * becomes 0 (TMO-5). */
    (void)oe_timespec;
    int ms = seconds < 1e6 ? (int)(seconds * 1000.0) : INT_MAX;
    return epoll_wait(ctx->epfd, ctx->events, capacity, ms);
#else
    struct timespec ts = oe_timespec(seconds);
    int n = epoll_pwait2(ctx->epfd, ctx->events, capacity, &ts, NULL);
    if (n < 0 && errno == ENOSYS)
        n = epoll_wait(ctx->epfd, ctx->events, capacity,
                       indep_seconds_to_ms(seconds));
    return n;
#endif
}

/* The event buffer: room for every registration. */
static int oe_reserve_events(dc_context *ctx)
{
#ifdef DEFECT_BOUNDED_BATCH
    /* Defect (DSP-3, as amended): a fixed 64 as event libraries use, and a
     * full batch is never followed by another non-blocking wait, so ready
     * targets past the 64th wait for a later pass. */
    size_t want = 64, capacity = 64;
#else
    size_t want = ctx->live < 16 ? 16 : ctx->live, capacity = want * 2;
#endif
    if (ctx->events_capacity >= want)
        return 0;
    struct epoll_event *events = realloc(ctx->events, capacity * sizeof *events);
    if (events == NULL)
        return -ENOMEM;
    ctx->events = events;
    ctx->events_capacity = capacity;
    return 0;
}

/* The registration an event was gathered under, if it is still current. */
static struct oe_reg *oe_current(dc_context *ctx, const struct epoll_event *ev)
{
    int fd = (int)(uint32_t)ev->data.u64;
    uint32_t seq = (uint32_t)(ev->data.u64 >> 32);
    struct oe_reg *reg = oe_lookup(ctx, fd);
#ifdef DEFECT_STALE_TAG_ACCEPTED
    /* Defect: the tag's fd is trusted and its sequence ignored, so a
     * ghost or a replaced registration reaches the fd's holder (CLS-2,
     * DSP-7). */
    (void)seq;
    return reg;
#else
    return reg != NULL && reg->seq == seq ? reg : NULL;
#endif
}

/* Calls the target of one event after DSP-5's re-check and mask; marks the
 * event used.  Returns indep_deliver's verdict. */
static int oe_serve(dc_context *ctx, struct epoll_event *ev,
                    dc_error_handler handler, void *handler_arg)
{
    uint32_t got = ev->events;
    ev->events = 0;
    struct oe_reg *reg = oe_current(ctx, ev);
    if (reg == NULL || got == 0)
        return 0;
    unsigned long r = 0, w = 0, e = 0;
    if (reg->flags & OE_R_BITS)
        r = (got & EPOLLIN ? OE_READ : 0) | (got & EPOLLPRI ? OE_URG : 0) |
            (got & EPOLLRDHUP ? OE_RDHUP : 0);
    if (reg->flags & OE_W_BITS)
        w = got & EPOLLOUT ? OE_WRITE : 0;
    e = (got & EPOLLERR ? OE_ERROR : 0) | (got & EPOLLHUP ? OE_HUP : 0);
    if ((r | w | e) == 0)
        return 0;                       /* DSP-4 */
    return indep_deliver(reg->target, r, w, e, handler, handler_arg);
}

static int oe_dispatch_once(dc_context *ctx, const double *timeout_seconds,
                            dc_error_handler handler, void *handler_arg)
{
    if (ctx->in_pass)
        return -EBUSY;                  /* DSP-9 */
    double seconds;
    /* TMO-7: an invalid timeout is taken as zero (seconds stays 0). */
    (void)indep_classify_timeout(timeout_seconds, &seconds);
    if (ctx->needs_rebuild)
        oe_rebuild(ctx);
    int rc = oe_reserve_events(ctx);
    if (rc != 0)
        return rc;
    int n = oe_wait(ctx, seconds);
    if (n < 0)
        return errno == EINTR ? 0 : -errno; /* TMO-9, TMO-10 */

    /* Right after the wait every tag matches the registry unless it is a
     * ghost: drop those and rebuild before the next wait. */
    for (int i = 0; i < n; i++)
        if (oe_current(ctx, &ctx->events[i]) == NULL) {
            ctx->events[i].events = 0;
            ctx->needs_rebuild = 1;
        }

    uint64_t pass = ++ctx->passes;
    ctx->in_pass = 1;
    int result = 0;
    /* Targets a propagation left unserved go first (ERR-7), then the rest;
     * oe_serve marks each event used, so none is served twice (DSP-1). */
    for (int round = 0; round < 2 && result == 0; round++)
        for (int i = 0; i < n && result == 0; i++) {
            struct oe_reg *reg = oe_current(ctx, &ctx->events[i]);
            if (round == 0 && (reg == NULL || reg->served_first_in != pass))
                continue;
            result = oe_serve(ctx, &ctx->events[i], handler, handler_arg);
        }
    if (result != 0)
        for (int i = 0; i < n; i++) {
            struct oe_reg *reg = oe_current(ctx, &ctx->events[i]);
            if (reg != NULL && ctx->events[i].events != 0)
                reg->served_first_in = pass + 1;
        }
    ctx->in_pass = 0;
    return result;
}

/* A descriptor larger than the harness's dc_backend, as a newer minor
 * revision would be (ABI-1: struct_size is "at least" sizeof). */
struct oe_descriptor {
    dc_backend base;
    void *reserved[4];
};

static const struct oe_descriptor oe_descriptor = { .base = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(struct oe_descriptor),
    .name = "otherepoll",
    .create = oe_create,
    .destroy = oe_destroy,
    .dispatch_once = oe_dispatch_once,
    .set_dispatch_filter = oe_set_filter,
    .set_poll_dispatch_filter = oe_set_poll_filter,
    .socket_closed = oe_socket_closed,
    .flags_for = oe_flags_for,
    .fd_limit = 0,
    .event_model = DC_MODEL_OTHER,
    /* A capability bit no harness knows yet: ABI-1 says it is ignored. */
    .caps = 0x80000000u,
} };

#define oe_backend oe_descriptor.base
DC_EXPORT_BACKEND(oe_backend)
