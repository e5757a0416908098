/*
 * bench_load.h: the benchmark's workload, the shape of libevent's classic
 * test/bench.c, whatever implementation waits for it.
 *
 * N pairs (bench_fds.h), every read end registered for reading.  A of
 * them are primed with one byte, spread evenly (every N/A-th pair).  Then
 * passes run until every byte written has been read: each target found
 * readable reads its byte and, while the budget of W writes lasts, writes
 * one byte to the next pair.  A run handles A + W events; an
 * implementation that hands every ready target to its pass needs about
 * (A + W) / A passes, and more when its ready list is too small.
 */
#ifndef DCTS_BENCH_LOAD_H
#define DCTS_BENCH_LOAD_H

#include "dispatch_bench.h"
#include "bench_fds.h"

#include <stddef.h>

void dcts_bench_load_init(dcts_bench_load *load, const dcts_bench_fds *fds,
                          size_t active, long writes);

/* The pair primed i-th (i < active). */
size_t dcts_bench_load_primed(const dcts_bench_load *load, size_t i);

/* Before a run: nothing written, nothing read. */
void dcts_bench_load_reset(dcts_bench_load *load);

/* Starts the event phase of a run: resets the counts, writes the A
 * priming bytes.  0, or -errno when a write failed. */
int dcts_bench_load_prime(dcts_bench_load *load);

/* Target idx was found readable: reads its byte and, while the budget
 * lasts, writes one to the next pair, whose index it returns (else
 * DCTS_BENCH_NONE). */
size_t dcts_bench_load_readable(dcts_bench_load *load, size_t idx);

/* Every byte written has been read: the run is over. */
int dcts_bench_load_done(const dcts_bench_load *load);

/* The events of a full run: A + W. */
long dcts_bench_load_events(const dcts_bench_load *load);

#endif /* DCTS_BENCH_LOAD_H */
