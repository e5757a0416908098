/* step-3.c: docs/TUTORIAL.md, step 3 (one wait and one pass).
 *   cc -std=gnu11 -shared -fPIC -I spec -o step-3.so examples/tutorial/step-3.c
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

/* ---- the wait ------------------------------------------------------------ */

/* TMO-1: NULL, 0 and anything not positive never block, as poll takes a
 * negative timeout for "forever".  Step 4 makes the rest right: this cast
 * truncates 0.4 ms to 0, and for +inf or 1e10 s it is undefined behaviour
 * (INT_MIN on x86, which poll takes for "forever"). */
static int wait_ready(struct pollfd *pfd, size_t n, const double *timeout)
{
    int ms = timeout && *timeout > 0 ? (int)(*timeout * 1e3) : 0;
    int k = poll(pfd, (nfds_t)n, ms);
    return k >= 0 ? k : -errno;
}

/* ---- step 3: one wait and one pass --------------------------------------- */

static int wait_and_pass(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg,
                         struct pollfd *pfd, dc_target **tgt)
{
    (void)handler, (void)arg;               /* step 6 */
    size_t n = 0;
    for (size_t fd = 0; fd < ctx->size; fd++) {
        const struct slot *s = &ctx->slot[fd];
        if (s->o == NULL)
            continue;
        /* POLLERR|POLLHUP|POLLNVAL need no request (FLT-7, EVT-4). */
        pfd[n].fd = (int)fd;
        pfd[n].events = (short)(s->flags & (R_BITS | W_BITS));
        pfd[n].revents = 0;
        tgt[n++] = s->o;                    /* step 5 replaces this */
    }
    int k = wait_ready(pfd, n, timeout);
    if (k <= 0)
        return k;
    for (size_t i = 0; i < n; i++) {
        unsigned long rev = (unsigned short)pfd[i].revents;
        if (rev == 0)
            continue;
        unsigned long r = rev & R_BITS;     /* EVT-1: the erratum */
        unsigned long w = rev & W_BITS;
        unsigned long e = rev & E_BITS;     /* EVT-4: even unasked */
        if ((r | w | e) == 0)
            continue;                       /* DSP-4 */
        tgt[i]->dispatch_event(tgt[i], r, w, e);  /* step 6: its return */
    }
    return 0;
}

static int dispatch_once(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg)
{
    int rc;
    /* A snapshot of this pass: callbacks change the registry, not it. */
    size_t n = ctx->count ? ctx->count : 1;
    struct pollfd *pfd = malloc(n * sizeof *pfd);
    dc_target **tgt = malloc(n * sizeof *tgt);
    if (pfd == NULL || tgt == NULL)
        rc = -ENOMEM;                       /* ABI-5: nothing is lost */
    else
        rc = wait_and_pass(ctx, timeout, handler, arg, pfd, tgt);
    free(pfd);
    free(tgt);
    return rc;
}

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "step-3",
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
