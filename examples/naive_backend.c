/* naive_backend.c: the dispatch context most people write first.  It
 * compiles, it serves a simple loop, and dispatch-cts finds its bugs.
 *   cc -shared -fPIC $(pkg-config --cflags dispatch-cts) -o naive.so naive_backend.c */
#include <dispatch_context.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

struct dc_context { dc_target *by_fd[FD_SETSIZE]; };

static int create(dc_context **out) { return (*out = calloc(1, sizeof **out)) ? 0 : -ENOMEM; }
static void destroy(dc_context *ctx) { free(ctx); }
static unsigned long flags_for(int r, int w, int e) { return (r ? 1 : 0) | (w ? 2 : 0) | (e ? 4 : 0); }

static int set_poll_filter(dc_context *ctx, dc_target *o, unsigned long flags)
{
    ctx->by_fd[o->fd] = flags ? o : NULL;   /* no bounds check; interest ignored */
    return 0;
}
static int set_filter(dc_context *ctx, dc_target *o, int r, int w, int e)
{
    return set_poll_filter(ctx, o, flags_for(r, w, e));
}
static int socket_closed(dc_context *ctx, int fd, dc_target *o) { (void)o; ctx->by_fd[fd] = NULL; return 0; }

static int dispatch_once(dc_context *ctx, const double *timeout, dc_error_handler h, void *arg)
{
    fd_set rd;
    int nfds = 0;
    FD_ZERO(&rd);
    for (int fd = 0; fd < FD_SETSIZE; fd++)
        if (ctx->by_fd[fd]) { FD_SET(fd, &rd); nfds = fd + 1; }
    struct timeval tv = { 0, timeout ? (long)(*timeout * 1e6) : 0 };
    if (select(nfds, &rd, NULL, NULL, timeout ? &tv : NULL) <= 0)  /* NULL: forever */
        return 0;
    for (int fd = 0; fd < nfds; fd++) {
        dc_target *o = ctx->by_fd[fd];
        int rc = (o && FD_ISSET(fd, &rd)) ? o->dispatch_event(o, 1, 0, 0) : 0;
        if (rc && h)
            h(arg, o, rc);                  /* the handler's verdict is ignored */
    }
    return 0;
}

static const dc_backend naive = {
    DC_ABI_VERSION, sizeof(dc_backend), "naive", create, destroy, dispatch_once,
    set_filter, set_poll_filter, socket_closed, flags_for, FD_SETSIZE, DC_MODEL_SELECT, 0,
};
DC_EXPORT_BACKEND(naive)
