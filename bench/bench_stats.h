/*
 * bench_stats.h: the few statistics the benchmark reports.
 *
 * Shared machines are noisy: a process can run 1.5x slower than the next
 * one for reasons of its own.  So the benchmark reports medians, not
 * means, and compares an implementation with a reference by *paired*
 * ratios: its block and the reference's block of the same round ran
 * within a fraction of a second of each other, so whatever slowed the
 * machine then slowed both.  The spread of those ratios is their
 * interquartile range.
 *
 * Quartiles are by linear interpolation between order statistics (the
 * definition R and NumPy use by default): the p-quantile of the sorted
 * v[0..n) is v at position p * (n - 1).
 */
#ifndef DCTS_BENCH_STATS_H
#define DCTS_BENCH_STATS_H

#include <stddef.h>

/* A distribution in three numbers; n = 0 when there was nothing to
 * summarise (then median, q1 and q3 are NaN). */
typedef struct dcts_spread {
    double median, q1, q3;
    size_t n;
} dcts_spread;

/* The p-quantile (0 <= p <= 1) of v[0..n), which must be sorted
 * ascending; NaN when n is 0. */
double dcts_quantile_sorted(const double *v, size_t n, double p);

/* The median of the finite values of v[0..n) (v is not changed); NaN
 * when there is none. */
double dcts_median(const double *v, size_t n);

/* Median and quartiles of the finite values of v[0..n) (v is not
 * changed; NaN and infinities are left out). */
dcts_spread dcts_spread_of(const double *v, size_t n);

/* The paired ratios num[i] / den[i] into out[], for every i where both
 * are finite and den[i] > 0; returns how many were written. */
size_t dcts_paired_ratios(const double *num, const double *den, size_t n,
                          double *out);

/* dcts_spread_of the paired ratios of num over den. */
dcts_spread dcts_paired_ratio(const double *num, const double *den,
                              size_t n);

#endif /* DCTS_BENCH_STATS_H */
