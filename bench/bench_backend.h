/*
 * bench_backend.h: a backend as a benchmark implementation (bench_impl.h):
 * each target is one read end, registered with set_dispatch_filter(r=1),
 * and a pass is dispatch_once with a zero timeout and no error handler.
 */
#ifndef DCTS_BENCH_BACKEND_H
#define DCTS_BENCH_BACKEND_H

#include "bench_impl.h"
#include "dispatch_context.h"

extern const dcts_bench_ops dcts_bench_backend_ops;   /* arg: dc_backend */

/* The raw loop of be's event model ("raw-epoll", "raw-poll",
 * "raw-select"), or NULL for DC_MODEL_OTHER. */
const char *dcts_bench_reference_of(const dc_backend *be);

#endif /* DCTS_BENCH_BACKEND_H */
