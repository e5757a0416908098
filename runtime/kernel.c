/*
 * kernel.c: the real kernel objects cases use (socketpairs, pipes, TCP on
 * 127.0.0.1), tracked so the runtime closes them when the case ends.
 */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The case's descriptors, closed when it ends, and the numbers
 * dcts_close_keep_number holds (each also a tracked descriptor). */
static struct {
    int *fds;
    size_t n, cap;
    int kept[8];
    size_t nkept;
} own;

static void close_all(void)
{
    for (size_t i = 0; i < own.n; i++)
        close(own.fds[i]);
    free(own.fds);
    memset(&own, 0, sizeof own);
}

static void track_fd(dcts_t *t, int fd)
{
    int *grown = dcts_grow(own.fds, &own.cap, own.n, sizeof *own.fds, 64);
    if (grown == NULL) {
        close(fd);
        dcts_harness_skip(t, "harness: out of memory tracking fds");
    }
    own.fds = grown;
    own.fds[own.n++] = fd;
    dcts_add_cleanup(DCTS_CLEANUP_FDS, close_all);
}

static void untrack_fd(int fd)
{
    for (size_t i = own.n; i-- > 0;)
        if (own.fds[i] == fd) {
            own.fds[i] = own.fds[--own.n];
            return;
        }
}

static void nonblocking(dcts_t *t, int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        dcts_harness_skip(t, "harness: fcntl(O_NONBLOCK) on fd %d: %s", fd,
                  strerror(errno));
}

int dcts_own_fd(dcts_t *t, int fd)
{
    if (fd < 0)
        dcts_harness_skip(t, "harness: making a kernel object failed: %s",
                  strerror(errno));
    track_fd(t, fd);
    return fd;
}

/* Whether number fd is held by dcts_close_keep_number; forgets it when
 * release is set (the caller is about to put its new file there). */
static int kept_number(int fd, int release)
{
    for (size_t i = 0; i < own.nkept; i++)
        if (own.kept[i] == fd) {
            if (release)
                own.kept[i] = own.kept[--own.nkept];
            return 1;
        }
    return 0;
}

void dcts_close(dcts_t *t, int fd)
{
    (void)t;
    kept_number(fd, 1);
    untrack_fd(fd);
    close(fd);
}

int dcts_move_fd(dcts_t *t, int fd, int target)
{
    if (target == fd)
        return fd;
    if (kept_number(target, 1))
        untrack_fd(target);             /* dup2 replaces the placeholder */
    else if (dcts_fd_is_open(target))
        dcts_harness_skip(t, "harness: fd %d is taken (an fd the backend "
                          "opened for itself, which CLS-6 allows, or one "
                          "the process holds): the case cannot put a socket "
                          "on that number", target);
    if (dup2(fd, target) < 0)
        dcts_harness_skip(t, "harness: dup2(%d, %d): %s", fd, target,
                          strerror(errno));
    dcts_own_fd(t, target);
    dcts_close(t, fd);
    return target;
}

void dcts_close_keep_number(dcts_t *t, int fd)
{
    int p[2];

    if (own.nkept == sizeof own.kept / sizeof own.kept[0])
        dcts_harness_skip(t, "harness: too many fd numbers kept at once");
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
        dcts_harness_skip(t, "harness: pipe: %s", strerror(errno));
    dcts_own_fd(t, p[1]);               /* the writer: the reader stays idle */
    /* One dup2: the old file goes, and no fd opened meanwhile can take
     * the number. */
    if (dup2(p[0], fd) < 0) {
        close(p[0]);
        dcts_harness_skip(t, "harness: dup2(%d, %d): %s", p[0], fd,
                          strerror(errno));
    }
    close(p[0]);
    own.kept[own.nkept++] = fd;  /* still tracked: closed at the end */
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
        dcts_harness_skip(t, "harness: socketpair: %s", strerror(errno));
    dcts_own_fd(t, sv[0]);
    dcts_own_fd(t, sv[1]);
}

void dcts_socketpair_at(dcts_t *t, int sv[2], int fd)
{
    if (fd < 0 || (dcts_fd_is_open(fd) && !kept_number(fd, 0)))
        dcts_harness_skip(t, "harness: fd %d, which the case freed to reuse, "
                          "was taken meanwhile (by an fd the backend opened "
                          "for itself, which CLS-6 allows): the reuse cannot "
                          "be staged", fd);
    dcts_socketpair(t, sv);
    if (sv[1] == fd) {                  /* the kernel gave it to the peer */
        sv[1] = sv[0];
        sv[0] = fd;
    } else if (sv[0] != fd) {
        sv[0] = dcts_move_fd(t, sv[0], fd);
    }
}

