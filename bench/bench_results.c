/*
 * bench_results.c: the results of a benchmark run, and the machine it ran
 * on (see bench_results.h).
 */
#include "bench_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void dcts_bench_results_init(dcts_bench_results *r)
{
    memset(r, 0, sizeof *r);
    r->pinned_cpu = -1;
}

void dcts_bench_results_free(dcts_bench_results *r)
{
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].impl);
        free(r->rows[i].reference);
        free(r->rows[i].skipped);
    }
    free(r->notes);
    free(r->rows);
    free(r->cpu_model);
    free(r->kernel);
    dcts_bench_results_init(r);
}

/* The first "model name" of /proc/cpuinfo, or NULL. */
static char *cpu_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[512];
    char *model = NULL;

    if (f == NULL)
        return NULL;
    while (!model && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *v = strchr(line, ':');
        if (v == NULL)
            continue;
        v += strspn(v + 1, " \t") + 1;
        v[strcspn(v, "\n")] = '\0';
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_add_clean(&b, v, 0);
        model = dcts_buf_take(&b);
    }
    fclose(f);
    return model;
}

void dcts_bench_describe_machine(dcts_bench_results *r)
{
    struct utsname u;

    r->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    free(r->cpu_model);
    r->cpu_model = cpu_model();
    if (r->cpu_model == NULL)
        r->cpu_model = dcts_xstrdup("unknown");
    free(r->kernel);
    if (uname(&u) == 0) {
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_printf(&b, "%s %s %s", u.sysname, u.release, u.machine);
        r->kernel = dcts_buf_take(&b);
    } else {
        r->kernel = dcts_xstrdup("unknown");
    }
}

void dcts_bench_note(dcts_bench_results *r, const char *fmt, ...)
{
    dcts_buf b = DCTS_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    dcts_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->notes = dcts_xrealloc(r->notes, sizeof *r->notes * (r->nnotes + 1));
    r->notes[r->nnotes++] = dcts_buf_take(&b);
}

dcts_bench_row *dcts_bench_add_row(dcts_bench_results *r, const char *impl,
                                   int baseline, const char *reference,
                                   size_t n, size_t active, long writes)
{
    static const dcts_spread none = { NAN, NAN, NAN, 0 };

    r->rows = dcts_xrealloc(r->rows, sizeof *r->rows * (r->nrows + 1));
    dcts_bench_row *row = &r->rows[r->nrows++];
    memset(row, 0, sizeof *row);
    row->impl = dcts_xstrdup(impl);
    row->baseline = baseline;
    row->reference = reference ? dcts_xstrdup(reference) : NULL;
    row->n = n;
    row->active = active;
    row->writes = writes;
    row->setup_ms = row->ns_per_event = row->passes_per_run = NAN;
    row->add_ns = row->same_ns = row->change_ns = NAN;
    row->vs_epoll = row->vs_reference = none;
    row->rss_kib = row->rss_growth_kib = -1;
    return row;
}

const char *dcts_bench_mode_name(const dcts_bench_results *r)
{
    return r->pipes ? "pipes" : "socketpairs";
}

const char *dcts_bench_clock_name(const dcts_bench_results *r)
{
    return r->wall_clock ? "wall time" : "CPU time";
}
