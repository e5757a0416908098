/*
 * bench.h: `dispatch-cts bench`, the benchmark mode (see
 * dcts_bench_usage in bench_options.c for what it measures and how).
 *
 *   bench_options   its command line
 *   bench_fds       the socketpairs or pipes, opened once per N
 *   bench_load      the workload (libevent's test/bench.c shape)
 *   bench_impl      what is measured: bench_backend (a backend through
 *                   the ABI), bench_baselines (raw loops, the oracle)
 *   bench_block     a block of runs of one implementation, timed, in a
 *                   forked child (bench_child)
 *   bench_interest  the cost of set_dispatch_filter itself (--interest)
 *   bench_stats     medians, quartiles, paired ratios
 *   bench_results   what was found, and its writers: bench_table,
 *                   bench_json, bench_svg
 */
#ifndef DCTS_BENCH_H
#define DCTS_BENCH_H

#include "dispatch_context.h"

/* The bench subcommand: argv[0] is "bench".  embedded is the entry of the
 * backend linked into the harness, measured when no backend is given.
 * Returns the exit status (0, 1 a backend failed the workload, 2 usage,
 * load or output error). */
int dcts_bench_main(int argc, char **argv,
                    const dc_backend *(*embedded)(void));

#endif /* DCTS_BENCH_H */
