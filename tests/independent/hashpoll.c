/*
 * hashpoll.c: an independent poll(2) backend (tests/independent/).
 *
 * Design, chosen to differ from the bundled backends:
 *  - the registry is an open-addressing hash map (linear probing,
 *    tombstones) from fd to registration;
 *  - every registration carries a sequence number; a pass snapshots
 *    (fd, sequence) beside its pollfd array, and before each call looks the
 *    fd up again and compares sequences (DSP-5, DSP-7);
 *  - ready targets are called in reverse pollfd order (DSP-3: order is
 *    unspecified);
 *  - it declares a finite fd_limit of 4096 (LIM-1) and refuses fds past
 *    it with -EINVAL rather than -ERANGE (LIM-1 allows any negative errno);
 *  - native flags it does not know are refused with -EINVAL (FLT-6's MAY);
 *  - a bad timeout is refused with -EINVAL (TMO-7), EINTR is retried for
 *    the remaining monotonic time (TMO-9).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "indep_common.h"

/* 4096 by default; tests/independent.sh also builds it with a small
 * limit, which LIM-1 allows as well (it sets no minimum). */
#ifndef HP_FD_LIMIT
#define HP_FD_LIMIT 4096
#endif
#define HP_R_BITS (POLLIN | POLLPRI)
#define HP_W_BITS POLLOUT
#define HP_E_BITS (POLLERR | POLLHUP | POLLNVAL)
/* POLLRDHUP is not in flags_for but may be asked natively; it is reported
 * in R (model section, EVT-9). */
#define HP_R_REPORTED (HP_R_BITS | POLLRDHUP)
#define HP_KNOWN_BITS (HP_R_REPORTED | HP_W_BITS | HP_E_BITS)

enum { HP_SLOT_EMPTY = -1, HP_SLOT_TOMBSTONE = -2 };

struct hp_slot {
    int fd;               /* >= 0, or HP_SLOT_EMPTY / HP_SLOT_TOMBSTONE */
    unsigned long flags;  /* native interest, non-zero while registered */
    uint64_t seq;         /* which registration this is (DSP-5) */
    dc_target *target;
};

struct dc_context {
    struct hp_slot *slots;
    size_t capacity;      /* a power of two */
    size_t live;          /* slots holding a registration */
    size_t occupied;      /* live plus tombstones: what probing sees */
    uint64_t last_seq;

    /* The pass's snapshot: what was polled and under which registration. */
    struct pollfd *polled;
    uint64_t *polled_seq;
    size_t polled_capacity;

    int in_pass;          /* DSP-9: nested calls are refused */
};

/* Fibonacci hashing: the product's high bits, since its low bits are
 * just fd's low bits (2654435761 is odd). */
static size_t hp_hash(int fd, size_t capacity)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < capacity)
        bits++;
    return (size_t)(((uint32_t)fd * 2654435761u) >> (32 - bits));
}

/* The slot holding fd, or -1. */
static long hp_find(const dc_context *ctx, int fd)
{
    size_t mask = ctx->capacity - 1;
    for (size_t i = hp_hash(fd, ctx->capacity), n = 0; n < ctx->capacity;
         i = (i + 1) & mask, n++) {
#ifdef DEFECT_TOMBSTONE_ENDS_PROBE
        /* Defect: a tombstone taken for the end of the probe chain, so an
         * fd placed past a removed neighbour is lost (DSP-3, FLT-1). */
        if (ctx->slots[i].fd < 0)
            return -1;
#else
        if (ctx->slots[i].fd == HP_SLOT_EMPTY)
            return -1;
#endif
        if (ctx->slots[i].fd == fd)
            return (long)i;
    }
    return -1;
}

/* Places a slot in a table known to have room and not to hold its fd. */
static void hp_place(struct hp_slot *slots, size_t capacity,
                     const struct hp_slot *entry)
{
    size_t i = hp_hash(entry->fd, capacity);
    while (slots[i].fd >= 0)
        i = (i + 1) & (capacity - 1);
    slots[i] = *entry;
}

static struct hp_slot *hp_new_table(size_t capacity)
{
    struct hp_slot *slots = malloc(capacity * sizeof *slots);
    if (slots != NULL)
        for (size_t i = 0; i < capacity; i++)
            slots[i].fd = HP_SLOT_EMPTY;
    return slots;
}

/* Makes room for one more registration, keeping the load (tombstones
 * included) at most a half.  On failure nothing changed (ABI-5). */
