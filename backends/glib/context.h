/*
 * context.h: how the GLib adapter makes its main context, in one place so
 * that GLib driven directly (bench/engines/glib.c), the adapter's baseline in the
 * benchmark, makes the same and the two differ only by the adapter.
 *
 * A GMainContext of its own (never the default one), every source at one
 * priority: an iteration dispatches only the ready sources of the highest
 * priority among them (glib.c says why that matters).
 */
#ifndef GLB_CONTEXT_H
#define GLB_CONTEXT_H

#include <glib.h>

#define GLB_PRIORITY G_PRIORITY_DEFAULT

#endif /* GLB_CONTEXT_H */