/* A backend may open fds of its own after the case counted (an epoll fd
 * made lazily, a self-pipe), which push the case's fds up by as many. */
#define BACKEND_FD_RESERVE 8

/* Numbers scanned one by one; above, a case's fds never reach. */
#define FD_ROOM_SCAN 65536

int dcts_fd_room(dcts_t *t)
{
    int limit = t->be->fd_limit, room = 0;

    if (limit <= 0)
        return INT_MAX;
    for (int fd = 0; fd < limit && fd < FD_ROOM_SCAN; fd++)
        room += !dcts_fd_is_open(fd);
    if (limit > FD_ROOM_SCAN)
        room += limit - FD_ROOM_SCAN;
    return room > BACKEND_FD_RESERVE ? room - BACKEND_FD_RESERVE : 0;
}

void dcts_need_fd_room(dcts_t *t, int n)
{
    int room = dcts_fd_room(t);

    if (room < n)
        dcts_skip_declared(t, "needs %d more fds below the backend's fd_limit %d; "
                  "only %d are free there (keeping %d for the backend's own)",
                  n, t->be->fd_limit, room, BACKEND_FD_RESERVE);
    dcts_need_nofile(t, (long)n + 256);
}

void dcts_pipe(dcts_t *t, int p[2])
{
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
        dcts_harness_skip(t, "harness: pipe: %s", strerror(errno));
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
        dcts_harness_skip(t, "harness: bind to 127.0.0.1: %s", strerror(errno));
    return ntohs(a.sin_port);
}

int dcts_tcp_listener(dcts_t *t, int *port)
{
    int fd = tcp_socket(t);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    *port = bound_port(t, fd);
    if (listen(fd, 64))
        dcts_harness_skip(t, "harness: listen: %s", strerror(errno));
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
        dcts_harness_skip(t, "harness: connect to 127.0.0.1:%d: %s", port,
                  strerror(errno));
    for (int tries = 0; (*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0;
         tries++) {
        if (errno != EAGAIN || tries > 1000)
            dcts_harness_skip(t, "harness: accept: %s", strerror(errno));
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
        dcts_harness_skip(t, "harness: write to fd %d: %s", fd, strerror(errno));
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
            dcts_harness_skip(t, "harness: filling fd %d: %s", fd, strerror(errno));
        }
    }
    dcts_harness_skip(t, "harness: fd %d never filled up", fd);
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
            dcts_harness_skip(t, "harness: poll on fd %d: %s", fd, strerror(errno));
        if (n > 0 && (pfd.revents & POLLNVAL))
            dcts_harness_skip(t, "harness: fd %d is not open", fd);
        if (dcts_ms_since(start) >= ms)
            dcts_harness_skip(t, "harness: fd %d did not report events %#x within "
                      "%.0f ms", fd, (unsigned)events, ms);
    }
}

void dcts_send_urgent(dcts_t *t, int fd)
{
    if (send(fd, "!", 1, MSG_OOB) != 1)
        dcts_harness_skip(t, "harness: send(MSG_OOB) on fd %d: %s", fd,
                  strerror(errno));
}

void dcts_close_reset(dcts_t *t, int fd)
{
    struct linger hard = { 1, 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard))
        dcts_harness_skip(t, "harness: SO_LINGER on fd %d: %s", fd, strerror(errno));
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
        dcts_harness_skip(t, "harness: UNIX socket path too long: %s", path);
    strcpy(a.sun_path, path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 64))
        dcts_harness_skip(t, "harness: UNIX socket %s: %s", path, strerror(errno));
    return fd;
}

int dcts_memfile(dcts_t *t, const char *name, const void *data, size_t len)
{
    int fd = dcts_own_fd(t, memfd_create(name, MFD_CLOEXEC));
    const char *p = data;

    while (data && len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            dcts_harness_skip(t, "harness: writing memfd %s: %s", name,
                      strerror(errno));
        p += n, len -= (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        dcts_harness_skip(t, "harness: lseek on memfd %s: %s", name, strerror(errno));
    return fd;
}