static int hp_reserve_one(dc_context *ctx)
{
    if ((ctx->occupied + 1) * 2 <= ctx->capacity)
        return 0;
    size_t capacity = ctx->capacity;
    while ((ctx->live + 1) * 4 > capacity)
        capacity *= 2;
    struct hp_slot *slots = hp_new_table(capacity);
    if (slots == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < ctx->capacity; i++)
        if (ctx->slots[i].fd >= 0)
            hp_place(slots, capacity, &ctx->slots[i]);
    free(ctx->slots);
    ctx->slots = slots;
    ctx->capacity = capacity;
    ctx->occupied = ctx->live;
    return 0;
}

static void hp_remove_slot(dc_context *ctx, long i)
{
    ctx->slots[i].fd = HP_SLOT_TOMBSTONE;
    ctx->slots[i].target = NULL;
    ctx->live--;
}

static unsigned long hp_flags_for(int r, int w, int e)
{
    return (r ? (unsigned long)HP_R_BITS : 0) |
           (w ? (unsigned long)HP_W_BITS : 0) |
           (e ? (unsigned long)HP_E_BITS : 0);
}

static int hp_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return -ENOMEM;
    ctx->capacity = 16;
    ctx->slots = hp_new_table(ctx->capacity);
    if (ctx->slots == NULL) {
        free(ctx);
        return -ENOMEM;
    }
    *out = ctx;
    return 0;
}

static void hp_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->slots);
    free(ctx->polled);
    free(ctx->polled_seq);
    free(ctx);
}

static int hp_set_poll_filter(dc_context *ctx, dc_target *o,
                              unsigned long flags)
{
    if (o == NULL)
        return -EINVAL;                 /* LIM-4 */
#ifndef DEFECT_REFUSED_HALF_CHANGED
    if (flags & ~(unsigned long)HP_KNOWN_BITS)
        return -EINVAL;                 /* FLT-6's MAY, nothing changed */
#endif
    int fd = o->fd;
#ifdef DEFECT_E_ONLY_REMOVES
    /* Defect: "no request bits" taken for removal (FLT-7). */
    if ((flags & (HP_R_REPORTED | HP_W_BITS)) == 0)
        flags = 0;
#endif
    if (flags == 0) {                   /* FLT-1, FLT-6 */
        if (fd >= 0) {
            long i = hp_find(ctx, fd);
            if (i >= 0 && ctx->slots[i].target == o)
                hp_remove_slot(ctx, i);
        }
        return 0;
    }
    if (fd < 0)
        return -EBADF;                  /* LIM-2 */
    if (fd >= HP_FD_LIMIT)
        return -EINVAL;                 /* LIM-1: "or another negative errno" */
    long i = hp_find(ctx, fd);
    if (i >= 0) {
        struct hp_slot *slot = &ctx->slots[i];
        if (slot->target != o) {        /* FLT-4: a new registration */
            slot->target = o;
            slot->seq = ++ctx->last_seq;
        }
        slot->flags = flags;
#ifdef DEFECT_REFUSED_HALF_CHANGED
        /* Defect: validated after the change, so a refused value leaves
         * the registration changed (FLT-6, ABI-5). */
        if (flags & ~(unsigned long)HP_KNOWN_BITS)
            return -EINVAL;
#endif
        return 0;
    }
#ifdef DEFECT_REFUSED_HALF_CHANGED
    if (flags & ~(unsigned long)HP_KNOWN_BITS)
        return -EINVAL;
#endif
#ifndef DEFECT_INSERT_BEFORE_GROW
    int rc = hp_reserve_one(ctx);
    if (rc != 0)
        return rc;
#endif
    struct hp_slot entry = { fd, flags, ++ctx->last_seq, o };
    /* The first free slot on fd's probe path; only an empty one (not a
     * tombstone) adds to what probing sees. */
    size_t j = hp_hash(fd, ctx->capacity);
    while (ctx->slots[j].fd >= 0)
        j = (j + 1) & (ctx->capacity - 1);
    if (ctx->slots[j].fd == HP_SLOT_EMPTY)
        ctx->occupied++;
    ctx->slots[j] = entry;
    ctx->live++;
#ifdef DEFECT_INSERT_BEFORE_GROW
    /* Defect: the table grows after the insertion, so when growing fails
     * the caller is told -ENOMEM about a registration that was made
     * (ABI-5). */
    return hp_reserve_one(ctx);
#else
    return 0;
#endif
}

static int hp_set_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    return hp_set_poll_filter(ctx, o, hp_flags_for(r, w, e));
}

static int hp_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    if (fd < 0)
        return 0;                       /* CLS-4 */
    long i = hp_find(ctx, fd);
    if (i >= 0 && (o == NULL || ctx->slots[i].target == o))
        hp_remove_slot(ctx, i);         /* CLS-2, CLS-3; else CLS-5 */
    return 0;
}

