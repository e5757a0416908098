/*
 * bench_block.h: a block, the benchmark's unit of measurement: one
 * implementation, one (N, A, W), 1 + runs runs in a row, the first
 * dropped (it pays for cold caches and first-touch page faults).
 *
 * A block runs in a child forked from the benchmark's process
 * (bench_child.h): blocks of different implementations differ in nothing
 * but the implementation, and what the child's peak resident memory grew
 * by while it ran is that implementation's alone.
 */
#ifndef DCTS_BENCH_BLOCK_H
#define DCTS_BENCH_BLOCK_H

#include "bench_fds.h"
#include "bench_impl.h"

#include <stddef.h>

/* One measured run, in ns of the block's clock: the thread's CPU time by
 * default, the wall clock with DCTS_BENCH_WALL_CLOCK.  The workload never
 * blocks (every pass looks with timeout 0), so on an idle machine the two
 * agree; on a shared one the wall clock also counts the time other
 * processes held the CPU, which has nothing to do with the backend and
 * is most of the noise (a run preempted once takes 2-4 times longer). */
typedef struct dcts_bench_sample {
    double setup_ns;            /* add_all and one empty pass */
    double event_ns;            /* the event phase */
    long events;                /* bytes read in the event phase: A + W */
    long passes;                /* passes in the event phase */
} dcts_bench_sample;

#define DCTS_BENCH_MAX_RUNS 64

typedef struct dcts_bench_block {
    dcts_bench_sample samples[DCTS_BENCH_MAX_RUNS];
    size_t nsamples;            /* the runs kept */
    long rss_kib;               /* peak RSS of the block's process */
    long rss_growth_kib;        /* how much that peak grew while the block
                                 * ran (-1 when /proc cannot tell) */
    char error[240];            /* empty when every run went well */
} dcts_bench_block;

/* Flags. */
#define DCTS_BENCH_CALLGRIND 0x1u   /* collect the kept runs' event phases
                                     * for callgrind, one dump each */
#define DCTS_BENCH_IN_PROCESS 0x2u  /* no fork (for the unit tests) */
#define DCTS_BENCH_WALL_CLOCK 0x4u  /* time with CLOCK_MONOTONIC */

/* Runs a block of impl on fds (A active, W writes, runs kept, at most
 * DCTS_BENCH_MAX_RUNS).  Returns 0 with out filled, or -1 with out->error
 * saying what went wrong (the backend's error, a crash, no progress, no
 * result within watchdog_s seconds); the samples before it are kept. */
int dcts_bench_run_block(const dcts_bench_impl *impl,
                         const dcts_bench_fds *fds, size_t active,
                         long writes, unsigned runs, unsigned flags,
                         double watchdog_s, dcts_bench_block *out);

/* Now, in ns, on the clock flags choose (see dcts_bench_sample). */
double dcts_bench_now_ns(unsigned flags);

/* Whether this build can mark phases for callgrind (valgrind's
 * callgrind.h was there at build time). */
int dcts_bench_callgrind_available(void);

#endif /* DCTS_BENCH_BLOCK_H */
