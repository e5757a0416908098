/*
 * bench_impl.h: what the benchmark measures, behind one interface.
 *
 * An implementation is a backend driven through the ABI (bench_backend.c)
 * or a baseline written by hand (bench_baselines.c: raw epoll, poll and
 * select loops, and an oracle that does no polling at all).  Each run of
 * the workload (bench_load.h) goes
 *
 *     open                 untimed: a context, buffers
 *     add_all, one pass    timed: the setup (registering the N targets;
 *                          the empty pass is where an engine that applies
 *                          changes lazily does it)
 *     prime                untimed: the A first bytes
 *     pass, pass, ...      timed: the event phase, until every byte
 *                          written has been read
 *     close                untimed
 *
 * A pass never blocks: it looks once (timeout 0) and handles what is
 * ready.
 */
#ifndef DCTS_BENCH_IMPL_H
#define DCTS_BENCH_IMPL_H

#include "dispatch_bench.h"
#include "bench_load.h"

#include <stddef.h>

typedef struct dcts_bench_impl {
    const char *name;           /* a backend's label, or "raw-epoll", ... */
    const dcts_bench_ops *ops;
    const void *arg;            /* a backend's descriptor; NULL otherwise */
    int baseline;               /* hand-written, not a backend */
    const char *reference;      /* the raw loop of its mechanism (a
                                 * backend's event model), or NULL */
} dcts_bench_impl;

#endif /* DCTS_BENCH_IMPL_H */