/* Grows the snapshot to hold every registration; ABI-5 on failure. */
static int hp_reserve_snapshot(dc_context *ctx)
{
    if (ctx->polled_capacity >= ctx->live && ctx->polled != NULL)
        return 0;
    size_t capacity = ctx->live < 16 ? 16 : ctx->live * 2;
    struct pollfd *polled = realloc(ctx->polled, capacity * sizeof *polled);
    if (polled == NULL)
        return -ENOMEM;
    ctx->polled = polled;
    uint64_t *seq = realloc(ctx->polled_seq, capacity * sizeof *seq);
    if (seq == NULL)
        return -ENOMEM;
    ctx->polled_seq = seq;
    ctx->polled_capacity = capacity;
    return 0;
}

/* One poll, retried after EINTR for the remaining time (TMO-9).  Returns
 * poll's count, or a negated errno; 0 also when the time ran out. */
static int hp_wait(dc_context *ctx, size_t count, double seconds)
{
    double deadline = indep_now() + seconds;
    int ms = indep_seconds_to_ms(seconds);
    for (;;) {
        int n = poll(ctx->polled, (nfds_t)count, ms);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return -errno;
#ifdef DEFECT_EINTR_FULL_TIMEOUT
        /* Defect: a plain retry loop, the full timeout again after each
         * signal (TMO-9). */
        if (seconds > 0.0)
            continue;
#endif
        if (seconds <= 0.0)
            return 0;
        double left = deadline - indep_now();
        if (left <= 0.0)
            return 0;
        ms = indep_seconds_to_ms(left); /* TMO-8: fresh each time */
    }
}

static int hp_dispatch_once(dc_context *ctx, const double *timeout_seconds,
                            dc_error_handler handler, void *handler_arg)
{
#ifndef DEFECT_NESTED_NOT_REFUSED
    /* Without this a nested call would refill the snapshot the outer
     * pass is walking. */
    if (ctx->in_pass)
        return -EBUSY;                  /* DSP-9 */
#endif
    double seconds;
    if (indep_classify_timeout(timeout_seconds, &seconds) ==
        INDEP_TIMEOUT_INVALID)
        return -EINVAL;                 /* TMO-7 */
    int rc = hp_reserve_snapshot(ctx);
    if (rc != 0)
        return rc;

    size_t count = 0;
    for (size_t i = 0; i < ctx->capacity; i++) {
        const struct hp_slot *slot = &ctx->slots[i];
        if (slot->fd < 0)
            continue;
        ctx->polled[count].fd = slot->fd;
        /* E bits are never requested: the kernel reports them anyway
         * (FLT-7). */
        ctx->polled[count].events =
            (short)(slot->flags & (HP_R_REPORTED | HP_W_BITS));
        ctx->polled[count].revents = 0;
        ctx->polled_seq[count] = slot->seq;
        count++;
    }

    int ready = hp_wait(ctx, count, seconds);
    if (ready <= 0)
        return ready;                   /* TMO-10: nothing from a failure */

    ctx->in_pass = 1;
    int result = 0;
    for (size_t k = count; k-- > 0;) {  /* reverse order */
        short revents = ctx->polled[k].revents;
        if (revents == 0)
            continue;
        long i = hp_find(ctx, ctx->polled[k].fd);
#ifdef DEFECT_SEQ_CHECK_SKIPPED
        /* Defect: only the fd is looked up, so a target that replaced the
         * polled one in this pass gets its results (DSP-7). */
        if (i < 0)
            continue;
#else
        if (i < 0 || ctx->slots[i].seq != ctx->polled_seq[k])
            continue;                   /* DSP-6, DSP-7 */
#endif
        const struct hp_slot *slot = &ctx->slots[i];
        /* DSP-5: mask by the current interest; E arrives unasked. */
        unsigned long r = (slot->flags & HP_R_REPORTED)
                              ? (unsigned long)(revents & HP_R_REPORTED) : 0;
        unsigned long w = (slot->flags & HP_W_BITS)
                              ? (unsigned long)(revents & HP_W_BITS) : 0;
        unsigned long e = (unsigned long)(revents & HP_E_BITS);
        if ((r | w | e) == 0)
            continue;                   /* DSP-4 */
        result = indep_deliver(slot->target, r, w, e, handler, handler_arg);
        if (result != 0)
            break;                      /* ERR-7: the next wait finds them */
    }
    ctx->in_pass = 0;
    return result;
}

static const dc_backend hp_backend = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "hashpoll",
    .create = hp_create,
    .destroy = hp_destroy,
    .dispatch_once = hp_dispatch_once,
    .set_dispatch_filter = hp_set_filter,
    .set_poll_dispatch_filter = hp_set_poll_filter,
    .socket_closed = hp_socket_closed,
    .flags_for = hp_flags_for,
    .fd_limit = HP_FD_LIMIT,
    .event_model = DC_MODEL_POLL,
    .caps = 0,
};

DC_EXPORT_BACKEND(hp_backend)
