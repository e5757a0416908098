/*
 * bench_child.c: measuring in a forked child (see bench_child.h).
 */
#include "bench_child.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

long dcts_bench_status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kib = -1;
    size_t len = strlen(name);

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0) {
            kib = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

int dcts_bench_reset_peak_rss(void)
{
    /* "5" resets the high-water mark (Linux 4.0, proc(5)). */
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, "5", 1) == 1;

    if (fd >= 0)
        close(fd);
    return ok;
}

/* Reads the child's result until EOF, size bytes or the deadline;
 * returns the bytes read, or -1 when the deadline passed. */
static ssize_t read_result(int fd, void *buf, size_t size, double deadline)
{
    size_t got = 0;

    for (;;) {
        double left = deadline - dcts_clock();
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int rc = poll(&p, 1, (int)(left * 1000) + 1);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc <= 0)
            continue;
        ssize_t n = read(fd, (char *)buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (ssize_t)got;
        got += (size_t)n;
        if (got == size)
            return (ssize_t)got;
    }
}

static int write_all(int fd, const void *buf, size_t size)
{
    const char *p = buf;

    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int dcts_bench_in_child(dcts_bench_child_fn fn, void *arg, void *out,
                        size_t size, int in_process, double watchdog_s,
                        char *err, size_t errlen)
{
    memset(out, 0, size);
    if (in_process) {
        fn(arg, out);
        return 0;
    }

    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);                   /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        fn(arg, out);
        _exit(write_all(p[1], out, size) == 0 ? 0 : 1);
    }
    close(p[1]);
    ssize_t got = read_result(p[0], out, size, dcts_clock() + watchdog_s);
    close(p[0]);
    if (got < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (got == (ssize_t)size)
        return 0;
    if (got < 0) {
        snprintf(err, errlen, "no result within %.0f s (a pass that blocks, "
                 "or one that never ends)", watchdog_s);
    } else {
        char how[128];
        dcts_describe_wait_status(status, how, sizeof how);
        snprintf(err, errlen, "its process ended before its result: %s",
                 how);
    }
    return -1;
}
