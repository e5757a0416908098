/*
 * reentrant.c: an independent poll(2) backend that declares
 * DC_CAP_REENTRANT and really runs nested passes (tests/independent/).
 *
 * Design:
 *  - the interest set is kept incrementally: a dense pollfd array updated
 *    by every filter call (append, update in place, swap-remove), with an
 *    fd-indexed table of slot numbers; dispatch_once only copies it;
 *  - each pass owns its snapshot (pollfd copy plus the sequence number of
 *    each registration), allocated per call, so a nested pass (DSP-9)
 *    cannot disturb the outer one's results;
 *  - every registration records the number of the last pass that called
 *    it; an outer pass resuming after a nested one skips targets a later
 *    pass already called, whose results it holds are older (DSP-1, DSP-2);
 *  - an fd reported POLLNVAL (closed behind our back) is dropped after its
 *    target is told (LIM-3's second branch);
 *  - calls go in pollfd order; fd_limit is 0; a bad timeout is refused
 *    with -EINVAL; EINTR is retried for the remaining time; unknown native
 *    bits are accepted and ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "indep_common.h"

#define RE_R_BITS (POLLIN | POLLPRI)
#define RE_W_BITS POLLOUT
#define RE_E_BITS (POLLERR | POLLHUP | POLLNVAL)
#define RE_R_REPORTED (RE_R_BITS | POLLRDHUP) /* native POLLRDHUP goes in R */

struct re_reg {
    dc_target *target;
    unsigned long flags;
    uint64_t seq;
    uint64_t last_called_pass;
};

struct dc_context {
    struct pollfd *interest; /* dense; interest[i] belongs to regs[i] */
    struct re_reg *regs;
    size_t count, capacity;
    long *slot_of;           /* fd -> index into regs, or -1 */
    size_t slot_of_capacity;
    uint64_t last_seq;
    uint64_t passes;
};

/* What one pass waited on, owned by that pass. */
struct re_snapshot {
    struct pollfd *polled;
    uint64_t *seq;
    size_t count;
};

static unsigned long re_flags_for(int r, int w, int e)
{
    return (r ? (unsigned long)RE_R_BITS : 0) |
           (w ? (unsigned long)RE_W_BITS : 0) |
           (e ? (unsigned long)RE_E_BITS : 0);
}

static short re_request(unsigned long flags)
{
    return (short)(flags & (RE_R_REPORTED | RE_W_BITS));
}

static int re_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return -ENOMEM;
    *out = ctx;
    return 0;
}

static void re_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->interest);
    free(ctx->regs);
    free(ctx->slot_of);
    free(ctx);
}

static long re_slot(const dc_context *ctx, int fd)
{
    if (fd < 0 || (size_t)fd >= ctx->slot_of_capacity)
        return -1;
    return ctx->slot_of[fd];
}

/* Room for fd in slot_of and for one more slot; nothing changes on
 * failure but spare capacity (ABI-5). */
static int re_reserve(dc_context *ctx, int fd)
{
    if ((size_t)fd >= ctx->slot_of_capacity) {
        size_t capacity = ctx->slot_of_capacity ? ctx->slot_of_capacity : 64;
        while (capacity <= (size_t)fd)
            capacity *= 2;
        long *slot_of = realloc(ctx->slot_of, capacity * sizeof *slot_of);
        if (slot_of == NULL)
            return -ENOMEM;
        for (size_t i = ctx->slot_of_capacity; i < capacity; i++)
            slot_of[i] = -1;
        ctx->slot_of = slot_of;
        ctx->slot_of_capacity = capacity;
    }
    if (ctx->count == ctx->capacity) {
        size_t capacity = ctx->capacity ? ctx->capacity * 2 : 16;
        struct pollfd *interest =
            realloc(ctx->interest, capacity * sizeof *interest);
        if (interest == NULL)
            return -ENOMEM;
        ctx->interest = interest;
        struct re_reg *regs = realloc(ctx->regs, capacity * sizeof *regs);
        if (regs == NULL)
            return -ENOMEM;
        ctx->regs = regs;
        ctx->capacity = capacity;
    }
    return 0;
}

