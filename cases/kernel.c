/*
 * kernel.c: the real kernel objects cases use (socketpairs, pipes, TCP on
 * 127.0.0.1), tracked so the runtime closes them when the case ends.
 */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void dcts_track_fd(dcts_t *t, int fd)
{
    if (dcts_rt.nfds == dcts_rt.fds_cap) {
        size_t cap = dcts_rt.fds_cap ? dcts_rt.fds_cap * 2 : 64;
        int *grown = realloc(dcts_rt.fds, cap * sizeof *grown);
        if (grown == NULL) {
            close(fd);
            dcts_fail(t, "harness: out of memory tracking fds");
        }
        dcts_rt.fds = grown;
        dcts_rt.fds_cap = cap;
    }
    dcts_rt.fds[dcts_rt.nfds++] = fd;
}

static void untrack_fd(int fd)
{
    for (size_t i = dcts_rt.nfds; i-- > 0;)
        if (dcts_rt.fds[i] == fd) {
            dcts_rt.fds[i] = dcts_rt.fds[--dcts_rt.nfds];
            return;
        }
}

static void nonblocking(dcts_t *t, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        dcts_fail(t, "harness: fcntl(O_NONBLOCK) on fd %d: %s", fd,
                  strerror(errno));
}

int dcts_own_fd(dcts_t *t, int fd)
{
    if (fd < 0)
        dcts_fail(t, "harness: making a kernel object failed: %s",
                  strerror(errno));
    dcts_track_fd(t, fd);
    return fd;
}

void dcts_close(dcts_t *t, int fd)
{
    (void)t;
    untrack_fd(fd);
    close(fd);
}

int dcts_move_fd(dcts_t *t, int fd, int target)
{
    if (dup2(fd, target) < 0)
        dcts_fail(t, "harness: dup2(%d, %d): %s", fd, target, strerror(errno));
    dcts_own_fd(t, target);
    dcts_close(t, fd);
    return target;
}

void dcts_need_nofile(dcts_t *t, long n)
{
    const dcts_env *e = &dcts_env_before;
    struct rlimit rl;

    /* The environment, as measured before the backend ran, decides a
     * SKIP; what the backend changed since is its own doing. */
    if (e->measured && e->nofile_hard >= 0 && e->nofile_hard < n)
        dcts_skip(t, "needs %ld file descriptors; RLIMIT_NOFILE hard limit "
                  "is %ld", n, e->nofile_hard);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        dcts_skip(t, "getrlimit(RLIMIT_NOFILE) failed: %s", strerror(errno));
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (rlim_t)n)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)n) {
        if (e->measured)
            dcts_fail(t, "needs %ld file descriptors: RLIMIT_NOFILE's hard "
                      "limit was %ld before the backend was loaded, the "
                      "backend lowered it to %llu (a SKIP is for the "
                      "environment, not for what the backend did)", n,
                      e->nofile_hard, (unsigned long long)rl.rlim_max);
        dcts_skip(t, "needs %ld file descriptors; RLIMIT_NOFILE hard limit "
                  "is %llu", n, (unsigned long long)rl.rlim_max);
    }
    rl.rlim_cur = (rlim_t)n;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        dcts_skip(t, "cannot raise RLIMIT_NOFILE to %ld: %s", n,
                  strerror(errno));
}

void dcts_socketpair(dcts_t *t, int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
        dcts_fail(t, "harness: socketpair: %s", strerror(errno));
    dcts_own_fd(t, sv[0]);
    dcts_own_fd(t, sv[1]);
}

void dcts_socketpair_at(dcts_t *t, int sv[2], int fd)
{
    if (fd < 0 || dcts_fd_is_open(fd))
        dcts_fail(t, "harness: fd %d is not free for reuse", fd);
    dcts_socketpair(t, sv);
    if (sv[1] == fd) {                  /* the kernel gave it to the peer */
        sv[1] = sv[0];
        sv[0] = fd;
    } else if (sv[0] != fd) {
        sv[0] = dcts_move_fd(t, sv[0], fd);
    }
}

void dcts_pipe(dcts_t *t, int p[2])
{
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
        dcts_fail(t, "harness: pipe: %s", strerror(errno));
    dcts_own_fd(t, p[0]);
    dcts_own_fd(t, p[1]);
}

static int tcp_socket(dcts_t *t)
{
    return dcts_own_fd(t, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    return a;
}

static int bound_port(dcts_t *t, int fd)
{
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) ||
        getsockname(fd, (struct sockaddr *)&a, &len))
        dcts_fail(t, "harness: bind to 127.0.0.1: %s", strerror(errno));
    return ntohs(a.sin_port);
}

