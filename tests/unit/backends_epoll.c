/*
 * backends_epoll.c: the epoll backend's orphaned kernel entries (see the
 * top of backends/epoll/epoll.c).  The pass looks for orphans only while
 * they can exist; these tests make one each way the backend knows of and
 * check that it is still found: the wait sleeps instead of returning at
 * once for an entry nobody holds (LIM-3), and its events reach nobody.
 * The suite's cls-duplicate-outlives-fd covers the EPOLL_CTL_DEL way; the
 * renewed generation (a replacement on a reused number, no socket_closed)
 * is covered only here.
 *
 * The backend is the one built beside this test ($(BUILD)/backends).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dispatch_context.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How long a wait with nothing ready must at least sleep: a spin on an
 * orphan returns in well under a millisecond, even under valgrind. */
#define WAIT_S 0.05
#define SLEPT_AT_LEAST_S 0.035

typedef struct probe {
    dc_target target;           /* first: the backend hands it back */
    int calls;
} probe;

static int on_event(dc_target *self, unsigned long r, unsigned long w,
                    unsigned long e)
{
    probe *p = (probe *)self;
    char byte;

    (void)w, (void)e;
    p->calls++;
    if (r)
        (void)!read(self->fd, &byte, 1);
    return 0;
}

typedef struct fixture {
    void *dl;
    const dc_backend *be;
    dc_context *ctx;
} fixture;

/* $(BUILD)/tests/NAME -> $(BUILD)/backends/epoll.so */
static const char *epoll_path(void)
{
    static char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);

    if (n <= 0)
        return "build/backends/epoll.so";
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    strcat(path, "/../backends/epoll.so");
    return path;
}

static int setup(void **state)
{
    static fixture f;
    const dc_backend *(*entry)(void);

    f.dl = dlopen(epoll_path(), RTLD_NOW | RTLD_LOCAL);
    if (f.dl == NULL) {
        print_error("%s\n", dlerror());
        return -1;
    }
    *(void **)&entry = dlsym(f.dl, "dc_backend_v1");
    if (entry == NULL || (f.be = entry()) == NULL || f.be->create(&f.ctx))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    f->be->destroy(f->ctx);
    dlclose(f->dl);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One dispatch_once of WAIT_S; returns how long it took. */
static double timed_dispatch(const fixture *f)
{
    double timeout = WAIT_S, start = now_s();

    assert_int_equal(f->be->dispatch_once(f->ctx, &timeout, NULL, NULL), 0);
    return now_s() - start;
}

/* A socketpair whose first end is number fd. */
static void socketpair_at(int fd, int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    if (sv[0] != fd) {
        assert_int_equal(dup2(sv[0], fd), fd);
        close(sv[0]);
        sv[0] = fd;
    }
}

/* O's fd is duplicated and closed behind the backend's back; a new socket
 * takes the number and N registers there, replacing O without any
 * socket_closed.  The backend's EPOLL_CTL_MOD then finds no entry for
 * the new file, and renews the generation; the old file's entry lives on
 * through the duplicate, tagged with the old one.  When the old file turns
 * readable, the wait must still sleep, and N must not hear of it. */
static void replacement_leaves_an_orphan(void **state)
{
    const fixture *f = *state;
    int a[2], b[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    probe o = { .target = { .fd = a[0], .dispatch_event = on_event } };

    assert_int_equal(f->be->set_dispatch_filter(f->ctx, &o.target, 1, 0, 0), 0);
    timed_dispatch(f);                  /* the wait has seen O's file */
    int dup_fd = dup(a[0]);             /* the old file outlives the number */
    close(a[0]);
    socketpair_at(a[0], b);
    probe n = { .target = { .fd = b[0], .dispatch_event = on_event } };
    assert_int_equal(f->be->set_dispatch_filter(f->ctx, &n.target, 1, 0, 0), 0);

    assert_int_equal(write(a[1], "x", 1), 1);   /* the old file is readable */
    double slept = timed_dispatch(f);
    if (slept < SLEPT_AT_LEAST_S)
        fail_msg("dispatch_once(%.3f s) returned after %.4f s: the orphan of "
                 "the replaced file ends every wait (LIM-3)", WAIT_S, slept);
    assert_int_equal(n.calls, 0);
    assert_int_equal(o.calls, 0);

    assert_int_equal(write(b[1], "y", 1), 1);   /* N's own byte */
    timed_dispatch(f);
    assert_int_equal(n.calls, 1);
    assert_int_equal(o.calls, 0);

    f->be->socket_closed(f->ctx, b[0], &n.target);
    close(dup_fd), close(a[1]), close(b[0]), close(b[1]);
}

/* The other way: O's fd is duplicated, closed, then socket_closed (the
 * EPOLL_CTL_DEL fails); nobody holds the number.  The same two checks. */
static void removal_after_close_leaves_an_orphan(void **state)
{
    const fixture *f = *state;
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    probe o = { .target = { .fd = a[0], .dispatch_event = on_event } };

    assert_int_equal(f->be->set_dispatch_filter(f->ctx, &o.target, 1, 0, 0), 0);
    timed_dispatch(f);
    int dup_fd = dup(a[0]);
    close(a[0]);
    assert_int_equal(f->be->socket_closed(f->ctx, a[0], &o.target), 0);

    assert_int_equal(write(a[1], "x", 1), 1);
    double slept = timed_dispatch(f);
    if (slept < SLEPT_AT_LEAST_S)
        fail_msg("dispatch_once(%.3f s) returned after %.4f s: the orphan of "
                 "the closed fd ends every wait (LIM-3)", WAIT_S, slept);
    assert_int_equal(o.calls, 0);
    close(dup_fd), close(a[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replacement_leaves_an_orphan,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(removal_after_close_leaves_an_orphan,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
