/*
 * sdevent.c: an adapter backend over systemd's sd-event (Debian's
 * libsystemd-dev).
 *
 * It checks how well a dispatch context built on an sd_event loop honours
 * the contract.  The registry, the timeout checks, the loop around the
 * engine and the dispatch pass are backends/common's (engine.h); this
 * file is only sd-event's half:
 *
 *   watchers  one I/O event source per registered fd (sd_event_add_io);
 *             a filter change is sd_event_source_set_io_events on it
 *   timeout   0 or NULL: sd_event_run(e, 0); positive: a time source of
 *             ours, armed with an accuracy of 1 us, then
 *             sd_event_run(e, infinity)
 *   callbacks record what sd-event reported; no target is called from
 *             inside sd-event (turn.h)
 *
 * sd_event_run dispatches ONE source per call, the first pending one by
 * priority and then by the iteration it became pending in; the others stay
 * pending.  engine.c runs the engine again without waiting while each run
 * adds an fd not yet in the turn (DSP-3), and since a source pending
 * since an earlier look goes before one marked pending again, every source
 * pending at the wait is dispatched before any repeats: the first repeat
 * means all were seen, and DSP-1 folds the repeat.  The timer has a lower
 * priority than every I/O source so that it never cuts that gathering
 * short; it is looked at only when no I/O source is pending.
 *
 * sd-event's default timer accuracy is 250 ms: a timer may run up to that
 * late, so that timers of the whole system wake up together.  That breaks
 * TMO-2 and TMO-3; ours asks for 1 us.
 *
 * sd-event answers a second sd_event_add_io for an fd already in its epoll
 * set with -EEXIST.  A replacement (FLT-4) keeps the fd's source (engine.h),
 * so the adapter meets it only where an entry outlived its source: the fd
 * was closed before its source went (CLS-1; sd-event's EPOLL_CTL_DEL then
 * fails, and a duplicate keeps the file and its entry alive), and the same
 * file came back on the same number.  That orphan is deleted and the add
 * made again (add_io).
 *
 * Native flags (DC_MODEL_EPOLL): sd-event hands an I/O source's callback
 * the epoll_event.events of its fd as epoll_wait gave them (EVT-9, the
 * epoll form): R = EPOLLIN|EPOLLPRI|EPOLLRDHUP, W = EPOLLOUT, E =
 * EPOLLERR|EPOLLHUP, which the kernel reports unasked (EVT-4).
 *
 * A loop of its own per context (sd_event_new, never sd_event_default).
 * The engine bug that cls-duplicate-outlives-fd finds (an abort in
 * process_epoll) is on record in docs/engine-findings/.
 */
#include "dispatch_context.h"
#include "engine.h"
#include "loop.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <systemd/sd-event.h>
#include <time.h>

#define SDE_READ    ((unsigned long)(EPOLLIN | EPOLLPRI | EPOLLRDHUP))
#define SDE_WRITE   ((unsigned long)EPOLLOUT)
#define SDE_EXCEPT  ((unsigned long)(EPOLLERR | EPOLLHUP))

/* See the top: every I/O source before the timer (loop.h), which runs
 * within 1 us of its time. */
#define SDE_TIMER_ACCURACY_US 1

typedef struct sde_watch {
    dcb_watch head;                 /* first: engine.h's part */
    sd_event_source *io;
    /* In ctx->dispatched while listed (see forget_stale_pending). */
    struct sde_watch *prev, *next;
    int listed;
} sde_watch;

struct dc_context {
    dcb_engine engine;              /* first: the ops get it back as ctx */
    sd_event *loop;
    sd_event_source *timer;         /* the timeout of a dispatch_once */
    sde_watch *dispatched;          /* sources dispatched since the last */
    unsigned checked_turn;          /* check, at the start of that turn */
};

static sd_event *engine_loop(dcb_engine *eng)
{
    return ((dc_context *)eng)->loop;
}

/* What epoll is asked for: the request bits only; EPOLLERR and EPOLLHUP
 * come unasked, so an E-only interest asks for 0 and hears them (FLT-7).
 * No EPOLLET: level-triggered (DSP-2). */
static uint32_t io_events(unsigned long flags)
{
    return (uint32_t)(flags & (SDE_READ | SDE_WRITE));
}

/* ---- stale pending sources ------------------------------------------------- */

