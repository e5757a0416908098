/* step-8.c: docs/TUTORIAL.md, step 8 (limits and bad input): the finished
 * poll backend.  It passes the whole suite.  Build it like a third party:
 *   cc -std=gnu11 -shared -fPIC -I spec -o step-8.so examples/tutorial/step-8.c -lm
 */
#include <dispatch_context.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Step 2: the native flags of each field (the poll row of CONTRACT.md). */
#define R_BITS ((unsigned long)(POLLIN | POLLPRI))
#define W_BITS ((unsigned long)POLLOUT)
#define E_BITS ((unsigned long)(POLLERR | POLLHUP | POLLNVAL))

/* Step 4: the longest wait we compute with, 10^8 s; poll gets INT_MAX ms. */
#define MAX_WAIT_S 1e8

/* Step 1: one slot per fd number. */
struct slot {
    dc_target *o;               /* NULL: the fd is free */
    unsigned long flags;        /* the interest, never 0 while o is set */
    unsigned gen;               /* step 5: which registration this is */
};

struct dc_context {
    struct slot *slot;          /* slot[fd] for fd < size */
    size_t size, count;         /* slots allocated, slots in use */
    unsigned last_gen;          /* step 5: the generation given out last */
    int in_dispatch;            /* step 5: DSP-9 */
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
    if (o == NULL || (flags && o->dispatch_event == NULL))
        return -EINVAL;                         /* step 8: LIM-4 */
    if (flags & ~(R_BITS | W_BITS | E_BITS))
        return -EINVAL;                         /* FLT-6 allows refusing */
    if (flags == 0) {                           /* FLT-1, FLT-6: removal */
        if (lookup(ctx, o->fd) && ctx->slot[o->fd].o == o)
            drop(ctx, o->fd);                   /* only o, never another */
        return 0;
    }
    if (o->fd < 0)
        return -EBADF;                          /* step 8: LIM-2 */
    int rc = grow(ctx, o->fd);
    if (rc < 0)
        return rc;                              /* ABI-5: unchanged */
    struct slot *s = &ctx->slot[o->fd];
    if (s->o != o) {
        /* A new registration, on a free fd or replacing its holder (FLT-4):
         * a new generation, so no stale result reaches it (step 5). */
        ctx->count += s->o == NULL;
        s->o = o;
        s->gen = ++ctx->last_gen;
    }
    s->flags = flags;           /* E-only is non-zero: a live entry, FLT-7 */
    return 0;
}

static int set_dispatch_filter(dc_context *ctx, dc_target *o,
                               int r, int w, int e)
{
    return set_poll_dispatch_filter(ctx, o, flags_for(r, w, e));   /* FLT-5 */
}

/* ---- step 7: socket_closed ----------------------------------------------- */

static int socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    struct slot *s = lookup(ctx, fd);       /* any fd, even -1 (CLS-4) */
    if (s && (o == NULL || s->o == o))      /* CLS-3; CLS-5 */
        drop(ctx, fd);
    return 0;               /* CLS-1: fd may be closed; CLS-7: no close() */
}

/* ---- step 4: timeouts ---------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);   /* TMO-9: not the wall clock */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* TMO-7: what no wait can mean is refused before anything happens. */
static int check_timeout(const double *t)
{
    if (t != NULL && (isnan(*t) || isinf(*t) || *t < 0))
        return -EINVAL;
    return 0;
}

/* TMO-5, TMO-6, TMO-8: poll's timeout for what is left until deadline,
 * computed afresh for every wait; rounded up; clamped before the cast. */
static int ms_until(double deadline)
{
    double left = deadline - now();
    if (!(left > 0))
        return 0;                           /* TMO-1: 0, never -1 */
    double ms = ceil(left * 1e3);
    return ms >= (double)INT_MAX ? INT_MAX : (int)ms;
}

/* One wait, retried after a signal for the time left (TMO-9).  Returns
 * poll's count, or a negative errno; after a failure nothing is read
 * from pfd (TMO-10). */
