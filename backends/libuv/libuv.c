/*
 * libuv.c: an adapter backend over libuv 1 (Debian's libuv1-dev).
 *
 * It checks how well a dispatch context built on libuv honours the
 * contract.  The registry, the timeout checks, the loop around the engine
 * and the dispatch pass are backends/common's (engine.h); this file is
 * only libuv's half:
 *
 *   watchers  one uv_poll_t per registered fd (uv_poll_start again on a
 *             filter change); a loop of its own per context
 *   timeout   0 or NULL: uv_run(UV_RUN_NOWAIT); positive: a uv_timer_t,
 *             then uv_run(UV_RUN_ONCE), resumed by engine.c while nothing
 *             was reported and the timer has not run
 *   callbacks record what libuv reported; no target is called from
 *             inside libuv (turn.h)
 *
 * Native flags (DC_MODEL_OTHER): R = UV_READABLE|UV_PRIORITIZED (urgent
 * data, POLLPRI), W = UV_WRITABLE, E = UV_DISCONNECT (the peer closed its
 * side, EPOLLRDHUP).  libuv reports an error (POLLERR) as a status, with no
 * bit, and stops the handle: the adapter tells the target in E, unasked
 * (EVT-4), and starts the handle again so the next pass hears it again if
 * it persists (DSP-2).
 *
 * Two things about libuv shape the rest.  First, a poll handle is freed
 * only by uv_close, whose callback runs on a later loop turn.  What matters
 * for the fd happens at once: uv_close stops the handle, takes it out of
 * libuv's table of fds and the fd out of libuv's epoll set, and drops any
 * event of it already fetched, so after socket_closed (or any removal)
 * nothing of the old file can be reported, and a new registration on the
 * same number can make its own handle at once (uv_poll_init refuses only
 * an fd that is still in that table).  The memory goes in the close
 * callback, in the next dispatch_once's uv_run, or in destroy, which runs
 * the loop until every close has finished.  Second, libuv applies handle
 * changes to epoll only in its next wait, and aborts the process if
 * epoll_ctl fails there (an fd closed behind its back, LIM-3): this is a
 * checked engine (engine.h), whose changed handles are checked before each
 * run.
 *
 * Also: uv_poll_init sets the fd non-blocking, as libuv does for every fd
 * it polls; and libuv keeps one pipe open for the whole process (made by
 * the first uv_loop_init, for signals), which no destroy can close.
 */
#include "dispatch_context.h"
#include "engine.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#define LUV_READ    ((unsigned long)(UV_READABLE | UV_PRIORITIZED))
#define LUV_WRITE   ((unsigned long)UV_WRITABLE)
#define LUV_EXCEPT  ((unsigned long)UV_DISCONNECT)

struct dc_context {
    dcb_engine engine;              /* first: the ops get it back as ctx */
    uv_loop_t loop;
    uv_timer_t timer;               /* the timeout of a dispatch_once */
};

typedef struct luv_watch {
    dcb_watch head;                 /* first: engine.h's part */
    uv_poll_t poll;
} luv_watch;

static dc_context *engine_ctx(dcb_engine *eng)
{
    return (dc_context *)eng;
}

/* ---- watchers -------------------------------------------------------------- */

static void on_poll(uv_poll_t *poll, int status, int events)
{
    luv_watch *w = poll->data;
    unsigned long bits = (unsigned)events;

    if (status < 0) {
        /* POLLERR: libuv stopped the handle.  EVT-4: told in E whatever
         * the interest; started again so a persisting error is reported
         * again next pass (DSP-2), and checked before that run. */
        dcb_engine_report(&w->head, 0, 0, LUV_EXCEPT, LUV_EXCEPT);
        if (uv_poll_start(poll, (int)w->head.flags, on_poll) == 0)
            (void)dcb_engine_watch_changed(&w->head);
        return;
    }
    dcb_engine_report(&w->head, bits & LUV_READ, bits & LUV_WRITE,
                      bits & LUV_EXCEPT, 0);
}

static void on_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* CLS-1: uv_close stops the handle and takes the fd out of libuv's epoll
 * set at once (a closed fd is ignored); CLS-7: it never closes the fd.
 * The memory goes when libuv has finished the close. */
static void luv_watch_free(dcb_engine *eng, dcb_watch *head)
{
    (void)eng;
    uv_close((uv_handle_t *)&((luv_watch *)head)->poll, on_closed);
}

static int luv_watch_new(dcb_engine *eng, int fd, unsigned long flags,
                         dcb_watch **out)
{
    luv_watch *w = calloc(1, sizeof *w);
    int rc;

    if (w == NULL)
        return -ENOMEM;
    rc = uv_poll_init(&engine_ctx(eng)->loop, &w->poll, fd); /* -EPERM: a
                                                             * file */
    if (rc < 0) {
        free(w);                    /* never a handle: nothing to close */
        return rc;
    }
    w->poll.data = w;
    rc = uv_poll_start(&w->poll, (int)flags, on_poll);
    if (rc < 0) {
        luv_watch_free(eng, &w->head);
        return rc;
    }
    *out = &w->head;
    return 0;
}

