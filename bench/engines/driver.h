/*
 * driver.h: what every engine driven directly (bench/engines/NAME.c,
 * spec/dispatch_bench.h) shares, once: the run of the workload around the
 * engine's own calls.
 *
 * A driver supplies its engine's half, a loop of its own and one read
 * watcher per descriptor, as the dcts_driver table dcts_driver_engine,
 * and puts a dcts_driver_target first in its watcher struct.  driver.c
 * does the rest: the run's memory (the targets in one array, as a user
 * of the engine would keep them), filling in each target, the order of
 * the calls, the teardown and the exported descriptor.  Every bench/engines/NAME.c
 * is linked with the .c files of bench/engines into
 * $(BUILD)/bench/NAME.so.
 */
#ifndef DCTS_DRIVER_H
#define DCTS_DRIVER_H

#include "dispatch_bench.h"

#include <stddef.h>

/* The start of a driver's watcher struct; driver.c fills it in. */
typedef struct dcts_driver_target {
    dcts_bench_load *load;
    size_t idx;                 /* its pair in load->fds */
} dcts_driver_target;

/* What a watcher's callback does when its descriptor is readable. */
static inline void dcts_driver_readable(dcts_driver_target *t)
{
    t->load->readable(t->load, t->idx);
}

typedef struct dcts_driver {
    /* The baseline's name, "libev-direct": an array, so that driver.c's
     * descriptor can point at it in a constant. */
    char name[32];
    size_t target_size;         /* the watcher struct, a target first */
    /* A loop of its own, configured as the adapter configures its own:
     * 0 with *loop set, or -errno with nothing made. */
    int (*loop_new)(void **loop);
    /* Watches fd for reading through t (its load and idx set): its
     * callback calls dcts_driver_readable(t).  0 or -errno; what it
     * started before failing, unwatch undoes. */
    int (*watch)(void *loop, dcts_driver_target *t, int fd);
    /* One look without waiting, handling whatever is ready.  0 or
     * -errno. */
    int (*pass)(void *loop);
    /* Undoes what watch did on t; called for every target of the run,
     * also for those never watched (still all zeros). */
    void (*unwatch)(void *loop, dcts_driver_target *t);
    /* After every unwatch. */
    void (*loop_free)(void *loop);
} dcts_driver;

/* Each bench/engines/NAME.c defines it: the engine's half. */
extern const dcts_driver dcts_driver_engine;

#endif /* DCTS_DRIVER_H */
