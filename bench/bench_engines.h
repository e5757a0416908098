/*
 * bench_engines.h: finding the engine driven directly that an adapter
 * backend is measured against (spec/dispatch_bench.h).
 */
#ifndef DCTS_BENCH_ENGINES_H
#define DCTS_BENCH_ENGINES_H

#include "dispatch_bench.h"

#include <stddef.h>

typedef struct dcts_bench_engine_handle {
    void *dl;                           /* NULL: none found */
    const dcts_bench_engine *engine;
} dcts_bench_engine_handle;

/* For the backend loaded from backend_path (DIR/backends/NAME.so), loads
 * DIR/bench/NAME.so if there is one.  Returns 1 with h filled, 0 when
 * there is none, or -1 with the problem in err (a driver that cannot be
 * loaded or is not one). */
int dcts_bench_find_engine(const char *backend_path,
                           dcts_bench_engine_handle *h, char *err,
                           size_t errlen);

void dcts_bench_engine_release(dcts_bench_engine_handle *h);

#endif /* DCTS_BENCH_ENGINES_H */
