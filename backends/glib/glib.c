/*
 * glib.c: an adapter backend over GLib's main loop (Debian's libglib2.0-dev).
 *
 * It checks how well a dispatch context built on a GMainContext honours
 * the contract.  The registry, the timeout checks, the loop around the
 * engine and the dispatch pass are backends/common's (engine.h); this
 * file is only GLib's half:
 *
 *   watchers  one GSource per registered fd, holding the fd with
 *             g_source_add_unix_fd; a filter change is
 *             g_source_modify_unix_fd on the same source
 *   timeout   0 or NULL: g_main_context_iteration(ctx, FALSE); positive:
 *             a GSource of ours with a ready time (microseconds on the
 *             monotonic clock), then g_main_context_iteration(ctx, TRUE)
 *   callbacks record what GLib reported; no target is called from inside
 *             GLib (turn.h)
 *
 * One GMainContext per dispatch context (never the default one), so two
 * contexts never see each other's sources (ABI-3), and one priority for
 * every source: an iteration dispatches only the ready sources of the
 * highest priority among them, and a timer or a target of another
 * priority would then hide the others from the pass (DSP-3).
 *
 * Native flags (DC_MODEL_POLL): GLib's G_IO_* bits are poll(2)'s POLL*
 * bits (checked at compile time below), its loop polls with poll(2), and
 * it hands a source the revents masked by what the source asked plus
 * G_IO_ERR|G_IO_HUP|G_IO_NVAL, which is the poll model's form exactly
 * (EVT-9).  An fd closed behind its back comes as G_IO_NVAL (LIM-3), so
 * this is not a checked engine.  POLLRDHUP has no G_IO_ bit and is
 * refused natively (FLT-6).  GLib aborts the process when an allocation
 * fails (g_malloc), which no adapter can turn into -ENOMEM: see
 * spec/expectations/glib.txt.
 */
#include "dispatch_context.h"
#include "context.h"
#include "engine.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

/* DC_MODEL_POLL is declared because these hold; a platform where they did
 * not would need a translation, and another model. */
_Static_assert(G_IO_IN == POLLIN && G_IO_PRI == POLLPRI &&
               G_IO_OUT == POLLOUT && G_IO_ERR == POLLERR &&
               G_IO_HUP == POLLHUP && G_IO_NVAL == POLLNVAL,
               "GLib's G_IO_* bits are poll's");

#define GLB_READ    ((unsigned long)(G_IO_IN | G_IO_PRI))
#define GLB_WRITE   ((unsigned long)G_IO_OUT)
#define GLB_EXCEPT  ((unsigned long)(G_IO_ERR | G_IO_HUP | G_IO_NVAL))

/* GLB_PRIORITY (context.h): every source of a context, the timer's too. */

struct dc_context {
    dcb_engine engine;              /* first: the ops get it back as ctx */
    GMainContext *main;
    GSource *timer;                 /* the timeout of a dispatch_once */
};

/* A GSource of ours: GLib's part first, as g_source_new requires. */
typedef struct glb_source {
    GSource source;
    dcb_engine *engine;             /* the timer's */
    struct glb_watch *watch;        /* a watcher's */
    gpointer tag;                   /* g_source_add_unix_fd's */
} glb_source;

typedef struct glb_watch {
    dcb_watch head;                 /* first: engine.h's part */
    glb_source *source;
} glb_watch;

/* ---- watchers -------------------------------------------------------------- */

/* GLib calls dispatch for a source one of whose fds has revents: they are
 * the kernel's, masked by the request plus ERR|HUP|NVAL (EVT-4, EVT-9),
 * which the pass then masks by the current interest (EVT-3, DSP-5). */
