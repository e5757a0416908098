/*
 * bench_fds.c: opening, packing and closing the workload's pairs (see
 * bench_fds.h).
 */
#include "bench_fds.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

size_t dcts_bench_fds_needed(size_t n)
{
    return 2 * n + DCTS_BENCH_FD_SPARE;
}

size_t dcts_bench_fds_fitting(long limit)
{
    if (limit < (long)dcts_bench_fds_needed(1))
        return 0;
    return ((size_t)limit - DCTS_BENCH_FD_SPARE) / 2;
}

long dcts_bench_raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return (long)sysconf(_SC_OPEN_MAX);
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = { rl.rlim_max, rl.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30)
        return 1L << 30;
    return (long)rl.rlim_cur;
}

void dcts_bench_fds_drain(const dcts_bench_fds *f)
{
    char buf[256];

    for (size_t i = 0; i < f->n; i++)
        while (read(f->rd[i], buf, sizeof buf) > 0)
            ;
}

void dcts_bench_fds_close(dcts_bench_fds *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->rd[i] >= 0)
            close(f->rd[i]);
        if (f->wr[i] >= 0)
            close(f->wr[i]);
    }
    free(f->rd);
    free(f->wr);
    memset(f, 0, sizeof *f);
}

static int open_pair(int pipes, int fds[2])
{
    if (pipes)
        return pipe2(fds, O_NONBLOCK | O_CLOEXEC);
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                      fds);
}

/* Moves *fd to the lowest free number at or above floor (up when floor
 * is past it, down when a lower number is free).  0 or -errno. */
static int move_fd(int *fd, int floor, int only_down)
{
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, floor);

    if (moved < 0)
        return -errno;
    if (only_down && moved > *fd) {
        close(moved);
        return 0;
    }
    close(*fd);
    *fd = moved;
    return 0;
}

/* Write ends above the n lowest free numbers, then read ends down into
 * those. */
static int pack(dcts_bench_fds *f)
{
    int high = (int)f->n + DCTS_BENCH_FD_SPARE + 3;

    for (size_t i = 0; i < f->n; i++)
        if (f->wr[i] < high) {
            int rc = move_fd(&f->wr[i], high, 0);
            if (rc < 0)
                return rc;
        }
    f->max_rd = -1;
    for (size_t i = 0; i < f->n; i++) {
        int rc = move_fd(&f->rd[i], 0, 1);
        if (rc < 0)
            return rc;
        if (f->rd[i] > f->max_rd)
            f->max_rd = f->rd[i];
    }
    return 0;
}

int dcts_bench_fds_open(dcts_bench_fds *f, size_t n, int pipes,
                        char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->rd = dcts_xmalloc(sizeof *f->rd * (n ? n : 1));
    f->wr = dcts_xmalloc(sizeof *f->wr * (n ? n : 1));
    f->pipes = pipes;
    for (size_t i = 0; i < n; i++) {
        int fds[2];
        if (open_pair(pipes, fds) != 0) {
            snprintf(err, errlen, "cannot open %s %zu of %zu: %s",
                     pipes ? "pipe" : "socketpair", i + 1, n,
                     strerror(errno));
            dcts_bench_fds_close(f);
            return -1;
        }
        f->rd[i] = fds[0];
        f->wr[i] = fds[1];
        f->n = i + 1;
    }
    int rc = pack(f);
    if (rc < 0) {
        snprintf(err, errlen, "cannot arrange %zu %s: %s", n,
                 pipes ? "pipes" : "socketpairs", strerror(-rc));
        dcts_bench_fds_close(f);
        return -1;
    }
    return 0;
}