/* sd-event keeps a source pending, with the revents of the look that found
 * it ready, until it dispatches it.  The gathering of a turn (see the top)
 * looks at epoll once per run, so a source dispatched early in the turn is
 * found ready again by the later looks (its target has not been called
 * yet) and left pending when the turn ends.  Its target then consumes the
 * condition in the pass, and the next turn would dispatch the old revents
 * to it: a call with nothing pending (DSP-4).  So the sources dispatched
 * in a turn are listed, and before the first run of the next turn those
 * still pending have it cleared.  sd-event clears a source's pending state
 * when its events change (sd_event_source_set_io_events), and has no other
 * call for it: the events are changed to edge-triggered and back, two
 * epoll_ctl(MOD)s, only for the sources that are pending. */
static void list_dispatched(dc_context *ctx, sde_watch *w)
{
    if (w->listed)
        return;
    w->listed = 1;
    w->prev = NULL;
    w->next = ctx->dispatched;
    if (w->next != NULL)
        w->next->prev = w;
    ctx->dispatched = w;
}

static void unlist_dispatched(dc_context *ctx, sde_watch *w)
{
    if (!w->listed)
        return;
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        ctx->dispatched = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    w->listed = 0;
}

static int forget_stale_pending(dc_context *ctx)
{
    int rc = 0;

    while (ctx->dispatched != NULL) {
        sde_watch *w = ctx->dispatched;
        uint32_t events = io_events(w->head.flags);

        unlist_dispatched(ctx, w);
        if (rc == 0 && sd_event_source_get_pending(w->io) > 0) {
            rc = sd_event_source_set_io_events(w->io, events | EPOLLET);
            if (rc >= 0)
                rc = sd_event_source_set_io_events(w->io, events);
        }
    }
    return rc < 0 ? rc : 0;
}

/* ---- watchers -------------------------------------------------------------- */

/* The epoll bits of the fd, as the kernel gave them (EVT-9). */
static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
    sde_watch *w = data;
    unsigned long bits = revents;

    (void)s;
    (void)fd;
    list_dispatched((dc_context *)w->head.engine, w);
    dcb_engine_report(&w->head, bits & SDE_READ, bits & SDE_WRITE,
                      bits & SDE_EXCEPT, SDE_EXCEPT);
    return 0;
}

/* sd_event_add_io, and once more after -EEXIST (see the top): the entry
 * in the way is an orphan of a source already freed (the adapter keeps
 * one source per fd), which epoll_wait would hand to sd-event with a
 * pointer to freed memory.  The fd is open and names its file now, so the
 * entry can be named, and is deleted from the loop's epoll set
 * (sd_event_get_fd) before the retry. */
static int add_io(sd_event *loop, sde_watch *w, int fd, uint32_t events)
{
    int rc = sd_event_add_io(loop, &w->io, fd, events, on_io, w);

    if (rc == -EEXIST &&
        epoll_ctl(sd_event_get_fd(loop), EPOLL_CTL_DEL, fd, NULL) == 0)
        rc = sd_event_add_io(loop, &w->io, fd, events, on_io, w);
    return rc;
}

/* -EBADF (closed), -EPERM (a regular file), -ENOMEM: returned as they are,
 * nothing left behind. */
static int sde_watch_new(dcb_engine *eng, int fd, unsigned long flags,
                         dcb_watch **out)
{
    sde_watch *w = calloc(1, sizeof *w);

    if (w == NULL)
        return -ENOMEM;
    int rc = add_io(engine_loop(eng), w, fd, io_events(flags));
    if (rc >= 0)
        rc = sd_event_source_set_priority(w->io, SDE_IO_PRIORITY);
    if (rc < 0) {
        sd_event_source_disable_unref(w->io);   /* NULL-safe */
        free(w);
        return rc;
    }
    *out = &w->head;
    return 0;
}

/* One epoll_ctl(MOD) at once; on failure the source keeps its interest. */
static int sde_watch_change(dcb_engine *eng, dcb_watch *head,
                            unsigned long flags)
{
    (void)eng;
    int rc = sd_event_source_set_io_events(((sde_watch *)head)->io,
                                           io_events(flags));
    return rc < 0 ? rc : 0;
}

/* CLS-1, CLS-7: sd-event removes the fd from its epoll set (an EBADF from
 * a closed fd is ignored) and never closes it: sd_event_add_io does not
 * own the fd unless told to (sd_event_source_set_io_fd_own). */
static void sde_watch_free(dcb_engine *eng, dcb_watch *head)
{
    sde_watch *w = (sde_watch *)head;

    unlist_dispatched((dc_context *)eng, w);
    sd_event_source_disable_unref(w->io);
    free(w);
}

/* ---- the wait -------------------------------------------------------------- */

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
    (void)s;
    (void)usec;
    dcb_engine_timer_fired(data);
    return 0;
}

