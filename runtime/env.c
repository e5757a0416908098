/*
 * env.c: the environment the skip conditions read, measured before any
 * backend code runs (dcts.h).
 */
#include "dcts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

dcts_env dcts_env_before;

static long limit_value(rlim_t v)
{
    return v == RLIM_INFINITY ? -1 : (long)v;
}

void dcts_env_measure(void)
{
    struct rlimit rl;
    dcts_env *e = &dcts_env_before;

    e->nofile_soft = e->nofile_hard = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        e->nofile_soft = limit_value(rl.rlim_cur);
        e->nofile_hard = limit_value(rl.rlim_max);
    }
    const char *socat = dcts_which("socat");
    snprintf(e->socat, sizeof e->socat, "%s", socat ? socat : "");
    e->measured = 1;
}

void dcts_env_measure_fds(void)
{
    dcts_env *e = &dcts_env_before;
    DIR *d = opendir("/proc/self/fd");

    memset(e->open_fd, 0, sizeof e->open_fd);
    e->open_above = 0;
    e->fds_measured = 0;
    if (!d)
        return;
    int own = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        int fd = atoi(de->d_name);
        /* Listed but not ours to use (a memory checker's own fds, which
         * it hides from fcntl and dup2): not open, as dcts_fd_is_open
         * sees it. */
        if (fd == own || !dcts_fd_is_open(fd))
            continue;
        if (fd < DCTS_ENV_FDS)
            e->open_fd[fd / 8] |= (unsigned char)(1u << (fd % 8));
        else
            e->open_above = 1;
    }
    closedir(d);
    e->fds_measured = 1;
}

/* True when fd was open before the backend was loaded. */
static int fd_was_open(int fd)
{
    const dcts_env *e = &dcts_env_before;
    if (!e->fds_measured || fd < 0)
        return dcts_fd_is_open(fd);     /* nothing better to go by */
    if (fd >= DCTS_ENV_FDS)
        return e->open_above && dcts_fd_is_open(fd);
    return (e->open_fd[fd / 8] >> (fd % 8)) & 1;
}

void dcts_need_free_fd(dcts_t *t, int fd)
{
    if (fd_was_open(fd))
        SKIP("fd %d was already open in this process before the backend "
             "was loaded; cannot move a socket onto it", fd);
    if (dcts_fd_is_open(fd))
        dcts_fail(t, "fd %d was free before the backend was loaded and the "
                  "backend holds it now: the case cannot move a socket onto "
                  "it (a SKIP is for the environment, not for what the "
                  "backend did)", fd);
}

int dcts_fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}
