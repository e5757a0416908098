/*
 * libevent.c: an adapter backend over libevent 2.1 (Debian's libevent-dev).
 *
 * It checks how well a dispatch context built on libevent honours the
 * contract.  The registry, the timeout checks, the loop around the engine
 * and the dispatch pass are backends/common's (engine.h); this file is
 * only libevent's half:
 *
 *   watchers  one event per registered fd: event_new(fd, interest |
 *             EV_PERSIST), level-triggered (no EV_ET), re-assigned on a
 *             filter change
 *   timeout   0 or NULL: event_base_loop(EVLOOP_ONCE | EVLOOP_NONBLOCK);
 *             positive: a timer event, then event_base_loop(EVLOOP_ONCE)
 *   callbacks record what libevent reported; no target is called from
 *             inside libevent (turn.h)
 *
 * Native flags (DC_MODEL_OTHER): R = EV_READ, W = EV_WRITE, and E =
 * EV_CLOSED, libevent's only condition beside readable and writable: the
 * peer closed its side (EPOLLRDHUP).  The base is made to require
 * EV_FEATURE_EARLY_CLOSE, so the method in use can report it (epoll can);
 * without it create fails with -ENOSYS.  libevent reports only what an
 * event asked for: a hangup or an error comes as EV_READ|EV_WRITE, masked
 * by the interest, so E never arrives unasked, and urgent data has no flag
 * at all.  What that costs is in spec/expectations/libevent.txt and
 * spec/ENGINES.md.
 */
#include "dispatch_context.h"
#include "base.h"
#include "engine.h"
#include "timeout.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define LEV_READ    ((unsigned long)EV_READ)
#define LEV_WRITE   ((unsigned long)EV_WRITE)
#define LEV_EXCEPT  ((unsigned long)EV_CLOSED)
#define LEV_KNOWN   (LEV_READ | LEV_WRITE | LEV_EXCEPT)

struct dc_context {
    dcb_engine engine;              /* first: the ops get it back as ctx */
    struct event_base *base;
    struct event *timer;            /* the timeout of a dispatch_once */
};

typedef struct lve_watch {
    dcb_watch head;                 /* first: engine.h's part */
    struct event *ev;
} lve_watch;

static struct event_base *engine_base(dcb_engine *eng)
{
    return ((dc_context *)eng)->base;
}

/* libevent errors leave errno as the failed system call set it, if any. */
static int engine_error(void)
{
    return errno > 0 ? -errno : -EIO;
}

/* ---- watchers -------------------------------------------------------------- */

/* EV_READ, EV_WRITE, EV_CLOSED: only the bits asked for ever arrive, all
 * of them in libevent's own values (EVT-2, EVT-3). */
static void on_io(evutil_socket_t fd, short what, void *arg)
{
    unsigned long bits = (unsigned short)what;

    (void)fd;
    dcb_engine_report(arg, bits & LEV_READ, bits & LEV_WRITE,
                      bits & LEV_EXCEPT, 0);
}

/* DSP-2: EV_PERSIST without EV_ET is level-triggered. */
static short event_flags(unsigned long flags)
{
    return (short)((flags & LEV_KNOWN) | EV_PERSIST);
}

static int lve_watch_new(dcb_engine *eng, int fd, unsigned long flags,
                         dcb_watch **out)
{
    lve_watch *w = calloc(1, sizeof *w);

    if (w == NULL)
        return -ENOMEM;
    w->ev = event_new(engine_base(eng), fd, event_flags(flags), on_io, w);
    if (w->ev == NULL) {
        free(w);
        return -ENOMEM;
    }
    errno = 0;
    if (event_add(w->ev, NULL) != 0) {
        int rc = engine_error();    /* e.g. -EBADF, -EPERM from epoll_ctl */
        event_free(w->ev);
        free(w);
        return rc;
    }
    *out = &w->head;
    return 0;
}

/* An event's flags cannot change while it is added.  ABI-5: the new
 * event is made and added before the old one goes (libevent watches an fd
 * for the union of its events meanwhile), so a refusal leaves the old one
 * watching. */
static int lve_watch_change(dcb_engine *eng, dcb_watch *head,
                            unsigned long flags)
{
    lve_watch *w = (lve_watch *)head;
    struct event *ev = event_new(engine_base(eng), head->fd,
                                 event_flags(flags), on_io, w);

    if (ev == NULL)
        return -ENOMEM;
    errno = 0;
    if (event_add(ev, NULL) != 0) {
        int rc = engine_error();
        event_free(ev);
        return rc;
    }
    event_free(w->ev);              /* deletes it first */
    w->ev = ev;
    return 0;
}

/* CLS-1, CLS-7: event_del tolerates a closed fd, and nothing is closed. */
static void lve_watch_free(dcb_engine *eng, dcb_watch *head)
{
    lve_watch *w = (lve_watch *)head;

    (void)eng;
    event_free(w->ev);              /* deletes it first */
    free(w);
}

