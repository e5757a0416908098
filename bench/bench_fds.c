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

/* Who holds each descriptor number while the pairs are packed: read end
 * i is i + 1, write end i is -(i + 1), 0 is a number not ours. */
typedef struct holders {
    long *who;
    int size;
} holders;

static long *holder(holders *h, int fd)
{
    return &h->who[fd];
}

static int *end_of(dcts_bench_fds *f, long who)
{
    return who > 0 ? &f->rd[who - 1] : &f->wr[-who - 1];
}

/* Read end i takes number `to`, and whatever held `to` takes read end
 * i's old number: a swap through a spare number, so no number above the
 * ones the pairs already hold is ever used.  0 or -errno. */
static int swap_into(dcts_bench_fds *f, holders *h, size_t i, int to)
{
    int from = f->rd[i];
    long other = *holder(h, to);
    int spare = fcntl(to, F_DUPFD_CLOEXEC, 0);

    if (spare < 0)
        return -errno;
    if (dup3(from, to, O_CLOEXEC) < 0 || dup3(spare, from, O_CLOEXEC) < 0) {
        int err = errno;
        close(spare);
        return -err;
    }
    close(spare);
    f->rd[i] = to;
    *end_of(f, other) = from;
    *holder(h, to) = (long)i + 1;
    *holder(h, from) = other;
    return 0;
}

/* Read ends onto the n lowest numbers the pairs hold, in order; the write
 * ends keep the n highest. */
static int pack(dcts_bench_fds *f)
{
    holders h = { NULL, 0 };
    int max = -1, rc = 0;

    for (size_t i = 0; i < f->n; i++) {
        if (f->rd[i] > max)
            max = f->rd[i];
        if (f->wr[i] > max)
            max = f->wr[i];
    }
    h.size = max + 1;
    h.who = calloc((size_t)h.size, sizeof *h.who);
    if (h.who == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < f->n; i++) {
        *holder(&h, f->rd[i]) = (long)i + 1;
        *holder(&h, f->wr[i]) = -(long)i - 1;
    }
    int next = 0;                       /* the next number to give */
    f->max_rd = -1;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        while (*holder(&h, next) == 0)
            next++;
        if (f->rd[i] != next)
            rc = swap_into(f, &h, i, next);
        f->max_rd = f->rd[i];
        next++;
    }
    free(h.who);
    return rc;
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
