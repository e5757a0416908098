/* step-2.c: docs/TUTORIAL.md, step 2 (the interest and flags_for).
 *   cc -std=gnu11 -shared -fPIC -I spec -o step-2.so examples/tutorial/step-2.c
 */
#include <dispatch_context.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

/* Step 2: the native flags of each field (the poll row of CONTRACT.md). */
#define R_BITS ((unsigned long)(POLLIN | POLLPRI))
#define W_BITS ((unsigned long)POLLOUT)
#define E_BITS ((unsigned long)(POLLERR | POLLHUP | POLLNVAL))

/* Step 1: one slot per fd number. */
struct slot {
    dc_target *o;               /* NULL: the fd is free */
    unsigned long flags;        /* the interest, never 0 while o is set */
};

struct dc_context {
    struct slot *slot;          /* slot[fd] for fd < size */
    size_t size, count;         /* slots allocated, slots in use */
};

/* ---- step 1: the registry ------------------------------------------------ */

static int create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return -ENOMEM;         /* ABI-5: nothing to free, *out untouched */
    *out = ctx;
    return 0;
}

static void destroy(dc_context *ctx)
{
    free(ctx->slot);            /* CLS-6: memory only, no call, no close */
    free(ctx);
}

static struct slot *lookup(dc_context *ctx, int fd)
{
    if (fd < 0 || (size_t)fd >= ctx->size || ctx->slot[fd].o == NULL)
        return NULL;
    return &ctx->slot[fd];
}

/* Makes slot[fd] exist, doubling; on failure nothing changed (ABI-5). */
static int grow(dc_context *ctx, int fd)
{
    size_t want = (size_t)fd + 1, size = ctx->size ? ctx->size : 64;
    if (want <= ctx->size)
        return 0;
    while (size < want)
        size *= 2;
    struct slot *s = realloc(ctx->slot, size * sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    memset(s + ctx->size, 0, (size - ctx->size) * sizeof *s);
    ctx->slot = s;
    ctx->size = size;
    return 0;
}

static void drop(dc_context *ctx, int fd)
{
    memset(&ctx->slot[fd], 0, sizeof ctx->slot[fd]);
    ctx->count--;
}

/* ---- step 2: the interest ------------------------------------------------ */

static unsigned long flags_for(int r, int w, int e)
{
    return (r ? R_BITS : 0) | (w ? W_BITS : 0) | (e ? E_BITS : 0);
}

static int set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                    unsigned long flags)
{
    if (flags == 0) {                           /* FLT-1, FLT-6: removal */
        if (lookup(ctx, o->fd) && ctx->slot[o->fd].o == o)
            drop(ctx, o->fd);                   /* only o, never another */
        return 0;
    }
    if (o->fd < 0)
        return -EBADF;                          /* no slot -1 */
    int rc = grow(ctx, o->fd);
    if (rc < 0)
        return rc;                              /* ABI-5: unchanged */
    struct slot *s = &ctx->slot[o->fd];
    ctx->count += s->o == NULL;
    s->o = o;                   /* replaces any holder (FLT-4) */
    s->flags = flags;           /* E-only is non-zero: a live entry, FLT-7 */
    return 0;
}

static int set_dispatch_filter(dc_context *ctx, dc_target *o,
                               int r, int w, int e)
{
    return set_poll_dispatch_filter(ctx, o, flags_for(r, w, e));   /* FLT-5 */
}

/* Step 1's first try; step 7 makes it right. */
static int socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    (void)o;
    if (lookup(ctx, fd))
        drop(ctx, fd);                      /* whoever holds fd */
    return 0;
}

/* ---- step 3: one wait and one pass --------------------------------------- */

static int dispatch_once(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg)
{
    (void)ctx, (void)timeout, (void)handler, (void)arg;
    return -ENOSYS;
}

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "step-2",
    .create = create,
    .destroy = destroy,
    .dispatch_once = dispatch_once,
    .set_dispatch_filter = set_dispatch_filter,
    .set_poll_dispatch_filter = set_poll_dispatch_filter,
    .socket_closed = socket_closed,
    .flags_for = flags_for,
    .fd_limit = 0,                  /* step 8: LIM-1, poll has no limit */
    .event_model = DC_MODEL_POLL,
    .caps = 0,                      /* step 5: nesting is refused */
};

DC_EXPORT_BACKEND(descriptor)