static uint64_t monotonic_us(void)
{
    struct timespec ts = { 0, 0 };

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* TMO-5: rounded up to sd-event's microsecond; TMO-6: s is at most 1e8 s,
 * 1e14 us, inside a uint64_t.  The time is absolute and taken from the
 * clock now, not from sd_event_now, which is the time of the loop's last
 * wake-up (TMO-3); so a resumed run waits only for what is left (TMO-9). */
static int sde_timer_arm(dcb_engine *eng, double s)
{
    dc_context *ctx = (dc_context *)eng;
    uint64_t us = (uint64_t)ceil(s * 1e6);
    int rc = sd_event_source_set_time(ctx->timer,
                                      monotonic_us() + (us > 0 ? us : 1));

    if (rc >= 0)
        rc = sd_event_source_set_enabled(ctx->timer, SD_EVENT_ONESHOT);
    return rc < 0 ? rc : 0;
}

static void sde_timer_disarm(dcb_engine *eng)
{
    sd_event_source_set_enabled(((dc_context *)eng)->timer, SD_EVENT_OFF);
}

/* One sd_event_run: one wait (none for block 0) and at most one source
 * dispatched (see the top).  A wait cut short by a signal dispatches
 * nothing; engine.c runs it again for the time left.  Its errors are
 * negative errnos. */
static int sde_run(dcb_engine *eng, int block)
{
    dc_context *ctx = (dc_context *)eng;
    int rc = 0;

    if (ctx->checked_turn != eng->turns) {      /* a new dispatch_once */
        ctx->checked_turn = eng->turns;
        rc = forget_stale_pending(ctx);
    }
    if (rc == 0)
        rc = sd_event_run(ctx->loop, block ? UINT64_MAX : 0);

    return rc < 0 ? rc : 0;
}

static unsigned long sde_flags_for(int r, int w, int e)
{
    return (r ? SDE_READ : 0) | (w ? SDE_WRITE : 0) | (e ? SDE_EXCEPT : 0);
}

/* ---- life ---------------------------------------------------------------- */

/* A loop of its own (never sd_event_default), and the timer of a
 * dispatch_once, off until armed. */
static int sde_open(dc_context *ctx)
{
    int rc = sd_event_new(&ctx->loop);

    if (rc >= 0)
        rc = sd_event_add_time(ctx->loop, &ctx->timer, CLOCK_MONOTONIC,
                               UINT64_MAX, SDE_TIMER_ACCURACY_US, on_timer,
                               &ctx->engine);
    if (rc >= 0)
        rc = sd_event_source_set_priority(ctx->timer, SDE_TIMER_PRIORITY);
    if (rc >= 0)
        rc = sd_event_source_set_enabled(ctx->timer, SD_EVENT_OFF);
    if (rc < 0) {
        sd_event_source_disable_unref(ctx->timer);
        sd_event_unref(ctx->loop);
        return rc;                  /* -ENOMEM, -EMFILE, ... */
    }
    return 0;
}

/* After every source: the timer, then the loop (which closes its own
 * epoll fd and timerfd). */
static void sde_close(dc_context *ctx)
{
    sd_event_source_disable_unref(ctx->timer);
    sd_event_unref(ctx->loop);
}

static const dcb_engine_ops sde_ops = {
    .watch_new = sde_watch_new,
    .watch_change = sde_watch_change,
    .watch_free = sde_watch_free,
    .timer_arm = sde_timer_arm,
    .timer_disarm = sde_timer_disarm,
    .run = sde_run,
    .watch_closed = NULL,           /* epoll_ctl is made at once */
    .flags_for = sde_flags_for,
    .context_size = sizeof(dc_context),
    .open = sde_open,
    .close = sde_close,
};

static int sde_create(dc_context **out)
{
    return dcb_engine_create(out, &sde_ops);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "sdevent",
    .create = sde_create,
    DCB_ENGINE_OPERATIONS,
    .flags_for = sde_flags_for,
    .fd_limit = 0,                  /* LIM-1: whatever the process can open */
    .event_model = DC_MODEL_EPOLL,
    .caps = 0,                      /* DSP-9: nesting is refused */
};

DC_EXPORT_BACKEND(descriptor)

/* The engine (DC_ABOUT_SYMBOL).  libsystemd has no call that says its
 * version; spec/expectations/sdevent.txt names the one measured. */
static const char *sde_about(void)
{
    return "sd-event (libsystemd.so.0), over epoll; R, W, E = EPOLL*";
}

DC_EXPORT_ABOUT(sde_about)
