/*
 * bench_baselines.h: the hand-written loops every backend is measured
 * against, on the same descriptors in the same run (bench_impl.h).
 *
 *   raw-epoll   epoll_ctl(ADD) per target, then epoll_wait(timeout 0)
 *               into a buffer of N events; each event carries its
 *               target's index
 *   raw-poll    one pollfd per target, poll(timeout 0), the array scanned
 *               until every ready entry has been seen
 *   raw-select  one fd_set built once and copied for every select(timeout
 *               0), scanned the same way; only where every read end is
 *               below FD_SETSIZE
 *   oracle      no polling at all: it knows which pairs hold a byte (the
 *               A primed ones, then each one written to) and only does
 *               the reads and writes.  The floor: what the workload costs
 *               with a free and perfect event loop.
 *
 * They are what a competent programmer writes by hand: no abstraction,
 * no checks the workload does not need.
 */
#ifndef DCTS_BENCH_BASELINES_H
#define DCTS_BENCH_BASELINES_H

#include "bench_impl.h"

#include <stddef.h>

/* Every baseline, in report order. */
extern const dcts_bench_impl dcts_bench_baselines[];
extern const size_t dcts_bench_nbaselines;

/* The baseline named name, or NULL. */
const dcts_bench_impl *dcts_bench_baseline(const char *name);

#endif /* DCTS_BENCH_BASELINES_H */
