/*
 * bench_interest.h: `dispatch-cts bench --interest`, the cost of
 * set_dispatch_filter itself.
 *
 * For each backend and N: N registrations (r), N calls asking for the
 * interest each target already has, then 2N changes (r -> r+w, r+w ->
 * r); against raw-epoll's epoll_ctl ADD and MOD by hand.  Each run in a
 * forked child, 1 + runs runs, the first dropped; the median ns per call.
 *
 * It is also the workload for counting system calls: under
 * `strace -f -e trace=epoll_ctl`, an epoll backend that keeps the kernel
 * in step with one epoll_ctl per change, and none for an unchanged
 * interest, shows exactly N ADD and 2N MOD per run, and no DEL
 * (tests/bench.sh checks it).
 */
#ifndef DCTS_BENCH_INTEREST_H
#define DCTS_BENCH_INTEREST_H

#include "bench_impl.h"
#include "bench_options.h"
#include "bench_results.h"

#include <stddef.h>

/* Runs the probe on the backends of impls (and raw-epoll if it is among
 * them) for every N of o->pairs; adds a row each to r.  Returns the
 * number that failed. */
int dcts_bench_interest(const dcts_bench_options *o,
                        const dcts_bench_impl *impls, size_t nimpls,
                        double watchdog_s, dcts_bench_results *r);

#endif /* DCTS_BENCH_INTEREST_H */
