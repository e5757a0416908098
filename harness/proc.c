/*
 * proc.c: forking, watching, killing and reaping children; the harness's
 * interrupt handling.  See proc.h.
 */
#include "proc.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* After a child exits, how long its pipes may stay open (held by an
 * escaped grandchild) before the harness stops waiting for EOF. */
#define EXIT_GRACE_S 1.0
/* ... and how long before the harness kills what holds them. */
#define ORPHAN_CHECK_S 0.02
/* SIGCHLD wakes the harness up (through a self-pipe); this period is only
 * a safety net should a wake-up ever be lost, and the watch on a killed
 * child until it is gone. */
#define SAFETY_PERIOD_S 0.25
#define KILLED_PERIOD_S 0.01
/* At most this much is read from one pipe per round, so a child that
 * writes without end cannot starve the others. */
#define READ_PER_ROUND (64 * 1024)

double dcts_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- signals ------------------------------------------------------------- */

static const int interrupting[] = { SIGINT, SIGTERM, SIGHUP };
#define N_INTERRUPTING (sizeof interrupting / sizeof interrupting[0])

/* The process-wide state signals need, and nothing else: the interrupt
 * caught, the wake-up self-pipe (owner: the process that made it; a fork
 * must make its own), and the dispositions to restore. */
static volatile sig_atomic_t caught_signal;
static struct {
    pid_t owner;
    int rd, wr;
} wake = { 0, -1, -1 };
static struct {
    int installed, watching;
    struct sigaction old_int[N_INTERRUPTING], old_pipe, old_chld;
} sigstate;

static void poke(void)
{
    int saved = errno;
    if (wake.wr >= 0 && write(wake.wr, "", 1) < 0) {
        /* full: a wake-up is pending anyway */
    }
    errno = saved;
}

static void on_sigchld(int sig)
{
    (void)sig;
    poke();
}

static void on_interrupt(int sig)
{
    if (!caught_signal)
        caught_signal = sig;
    poke();
}

static void make_wake_pipe(void)
{
    if (wake.owner == getpid() && wake.rd >= 0)
        return;
    if (wake.rd >= 0) {                 /* the parent's, inherited */
        close(wake.rd);
        close(wake.wr);
        wake.rd = wake.wr = -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return;                         /* the safety period will do */
    wake.rd = p[0];
    wake.wr = p[1];
    wake.owner = getpid();
}

/* Makes sure a child's exit wakes dcts_proc_step up. */
static void watch_sigchld(void)
{
    struct sigaction sa, cur;

    make_wake_pipe();
    sigaction(SIGCHLD, NULL, &cur);
    if (cur.sa_handler == on_sigchld)
        return;
    if (!sigstate.watching)
        sigstate.old_chld = cur;
    sigstate.watching = 1;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
}

void dcts_signals_install(void)
{
    struct sigaction sa;

    if (sigstate.installed)
        return;
    make_wake_pipe();
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &sigstate.old_pipe);
    /* SA_RESTART: only the harness's poll() (never restarted) is to
     * notice; the self-pipe makes sure it does, whenever it comes. */
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < N_INTERRUPTING; i++) {
        sigaction(interrupting[i], NULL, &sigstate.old_int[i]);
        if (sigstate.old_int[i].sa_handler != SIG_IGN)  /* nohup: keep */
            sigaction(interrupting[i], &sa, NULL);
    }
    sigstate.installed = 1;
}

int dcts_signals_caught(void)
{
    return caught_signal;
}

void dcts_signals_restore(void)
{
    int sig = caught_signal;

    if (sigstate.installed) {
        for (size_t i = 0; i < N_INTERRUPTING; i++)
            sigaction(interrupting[i], &sigstate.old_int[i], NULL);
        sigaction(SIGPIPE, &sigstate.old_pipe, NULL);
        sigstate.installed = 0;
    }
    if (sigstate.watching) {
        sigaction(SIGCHLD, &sigstate.old_chld, NULL);
        sigstate.watching = 0;
    }
    if (wake.rd >= 0 && wake.owner == getpid()) {
        close(wake.rd);
        close(wake.wr);
    }
    wake.rd = wake.wr = -1;
    wake.owner = 0;
    if (sig) {
        signal(sig, SIG_DFL);
        raise(sig);
        exit(128 + sig);                /* if it did not kill us */
    }
}

