/*
 * bench_baselines.c: raw epoll, poll and select loops and the oracle
 * (see bench_baselines.h).
 */
#include "bench_baselines.h"
#include "text.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

/* What every baseline's state starts with. */
typedef struct raw_run {
    dcts_bench_load *load;
    size_t n;
} raw_run;

static int always_fits(const void *arg, const dcts_bench_fds *fds,
                       char *why, size_t len)
{
    (void)arg, (void)fds, (void)why, (void)len;
    return 0;
}

/* ---- raw epoll ---------------------------------------------------------- */

typedef struct epoll_run {
    raw_run raw;
    int epfd;
    struct epoll_event *events;
} epoll_run;

static int epoll_open(void **state, const void *arg, dcts_bench_load *load)
{
    epoll_run *run = dcts_xmalloc(sizeof *run);

    (void)arg;
    run->raw.load = load;
    run->raw.n = load->fds->n;
    run->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (run->epfd < 0) {
        int err = errno;
        free(run);
        return -err;
    }
    run->events = dcts_xmalloc(sizeof *run->events * run->raw.n);
    *state = run;
    return 0;
}

static int epoll_add_all(void *state)
{
    epoll_run *run = state;

    for (size_t i = 0; i < run->raw.n; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };
        if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, run->raw.load->fds->rd[i],
                      &ev) != 0)
            return -errno;
    }
    return 0;
}

static int epoll_pass(void *state)
{
    epoll_run *run = state;
    int n = epoll_wait(run->epfd, run->events, (int)run->raw.n, 0);

    if (n < 0)
        return -errno;
    for (int k = 0; k < n; k++)
        dcts_bench_load_readable(run->raw.load,
                                 (size_t)run->events[k].data.u64);
    return 0;
}

static void epoll_close(void *state)
{
    epoll_run *run = state;

    close(run->epfd);
    free(run->events);
    free(run);
}

static const dcts_bench_ops raw_epoll_ops = {
    always_fits, epoll_open, epoll_add_all, epoll_pass, epoll_close,
};

/* ---- raw poll ----------------------------------------------------------- */

typedef struct poll_run {
    raw_run raw;
    struct pollfd *pfd;
} poll_run;

static int poll_open(void **state, const void *arg, dcts_bench_load *load)
{
    poll_run *run = dcts_xmalloc(sizeof *run);

    (void)arg;
    run->raw.load = load;
    run->raw.n = load->fds->n;
    run->pfd = dcts_xmalloc(sizeof *run->pfd * run->raw.n);
    *state = run;
    return 0;
}

static int poll_add_all(void *state)
{
    poll_run *run = state;

    for (size_t i = 0; i < run->raw.n; i++) {
        run->pfd[i].fd = run->raw.load->fds->rd[i];
        run->pfd[i].events = POLLIN;
        run->pfd[i].revents = 0;
    }
    return 0;
}

static int poll_pass(void *state)
{
    poll_run *run = state;
    int ready = poll(run->pfd, (nfds_t)run->raw.n, 0);

    if (ready < 0)
        return -errno;
    for (size_t i = 0; ready > 0 && i < run->raw.n; i++)
        if (run->pfd[i].revents) {
            ready--;
            dcts_bench_load_readable(run->raw.load, i);
        }
    return 0;
}

static void poll_close(void *state)
{
    poll_run *run = state;

    free(run->pfd);
    free(run);
}

static const dcts_bench_ops raw_poll_ops = {
    always_fits, poll_open, poll_add_all, poll_pass, poll_close,
};

/* ---- raw select --------------------------------------------------------- */

typedef struct select_run {
    raw_run raw;
    fd_set wanted;
    int nfds;
} select_run;

static int select_fits(const void *arg, const dcts_bench_fds *fds,
                       char *why, size_t len)
{
    (void)arg;
    if (fds->max_rd < FD_SETSIZE)
        return 0;
    snprintf(why, len, "fd %d is past FD_SETSIZE (%d)", fds->max_rd,
             FD_SETSIZE);
    return -1;
}

static int select_open(void **state, const void *arg, dcts_bench_load *load)
{
    select_run *run = dcts_xmalloc(sizeof *run);

    (void)arg;
    run->raw.load = load;
    run->raw.n = load->fds->n;
    *state = run;
    return 0;
}

