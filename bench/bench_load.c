/*
 * bench_load.c: the workload's reads and writes (see bench_load.h).
 */
#include "bench_load.h"

#include <errno.h>
#include <unistd.h>

void dcts_bench_load_init(dcts_bench_load *load, const dcts_bench_fds *fds,
                          size_t active, long writes)
{
    load->fds = fds;
    load->active = active;
    load->writes = writes;
    load->readable = dcts_bench_load_readable;
    dcts_bench_load_reset(load);
}

void dcts_bench_load_reset(dcts_bench_load *load)
{
    load->writes_left = load->fired = load->count = 0;
}

size_t dcts_bench_load_primed(const dcts_bench_load *load, size_t i)
{
    size_t space = load->fds->n / load->active;
    return i * space;
}

int dcts_bench_load_prime(dcts_bench_load *load)
{
    dcts_bench_load_reset(load);
    load->writes_left = load->writes;
    for (size_t i = 0; i < load->active; i++) {
        size_t idx = dcts_bench_load_primed(load, i);
        if (write(load->fds->wr[idx], "e", 1) != 1)
            return -errno;
        load->fired++;
    }
    return 0;
}

size_t dcts_bench_load_readable(dcts_bench_load *load, size_t idx)
{
    const dcts_bench_fds *fds = load->fds;
    char byte;

    if (read(fds->rd[idx], &byte, 1) != 1)
        return DCTS_BENCH_NONE;     /* not readable after all: no event */
    load->count++;
    if (load->writes_left == 0)
        return DCTS_BENCH_NONE;
    size_t next = idx + 1 < fds->n ? idx + 1 : 0;
    if (write(fds->wr[next], "e", 1) != 1)
        return DCTS_BENCH_NONE;
    load->writes_left--;
    load->fired++;
    return next;
}

int dcts_bench_load_done(const dcts_bench_load *load)
{
    return load->count >= load->fired;
}

long dcts_bench_load_events(const dcts_bench_load *load)
{
    return (long)load->active + load->writes;
}