static const struct { int sig; const char *name; } signames[] = {
    { SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
    { SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
    { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
    { SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
    { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
    { SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
    { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
    { SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
    { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
    { SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGSYS, "SIGSYS" },
#ifdef SIGSTKFLT
    { SIGSTKFLT, "SIGSTKFLT" },
#endif
#ifdef SIGPWR
    { SIGPWR, "SIGPWR" },
#endif
};

const char *dcts_signal_name(int sig, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
        if (signames[i].sig == sig)
            return signames[i].name;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, len, "signal %d", sig);
    return buf;
}

void dcts_describe_wait_status(int wstatus, char *buf, size_t len)
{
    char tmp[32];
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        const char *desc = strsignal(sig);
        snprintf(buf, len, "killed by %s (%s)",
                 dcts_signal_name(sig, tmp, sizeof tmp),
                 desc ? desc : "unknown signal");
    } else if (WIFEXITED(wstatus)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
    } else {
        snprintf(buf, len, "ended with wait status %#x", (unsigned)wstatus);
    }
}

/* ---- captured output ----------------------------------------------------- */

void dcts_capture_add(dcts_capture *c, const char *data, size_t n)
{
    c->total += n;
    if (c->head_len < sizeof c->head) {
        size_t k = sizeof c->head - c->head_len;
        if (k > n)
            k = n;
        memcpy(c->head + c->head_len, data, k);
        c->head_len += k;
        data += k, n -= k;
    }
    if (n > sizeof c->tail) {               /* only the last part matters */
        data += n - sizeof c->tail;
        n = sizeof c->tail;
    }
    while (n) {
        size_t k = sizeof c->tail - c->tail_pos;
        if (k > n)
            k = n;
        memcpy(c->tail + c->tail_pos, data, k);
        c->tail_pos = (c->tail_pos + k) % sizeof c->tail;
        c->tail_len += k;
        if (c->tail_len > sizeof c->tail)
            c->tail_len = sizeof c->tail;
        data += k, n -= k;
    }
}

char *dcts_capture_text(const dcts_capture *c)
{
    dcts_buf b = DCTS_BUF_INIT;
    if (c->total == 0)
        return NULL;
    dcts_buf_add(&b, c->head, c->head_len);
    size_t dropped = c->total - c->head_len - c->tail_len;
    if (dropped)
        dcts_buf_printf(&b, "%s[... %zu bytes not shown ...]\n",
                        (b.len && b.data[b.len - 1] != '\n') ? "\n" : "",
                        dropped);
    if (c->tail_len) {
        size_t first = (c->tail_pos + sizeof c->tail - c->tail_len)
                       % sizeof c->tail;
        size_t k = sizeof c->tail - first;
        if (k > c->tail_len)
            k = c->tail_len;
        dcts_buf_add(&b, c->tail + first, k);
        dcts_buf_add(&b, c->tail, c->tail_len - k);
    }
    /* The text is handed on as a C string: a NUL the child wrote must
     * not cut it short. */
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\0')
            b.data[i] = '?';
    return dcts_buf_take(&b);
}

/* ---- every descendant accounted for --------------------------------------- */

/* The children spawn made and reap has not reaped yet: any other child of
 * this process is an orphan of a case that ended (the harness is a child
 * subreaper, so whatever a case process leaves behind, setsid or not,
 * becomes its child when that process ends). */
static pid_t *known;
static size_t nknown, known_cap;

static void know(pid_t pid)
{
    if (nknown == known_cap) {
        known_cap = known_cap ? 2 * known_cap : 16;
        known = dcts_xrealloc(known, sizeof *known * known_cap);
    }
    known[nknown++] = pid;
}

static void forget(pid_t pid)
{
    for (size_t i = 0; i < nknown; i++)
        if (known[i] == pid) {
            known[i] = known[--nknown];
            break;
        }
    if (nknown == 0) {
        free(known);
        known = NULL;
        known_cap = 0;
    }
}

static int is_known(pid_t pid)
{
    for (size_t i = 0; i < nknown; i++)
        if (known[i] == pid)
            return 1;
    return 0;
}

/* The parent pid of pid from /proc/PID/stat, or -1. */
static pid_t parent_of(const char *pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold anything, even ')'. */
    char *end = strrchr(buf, ')');
    char state;
    int ppid;
    if (!end || sscanf(end + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return (pid_t)ppid;
}

/* Kills every child of this process that spawn did not make, reaps it,
 * and again for the children those leave behind, until none is left.
 * Returns how many processes it killed. */
static size_t sweep(int all)
{
    size_t killed = 0;
    pid_t self = getpid();

    for (int round = 0; round < 10000; round++) {
        size_t found = 0;
        DIR *d = opendir("/proc");
        if (!d)
            return killed;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            pid_t pid = (pid_t)atoi(e->d_name);
            if (pid == self || (!all && is_known(pid)) ||
                parent_of(e->d_name) != self)
                continue;
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
            found++;
        }
        closedir(d);               /* (zombies are listed too) */
        if (found == 0)
            break;
        killed += found;
    }
    return killed;
}

void dcts_proc_become_reaper(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    /* Not dumpable: /proc/PID/fd and /proc/PID/mem of the harness are
     * closed to its case processes even when they run as its user. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

size_t dcts_proc_sweep(void)
{
    return sweep(0);
}

size_t dcts_proc_sweep_all(void)
{
    return sweep(1);
}

static struct {
    int on;
    gid_t gid;
} drop;

void dcts_proc_drop_privileges_to(gid_t gid)
{
    drop.on = 1;
    drop.gid = gid;
}

int dcts_proc_dropping(void)
{
    return drop.on;
}

int dcts_proc_drop_privileges(char *err, size_t errlen)
{
    if (!drop.on)
        return 0;
    uid_t uid = (uid_t)(DCTS_UID_BASE + (unsigned)getpid());
    if (setgroups(0, NULL) != 0 || setresgid(drop.gid, drop.gid, drop.gid) ||
        setresuid(uid, uid, uid) != 0 || getuid() != uid || geteuid() != uid) {
        snprintf(err, errlen, "cannot drop privileges to uid %lu, gid %ld: "
                 "%s", (unsigned long)uid, (long)drop.gid, strerror(errno));
        return -1;
    }
    /* No way back up (setuid programs), and the process's own /proc
     * files stay its own after the uid change. */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    return 0;
}

/* ---- spawning ------------------------------------------------------------ */

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int close_from(unsigned lo, unsigned hi)
{
#ifdef SYS_close_range
    if (lo > hi)
        return 0;
    return (int)syscall(SYS_close_range, lo, hi, 0u);
#else
    (void)lo, (void)hi;
    errno = ENOSYS;
    return -1;
#endif
}

/* Moves fd to a number >= 3 so that setting up 0, 1, 2 cannot clobber it. */
static int above_stdio(int fd)
{
    if (fd >= 0 && fd < 3) {
        int moved = fcntl(fd, F_DUPFD, 3);
        if (moved >= 0)
            return moved;
    }
    return fd;
}

static void child_setup(pid_t parent, int share_fds, int out_w, int *res_w,
                        const int *close_fds, size_t nclose)
{
    struct rlimit no_core = { 0, 0 };
    struct sigaction dfl;
    sigset_t none;

    /* Dies with the harness, whatever kills it; and if it is already
     * gone, now. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(126);
    /* What it starts and abandons stays its own while it runs (then the
     * harness's, which kills it). */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    free(known);                /* the parent's list, not ours */
    known = NULL;
    nknown = known_cap = 0;
    setpgid(0, 0);
    setrlimit(RLIMIT_CORE, &no_core);
    memset(&dfl, 0, sizeof dfl);
    sigemptyset(&dfl.sa_mask);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);   /* fails harmlessly for reserved */
    /* Except SIGPIPE: a write to a closed peer is something cases do on
     * purpose; it must be EPIPE for them to report, not a "crash". */
    dfl.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Explicitly: the parent's wake-up pipe and its descriptors of other
     * children (close_range below gets them too, where it exists). */
    if (wake.rd > 2)
        close(wake.rd);
    if (wake.wr > 2)
        close(wake.wr);
    wake.rd = wake.wr = -1;
    wake.owner = 0;
    if (share_fds) {            /* what the parent holds stays open */
        int r = fcntl(*res_w, F_DUPFD_CLOEXEC, DCTS_RESULT_FD_MIN);
        if (r >= 0) {
            close(*res_w);
            *res_w = r;
        }
        return;
    }
    for (size_t i = 0; i < nclose; i++)
        if (close_fds[i] > 2 && close_fds[i] != out_w && close_fds[i] != *res_w)
            close(close_fds[i]);

    int r = fcntl(*res_w, F_DUPFD_CLOEXEC, DCTS_RESULT_FD_MIN);
    if (r >= 0) {
        close(*res_w);
        *res_w = r;
    } else {
        *res_w = above_stdio(*res_w);
    }
    out_w = above_stdio(out_w);
    int nul = above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (nul >= 0)
        dup2(nul, 0);
    int o = out_w >= 0 ? out_w : nul;
    if (o >= 0) {
        dup2(o, 1);
        dup2(o, 2);
    }
    /* Everything else, including what the harness inherited itself. */
    if (close_from(3, (unsigned)*res_w - 1) == 0 &&
        close_from((unsigned)*res_w + 1, ~0u) == 0)
        return;
    if (out_w > 2 && out_w != *res_w)
        close(out_w);
    if (nul > 2 && nul != *res_w)
        close(nul);
}

static uint64_t new_nonce(void)
{
    static uint64_t salt;
    uint64_t v = 0;
    salt++;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v || !v) {
        /* No entropy yet: still unpredictable enough for a backend that
         * scribbles by accident, which is all the nonce guards against. */
        double t = dcts_clock();
        uint64_t bits;
        memcpy(&bits, &t, sizeof bits);
        v = bits ^ ((uint64_t)getpid() << 32) ^ salt;
        v ^= v >> 29, v *= 0xbf58476d1ce4e5b9ull, v ^= v >> 32;
    }
    return v ? v : 1;
}

/* In a child: its result pipe as spawn left it, and the nonce its frames
 * carry. */
static struct {
    int fd;                     /* -1: not a spawned child */
    dev_t dev;
    ino_t ino;
    uint64_t nonce;
} sending = { -1, 0, 0, 0 };

int dcts_proc_spawn(dcts_proc *p, unsigned flags, size_t result_max,
                    const int *close_fds, size_t nclose,
                    dcts_child_fn fn, void *arg, char *err, size_t errlen)
{
    int outp[2] = { -1, -1 }, resp[2] = { -1, -1 };
    int share = (flags & DCTS_PROC_SHARE_FDS) != 0;
    int capture = !share && (flags & DCTS_PROC_CAPTURE);

    memset(p, 0, sizeof *p);
    p->out_fd = p->res_fd = -1;
    p->nonce = new_nonce();
    watch_sigchld();
    if ((capture && pipe2(outp, O_CLOEXEC) != 0) ||
        pipe2(resp, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);               /* nothing buffered may be written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        close_fd(&outp[0]);
        close_fd(&resp[0]);
        child_setup(parent, share, outp[1], &resp[1], close_fds, nclose);
        struct stat st;
        sending.fd = -1;
        if (fstat(resp[1], &st) == 0)
            sending.fd = resp[1], sending.dev = st.st_dev,
            sending.ino = st.st_ino;
        sending.nonce = p->nonce;
        fn(arg, resp[1]);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    setpgid(pid, pid);          /* also here: no window before kill(-pid) */
    know(pid);
    close_fd(&outp[1]);
    close_fd(&resp[1]);
    p->pid = pid;
    p->start = dcts_clock();
    p->out_fd = outp[0];
    p->res_fd = resp[0];
    if (p->out_fd >= 0)
        fcntl(p->out_fd, F_SETFL, fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
    fcntl(p->res_fd, F_SETFL, fcntl(p->res_fd, F_GETFL) | O_NONBLOCK);
    if (capture) {
        p->capture = dcts_xmalloc(sizeof *p->capture);
        memset(p->capture, 0, sizeof *p->capture);
    }
    p->result_max = result_max;
    p->result = dcts_xmalloc(result_max + 1);
    return 0;

fail:
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&resp[0]);
    close_fd(&resp[1]);
    return -1;
}

size_t dcts_proc_fds(const dcts_proc *p, int *fds)
{
    size_t n = 0;
    if (p->out_fd >= 0)
        fds[n++] = p->out_fd;
    if (p->res_fd >= 0)
        fds[n++] = p->res_fd;
    return n;
}

int dcts_proc_done(const dcts_proc *p)
{
    return p->pid == 0 || (p->reaped && p->out_fd < 0 && p->res_fd < 0);
}

/* ---- framed results -------------------------------------------------------- */

/* The one loop that writes whole: a pipe may take a frame in pieces. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, len -= (size_t)n;
    }
    return 0;
}

int dcts_proc_send(int res_fd, uint32_t tag, const void *data, size_t len)
{
    struct stat st;
    dcts_frame_head h;

    /* The case or the backend may have closed or replaced the result
     * descriptor: then say nothing rather than write into their file. */
    if (sending.fd < 0 || res_fd != sending.fd || fstat(res_fd, &st) != 0 ||
        st.st_dev != sending.dev || st.st_ino != sending.ino ||
        len > UINT32_MAX) {
        errno = EBADF;
        return -1;
    }
    memset(&h, 0, sizeof h);
    memcpy(h.magic, DCTS_FRAME_MAGIC, sizeof h.magic);
    h.nonce = sending.nonce;
    h.tag = tag;
    h.len = (uint32_t)len;
    if (write_all(res_fd, &h, sizeof h) != 0)
        return -1;
    return len ? write_all(res_fd, data, len) : 0;
}

int dcts_proc_send_end(int res_fd)
{
    return dcts_proc_send(res_fd, DCTS_FRAME_END, NULL, 0);
}

size_t dcts_frames_max(const dcts_frame_rule *rules, size_t nrules)
{
    size_t max = sizeof(dcts_frame_head);           /* the end frame */
    for (size_t i = 0; i < nrules; i++)
        max += sizeof(dcts_frame_head) + rules[i].max;
    return max;
}

dcts_frames_status dcts_proc_frames(const dcts_proc *p,
                                    const dcts_frame_rule *rules,
                                    size_t nrules, dcts_frame *out,
                                    const char *noun, char *why,
                                    size_t whylen)
{
    const char *buf = p->result;
    size_t len = p->result_len, sent = len + p->result_extra;
    dcts_frame_head h;

    for (size_t i = 0; i < nrules; i++)
        out[i] = (dcts_frame){ NULL, 0 };
    if (sent == 0) {
        snprintf(why, whylen, "no %s", noun);
        return DCTS_FRAMES_NONE;
    }
    for (size_t pos = 0;;) {
        if (len - pos < sizeof h) {
            snprintf(why, whylen, "a truncated %s (%zu bytes)", noun, sent);
            return DCTS_FRAMES_TRUNCATED;
        }
        memcpy(&h, buf + pos, sizeof h);
        int ours = memcmp(h.magic, DCTS_FRAME_MAGIC, sizeof h.magic) == 0;
        if (pos == 0 && !ours) {
            snprintf(why, whylen, "garbage on its result pipe (%zu bytes)",
                     sent);
            return DCTS_FRAMES_GARBAGE;
        }
        if (pos == 0 && h.nonce != p->nonce) {
            snprintf(why, whylen, "a %s with the wrong nonce (not written "
                     "by the harness's own code)", noun);
            return DCTS_FRAMES_FORGED;
        }
        if (!ours || h.nonce != p->nonce) {
            snprintf(why, whylen, "a %s with a corrupt end", noun);
            return DCTS_FRAMES_CORRUPT;
        }
        if (p->result_extra) {
            snprintf(why, whylen, "a malformed %s (%zu bytes, more than the "
                     "%zu it may have)", noun, sent, p->result_max);
            return DCTS_FRAMES_MALFORMED;
        }
        pos += sizeof h;
        if (h.tag == DCTS_FRAME_END) {
            if (h.len != 0 || pos != len) {
                snprintf(why, whylen, "a malformed %s (%zu bytes, %zu after "
                         "its end)", noun, sent, len - pos);
                return DCTS_FRAMES_MALFORMED;
            }
            break;
        }
        size_t r = 0;
        while (r < nrules && rules[r].tag != h.tag)
            r++;
        if (r == nrules || out[r].data ||
            h.len < rules[r].min || h.len > rules[r].max) {
            if (r == nrules)
                snprintf(why, whylen, "a malformed %s (%zu bytes, an unknown "
                         "part %u)", noun, sent, (unsigned)h.tag);
            else
                snprintf(why, whylen, "a malformed %s (%zu bytes, %s%s "
                         "length %u)", noun, sent, out[r].data ? "another "
                         : "", rules[r].name, (unsigned)h.len);
            return DCTS_FRAMES_MALFORMED;
        }
        if (len - pos < h.len) {
            snprintf(why, whylen, "a truncated %s (%zu bytes)", noun, sent);
            return DCTS_FRAMES_TRUNCATED;
        }
        out[r] = (dcts_frame){ buf + pos, h.len };
        pos += h.len;
    }
    for (size_t i = 0; i < nrules; i++)
        if (rules[i].required && !out[i].data) {
            snprintf(why, whylen, "a malformed %s (%zu bytes, no %s)", noun,
                     sent, rules[i].name);
            return DCTS_FRAMES_MALFORMED;
        }
    return DCTS_FRAMES_OK;
}

/* ---- watching ------------------------------------------------------------ */

/* Reads what is there; closes the fd at EOF or error. */
static void drain(dcts_proc *p, int *fd, int is_result)
{
    char buf[4096];
    size_t got = 0;

    while (*fd >= 0 && got < READ_PER_ROUND) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            got += (size_t)n;
            if (!is_result) {
                dcts_capture_add(p->capture, buf, (size_t)n);
            } else {
                size_t room = p->result_max - p->result_len;
                size_t k = (size_t)n < room ? (size_t)n : room;
                memcpy(p->result + p->result_len, buf, k);
                p->result_len += k;
                p->result_extra += (size_t)n - k;
            }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close_fd(fd);
        } else if (errno == EAGAIN) {
            break;
        }
    }
}

static void reap(dcts_proc *p)
{
    int st = 0;
    pid_t r;
    do
        r = waitpid(p->pid, &st, 0);
    while (r < 0 && errno == EINTR);
    p->reaped = 1;
    p->wstatus = r == p->pid ? st : 0;
    forget(p->pid);
    p->end = dcts_clock();
    p->grace = p->end + EXIT_GRACE_S;
}

/* Has p ended?  Then kill what is left of its process group while the
 * zombie still pins the group id, and reap it. */
static void check_exit(dcts_proc *p, double now)
{
    siginfo_t si;

    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        si.si_pid == p->pid) {
        kill(-p->pid, SIGKILL);
        reap(p);
        return;
    }
    if (p->deadline > 0 && now >= p->deadline && !p->timed_out) {
        p->timed_out = 1;
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
    }
}

static int live(const dcts_proc *p)
{
    return p && p->pid > 0 && !dcts_proc_done(p);
}

int dcts_proc_step(dcts_proc *const *procs, size_t n, double max_wait)
{
    double now = dcts_clock();
    double wait = max_wait;
    size_t nfds = 0;
    struct pollfd *pfd = dcts_xmalloc(sizeof *pfd * (2 * n + 1));

    if (wake.rd >= 0 && wake.owner == getpid())
        pfd[nfds++] = (struct pollfd){ wake.rd, POLLIN, 0 };

    for (size_t i = 0; i < n; i++) {
        dcts_proc *p = procs[i];
        if (!live(p))
            continue;
        double until = -1;              /* < 0: nothing timed for p */
        if (!p->reaped) {
            if (p->deadline > 0 && !p->timed_out)
                until = p->deadline > now ? p->deadline - now : 0;
            double period = p->timed_out ? KILLED_PERIOD_S : SAFETY_PERIOD_S;
            if (until < 0 || until > period)
                until = period;
        } else {
            double when = p->swept ? p->grace : p->end + ORPHAN_CHECK_S;
            until = when > now ? when - now : 0;
        }
        if (until >= 0 && (wait < 0 || until < wait))
            wait = until;
        if (p->out_fd >= 0)
            pfd[nfds++] = (struct pollfd){ p->out_fd, POLLIN, 0 };
        if (p->res_fd >= 0)
            pfd[nfds++] = (struct pollfd){ p->res_fd, POLLIN, 0 };
    }

    struct timespec ts, *tsp = NULL;
    if (wait >= 0) {
        ts.tv_sec = (time_t)wait;
        ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_nsec = 999999999L;
        if (ts.tv_nsec < 0)
            ts.tv_nsec = 0;
        tsp = &ts;
    }
    if (nfds || tsp)
        ppoll(pfd, nfds, tsp, NULL);
    free(pfd);
    if (caught_signal)
        return -1;
    if (wake.rd >= 0 && wake.owner == getpid()) {
        char junk[64];
        while (read(wake.rd, junk, sizeof junk) > 0)
            ;                           /* consumed: every child is checked */
    }

    now = dcts_clock();
    for (size_t i = 0; i < n; i++) {
        dcts_proc *p = procs[i];
        if (!live(p))
            continue;
        if (p->out_fd >= 0)
            drain(p, &p->out_fd, 0);
        if (p->res_fd >= 0)
            drain(p, &p->res_fd, 1);
        if (!p->reaped)
            check_exit(p, now);
        if (p->reaped) {
            /* What the child wrote before it ended is in the pipes. */
            if (p->out_fd >= 0)
                drain(p, &p->out_fd, 0);
            if (p->res_fd >= 0)
                drain(p, &p->res_fd, 1);
            /* Its pipes still open after it ended: something it left
             * behind holds them; killed, so EOF comes now. */
            if ((p->out_fd >= 0 || p->res_fd >= 0) && !p->swept &&
                now >= p->end + ORPHAN_CHECK_S) {
                p->swept = 1;
                sweep(0);
            }
            if (now >= p->grace) {
                close_fd(&p->out_fd);
                close_fd(&p->res_fd);
            }
        }
    }
    return 0;
}

void dcts_proc_abort(dcts_proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        reap(p);
    }
    close_fd(&p->out_fd);
    close_fd(&p->res_fd);
}

void dcts_proc_release(dcts_proc *p)
{
    dcts_proc_abort(p);
    free(p->capture);
    free(p->result);
    memset(p, 0, sizeof *p);
    p->out_fd = p->res_fd = -1;
}
