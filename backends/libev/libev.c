/*
 * libev.c: an adapter backend over libev 4 (Debian's libev-dev).
 *
 * It checks how well a dispatch context built on libev honours the
 * contract.  The registry, the timeout checks, the loop around the engine
 * and the dispatch pass are backends/common's (engine.h); this file is
 * only libev's half:
 *
 *   watchers  one ev_io per registered fd, re-set (ev_io_set, so libev
 *             asks the kernel afresh) on a filter change
 *   timeout   0 or NULL: ev_run(EVRUN_NOWAIT); positive: an ev_timer,
 *             then ev_run(EVRUN_ONCE), resumed by engine.c while nothing
 *             was reported and the timer has not run
 *   callbacks record what libev reported; no target is called from
 *             inside libev (turn.h)
 *
 * libev applies a watcher's change to the kernel only in its next
 * iteration, where an fd closed behind its back fails an assertion (an
 * abort in Debian's build): this is a checked engine (engine.h), whose
 * changed watchers are checked before each run, a closed fd then told as
 * libev itself tells one it notices, EV_ERROR|EV_READ|EV_WRITE.
 *
 * A loop of its own per context (ev_loop_new, never the default loop,
 * which would take SIGCHLD), ignoring LIBEV_FLAGS, and leaving the signal
 * mask alone.
 *
 * Native flags (DC_MODEL_OTHER): R = EV_READ, W = EV_WRITE, E = EV_ERROR,
 * which libev sends, with EV_READ|EV_WRITE, when the kernel refuses the
 * fd (closed behind its back, not pollable); the watcher is stopped then,
 * and restarted here by the next filter call.  ev_io watches only reading
 * and writing, so an E-only interest watches nothing but such errors, and
 * hangups come as EV_READ|EV_WRITE to whoever asked for one of them.
 * What that costs is in spec/expectations/libev.txt and spec/ENGINES.md.
 */
#include "dispatch_context.h"
#include "engine.h"
#include "loop.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#define LEV_READ    ((unsigned long)EV_READ)
#define LEV_WRITE   ((unsigned long)EV_WRITE)
/* EV_ERROR is (int)0x80000000: through unsigned, never sign-extended. */
#define LEV_EXCEPT  ((unsigned long)(unsigned)EV_ERROR)

struct dc_context {
    dcb_engine engine;              /* first: the ops get it back as ctx */
    struct ev_loop *loop;
    ev_timer timer;                 /* the timeout of a dispatch_once */
};

typedef struct lev_watch {
    dcb_watch head;                 /* first: engine.h's part */
    ev_io io;
} lev_watch;

static struct ev_loop *engine_loop(dcb_engine *eng)
{
    return ((dc_context *)eng)->loop;
}

/* ---- watchers -------------------------------------------------------------- */

/* EVT-2: libev's own values.  EV_ERROR arrives whatever the interest
 * (EVT-4, LIM-3), with EV_READ|EV_WRITE beside it, which the pass then
 * masks by the interest (EVT-3, DSP-5). */
static void on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    unsigned long bits = (unsigned)revents;

    (void)loop;
    dcb_engine_report(io->data, bits & LEV_READ, bits & LEV_WRITE,
                      bits & LEV_EXCEPT, LEV_EXCEPT);
}

/* What ev_io can watch: E has no ev_io bit. */
static int io_events(unsigned long flags)
{
    return (int)(flags & (LEV_READ | LEV_WRITE));
}

static int lev_watch_new(dcb_engine *eng, int fd, unsigned long flags,
                         dcb_watch **out)
{
    lev_watch *w = calloc(1, sizeof *w);

    if (w == NULL)
        return -ENOMEM;
    /* Started even for an E-only interest (no events): libev then asks the
     * kernel for nothing but still sends it EV_ERROR. */
    ev_io_init(&w->io, on_io, fd, io_events(flags));
    w->io.data = &w->head;
    ev_io_start(engine_loop(eng), &w->io);
    *out = &w->head;
    return 0;
}

static int lev_watch_change(dcb_engine *eng, dcb_watch *head,
                            unsigned long flags)
{
    lev_watch *w = (lev_watch *)head;

    /* Also restarts a watcher libev stopped with EV_ERROR. */
    ev_io_stop(engine_loop(eng), &w->io);
    ev_io_set(&w->io, head->fd, io_events(flags));
    ev_io_start(engine_loop(eng), &w->io);
    return 0;
}

/* CLS-1, CLS-7: ev_io_stop never touches the fd. */
static void lev_watch_free(dcb_engine *eng, dcb_watch *head)
{
    lev_watch *w = (lev_watch *)head;

    ev_io_stop(engine_loop(eng), &w->io);
    free(w);
}

/* LIM-3: stopped before libev asks the kernel about it, and told the way
 * libev tells a watcher it kills. */
