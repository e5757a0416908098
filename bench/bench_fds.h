/*
 * bench_fds.h: the descriptors the benchmark's workload runs on.
 *
 * N connected pairs, socketpairs (AF_UNIX, SOCK_STREAM) or, with --pipes,
 * pipes: target i waits on rd[i], and whoever handles it writes to
 * wr[(i + 1) % N].  They are opened once per N in the benchmark's own
 * process, before any block is forked, so every implementation (backend,
 * raw loop, oracle) works on the very same descriptors.  All are
 * non-blocking and close-on-exec.
 *
 * The read ends are packed at the lowest free numbers and the write ends
 * moved above them, so a select-based implementation can be measured up
 * to N of nearly FD_SETSIZE rather than half of it.
 */
#ifndef DCTS_BENCH_FDS_H
#define DCTS_BENCH_FDS_H

#include "dispatch_bench.h"

#include <stddef.h>

/* Descriptors kept free beside the 2N: stdio, a block's result pipe, a
 * backend's own (an epoll fd), the loader's. */
#define DCTS_BENCH_FD_SPARE 16

/* The descriptors N pairs need, spare included. */
size_t dcts_bench_fds_needed(size_t n);

/* The largest N whose dcts_bench_fds_needed fits in limit (0 if none). */
size_t dcts_bench_fds_fitting(long limit);

/* Raises the soft RLIMIT_NOFILE to the hard limit (as far as the system
 * allows) and returns the soft limit then in effect. */
long dcts_bench_raise_nofile(void);

/* Opens n pairs into f.  Returns 0, or -1 with a message in err and
 * nothing left open. */
int dcts_bench_fds_open(dcts_bench_fds *f, size_t n, int pipes,
                        char *err, size_t errlen);

/* Reads every read end empty: after a block that failed half-way, the
 * next one must not find its bytes. */
void dcts_bench_fds_drain(const dcts_bench_fds *f);

/* Closes every descriptor; f becomes empty. */
void dcts_bench_fds_close(dcts_bench_fds *f);

#endif /* DCTS_BENCH_FDS_H */