/* ---- the wait -------------------------------------------------------------- */

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    dcb_engine_timer_fired(arg);
}

/* TMO-5: rounded up to the microsecond (and by libevent's epoll to the
 * millisecond, again up); TMO-6: clamped before the conversion. */
static int lve_timer_arm(dcb_engine *eng, double s)
{
    struct timeval tv = dcb_timeout_timeval(s);

    errno = 0;
    return event_add(((dc_context *)eng)->timer, &tv) == 0 ? 0
                                                            : engine_error();
}

static void lve_timer_disarm(dcb_engine *eng)
{
    event_del(((dc_context *)eng)->timer);
}

/* EVLOOP_ONCE returns once the callbacks of the first batch of active
 * events ran: ours (which only record) or the timer's.  libevent's epoll
 * takes EINTR as "nothing happened" and waits again, on the timer's
 * absolute deadline (TMO-9).  1 means "no events at all": nothing to do. */
static int lve_run(dcb_engine *eng, int block)
{
    int rc;

    errno = 0;
    rc = event_base_loop(engine_base(eng),
                         block ? EVLOOP_ONCE : EVLOOP_ONCE | EVLOOP_NONBLOCK);
    return rc < 0 ? engine_error() : 0;
}

static unsigned long lve_flags_for(int r, int w, int e)
{
    return (r ? LEV_READ : 0) | (w ? LEV_WRITE : 0) | (e ? LEV_EXCEPT : 0);
}

/* ---- life ---------------------------------------------------------------- */

/* libevent's epoll base opens three fds (its epoll fd and a socketpair
 * for signals) and, when that socketpair cannot be had, ends the process
 * (evsig_init_ calls exit).  So create makes sure first that three are
 * free: -EMFILE rather than exit().  Best effort: another thread may take
 * them in between. */
#define LEV_BASE_FDS 3

static int base_fds_available(void)
{
    int fd[LEV_BASE_FDS], n, rc = 0;

    for (n = 0; n < LEV_BASE_FDS; n++) {
        fd[n] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd[n] < 0) {
            if (errno == EMFILE || errno == ENFILE)
                rc = -errno;
            break;                  /* another failure: not ours to judge */
        }
    }
    while (n > 0)
        close(fd[--n]);
    return rc;
}

/* A base of its own, and the timer of a dispatch_once. */
static int lve_open(dc_context *ctx)
{
    int rc = base_fds_available();

    if (rc < 0)
        return rc;                  /* -EMFILE, -ENFILE */
    ctx->base = lev_base_new();
    if (ctx->base == NULL)
        return -ENOSYS;             /* no method with EV_CLOSED */
    ctx->timer = evtimer_new(ctx->base, on_timer, &ctx->engine);
    if (ctx->timer == NULL) {
        event_base_free(ctx->base);
        return -ENOMEM;
    }
    return 0;
}

/* After every event: the timer, then the base (which closes its own
 * epoll fd). */
static void lve_close(dc_context *ctx)
{
    event_free(ctx->timer);
    event_base_free(ctx->base);
}

static const dcb_engine_ops lve_ops = {
    .watch_new = lve_watch_new,
    .watch_change = lve_watch_change,
    .watch_free = lve_watch_free,
    .timer_arm = lve_timer_arm,
    .timer_disarm = lve_timer_disarm,
    .run = lve_run,
    .flags_for = lve_flags_for,
    .context_size = sizeof(dc_context),
    .open = lve_open,
    .close = lve_close,
};

static int lve_create(dc_context **out)
{
    return dcb_engine_create(out, &lve_ops);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "libevent",
    .create = lve_create,
    DCB_ENGINE_OPERATIONS,
    .flags_for = lve_flags_for,
    .fd_limit = 0,                  /* LIM-1: whatever the process can open */
    .event_model = DC_MODEL_OTHER,
    /* DSP-9: nesting is refused (no DC_CAP_REENTRANT).  LIM-3: libevent's
     * epoll method drops an fd closed behind its back without a word, and
     * libevent has no call that would notice. */
    .caps = DC_CAP_CLOSED_FD_SILENT,
};

DC_EXPORT_BACKEND(descriptor)

/* The engine, as the library in use reports it (DC_ABOUT_SYMBOL). */
static const char *lve_about(void)
{
    static char about[192];
    struct event_base *base = lev_base_new();

    snprintf(about, sizeof about, "libevent %s, method %s; R = EV_READ, "
             "W = EV_WRITE, E = EV_CLOSED",
             event_get_version(),
             base ? event_base_get_method(base) : "(none with EV_CLOSED)");
    if (base != NULL)
        event_base_free(base);
    return about;
}

DC_EXPORT_ABOUT(lve_about)
