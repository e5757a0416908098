/* skeleton.c: a dispatch context with every operation stubbed, the start of
 * docs/TUTORIAL.md.  It compiles, loads and runs under the suite: every case
 * fails (create refuses, so no case gets further), none crashes or hangs.
 *   cc -std=gnu11 -shared -fPIC $(pkg-config --cflags dispatch-cts) -o skeleton.so skeleton.c
 *   dispatch-cts ./skeleton.so
 * Each stub names the clauses of spec/CONTRACT.md it must honour once it
 * does its job; 'dispatch-cts explain ID' prints one. */
#include <dispatch_context.h>

#include <errno.h>

/* The context: the registry of targets by fd (step 1). */
struct dc_context {
    int unused;
};

/* ABI-1: return 0 and a context in *out, or the case cannot start.
 * ABI-5: on failure free what was allocated and leave *out alone, since a
 * caller retries.  ABI-3: no static state, as contexts are independent. */
static int create(dc_context **out)
{
    (void)out;
    return -ENOSYS;
}

/* CLS-6: free all memory, calling no target, as the caller is tearing down.
 * CLS-7: close no caller fd, as its number may already name another file. */
static void destroy(dc_context *ctx)
{
    (void)ctx;
}

/* ABI-2: 0 for (0,0,0), disjoint non-zero bits for each field, OR-ed, so
 * that every interest has one flags value and zero means removal.
 * EVT-2: these are the bits R, W and E will carry (poll: POLLIN|POLLPRI,
 * POLLOUT, POLLERR|POLLHUP|POLLNVAL). */
static unsigned long flags_for(int r, int w, int e)
{
    (void)r, (void)w, (void)e;
    return 0;
}

/* FLT-4: file o under o->fd, replacing any holder, since fds are the keys.
 * FLT-1, FLT-6: flags 0 removes o only, harmlessly if o is not registered.
 * FLT-3: a change applies from the next dispatch_once.
 * FLT-7: E-only is a live registration, as "tell me when it breaks" is real.
 * LIM-1, LIM-2, LIM-4: refuse an fd you cannot hold, a negative fd and a
 * NULL target with a negative errno, so bad input never corrupts the table.
 * ABI-5: a refusal changes nothing, so a caller can retry. */
static int set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                    unsigned long flags)
{
    (void)ctx, (void)o, (void)flags;
    return -ENOSYS;
}

/* FLT-5: exactly set_poll_dispatch_filter(o, flags_for(r, w, e)), so the
 * two calls can be mixed on one target. */
static int set_dispatch_filter(dc_context *ctx, dc_target *o,
                               int r, int w, int e)
{
    (void)ctx, (void)o, (void)r, (void)w, (void)e;
    return -ENOSYS;
}

/* CLS-1: works before or after close(), so never ask the kernel about fd.
 * CLS-2: o is never called again, as the caller frees it at once.
 * CLS-3: o NULL removes whoever holds fd.  CLS-4: unknown fds are harmless.
 * CLS-5: a different holder of fd stays, as it is the number's new owner.
 * CLS-7: close nothing; closing is the caller's job. */
static int socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    (void)ctx, (void)fd, (void)o;
    return -ENOSYS;
}

/* TMO-1..10: NULL and 0 never block; a positive timeout bounds the wait,
 * rounded up and clamped; bad values give -EINVAL at once; a signal is not
 * an error and never stretches the wait; so a loop neither hangs nor spins.
 * EVT-1..9: R, W, E each zero exactly when nothing of its kind is pending,
 * in native bits, hangups even unasked, so targets can test `if (e)`.
 * DSP-1..9: one call per ready target, level-triggered, re-checked against
 * the current registry before each call, as callbacks change it; a nested
 * call returns -EBUSY.  ERR-1..8: DC_INTERRUPT and DC_EXIT propagate, other
 * codes go to the handler, whose non-zero verdict propagates.
 * Returning at once is what keeps this stub from hanging the suite. */
static int dispatch_once(dc_context *ctx, const double *timeout_seconds,
                         dc_error_handler handler, void *handler_arg)
{
    (void)ctx, (void)timeout_seconds, (void)handler, (void)handler_arg;
    return -ENOSYS;
}

/* ABI-1: a known version and size, a name, no NULL operation; fd_limit
 * (LIM-1) and event_model (the "Event models" table) are declarations the
 * cases read.  caps 0: nesting is refused (DSP-9). */
static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "skeleton",
    .create = create,
    .destroy = destroy,
    .dispatch_once = dispatch_once,
    .set_dispatch_filter = set_dispatch_filter,
    .set_poll_dispatch_filter = set_poll_dispatch_filter,
    .socket_closed = socket_closed,
    .flags_for = flags_for,
    .fd_limit = 0,
    .event_model = DC_MODEL_POLL,
    .caps = 0,
};

DC_EXPORT_BACKEND(descriptor)