/* Swap-remove: the last slot moves into the hole. */
static void re_remove_slot(dc_context *ctx, long slot)
{
    int fd = ctx->interest[slot].fd;
    size_t last = ctx->count - 1;
    if ((size_t)slot != last) {
        ctx->interest[slot] = ctx->interest[last];
        ctx->regs[slot] = ctx->regs[last];
#ifndef DEFECT_SWAP_REMOVE_NO_REMAP
        ctx->slot_of[ctx->interest[slot].fd] = slot;
#endif
        /* (Defect DEFECT_SWAP_REMOVE_NO_REMAP: the moved fd still maps to
         * the vacated last slot, which the next registration overwrites;
         * the moved target is then lost, DSP-3, FLT-3.) */
    }
    ctx->slot_of[fd] = -1;
    ctx->count--;
}

static int re_set_poll_filter(dc_context *ctx, dc_target *o,
                              unsigned long flags)
{
    if (o == NULL)
        return -EINVAL;                 /* LIM-4 */
    int fd = o->fd;
    long slot = re_slot(ctx, fd);
    if (flags == 0) {                   /* FLT-1, FLT-6 */
        if (slot >= 0 && ctx->regs[slot].target == o)
            re_remove_slot(ctx, slot);
        return 0;
    }
    if (fd < 0)
        return -EBADF;                  /* LIM-2 */
    if (slot >= 0) {
        struct re_reg *reg = &ctx->regs[slot];
        if (reg->target != o) {         /* FLT-4 */
            reg->target = o;
            reg->seq = ++ctx->last_seq;
            reg->last_called_pass = 0;
        }
        reg->flags = flags;
        ctx->interest[slot].events = re_request(flags);
        return 0;
    }
    int rc = re_reserve(ctx, fd);
    if (rc != 0)
        return rc;
    size_t i = ctx->count++;
    ctx->interest[i] = (struct pollfd){ .fd = fd, .events = re_request(flags) };
    ctx->regs[i] = (struct re_reg){ o, flags, ++ctx->last_seq, 0 };
    ctx->slot_of[fd] = (long)i;
    return 0;
}

static int re_set_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    return re_set_poll_filter(ctx, o, re_flags_for(r, w, e));
}

static int re_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    long slot = re_slot(ctx, fd);
    if (slot >= 0 && (o == NULL || ctx->regs[slot].target == o))
        re_remove_slot(ctx, slot);      /* CLS-2, CLS-3; else CLS-4, CLS-5 */
    return 0;
}

/* LIM-3's second branch: an fd closed behind our back is dropped once its
 * target has been told, unless a callback re-registered the number. */
static void re_drop_if_current(dc_context *ctx, int fd, uint64_t seq)
{
    long slot = re_slot(ctx, fd);
    if (slot >= 0 && ctx->regs[slot].seq == seq)
        re_remove_slot(ctx, slot);
}

static int re_take_snapshot(const dc_context *ctx, struct re_snapshot *snap)
{
    snap->count = 0;
    snap->polled = NULL;
    snap->seq = NULL;
    if (ctx->count == 0)
        return 0;
    snap->polled = malloc(ctx->count * sizeof *snap->polled);
    snap->seq = malloc(ctx->count * sizeof *snap->seq);
    if (snap->polled == NULL || snap->seq == NULL) {
        free(snap->polled);
        free(snap->seq);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ctx->count; i++) {
#ifdef DEFECT_E_ONLY_NOT_POLLED
        /* Defect: entries with no request bits skipped as "nothing to
         * wait for", so an E-only target never hears a hangup (FLT-7). */
        if (ctx->interest[i].events == 0)
            continue;
#endif
        snap->polled[snap->count] = ctx->interest[i];
        snap->polled[snap->count].revents = 0;
        snap->seq[snap->count] = ctx->regs[i].seq;
        snap->count++;
    }
    return 0;
}