static int select_add_all(void *state)
{
    select_run *run = state;
    const int *rd = run->raw.load->fds->rd;

    FD_ZERO(&run->wanted);
    run->nfds = 0;
    for (size_t i = 0; i < run->raw.n; i++) {
        FD_SET(rd[i], &run->wanted);
        if (rd[i] >= run->nfds)
            run->nfds = rd[i] + 1;
    }
    return 0;
}

static int select_pass(void *state)
{
    select_run *run = state;
    const int *rd = run->raw.load->fds->rd;
    fd_set ready_set = run->wanted;
    struct timeval no_wait = { 0, 0 };
    int ready = select(run->nfds, &ready_set, NULL, NULL, &no_wait);

    if (ready < 0)
        return -errno;
    for (size_t i = 0; ready > 0 && i < run->raw.n; i++)
        if (FD_ISSET(rd[i], &ready_set)) {
            ready--;
            dcts_bench_load_readable(run->raw.load, i);
        }
    return 0;
}

static void select_close(void *state)
{
    free(state);
}

static const dcts_bench_ops raw_select_ops = {
    select_fits, select_open, select_add_all, select_pass, select_close,
};

/* ---- the oracle --------------------------------------------------------- */

/* The pairs holding a byte: those this pass handles, and those it fills
 * for the next.  Every read takes one byte and writes at most one, so
 * neither list ever holds more than the A primed. */
typedef struct oracle_run {
    raw_run raw;
    size_t *now, *next;
    size_t nnow;
    int primed;
} oracle_run;

static int oracle_open(void **state, const void *arg, dcts_bench_load *load)
{
    oracle_run *run = dcts_xmalloc(sizeof *run);

    (void)arg;
    run->raw.load = load;
    run->raw.n = load->fds->n;
    run->now = dcts_xmalloc(sizeof *run->now * load->active);
    run->next = dcts_xmalloc(sizeof *run->next * load->active);
    run->nnow = 0;
    run->primed = 0;
    *state = run;
    return 0;
}

static int oracle_add_all(void *state)
{
    (void)state;                    /* nothing to register */
    return 0;
}

/* Each pass handles the pairs that held a byte when it began, like a
 * pass of a real loop; the first one after priming finds the primed (the
 * one before, in the setup, finds nothing). */
static int oracle_pass(void *state)
{
    oracle_run *run = state;
    dcts_bench_load *load = run->raw.load;
    size_t nnext = 0;

    if (!run->primed && load->fired > 0) {
        for (size_t i = 0; i < load->active; i++)
            run->now[run->nnow++] = dcts_bench_load_primed(load, i);
        run->primed = 1;
    }
    for (size_t i = 0; i < run->nnow; i++) {
        size_t written = dcts_bench_load_readable(load, run->now[i]);
        if (written != DCTS_BENCH_NONE)
            run->next[nnext++] = written;
    }
    size_t *done = run->now;
    run->now = run->next;
    run->next = done;
    run->nnow = nnext;
    return 0;
}

static void oracle_close(void *state)
{
    oracle_run *run = state;

    free(run->now);
    free(run->next);
    free(run);
}

static const dcts_bench_ops oracle_ops = {
    always_fits, oracle_open, oracle_add_all, oracle_pass, oracle_close,
};

/* ---- the table ---------------------------------------------------------- */

const dcts_bench_impl dcts_bench_baselines[] = {
    { "raw-epoll", &raw_epoll_ops, NULL, 1, NULL },
    { "raw-poll", &raw_poll_ops, NULL, 1, NULL },
    { "raw-select", &raw_select_ops, NULL, 1, NULL },
    { "oracle", &oracle_ops, NULL, 1, NULL },
};
const size_t dcts_bench_nbaselines =
    sizeof dcts_bench_baselines / sizeof dcts_bench_baselines[0];

const dcts_bench_impl *dcts_bench_baseline(const char *name)
{
    for (size_t i = 0; i < dcts_bench_nbaselines; i++)
        if (strcmp(dcts_bench_baselines[i].name, name) == 0)
            return &dcts_bench_baselines[i];
    return NULL;
}
