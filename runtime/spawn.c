/*
 * spawn.c: other programs a case runs as peers (socat, ...), started with
 * dcts_spawn and killed and reaped by the runtime when the case ends.
 *
 * Where a peer lives, and why nothing survives the case:
 *
 * - It stays in the case's process group.  The harness runs each case in
 *   a process group of its own and, on a TIMEOUT or when the case process
 *   ends, SIGKILLs that whole group: the peer goes with it.  (A group of
 *   its own would hide the peer from that kill.)
 * - When the case ends normally (PASS, FAIL, SKIP), its clean-up (release_peers)
 *   SIGKILLs every peer still tracked and reaps it.
 * - PR_SET_PDEATHSIG kills it if the case process dies some other way
 *   (with --no-fork the case process is the harness itself).
 * - It gets no descriptor of ours: stdin and stdout are what the case
 *   passes (or /dev/null), stderr is the case's (the harness shows it
 *   under a failure), and everything from 3 up is closed before exec.
 */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *dcts_which(const char *name)
{
    static char found[4096];
    const char *path = getenv("PATH");

    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        struct stat st;
        if (n > 0 && (size_t)snprintf(found, sizeof found, "%.*s/%s",
                                      (int)n, path, name) < sizeof found &&
            stat(found, &st) == 0 && S_ISREG(st.st_mode) &&
            access(found, X_OK) == 0)
            return found;
        path += n;
        path += *path == ':';
    }
    return NULL;
}

/* ---- tracking ----------------------------------------------------------- */

/* The case's peers, killed and reaped when it ends. */
static struct {
    pid_t *pids;
    size_t n, cap;
} peers;

static int tracked(pid_t pid)
{
    for (size_t i = 0; i < peers.n; i++)
        if (peers.pids[i] == pid)
            return 1;
    return 0;
}

static void untrack_pid(pid_t pid)
{
    for (size_t i = 0; i < peers.n; i++)
        if (peers.pids[i] == pid) {
            peers.pids[i] = peers.pids[--peers.n];
            return;
        }
}

static void release_peers(void)
{
    for (size_t i = 0; i < peers.n; i++) {
        pid_t pid = peers.pids[i];
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(peers.pids);
    memset(&peers, 0, sizeof peers);
}

/* ---- starting ----------------------------------------------------------- */

/* In the child, between fork and exec: only async-signal-safe calls (the
 * case process may have helper threads). */
static void exec_child(const char *path, char *const argv[], int in_fd,
                       int out_fd, pid_t parent, int fd_limit)
{
    sigset_t none;
    struct sigaction dfl;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)            /* the case died before prctl */
        _exit(127);
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGPIPE, &dfl, NULL);     /* the harness ignores it */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int nul = open("/dev/null", O_RDWR);
    /* Copies at 3 or above first, so that setting up 0 cannot clobber
     * what goes to 1. */
    int in = fcntl(in_fd >= 0 ? in_fd : nul, F_DUPFD, 3);
    int out = fcntl(out_fd >= 0 ? out_fd : nul, F_DUPFD, 3);
    if (nul < 0 || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
        _exit(127);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
        for (int fd = 3; fd < fd_limit; fd++)
            close(fd);
    execv(path, argv);
    _exit(127);
}

/* Room for one more pid, so that nothing can fail between fork and
 * tracking the child. */
static void reserve_pid_slot(dcts_t *t)
{
    pid_t *grown = dcts_grow(peers.pids, &peers.cap, peers.n, sizeof *peers.pids, 8);
    if (grown == NULL)
        dcts_harness_skip(t, "harness: out of memory tracking processes");
    peers.pids = grown;
    dcts_add_cleanup(DCTS_CLEANUP_PEERS, release_peers);
}

pid_t dcts_spawn(dcts_t *t, char *const argv[], int in_fd, int out_fd)
{
    const char *path = argv[0];
    struct rlimit rl;
    int fd_limit = 65536;

    if (strchr(path, '/') == NULL && (path = dcts_which(argv[0])) == NULL)
        dcts_harness_skip(t, "harness: %s is not on PATH", argv[0]);
    if (access(path, X_OK) != 0)
        dcts_harness_skip(t, "harness: cannot run %s: %s", path, strerror(errno));
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
        fd_limit = (int)rl.rlim_cur;
    reserve_pid_slot(t);

    fflush(NULL);               /* nothing buffered may be written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        dcts_harness_skip(t, "harness: fork for %s: %s", path, strerror(errno));
    if (pid == 0)
        exec_child(path, argv, in_fd, out_fd, parent, fd_limit);
    peers.pids[peers.n++] = pid;
    return pid;
}

/* ---- ending ------------------------------------------------------------- */

int dcts_spawn_done(dcts_t *t, pid_t pid, int *status)
{
    int st = 0;
    pid_t r;

    if (!tracked(pid))
        dcts_harness_skip(t, "harness: process %ld is not a peer of this case",
                  (long)pid);
    do
        r = waitpid(pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    if (r < 0)
        dcts_harness_skip(t, "harness: waitpid(%ld): %s", (long)pid, strerror(errno));
    untrack_pid(pid);
    if (status)
        *status = st;
    return 1;
}

const char *dcts_exit_text(int status)
{
    static char buf[64];
    if (WIFEXITED(status))
        snprintf(buf, sizeof buf, "exited with status %d",
                 WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, sizeof buf, "killed by signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, sizeof buf, "wait status %#x", (unsigned)status);
    return buf;
}