static void re_release_snapshot(struct re_snapshot *snap)
{
    free(snap->polled);
    free(snap->seq);
}

/* One poll, retried after EINTR for the remaining time (TMO-9). */
static int re_wait(struct re_snapshot *snap, double seconds)
{
    double deadline = indep_now() + seconds;
    int ms = indep_seconds_to_ms(seconds);
    for (;;) {
        int n = poll(snap->polled, (nfds_t)snap->count, ms);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
        double left = deadline - indep_now();
        if (seconds <= 0.0 || left <= 0.0)
            return 0;
        ms = indep_seconds_to_ms(left);
    }
}

static int re_dispatch_once(dc_context *ctx, const double *timeout_seconds,
                            dc_error_handler handler, void *handler_arg)
{
    double seconds;
    if (indep_classify_timeout(timeout_seconds, &seconds) ==
        INDEP_TIMEOUT_INVALID)
        return -EINVAL;                 /* TMO-7 */
    struct re_snapshot snap;
    int rc = re_take_snapshot(ctx, &snap);
    if (rc != 0)
        return rc;
    uint64_t pass = ++ctx->passes;
    int ready = re_wait(&snap, seconds);
    int result = ready < 0 ? ready : 0; /* TMO-10 */
    for (size_t k = 0; ready > 0 && k < snap.count && result == 0; k++) {
        short revents = snap.polled[k].revents;
        if (revents == 0)
            continue;
        long slot = re_slot(ctx, snap.polled[k].fd);
        if (slot < 0 || ctx->regs[slot].seq != snap.seq[k])
            continue;                   /* DSP-6, DSP-7 */
        struct re_reg *reg = &ctx->regs[slot];
#ifndef RE_REDELIVER_AFTER_NESTED
        /* A nested pass called it after this pass's wait: what this pass
         * holds is older than what that call consumed.  Skipping it is one
         * of DSP-9's two options; -DRE_REDELIVER_AFTER_NESTED builds the
         * other (call it again from this pass's results). */
        if (reg->last_called_pass > pass)
            continue;
#endif
        unsigned long r = (reg->flags & RE_R_REPORTED)
                              ? (unsigned long)(revents & RE_R_REPORTED) : 0;
        unsigned long w = (reg->flags & RE_W_BITS)
                              ? (unsigned long)(revents & RE_W_BITS) : 0;
        unsigned long e = (unsigned long)(revents & RE_E_BITS);
        if ((r | w | e) == 0)
            continue;                   /* DSP-4, DSP-5 */
        reg->last_called_pass = pass;
#ifdef DEFECT_STALE_REG_POINTER
        /* Defect: the slot pointer is kept across the callback, which may
         * have moved (swap-remove) or reallocated the registry, so the
         * handler is given whatever is there now (ERR-3). */
        int code = reg->target->dispatch_event(reg->target, r, w, e);
        if (code == DC_INTERRUPT || code == DC_EXIT ||
            (code != 0 && handler == NULL))
            result = code;
        else if (code != 0)
            result = handler(handler_arg, reg->target, code);
#else
        result = indep_deliver(reg->target, r, w, e, handler, handler_arg);
#endif
        if (revents & POLLNVAL)
            re_drop_if_current(ctx, snap.polled[k].fd, snap.seq[k]);
    }
    re_release_snapshot(&snap);
    return result;
}

static const dc_backend re_backend = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "reentrant",
    .create = re_create,
    .destroy = re_destroy,
    .dispatch_once = re_dispatch_once,
    .set_dispatch_filter = re_set_filter,
    .set_poll_dispatch_filter = re_set_poll_filter,
    .socket_closed = re_socket_closed,
    .flags_for = re_flags_for,
    .fd_limit = 0,
    .event_model = DC_MODEL_POLL,
    .caps = DC_CAP_REENTRANT,
};

DC_EXPORT_BACKEND(re_backend)
