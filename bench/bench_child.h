/*
 * bench_child.h: a measurement in a forked child.
 *
 * The child shares the benchmark's descriptors and address layout (the
 * backends were loaded before the fork), so measurements made in
 * different children differ in nothing but what they measure, and the
 * child's peak memory is its own.  A crash, an error or a hang of a
 * backend ends the child, never the benchmark: the child is a watched one
 * (harness/proc.h: its own process group, killed with the benchmark, its
 * result framed), killed when it sends no result within the watchdog.
 */
#ifndef DCTS_BENCH_CHILD_H
#define DCTS_BENCH_CHILD_H

#include <stddef.h>

/* The child's work: fills out (size bytes, zeroed before). */
typedef void (*dcts_bench_child_fn)(void *arg, void *out);

/* Runs fn(arg, out) in a forked child and copies its out back (or, with
 * in_process, just calls it).  Returns 0, or -1 with why in err (the
 * child crashed, died or sent nothing within watchdog_s seconds). */
int dcts_bench_in_child(dcts_bench_child_fn fn, void *arg, void *out,
                        size_t size, int in_process, double watchdog_s,
                        char *err, size_t errlen);

/* Makes the peak RSS (VmHWM) restart from the current RSS; 1 if done. */
int dcts_bench_reset_peak_rss(void);
/* A "Name:   123 kB" line of /proc/self/status in KiB, or -1. */
long dcts_bench_status_kib(const char *name);

#endif /* DCTS_BENCH_CHILD_H */
