/*
 * dispatch_bench.h: the benchmark's plugin interface, published beside
 * the ABI (dispatch_context.h) so that a plugin includes nothing else.
 *
 * A plugin is an event engine driven directly, the baseline of an adapter
 * backend: the adapter (backends/libevent, backends/libev, ...) is
 * measured against the engine it adapts, driven by hand the way the
 * engine's own users drive it, with the adapter's engine configuration
 * (the headers of backends/NAME).  bench/engines/NAME.c, with
 * bench/engines/driver.c, is built as $(BUILD)/bench/NAME.so beside
 * $(BUILD)/backends/NAME.so and linked like it; the benchmark pairs the
 * two by file name (bench/bench_engines.c): the plugin becomes the
 * baseline "NAME-direct" and the adapter's reference.
 *
 * A plugin is a shared object: it cannot call into the benchmark, so what
 * it needs of the workload (the descriptors, the handler of a readable
 * one) reaches it as data and a pointer.  The benchmark's own functions on
 * these types are in bench/bench_fds.h, bench_load.h and bench_impl.h.
 */
#ifndef DISPATCH_BENCH_H
#define DISPATCH_BENCH_H

#include <stddef.h>

/* ---- the descriptors (bench/bench_fds.h) ------------------------------- */

typedef struct dcts_bench_fds {
    int *rd, *wr;               /* rd[i], wr[i] for i < n */
    size_t n;
    int max_rd;                 /* the highest read end */
    int pipes;                  /* pipes rather than socketpairs */
} dcts_bench_fds;

/* ---- the workload (bench/bench_load.h) --------------------------------- */

typedef struct dcts_bench_load dcts_bench_load;
struct dcts_bench_load {
    const dcts_bench_fds *fds;
    size_t active;              /* A: pairs primed */
    long writes;                /* W: the write budget of a run */
    /* During a run: */
    long writes_left;
    long fired;                 /* bytes written: A + the writes so far */
    long count;                 /* bytes read */
    /* dcts_bench_load_readable, for code that cannot link against it (an
     * engine driver). */
    size_t (*readable)(dcts_bench_load *load, size_t idx);
};

/* The index dcts_bench_load_readable returns when it wrote nothing. */
#define DCTS_BENCH_NONE ((size_t)-1)

/* ---- a run of the workload (bench/bench_impl.h) ------------------------ */

/* open (untimed), add_all and one pass (timed: the setup), then passes
 * (timed: the event phase) until every byte written has been read, then
 * close (untimed).  A pass never blocks: it looks once and handles what
 * is ready. */
typedef struct dcts_bench_ops {
    /* 0 when the implementation can wait on these descriptors; else -1
     * with the reason in why (e.g. beyond FD_SETSIZE). */
    int (*fits)(const void *arg, const dcts_bench_fds *fds, char *why,
                size_t len);
    /* Makes *state for a run of load.  0, or -errno with nothing made. */
    int (*open)(void **state, const void *arg, dcts_bench_load *load);
    /* Registers every read end for reading.  0 or -errno. */
    int (*add_all)(void *state);
    /* One look without waiting, handling whatever is ready.  0, -errno,
     * or a positive code a backend returned. */
    int (*pass)(void *state);
    void (*close)(void *state);
} dcts_bench_ops;

/* ---- the plugin's descriptor ------------------------------------------- */

#define DCTS_BENCH_ENGINE_SYMBOL "dcts_bench_engine_v1"
#define DCTS_BENCH_ENGINE_VERSION 1u

typedef struct dcts_bench_engine {
    unsigned version;           /* DCTS_BENCH_ENGINE_VERSION */
    const char *name;           /* the baseline's name: "libevent-direct" */
    const dcts_bench_ops *ops;  /* a run of the workload (above) */
} dcts_bench_engine;

/* What a driver defines to export its descriptor. */
#define DCTS_EXPORT_BENCH_ENGINE(descriptor)                               \
    __attribute__((visibility("default")))                                 \
    const dcts_bench_engine *dcts_bench_engine_v1(void);                   \
    __attribute__((visibility("default")))                                 \
    const dcts_bench_engine *dcts_bench_engine_v1(void)                    \
    { return &(descriptor); }

#endif /* DISPATCH_BENCH_H */