static gboolean on_fd(GSource *source, GSourceFunc callback, gpointer data)
{
    glb_source *s = (glb_source *)source;
    unsigned long bits = g_source_query_unix_fd(source, s->tag);

    (void)callback;
    (void)data;
    dcb_engine_report(&s->watch->head, bits & GLB_READ, bits & GLB_WRITE,
                      bits & GLB_EXCEPT, GLB_EXCEPT);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_funcs = { .dispatch = on_fd };

/* What poll is asked for: the request bits only; GLib drops ERR, HUP and
 * NVAL from events (poll reports them anyway), so an E-only interest is
 * polled with events 0 and still hears them (FLT-7). */
static GIOCondition poll_events(unsigned long flags)
{
    return (GIOCondition)(flags & (GLB_READ | GLB_WRITE));
}

static int glb_watch_new(dcb_engine *eng, int fd, unsigned long flags,
                         dcb_watch **out)
{
    glb_watch *w = calloc(1, sizeof *w);

    if (w == NULL)
        return -ENOMEM;
    /* GLib's own allocations abort when memory runs out (see the top). */
    w->source = (glb_source *)g_source_new(&fd_funcs, sizeof *w->source);
    w->source->watch = w;
    w->source->tag = g_source_add_unix_fd(&w->source->source, fd,
                                          poll_events(flags));
    g_source_set_priority(&w->source->source, GLB_PRIORITY);
    g_source_attach(&w->source->source, ((dc_context *)eng)->main);
    *out = &w->head;
    return 0;
}

static int glb_watch_change(dcb_engine *eng, dcb_watch *head,
                            unsigned long flags)
{
    glb_watch *w = (glb_watch *)head;

    (void)eng;
    g_source_modify_unix_fd(&w->source->source, w->source->tag,
                            poll_events(flags));
    return 0;
}

/* CLS-1, CLS-7: GLib keeps no kernel state for an fd (it polls afresh
 * each iteration), so the fd is neither needed nor touched. */
static void glb_watch_free(dcb_engine *eng, dcb_watch *head)
{
    glb_watch *w = (glb_watch *)head;

    (void)eng;
    g_source_destroy(&w->source->source);
    g_source_unref(&w->source->source);
    free(w);
}

/* ---- the wait -------------------------------------------------------------- */

static gboolean on_timer(GSource *source, GSourceFunc callback, gpointer data)
{
    (void)callback;
    (void)data;
    g_source_set_ready_time(source, -1);        /* once per arming */
    dcb_engine_timer_fired(((glb_source *)source)->engine);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { .dispatch = on_timer };

/* TMO-5: rounded up to GLib's microsecond (its poll then waits the ms
 * rounded up); TMO-6: s is at most 1e8 s, 1e14 us, inside a gint64.
 * The ready time is absolute, on the monotonic clock, so a resumed
 * iteration waits only for what is left (TMO-9). */
static int glb_timer_arm(dcb_engine *eng, double s)
{
    dc_context *ctx = (dc_context *)eng;
    gint64 us = (gint64)ceil(s * 1e6);

    g_source_set_ready_time(ctx->timer, g_get_monotonic_time() +
                            (us > 0 ? us : 1));
    return 0;
}

static void glb_timer_disarm(dcb_engine *eng)
{
    g_source_set_ready_time(((dc_context *)eng)->timer, -1);
}

/* One iteration: prepare, poll, check, dispatch of every ready source of
 * the (one) priority.  GLib resumes no EINTR: the iteration then
 * dispatches nothing, and engine.c runs it again for the time left. */
static int glb_run(dcb_engine *eng, int block)
{
    g_main_context_iteration(((dc_context *)eng)->main, block != 0);
    return 0;
}

static unsigned long glb_flags_for(int r, int w, int e)
{
    return (r ? GLB_READ : 0) | (w ? GLB_WRITE : 0) | (e ? GLB_EXCEPT : 0);
}

/* ---- life ---------------------------------------------------------------- */

/* A main context of its own, and the timer of a dispatch_once. */
static int glb_open(dc_context *ctx)
{
    ctx->main = g_main_context_new();
    ctx->timer = g_source_new(&timer_funcs, sizeof(glb_source));
    ((glb_source *)ctx->timer)->engine = &ctx->engine;
    g_source_set_ready_time(ctx->timer, -1);
    g_source_set_priority(ctx->timer, GLB_PRIORITY);
    g_source_attach(ctx->timer, ctx->main);
    return 0;
}

/* After every source: the timer, then the context (which closes its own
 * wake-up fd). */
static void glb_close(dc_context *ctx)
{
    g_source_destroy(ctx->timer);
    g_source_unref(ctx->timer);
    g_main_context_unref(ctx->main);
}

static const dcb_engine_ops glb_ops = {
    .watch_new = glb_watch_new,
    .watch_change = glb_watch_change,
    .watch_free = glb_watch_free,
    .timer_arm = glb_timer_arm,
    .timer_disarm = glb_timer_disarm,
    .run = glb_run,
    .watch_closed = NULL,           /* a closed fd comes as G_IO_NVAL */
    .flags_for = glb_flags_for,
    .context_size = sizeof(dc_context),
    .open = glb_open,
    .close = glb_close,
};

static int glb_create(dc_context **out)
{
    return dcb_engine_create(out, &glb_ops);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "glib",
    .create = glb_create,
    DCB_ENGINE_OPERATIONS,
    .flags_for = glb_flags_for,
    .fd_limit = 0,                  /* LIM-1: whatever the process can open */
    .event_model = DC_MODEL_POLL,
    .caps = 0,                      /* DSP-9: nesting is refused */
};

DC_EXPORT_BACKEND(descriptor)

/* The engine, as the library in use reports it (DC_ABOUT_SYMBOL). */
static const char *glb_about(void)
{
    static char about[128];

    snprintf(about, sizeof about, "GLib %u.%u.%u, GMainContext over poll(2); "
             "R, W, E = G_IO_* = POLL*", glib_major_version,
             glib_minor_version, glib_micro_version);
    return about;
}

DC_EXPORT_ABOUT(glb_about)