static int wait_ready(struct pollfd *pfd, size_t n, const double *timeout)
{
    double t = timeout ? fmin(*timeout, MAX_WAIT_S) : 0;   /* TMO-1, TMO-6 */
    double deadline = now() + t;
    for (;;) {
        int k = poll(pfd, (nfds_t)n, ms_until(deadline));
        if (k >= 0)
            return k;
        if (errno != EINTR)
            return -errno;                  /* ABI-4: never -1 */
        if (now() >= deadline)
            return 0;                       /* TMO-9: not an error */
    }
}

/* ---- step 6: error escalation -------------------------------------------- */

/* Calls o; returns 0 to go on with the pass, or what dispatch_once must
 * return at once.  o is not touched after the handler (ERR-8). */
static int deliver(dc_target *o, unsigned long r, unsigned long w,
                   unsigned long e, dc_error_handler handler, void *arg)
{
    int code = o->dispatch_event(o, r, w, e);       /* DSP-1: one call */
    if (code == 0)
        return 0;                                   /* ERR-1 */
    if (code == DC_INTERRUPT || code == DC_EXIT || handler == NULL)
        return code;                                /* ERR-2, ERR-4 */
    return handler(arg, o, code);           /* ERR-3; 0 goes on (ERR-6),
                                             * else propagates (ERR-5) */
}

/* ---- step 3: one wait and one pass --------------------------------------- */

static int wait_and_pass(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg,
                         struct pollfd *pfd, unsigned *gen)
{
    size_t n = 0;
    for (size_t fd = 0; fd < ctx->size; fd++) {
        const struct slot *s = &ctx->slot[fd];
        if (s->o == NULL)
            continue;
        /* POLLERR|POLLHUP|POLLNVAL need no request (FLT-7, EVT-4). */
        pfd[n].fd = (int)fd;
        pfd[n].events = (short)(s->flags & (R_BITS | W_BITS));
        pfd[n].revents = 0;
        gen[n++] = s->gen;                  /* step 5 */
    }
    int k = wait_ready(pfd, n, timeout);
    if (k <= 0)
        return k;
    for (size_t i = 0; i < n; i++) {
        unsigned long rev = (unsigned short)pfd[i].revents;
        if (rev == 0)
            continue;
        /* Step 5: looked up again, as earlier calls may have removed,
         * replaced or narrowed it (DSP-5..8); never a pointer kept across
         * a call, as a callback may grow the table. */
        const struct slot *s = lookup(ctx, pfd[i].fd);
        if (s == NULL || s->gen != gen[i])
            continue;                       /* DSP-6, DSP-7 */
        unsigned long r = rev & R_BITS & s->flags;  /* EVT-1: the erratum */
        unsigned long w = rev & W_BITS & s->flags;  /* EVT-3, DSP-5 */
        unsigned long e = rev & E_BITS;             /* EVT-4: even unasked */
        if ((r | w | e) == 0)
            continue;                       /* DSP-4 */
        int rc = deliver(s->o, r, w, e, handler, arg);
        if (rc != 0)
            return rc;          /* ERR-7: the rest is found by the next wait */
    }
    return 0;
}

static int dispatch_once(dc_context *ctx, const double *timeout,
                         dc_error_handler handler, void *arg)
{
    if (ctx->in_dispatch)
        return -EBUSY;                      /* step 5: DSP-9 */
    int rc = check_timeout(timeout);
    if (rc < 0)
        return rc;
    /* A snapshot of this pass: callbacks change the registry, not it. */
    size_t n = ctx->count ? ctx->count : 1;
    struct pollfd *pfd = malloc(n * sizeof *pfd);
    unsigned *gen = malloc(n * sizeof *gen);
    if (pfd == NULL || gen == NULL)
        rc = -ENOMEM;                       /* ABI-5: nothing is lost */
    else {
        ctx->in_dispatch = 1;
        rc = wait_and_pass(ctx, timeout, handler, arg, pfd, gen);
        ctx->in_dispatch = 0;
    }
    free(pfd);
    free(gen);
    return rc;
}

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "step-8",
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
