/*
 * sd-event-closed-fd-source-unref.c: sd-event aborts (or reads freed
 * memory) when an I/O source is unref'd after its fd was closed while a
 * duplicate keeps the file open, and the file then becomes ready.
 *
 * Engine:  sd-event, libsystemd 252 (Debian 12: libsystemd-dev 252.39)
 * Clause:  CLS-1 (socket_closed works before or after close()) and CLS-2
 *          (after it the target is never called again); found by
 *          dispatch-cts case cls-duplicate-outlives-fd on the sdevent
 *          adapter (spec/expectations/sdevent.txt).
 *
 * What happens: epoll registers a file, not an fd number.  After
 * close(fd), sd_event_source_unref makes EPOLL_CTL_DEL on the closed
 * number, which fails with EBADF; sd-event ignores that and frees the
 * source, but the kernel keeps the entry (the duplicate holds the file),
 * with data.ptr still pointing at the freed source.  When the file
 * becomes readable, epoll_wait hands that pointer back and process_epoll()
 * reads the freed source's type: "Code should not be reached ...
 * process_epoll(). Aborting." (SIGABRT), or, under valgrind, an invalid
 * read in sd_event_wait.  Closing an fd before unref'ing its source is
 * what a program does whenever its close path and its event path are
 * separate, and duplicates are common (fork, dup2, SCM_RIGHTS).
 *
 * Build and run:
 *   cc -o repro docs/engine-findings/sd-event-closed-fd-source-unref.c -lsystemd
 *   ./repro; echo "exit $?"           # 134 (SIGABRT) with libsystemd 252
 *   valgrind ./repro                  # Invalid read in sd_event_wait
 *
 * Exit status 0 and "not reproduced" mean the engine handled it.
 */
#include <stdio.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *data)
{
    (void)s;
    (void)fd;
    (void)revents;
    (void)data;
    puts("callback of the unref'd source called");
    return 0;
}

int main(void)
{
    sd_event *loop = NULL;
    sd_event_source *source = NULL;
    int sv[2];

    if (sd_event_new(&loop) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
        sd_event_add_io(loop, &source, sv[0], EPOLLIN, on_io, NULL) < 0) {
        perror("setup");
        return 2;
    }
    int dup_fd = dup(sv[0]);            /* the file outlives the number */
    close(sv[0]);                       /* closed first ... */
    sd_event_source_unref(source);      /* ... then its source goes */
    if (write(sv[1], "x", 1) != 1) {    /* the old file becomes readable */
        perror("write");
        return 2;
    }
    int rc = sd_event_run(loop, 100 * 1000);    /* aborts here */
    printf("not reproduced: sd_event_run returned %d\n", rc);
    close(dup_fd);
    close(sv[1]);
    sd_event_unref(loop);
    return 0;
}
