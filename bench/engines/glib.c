/*
 * bench/engines/glib.c: GLib's main loop driven directly, the baseline of the glib
 * adapter (spec/dispatch_bench.h).  What its users write: one unix fd source per
 * fd (g_unix_fd_source_new) with a callback, attached to a GMainContext of
 * its own at the adapter's one priority (context.h), and
 * g_main_context_iteration(ctx, FALSE) per pass.  The run around these
 * calls is bench/engines/driver.c's.
 */
#include "driver.h"
#include "context.h"   /* the adapter's engine configuration */

#include <errno.h>
#include <glib-unix.h>

typedef struct target {
    dcts_driver_target at;      /* first: driver.h's part */
    GSource *source;
} target;

static gboolean on_read(gint fd, GIOCondition condition, gpointer data)
{
    (void)fd, (void)condition;
    dcts_driver_readable(data);
    return G_SOURCE_CONTINUE;
}

/* GLib aborts rather than fail an allocation: never -ENOMEM. */
static int loop_new(void **loop)
{
    *loop = g_main_context_new();
    return 0;
}

static int watch(void *loop, dcts_driver_target *at, int fd)
{
    target *t = (target *)at;

    t->source = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(t->source, G_SOURCE_FUNC(on_read), at, NULL);
    g_source_set_priority(t->source, GLB_PRIORITY);
    g_source_attach(t->source, loop);
    return 0;
}

static int pass(void *loop)
{
    g_main_context_iteration(loop, FALSE);
    return 0;
}

static void unwatch(void *loop, dcts_driver_target *at)
{
    target *t = (target *)at;

    (void)loop;
    if (t->source != NULL) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
    }
}

static void loop_free(void *loop)
{
    g_main_context_unref(loop);
}

const dcts_driver dcts_driver_engine = {
    "glib-direct", sizeof(target), loop_new, watch, pass, unwatch, loop_free,
};