static int luv_watch_change(dcb_engine *eng, dcb_watch *head,
                            unsigned long flags)
{
    (void)eng;
    return uv_poll_start(&((luv_watch *)head)->poll, (int)flags, on_poll);
}

/* LIM-3: stopped before libuv hands it to epoll_ctl; told in E. */
static void luv_watch_closed(dcb_engine *eng, dcb_watch *head)
{
    (void)eng;
    uv_poll_stop(&((luv_watch *)head)->poll);
    dcb_engine_report(head, 0, 0, LUV_EXCEPT, LUV_EXCEPT);
}

/* ---- the wait -------------------------------------------------------------- */

/* uv_stop: UV_RUN_ONCE runs due timers before it polls, and a poll with no
 * timer left waits with no timeout at all.  A timer already due when
 * uv_run starts (a slow machine, valgrind) would then block the call for
 * ever (TMO-2); stopped, the poll only looks. */
static void on_timer(uv_timer_t *timer)
{
    dcb_engine_timer_fired(timer->data);
    uv_stop(timer->loop);
}

/* TMO-5: rounded up to libuv's millisecond; TMO-6: s is at most 1e8 s,
 * 1e11 ms, far inside a uint64_t.  The loop's clock is refreshed first:
 * libuv counts a timer from the time of its last iteration. */
static int luv_timer_arm(dcb_engine *eng, double s)
{
    dc_context *ctx = engine_ctx(eng);
    uint64_t ms = (uint64_t)ceil(s * 1e3);

    uv_update_time(&ctx->loop);
    return uv_timer_start(&ctx->timer, on_timer, ms > 0 ? ms : 1, 0);
}

static void luv_timer_disarm(dcb_engine *eng)
{
    uv_timer_stop(&engine_ctx(eng)->timer);
}

/* UV_RUN_ONCE waits once (libuv resumes an EINTR itself, for the time
 * left); engine.c runs it again after an empty turn. */
static int luv_run(dcb_engine *eng, int block)
{
    uv_run(&engine_ctx(eng)->loop, block ? UV_RUN_ONCE : UV_RUN_NOWAIT);
    return 0;
}

static unsigned long luv_flags_for(int r, int w, int e)
{
    return (r ? LUV_READ : 0) | (w ? LUV_WRITE : 0) | (e ? LUV_EXCEPT : 0);
}

/* ---- life ---------------------------------------------------------------- */

/* A loop of its own, and the timer of a dispatch_once. */
static int luv_open(dc_context *ctx)
{
    int rc = uv_loop_init(&ctx->loop);

    if (rc < 0)
        return rc;                  /* libuv's codes are negated errnos */
    uv_timer_init(&ctx->loop, &ctx->timer);
    ctx->timer.data = &ctx->engine;
    return 0;
}

/* After every handle was closed: the timer too, then the loop is run
 * until each close has finished (no handle is active any more, so it does
 * not wait, and no target is called: closed handles get no callbacks),
 * then the loop goes with its own fds. */
static void luv_close(dc_context *ctx)
{
    uv_close((uv_handle_t *)&ctx->timer, NULL);
    uv_run(&ctx->loop, UV_RUN_DEFAULT);
    uv_loop_close(&ctx->loop);
}

static const dcb_engine_ops luv_ops = {
    .watch_new = luv_watch_new,
    .watch_change = luv_watch_change,
    .watch_free = luv_watch_free,
    .timer_arm = luv_timer_arm,
    .timer_disarm = luv_timer_disarm,
    .run = luv_run,
    .watch_closed = luv_watch_closed,
    .flags_for = luv_flags_for,
    .context_size = sizeof(dc_context),
    .open = luv_open,
    .close = luv_close,
};

static int luv_create(dc_context **out)
{
    return dcb_engine_create(out, &luv_ops);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "libuv",
    .create = luv_create,
    DCB_ENGINE_OPERATIONS,
    .flags_for = luv_flags_for,
    .fd_limit = 0,                  /* LIM-1: whatever the process can open */
    .event_model = DC_MODEL_OTHER,
    /* DSP-9: nesting is refused (no DC_CAP_REENTRANT).  LIM-3: the adapter
     * checks the fds of handles started or changed since the last run, but
     * an fd closed under a handle that did not change is dropped by libuv's
     * epoll without a word. */
    .caps = DC_CAP_CLOSED_FD_SILENT,
};

DC_EXPORT_BACKEND(descriptor)

/* The engine, as the library in use reports it (DC_ABOUT_SYMBOL).  libuv
 * names no backend; on Linux it has only epoll. */
static const char *luv_about(void)
{
    static char about[192];

    snprintf(about, sizeof about, "libuv %s%s; R = UV_READABLE|"
             "UV_PRIORITIZED, W = UV_WRITABLE, E = UV_DISCONNECT",
             uv_version_string(),
#ifdef __linux__
             ", backend epoll"
#else
             ""
#endif
             );
    return about;
}

DC_EXPORT_ABOUT(luv_about)