static void lev_watch_closed(dcb_engine *eng, dcb_watch *head)
{
    lev_watch *w = (lev_watch *)head;

    ev_io_stop(engine_loop(eng), &w->io);
    dcb_engine_report(head, LEV_READ, LEV_WRITE, LEV_EXCEPT, LEV_EXCEPT);
}

/* ---- the wait -------------------------------------------------------------- */

static void on_timer(struct ev_loop *loop, ev_timer *timer, int revents)
{
    (void)loop;
    (void)revents;
    dcb_engine_timer_fired(timer->data);
}

/* libev measures a timer from the loop's cached time, which is as old as
 * the last iteration: refreshed first, or a timer set a second after the
 * last dispatch_once would run a second early (TMO-3).  TMO-5: libev
 * waits at least its backend's granularity (1 ms for epoll) for any
 * positive timer. */
static int lev_timer_arm(dcb_engine *eng, double s)
{
    dc_context *ctx = (dc_context *)eng;

    ev_now_update(ctx->loop);
    ev_timer_set(&ctx->timer, s, 0.0);
    ev_timer_start(ctx->loop, &ctx->timer);
    return 0;
}

static void lev_timer_disarm(dcb_engine *eng)
{
    dc_context *ctx = (dc_context *)eng;

    ev_timer_stop(ctx->loop, &ctx->timer);
}

/* EVRUN_ONCE returns after one iteration, which may have called nothing
 * (a signal: libev takes EINTR as an empty iteration); engine.c runs it
 * again for the time left.  libev aborts the process on a wait failure
 * it does not expect; it returns none. */
static int lev_run(dcb_engine *eng, int block)
{
    ev_run(engine_loop(eng), block ? EVRUN_ONCE : EVRUN_NOWAIT);
    return 0;
}

static unsigned long lev_flags_for(int r, int w, int e)
{
    return (r ? LEV_READ : 0) | (w ? LEV_WRITE : 0) | (e ? LEV_EXCEPT : 0);
}

/* ---- life ---------------------------------------------------------------- */

/* A loop of its own, and the timer of a dispatch_once. */
static int lev_open(dc_context *ctx)
{
    ctx->loop = ev_loop_new(LEV_LOOP_FLAGS);
    if (ctx->loop == NULL)
        return -ENOMEM;
    ev_init(&ctx->timer, on_timer);
    ctx->timer.data = &ctx->engine;
    return 0;
}

/* After every watcher: the loop, which closes its own fds. */
static void lev_close(dc_context *ctx)
{
    ev_loop_destroy(ctx->loop);
}

static const dcb_engine_ops lev_ops = {
    .watch_new = lev_watch_new,
    .watch_change = lev_watch_change,
    .watch_free = lev_watch_free,
    .timer_arm = lev_timer_arm,
    .timer_disarm = lev_timer_disarm,
    .run = lev_run,
    .watch_closed = lev_watch_closed,
    .flags_for = lev_flags_for,
    .context_size = sizeof(dc_context),
    .open = lev_open,
    .close = lev_close,
};

static int lev_create(dc_context **out)
{
    return dcb_engine_create(out, &lev_ops);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "libev",
    .create = lev_create,
    DCB_ENGINE_OPERATIONS,
    .flags_for = lev_flags_for,
    .fd_limit = 0,                  /* LIM-1: whatever the process can open */
    .event_model = DC_MODEL_OTHER,
    /* DSP-9: nesting is refused (no DC_CAP_REENTRANT).  LIM-3: the adapter
     * checks the fds of watchers made or changed since the last run, but an
     * fd closed under a watcher that did not change is dropped by libev's
     * epoll without a word. */
    .caps = DC_CAP_CLOSED_FD_SILENT,
};

DC_EXPORT_BACKEND(descriptor)

/* The name of the kernel interface a loop uses. */
static const char *backend_name(unsigned backend)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { EVBACKEND_EPOLL, "epoll" }, { EVBACKEND_LINUXAIO, "linuxaio" },
        { EVBACKEND_IOURING, "io_uring" }, { EVBACKEND_POLL, "poll" },
        { EVBACKEND_SELECT, "select" }, { EVBACKEND_KQUEUE, "kqueue" },
        { EVBACKEND_PORT, "port" }, { EVBACKEND_DEVPOLL, "devpoll" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (backend & names[i].bit)
            return names[i].name;
    return "unknown";
}

/* The engine, as the library in use reports it (DC_ABOUT_SYMBOL). */
static const char *lev_about(void)
{
    static char about[192];
    struct ev_loop *loop = ev_loop_new(LEV_LOOP_FLAGS);

    snprintf(about, sizeof about, "libev %d.%d, backend %s; R = EV_READ, "
             "W = EV_WRITE, E = EV_ERROR",
             ev_version_major(), ev_version_minor(),
             loop ? backend_name(ev_backend(loop)) : "(no loop)");
    if (loop != NULL)
        ev_loop_destroy(loop);
    return about;
}

DC_EXPORT_ABOUT(lev_about)