int dcts_tcp_listener(dcts_t *t, int *port)
{
    int fd = tcp_socket(t);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    *port = bound_port(t, fd);
    if (listen(fd, 64))
        dcts_fail(t, "harness: listen: %s", strerror(errno));
    nonblocking(t, fd);
    return fd;
}

void dcts_tcp_pair(dcts_t *t, int *client, int *server)
{
    int port, one = 1;
    int lfd = dcts_tcp_listener(t, &port);
    struct sockaddr_in a = loopback(port);

    *client = tcp_socket(t);
    if (connect(*client, (struct sockaddr *)&a, sizeof a))
        dcts_fail(t, "harness: connect to 127.0.0.1:%d: %s", port,
                  strerror(errno));
    for (int tries = 0; (*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0;
         tries++) {
        if (errno != EAGAIN || tries > 1000)
            dcts_fail(t, "harness: accept: %s", strerror(errno));
        dcts_sleep_ms(1);
    }
    dcts_own_fd(t, *server);
    dcts_close(t, lfd);
    nonblocking(t, *client);
    nonblocking(t, *server);
    setsockopt(*client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int dcts_closed_port(dcts_t *t)
{
    /* Bound but never listening: a connect to it is refused.  The socket
     * stays open for the case's lifetime so nobody else takes the port. */
    return bound_port(t, tcp_socket(t));
}

void dcts_write_byte(dcts_t *t, int fd)
{
    char c = 'x';
    if (write(fd, &c, 1) != 1)
        dcts_fail(t, "harness: write to fd %d: %s", fd, strerror(errno));
}

long dcts_drain(int fd)
{
    char buf[4096];
    long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n == 0)
            return total;
        return (errno == EAGAIN && total >= 0) ? total : -1;
    }
}

void dcts_fill(dcts_t *t, int fd)
{
    static char buf[65536];
    for (int i = 0; i < 4096; i++) {
        if (write(fd, buf, sizeof buf) < 0) {
            if (errno == EAGAIN)
                return;
            dcts_fail(t, "harness: filling fd %d: %s", fd, strerror(errno));
        }
    }
    dcts_fail(t, "harness: fd %d never filled up", fd);
}

int dcts_fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

int dcts_await(dcts_t *t, int fd, int events, double ms)
{
    struct pollfd pfd = { fd, (short)events, 0 };
    double start = dcts_now();

    for (;;) {
        double left = ms - dcts_ms_since(start);
        int n = poll(&pfd, 1, left > 0 ? (int)left + 1 : 0);
        if (n > 0 && (pfd.revents & (events | POLLERR | POLLHUP)))
            return pfd.revents;
        if (n < 0 && errno != EINTR)
            dcts_fail(t, "harness: poll on fd %d: %s", fd, strerror(errno));
        if (n > 0 && (pfd.revents & POLLNVAL))
            dcts_fail(t, "harness: fd %d is not open", fd);
        if (dcts_ms_since(start) >= ms)
            dcts_fail(t, "harness: fd %d did not report events %#x within "
                      "%.0f ms", fd, (unsigned)events, ms);
    }
}

void dcts_send_urgent(dcts_t *t, int fd)
{
    if (send(fd, "!", 1, MSG_OOB) != 1)
        dcts_fail(t, "harness: send(MSG_OOB) on fd %d: %s", fd,
                  strerror(errno));
}

void dcts_close_reset(dcts_t *t, int fd)
{
    struct linger hard = { 1, 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard))
        dcts_fail(t, "harness: SO_LINGER on fd %d: %s", fd, strerror(errno));
    dcts_close(t, fd);
}

int dcts_unix_listener(dcts_t *t, const char *path)
{
    struct sockaddr_un a;
    int fd = dcts_own_fd(t, socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
                                   SOCK_CLOEXEC, 0));

    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path)
        dcts_fail(t, "harness: UNIX socket path too long: %s", path);
    strcpy(a.sun_path, path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64))
        dcts_fail(t, "harness: UNIX socket %s: %s", path, strerror(errno));
    return fd;
}

int dcts_memfile(dcts_t *t, const char *name, const void *data, size_t len)
{
    int fd = dcts_own_fd(t, memfd_create(name, MFD_CLOEXEC));
    const char *p = data;

    while (data && len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            dcts_fail(t, "harness: writing memfd %s: %s", name,
                      strerror(errno));
        p += n, len -= (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        dcts_fail(t, "harness: lseek on memfd %s: %s", name, strerror(errno));
    return fd;
}
