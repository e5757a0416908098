/*
 * bench_engine.h: an event engine driven directly, the baseline of an
 * adapter backend.
 *
 * An adapter (backends/libevent, backends/libev, backends/libuv) is
 * measured against the engine it adapts, driven by hand the way the
 * engine's own users drive it, with the adapter's engine configuration:
 * bench/NAME.c, built with bench/common (driver.h: what every driver
 * shares) as $(BUILD)/bench/NAME.so beside $(BUILD)/backends/NAME.so and
 * linked like it (backends/NAME/LIBS).  The benchmark pairs the two by
 * file name (bench_engines.c): the driver becomes the baseline
 * "NAME-direct" and the adapter's reference.
 *
 * A driver is a shared object: it cannot call into the harness, so the
 * workload's handler reaches it as a pointer (dcts_bench_load.readable).
 */
#ifndef DCTS_BENCH_ENGINE_H
#define DCTS_BENCH_ENGINE_H

#include "bench_impl.h"

#define DCTS_BENCH_ENGINE_SYMBOL "dcts_bench_engine_v1"
#define DCTS_BENCH_ENGINE_VERSION 1u

typedef struct dcts_bench_engine {
    unsigned version;           /* DCTS_BENCH_ENGINE_VERSION */
    const char *name;           /* the baseline's name: "libevent-direct" */
    const dcts_bench_ops *ops;  /* a run of the workload (bench_impl.h) */
} dcts_bench_engine;

/* What a driver defines to export its descriptor. */
#define DCTS_EXPORT_BENCH_ENGINE(descriptor)                               \
    __attribute__((visibility("default")))                                 \
    const dcts_bench_engine *dcts_bench_engine_v1(void);                   \
    __attribute__((visibility("default")))                                 \
    const dcts_bench_engine *dcts_bench_engine_v1(void)                    \
    { return &(descriptor); }

#endif /* DCTS_BENCH_ENGINE_H */
