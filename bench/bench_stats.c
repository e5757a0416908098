/*
 * bench_stats.c: medians, quartiles and paired ratios (see bench_stats.h).
 */
#include "bench_stats.h"
#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double dcts_quantile_sorted(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= n - 1)
        return v[n - 1];
    double frac = pos - (double)lo;
    return v[lo] + frac * (v[lo + 1] - v[lo]);
}

/* The finite values of v, sorted, in a new array; *kept their number. */
static double *sorted_finite(const double *v, size_t n, size_t *kept)
{
    double *s = dcts_xmalloc(sizeof *s * (n ? n : 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            s[k++] = v[i];
    qsort(s, k, sizeof *s, ascending);
    *kept = k;
    return s;
}

dcts_spread dcts_spread_of(const double *v, size_t n)
{
    size_t k;
    double *s = sorted_finite(v, n, &k);
    dcts_spread d = {
        .median = dcts_quantile_sorted(s, k, 0.5),
        .q1 = dcts_quantile_sorted(s, k, 0.25),
        .q3 = dcts_quantile_sorted(s, k, 0.75),
        .n = k,
    };
    free(s);
    return d;
}

double dcts_median(const double *v, size_t n)
{
    return dcts_spread_of(v, n).median;
}

size_t dcts_paired_ratios(const double *num, const double *den, size_t n,
                          double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(num[i]) && isfinite(den[i]) && den[i] > 0)
            out[k++] = num[i] / den[i];
    return k;
}

dcts_spread dcts_paired_ratio(const double *num, const double *den, size_t n)
{
    double *r = dcts_xmalloc(sizeof *r * (n ? n : 1));
    size_t k = dcts_paired_ratios(num, den, n, r);
    dcts_spread d = dcts_spread_of(r, k);
    free(r);
    return d;
}
