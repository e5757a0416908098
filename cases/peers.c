/*
 * peers.c: end-to-end cases with a peer that is not our code.  socat
 * (Debian package socat) connects over TCP on 127.0.0.1 or over a UNIX
 * socket to targets served through the backend under test: a listener
 * and the connections it accepts, written the way a real non-blocking
 * server is written.  The cases SKIP, saying why, where socat is not on
 * PATH.  Their ids start with "peer-": --filter 'peer-*' selects them.
 *
 * The server (one per case):
 *   - the listener (R interest) accepts every pending connection;
 *   - a connection reads at most ECHO_CHUNK bytes per call and relies on
 *     being called again for the rest (DSP-2);
 *   - it writes at once what it read (optimistic write); only when the
 *     socket's send buffer is full (kept small, SNDBUF) does it ask for W,
 *     and it stops asking for R while its own buffer is full (FLT-3);
 *   - at the end of the stream (a read returning 0) it writes what is
 *     left and closes: socket_closed then close(), or the other way round
 *     (CLS-1, alternating), and "frees" the target (a poisoned probe, so
 *     a later call on it fails the case: CLS-2, DSP-6).
 * Everything runs in dispatch_once loops with a bounded total time; each
 * call's fields are checked against what the kernel then says (a read or
 * write that would block after R or W was reported is a false report).
 *
 * The peer: socat STDIO <address>, its stdin and stdout anonymous memory
 * files (dcts_memfile), so the data is deterministic and no file is left
 * anywhere; -T (inactivity) and the runtime's kill bound its life.
 */
#include "dcts.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ECHO_BUF   (128 * 1024) /* a connection's buffer */
#define ECHO_CHUNK (16 * 1024)  /* read per call at most */
#define SNDBUF     4096         /* SO_SNDBUF of accepted connections */
#define MAX_CONNS  8            /* connections open at once */
#define MAX_FDS    64           /* distinct fd numbers remembered */

/* ---- socat -------------------------------------------------------------- */

static char socat_path[4096];

static void need_socat(dcts_t *t)
{
    /* Looked for by the harness before the backend ran: a backend that
     * empties PATH cannot make the peer cases skip. */
    const char *path = dcts_env_before.measured
        ? (dcts_env_before.socat[0] ? dcts_env_before.socat : NULL)
        : dcts_which("socat");
    if (path == NULL)
        SKIP("socat is not on PATH (Debian package socat): the peer cases "
             "need a real peer program");
    snprintf(socat_path, sizeof socat_path, "%s", path);
}

/* ---- the server --------------------------------------------------------- */

enum mode {
    ECHO_AT_ONCE,       /* echo as it arrives, close after the peer's EOF */
    ECHO_AFTER_EOF,     /* keep everything; after the EOF was reported
                           twice, send it back in the half-closed state */
    SINK,               /* read and discard until EOF or an error */
};

struct server;

struct conn {
    struct server *srv;
    dcts_probe *p;          /* NULL: the slot is free */
    int r_on, w_on;         /* the interest currently registered */
    size_t head, len;       /* pending bytes: buf[head .. head + len) */
    long in, out;           /* bytes read and written */
    int eof_calls;          /* calls whose read returned 0 */
    long eof_pass;          /* the pass of the first one */
    int error;              /* errno of a failed read or write, 0 if none */
    unsigned char buf[ECHO_BUF];
};

struct server {
    enum mode mode;
    dcts_probe *listener;
    char address[200];      /* socat's: "TCP:127.0.0.1:PORT", ... */
    double limit_ms;        /* the whole case's bound (scaled) */
    double start;
    struct conn conns[MAX_CONNS];
    int accepted, closed;
    long passes;            /* dispatch_once calls */
    long progress;          /* anything moved: bytes, accepts, closes */
    long w_waits;           /* times W was asked for (send buffer full) */
    long w_reports;         /* calls with W */
    long r_pauses;          /* times R was dropped (own buffer full) */
    int ended_by_error;     /* connections ended by a failed read/write */
    int last_error;
    int ended_by_eof;       /* ... by the peer's end of stream */
    long bytes_in;          /* read by all connections */
    int fds[MAX_FDS];       /* distinct fd numbers of the connections */
    int nfds;
};

/* One case at a time runs in a process: the state is static, so that a
 * failure jumping out of the case leaks nothing. */
static struct server srv;

static int live_conns(const struct server *s)
{
    return s->accepted - s->closed;
}

/* "2 connection(s) accepted, 1 closed; ...; C2 on fd 7: 40960 bytes in,
 * ..." */
static const char *server_state(const struct server *s)
{
    static char text[1024];
    size_t n = 0;

    n += (size_t)snprintf(text, sizeof text, "%d connection(s) accepted, %d "
                          "closed; W asked for %ld time(s), reported %ld "
                          "time(s); R paused %ld time(s)", s->accepted,
                          s->closed, s->w_waits, s->w_reports, s->r_pauses);
    for (int i = 0; i < MAX_CONNS && n < sizeof text; i++) {
        const struct conn *c = &s->conns[i];
        if (c->p)
            n += (size_t)snprintf(text + n, sizeof text - n, "; %s on fd %d: "
                                  "%ld bytes in, %ld out, %zu pending, "
                                  "interest R=%d W=%d, EOF read %d time(s)",
                                  c->p->name, c->p->target.fd, c->in, c->out,
                                  c->len, c->r_on, c->w_on, c->eof_calls);
    }
    return text;
}

static void set_interest(dcts_t *t, struct conn *c, int r, int w)
{
    if (r == c->r_on && w == c->w_on)
        return;
    int rc = dcts_filter(t, c->p, r, w, 0);
    CHECK(rc == 0, "expected: set_dispatch_filter(%s, %d, %d, 0) returns 0 "
          "(FLT-3); observed: %s", c->p->name, r, w, dcts_code_name(rc));
    if (w && !c->w_on)
        c->srv->w_waits++;
    if (!r && c->r_on && c->eof_calls == 0)
        c->srv->r_pauses++;
    c->r_on = r, c->w_on = w;
}

/* The application drops the connection: tells the backend and closes, in
 * either order (CLS-1), then frees the target. */
static void drop(dcts_t *t, struct conn *c)
{
    struct server *s = c->srv;
    int fd = c->p->target.fd;
    int after_close = s->closed % 2;

    if (after_close)
        dcts_close(t, fd);
    int rc = dcts_closed(t, fd, c->p);
    CHECK(rc == 0, "expected: socket_closed(%d, %s) %s close() returns 0 "
          "(CLS-1); observed: %s", fd, c->p->name,
          after_close ? "after" : "before", dcts_code_name(rc));
    if (!after_close) {
        CHECK(dcts_fd_is_open(fd), "expected: fd %d still open after "
              "socket_closed: closing is the caller's job (CLS-7); observed: "
              "the backend closed it", fd);
        dcts_close(t, fd);
    }
    dcts_probe_free(t, c->p);
    c->p = NULL;
    s->closed++;
    s->progress++;
    if (c->error) {
        s->ended_by_error++;
        s->last_error = c->error;
    } else {
        s->ended_by_eof++;
    }
}

/* One bounded read: the rest waits for the next call (DSP-2). */
static void take_input(dcts_t *t, struct conn *c, unsigned long r)
{
    if (c->head > 0 && c->len > 0)
        memmove(c->buf, c->buf + c->head, c->len);
    c->head = 0;
    size_t room = ECHO_BUF - c->len;
    if (room == 0)
        return;
    if (room > ECHO_CHUNK)
        room = ECHO_CHUNK;
    ssize_t n = read(c->p->target.fd, c->buf + c->len, room);
    if (n > 0) {
        c->len += (size_t)n;
        c->in += n;
        c->srv->bytes_in += n;
        c->srv->progress += n;
        if (c->srv->mode == SINK)
            c->len = 0;
    } else if (n == 0) {
        if (c->eof_calls++ == 0)
            c->eof_pass = c->srv->passes;
        c->srv->progress++;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        CHECK(!r, "expected: R only when a read would not block (DSP-4); "
              "observed: %s called with r=%#lx, and read() found nothing "
              "(EAGAIN): %s", c->p->name, r, server_state(c->srv));
    } else {
        c->error = errno;
    }
}

/* Writes until the buffer is empty or the socket's is full. */
static void give_output(dcts_t *t, struct conn *c, unsigned long w)
{
    for (int first = 1; c->len > 0; first = 0) {
        ssize_t n = send(c->p->target.fd, c->buf + c->head, c->len,
                         MSG_NOSIGNAL);
        if (n > 0) {
            c->head += (size_t)n;
            c->len -= (size_t)n;
            c->out += n;
            c->srv->progress += n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            CHECK(!(first && w), "expected: W only when a write would not "
                  "block (DSP-4, EVT-1); observed: %s called with w=%#lx, "
                  "and send() would block at once: %s", c->p->name, w,
                  server_state(c->srv));
            return;
        } else {
            c->error = errno;
            return;
        }
    }
    c->head = 0;
}

static int conn_event(dcts_t *t, dcts_probe *p, unsigned long r,
                      unsigned long w, unsigned long e)
{
    struct conn *c = p->user;
    enum mode mode = c->srv->mode;

    CHECK(p->calls_this_pass == 1, "expected: one dispatch_event per target "
          "per dispatch_once, all fields in it (DSP-1); observed: a second "
          "call to %s in one pass, r=%#lx, w=%#lx, e=%#lx", p->name, r, w, e);
    CHECK((!r || c->r_on) && (!w || c->w_on), "expected: R and W only when "
          "asked for (EVT-3); observed: %s called with r=%#lx, w=%#lx while "
          "its interest was R=%d, W=%d", p->name, r, w, c->r_on, c->w_on);
    if (w)
        c->srv->w_reports++;
    if (r || e)
        take_input(t, c, r);
    int may_write = mode == ECHO_AT_ONCE ||
                    (mode == ECHO_AFTER_EOF && c->eof_calls >= 2);
    if (!c->error && may_write)
        give_output(t, c, w);

    int finished = c->eof_calls > 0 && c->len == 0 &&
                   (mode != ECHO_AFTER_EOF || c->eof_calls >= 2);
    if (c->error || finished) {
        drop(t, c);
        return 0;
    }
    if (mode == ECHO_AFTER_EOF)
        NEED(c->len < ECHO_BUF, "harness: the message does not fit the "
              "connection's buffer (%d bytes)", ECHO_BUF);
    int want_r = mode == ECHO_AFTER_EOF ? c->eof_calls < 2
                 : c->eof_calls == 0 && c->len < ECHO_BUF;
    set_interest(t, c, want_r, may_write && c->len > 0);
    return 0;
}

static void note_fd(struct server *s, int fd)
{
    for (int i = 0; i < s->nfds; i++)
        if (s->fds[i] == fd)
            return;
    if (s->nfds < MAX_FDS)
        s->fds[s->nfds++] = fd;
}

static void open_conn(dcts_t *t, struct server *s, struct conn *c, int fd)
{
    int size = SNDBUF;
    char name[16];

    dcts_own_fd(t, fd);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    memset(c, 0, offsetof(struct conn, buf));   /* the buffer is rewritten */
    c->srv = s;
    snprintf(name, sizeof name, "C%d", ++s->accepted);
    c->p = dcts_probe_new(t, name, fd);
    c->p->action = conn_event;
    c->p->user = c;
    note_fd(s, fd);
    s->progress++;
    set_interest(t, c, 1, 0);
}

static int listener_event(dcts_t *t, dcts_probe *p, unsigned long r,
                          unsigned long w, unsigned long e)
{
    struct server *s = p->user;
    (void)w, (void)e;

    for (int n = 0;; n++) {
        struct conn *c = NULL;
        for (int i = 0; i < MAX_CONNS && !c; i++)
            if (s->conns[i].p == NULL)
                c = &s->conns[i];
        NEED(c, "harness: more than %d connections at once", MAX_CONNS);
        int fd = accept4(p->target.fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            NEED(errno == EAGAIN || errno == EWOULDBLOCK, "harness: "
                  "accept: %s", strerror(errno));
            CHECK(n > 0 || !r, "expected: R on the listener only with a "
                  "connection to accept (DSP-4); observed: L called with "
                  "r=%#lx, and accept() found none (EAGAIN)", r);
            return 0;
        }
        open_conn(t, s, c, fd);
    }
}

/* A listening server on TCP 127.0.0.1 (port 0: the kernel picks a free
 * one) or on a UNIX socket in the case's temporary directory. */
static struct server *server_start(dcts_t *t, enum mode mode, int unix_socket,
                                   double limit_ms)
{
    struct server *s = &srv;
    int fd;

    memset(s, 0, sizeof *s);
    s->mode = mode;
    s->limit_ms = dcts_tol_ms(t, limit_ms);
    s->start = dcts_now();
    if (unix_socket) {
        char path[160];
        snprintf(path, sizeof path, "%s/peer.sock", dcts_tmpdir(t));
        fd = dcts_unix_listener(t, path);
        snprintf(s->address, sizeof s->address, "UNIX-CONNECT:%s", path);
    } else {
        int port;
        fd = dcts_tcp_listener(t, &port);
        snprintf(s->address, sizeof s->address, "TCP:127.0.0.1:%d", port);
    }
    s->listener = dcts_probe_new(t, "L", fd);
    s->listener->action = listener_event;
    s->listener->user = s;
    OK(dcts_filter(t, s->listener, 1, 0, 0));
    return s;
}

/* ---- the peers ---------------------------------------------------------- */

/* Where a peer's stdout (what it received) goes. */
enum output {
    TO_NOWHERE,         /* /dev/null */
    TO_MEMFILE,         /* a memfd, compared when the peer has ended */
    TO_COLLECTOR,       /* a pipe read by a target in the same loop: a
                           consumer that starts late (once the echo waits
                           for W) and then reads COLLECT_CHUNK bytes per
                           call, slower than the echo.  Until it starts,
                           socat blocks writing to the full pipe and stops
                           reading its socket, so the echo's send buffer
                           fills up and W is needed, however the processes
                           are scheduled */
};

#define COLLECT_CHUNK 4096
#define MAX_SEND (300 * 1024)

struct peer {
    pid_t pid;
    int in, out;            /* memfds: what it sends; what it received */
    size_t len;             /* bytes it sends */
    int ended, status;
    dcts_probe *collector;  /* TO_COLLECTOR: the pipe's reading target */
    int collecting;         /* it is registered (R) */
    size_t collected;       /* bytes collected so far (in collected[]) */
    int collected_eof;
};

/* TO_COLLECTOR: one peer per case at most. */
static unsigned char collected[MAX_SEND + COLLECT_CHUNK];

/* Deterministic bytes (xorshift32), different for each seed. */
static void fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
    unsigned x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 24);
    }
}

/* The collector: reads socat's stdout in small bites; at the end of the
 * pipe (socat exited: R in the select model, E = POLLHUP in the poll
 * models) it drops itself. */
static int collector_event(dcts_t *t, dcts_probe *p, unsigned long r,
                           unsigned long w, unsigned long e)
{
    struct peer *pr = p->user;
    size_t room = sizeof collected - pr->collected;
    (void)w;

    if (!(r || e))
        return 0;
    ssize_t n = read(p->target.fd, collected + pr->collected,
                     room < COLLECT_CHUNK ? room : COLLECT_CHUNK);
    if (n > 0) {
        pr->collected += (size_t)n;
        srv.progress += n;
        CHECK(pr->collected <= pr->len, "expected: socat gets back the %zu "
              "bytes it sent; observed: %zu bytes or more", pr->len,
              pr->collected);
    } else if (n == 0) {
        int fd = p->target.fd;
        pr->collected_eof = 1;
        srv.progress++;
        OK(dcts_closed(t, fd, p));
        dcts_close(t, fd);
        dcts_probe_free(t, p);
    } else {
        NEED(errno == EAGAIN, "harness: reading socat's output: %s",
              strerror(errno));
        CHECK(!r, "expected: R only when a read would not block (DSP-4); "
              "observed: the pipe's reader called with r=%#lx, and read() "
              "found nothing (EAGAIN)", r);
    }
    return 0;
}

/* Starts socat sending len bytes to the server, then its EOF.  options
 * are appended to the address (",linger=0"); close_wait_s is socat's -t:
 * how long it goes on reading after its own EOF. */
static void peer_start(dcts_t *t, struct server *s, struct peer *pr,
                       size_t len, unsigned seed, enum output output,
                       const char *options, double close_wait_s)
{
    static unsigned char data[MAX_SEND];
    char inactivity[32], close_wait[32], address[256];
    int pipe_fds[2] = { -1, -1 };

    NEED(len <= MAX_SEND, "harness: peer message too long");
    memset(pr, 0, sizeof *pr);
    fill_pattern(data, len, seed);
    pr->len = len;
    pr->in = dcts_memfile(t, "peer-in", data, len);
    pr->out = -1;
    if (output == TO_MEMFILE)
        pr->out = dcts_memfile(t, "peer-out", NULL, 0);
    if (output == TO_COLLECTOR) {
        dcts_pipe(t, pipe_fds);
        /* socat writes blocking; only the reading side is ours. */
        NEED(fcntl(pipe_fds[1], F_SETFL, 0) == 0, "harness: fcntl: %s",
              strerror(errno));
        pr->out = pipe_fds[1];
    }
    /* socat must outlive a stall long enough for the case to report it. */
    snprintf(inactivity, sizeof inactivity, "-T%.3f", s->limit_ms / 1000 + 2);
    snprintf(close_wait, sizeof close_wait, "-t%.3f", close_wait_s);
    snprintf(address, sizeof address, "%s%s", s->address, options);
    char *argv[] = { socat_path, inactivity, close_wait, (char *)"STDIO",
                     address, NULL };
    pr->pid = dcts_spawn(t, argv, pr->in, pr->out);
    if (output == TO_COLLECTOR) {
        dcts_close(t, pipe_fds[1]);     /* socat's alone: EOF when it ends */
        pr->out = -1;
        pr->collector = dcts_probe_new(t, "P", pipe_fds[0]);
        pr->collector->action = collector_event;
        pr->collector->user = pr;
    }
}

/* Collects the peers that ended; a peer that failed fails the case.  A
 * peer with a collector runs until its output is all read. */
static int peers_running(dcts_t *t, struct peer *peers, int n)
{
    int running = 0;
    for (int i = 0; i < n; i++) {
        struct peer *pr = &peers[i];
        if (pr->collector && !pr->collected_eof)
            running++;
        if (pr->ended)
            continue;
        if (!dcts_spawn_done(t, pr->pid, &pr->status)) {
            running++;
            continue;
        }
        pr->ended = 1;
        CHECK(WIFEXITED(pr->status) && WEXITSTATUS(pr->status) == 0,
              "expected: socat exits with status 0; observed: peer %d %s "
              "(socat's own message, if any, is in the captured output): %s",
              i + 1, dcts_exit_text(pr->status), server_state(&srv));
    }
    return running;
}

/* "peer 1: running, 40960 of 307200 bytes collected; ..." */
static const char *peers_state(const struct peer *peers, int n)
{
    static char text[512];
    size_t k = 0;

    text[0] = '\0';
    for (int i = 0; i < n && k < sizeof text; i++) {
        const struct peer *pr = &peers[i];
        k += (size_t)snprintf(text + k, sizeof text - k, "%ssocat peer %d %s",
                              i ? "; " : "", i + 1,
                              pr->ended ? "ended" : "running");
        if (pr->collector && k < sizeof text)
            k += (size_t)snprintf(text + k, sizeof text - k, ", its output "
                                  "%s, %zu of %zu bytes read%s",
                                  pr->collecting ? "collected" :
                                  "not collected yet", pr->collected, pr->len,
                                  pr->collected_eof ? ", then its end" :
                                  ", not its end (pipe hangup)");
    }
    return text;
}

/* ECHO_AFTER_EOF: a connection that read its end of stream keeps R, so
 * the very next pass must report it again (DSP-2). */
static void expect_eof_repeated(dcts_t *t, const struct server *s)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        const struct conn *c = &s->conns[i];
        CHECK(!c->p || c->eof_calls != 1 || s->passes <= c->eof_pass + 1,
              "expected: the end of stream, not consumed, reported again in "
              "R on the next dispatch_once (DSP-2); observed: %s was not "
              "called in it: %s", c->p ? c->p->name : "?", server_state(s));
    }
}

/* A connection waits for W: the pipeline from the echo to the collector
 * is full. */
static int echo_waits(const struct server *s)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (s->conns[i].p && s->conns[i].w_on)
            return 1;
    return 0;
}

/* The collectors start reading once the echo waits for W. */
static void start_collectors(dcts_t *t, struct server *s, struct peer *peers,
                             int n)
{
    for (int i = 0; i < n; i++)
        if (peers[i].collector && !peers[i].collecting && echo_waits(s)) {
            OK(dcts_filter(t, peers[i].collector, 1, 0, 0));
            peers[i].collecting = 1;
        }
}

/* Runs dispatch_once until every peer has ended and every connection is
 * closed (expected accepted in all), or fails the case at the server's
 * time limit.  The trace keeps the calls since the last progress: after a
 * stall, exactly the calls that did not help. */
static void serve(dcts_t *t, struct server *s, struct peer *peers, int n,
                  int expected, const char *what)
{
    for (;;) {
        long before = s->progress;
        if (peers_running(t, peers, n) == 0 && live_conns(s) == 0 &&
            s->accepted >= expected)
            return;
        CHECK(dcts_ms_since(s->start) <= s->limit_ms, "expected: %s within "
              "%.0f ms; observed: not done: %s; %s", what, s->limit_ms,
              server_state(s), peers_state(peers, n));
        start_collectors(t, s, peers, n);
        s->passes++;
        int rc = dcts_dispatch(t, 0.01);
        CHECK(rc == 0, "expected: dispatch_once returns 0; observed: %s",
              dcts_code_name(rc));
        if (s->mode == ECHO_AFTER_EOF)
            expect_eof_repeated(t, s);
        if (s->progress != before)
            dcts_trace_clear(t);
    }
}

/* What the peer received is exactly what it sent. */
static void expect_echoed(dcts_t *t, const struct peer *pr, const char *who)
{
    static unsigned char sent[65536], got[65536];
    size_t got_len = pr->collector ? pr->collected
                                   : (size_t)lseek(pr->out, 0, SEEK_END);

    for (size_t off = 0; off < pr->len && off < got_len;) {
        size_t k = pr->len - off < sizeof sent ? pr->len - off : sizeof sent;
        if (got_len - off < k)
            k = got_len - off;
        ssize_t a = pread(pr->in, sent, k, (off_t)off);
        const unsigned char *b = got;
        if (pr->collector)
            b = collected + off;
        else
            NEED(pread(pr->out, got, k, (off_t)off) == (ssize_t)k,
                  "harness: reading back %s's output", who);
        NEED(a == (ssize_t)k, "harness: reading back %s's input", who);
        for (size_t i = 0; i < k; i++)
            CHECK(sent[i] == b[i], "expected: %s gets back the %zu bytes "
                  "it sent, byte for byte; observed: they differ at offset "
                  "%zu", who, pr->len, off + i);
        off += k;
    }
    CHECK(got_len == pr->len, "expected: %s gets back the %zu bytes it "
          "sent; observed: %zu bytes", who, pr->len, got_len);
}

/* ---- the cases ---------------------------------------------------------- */

/* The bound on each case's own loop; the watchdog budget is above it, so
 * a stall is reported as a FAIL with the state, not a TIMEOUT. */
#define LIMIT_MS 2000.0
#define BIG (300 * 1024)

static void echo_big(dcts_t *t, int unix_socket)
{
    struct peer pr;

    need_socat(t);
    struct server *s = server_start(t, ECHO_AT_ONCE, unix_socket, LIMIT_MS);
    /* A small receive buffer at socat: once it stops reading, the echo's
     * send buffer fills up soon. */
    peer_start(t, s, &pr, BIG, 1, TO_COLLECTOR, ",rcvbuf=4096",
               s->limit_ms / 1000);
    serve(t, s, &pr, 1, 1, "socat's 300 KiB echoed back and the connection "
          "closed after its EOF");
    expect_echoed(t, &pr, "socat");
    CHECK(s->accepted == 1 && s->ended_by_eof == 1, "expected: one "
          "connection, ended by the peer's EOF; observed: %s",
          server_state(s));
    /* Not the backend's doing, but the case must test what it says. */
    NEED(s->w_reports > 0, "harness: the late collector should have made "
          "the echo wait for W; observed: %s", server_state(s));
}

/* DSP-2, FLT-3, DSP-4, EVT-3, EVT-4, EVT-6: 300 KiB from socat over TCP,
 * echoed by a target reading 16 KiB per call, asking for W only while its
 * send buffer is full (and pausing R while its own buffer is); the echo
 * ends on socat's FIN, and socat's output pipe, read by an R-only target,
 * ends with a hangup (R in the select model, POLLHUP in E in the poll
 * models).
 * Catches: an edge-triggered backend (data left after a bounded read is
 * never reported again: the transfer stalls); one that does not apply an
 * interest change (W switched on is never waited for); one that reports W
 * whenever it is wanted without asking the kernel (the write then would
 * block); one that reports W unasked; a poll backend that masks POLLHUP
 * by the interest (the pipe's end is never heard of). */
static void tcp_echo(dcts_t *t)
{
    echo_big(t, 0);
}

/* The same over a UNIX stream socket (socat UNIX-CONNECT:path), whose
 * readiness rules differ from TCP's (writable only while less than a
 * quarter of the send buffer is queued).
 * Catches: the same defects as peer-tcp-echo, on the other kind of
 * stream socket a server listens on.
 * Checks: DSP-2, FLT-3, DSP-4, EVT-3, EVT-4, EVT-6. */
static void unix_echo(dcts_t *t)
{
    echo_big(t, 1);
}

/* EVT-6, DSP-2, FLT-3: socat sends 120 KiB and then shuts down its
 * sending side (FIN).  The target keeps everything; the end of stream
 * must be reported (R, a read returning 0), and again on the next pass
 * while R stays wanted, since nothing consumes it; then the target
 * switches to W and answers with all of it in the half-closed state
 * (socat still reads; its collector starts late, so W is needed) and
 * closes.
 * Catches: a backend that confirms R with FIONREAD (a FIN has 0 bytes to
 * read, so it is never reported); an edge-triggered one (the end of stream
 * is reported once only, and a bounded read stalls anyway); one that does
 * not apply an interest change (W is never waited for). */
static void tcp_half_close(dcts_t *t)
{
    struct peer pr;

    need_socat(t);
    struct server *s = server_start(t, ECHO_AFTER_EOF, 0, LIMIT_MS);
    peer_start(t, s, &pr, 120 * 1024, 2, TO_COLLECTOR, ",rcvbuf=4096",
               s->limit_ms / 1000);
    serve(t, s, &pr, 1, 1, "the peer's FIN reported (R, read() == 0) on two "
          "passes, then the reply sent in the half-closed state");
    expect_echoed(t, &pr, "socat, after its own FIN,");
    CHECK(s->ended_by_eof == 1, "expected: the connection ended by the "
          "peer's end of stream; observed: %s", server_state(s));
    NEED(s->w_reports > 0, "harness: the late collector should have made "
          "the reply wait for W; observed: %s", server_state(s));
}

/* EVT-7, CLS-2: socat sends 1000 bytes, waits 50 ms and aborts the
 * connection: SO_LINGER {1, 0} (linger=0), no shutdown (shut-none), a
 * plain close (end-close), so the kernel sends a RST, not a FIN.  The
 * target, R interest only, must be called (R or E) and its read then
 * fails with ECONNRESET; it calls socket_closed and closes, and after
 * that the backend waits quietly with the listener alone.
 * Catches: a backend that confirms R with FIONREAD (a reset has 0 bytes
 * to read: never reported); one that reads SO_ERROR itself to report
 * errors (that clears the error: the target's read returns 0, a clean
 * end, instead of ECONNRESET); one whose socket_closed does nothing (the
 * closed fd is still watched: select fails with EBADF and the freed
 * target is called).
 * Also checks: TMO-11. */
static void tcp_reset(dcts_t *t)
{
    struct peer pr;

    need_socat(t);
    struct server *s = server_start(t, SINK, 0, LIMIT_MS);
    peer_start(t, s, &pr, 1000, 3, TO_NOWHERE,
               ",linger=0,shut-none,end-close", 0.05);
    serve(t, s, &pr, 1, 1, "socat's reset reported and the connection "
          "closed");
    CHECK(s->ended_by_error == 1 && s->last_error == ECONNRESET,
          "expected: after socat's RST the target's read fails with "
          "ECONNRESET (EVT-7); observed: %s", s->ended_by_error ?
          strerror(s->last_error) : "a clean end of stream (read() "
          "returned 0)");
    CHECK(s->bytes_in == 1000, "expected: the 1000 bytes socat sent before "
          "its reset are read first; observed: %ld bytes", s->bytes_in);
    dcts_expect_idle_wait(t, 30, "with only the idle listener left after "
                          "the reset connection was closed");
}

#define CONNECTIONS 50
#define AT_ONCE 5

/* CLS-1, CLS-2, CLS-7, DSP-3: 50 connections from socat, 5 at a time: all 5
 * connect together (they wait in the accept backlog), each is accepted,
 * registered, echoes its peer's message, sees the EOF and is dropped
 * (socket_closed before close() for one, after for the next; the fd must
 * still be open after socket_closed); the next 5 get the same fd numbers
 * again.  An old target must never be called again (its probe is freed),
 * and every new one must be called for its own data only (checked read
 * by read).
 * Catches: a socket_closed that does nothing (the closed fd stays in the
 * sets: select fails with EBADF and the old, freed target is called); one
 * that needs the fd still open (after close() it returns -EBADF and keeps
 * the entry); one that closes the fd itself; one that skips the highest
 * ready fd (the last connection of a batch is never served). */
static void tcp_many_connections(dcts_t *t)
{
    struct peer peers[AT_ONCE];

    need_socat(t);
    struct server *s = server_start(t, ECHO_AT_ONCE, 0, 5000);
    for (int done = 0; done < CONNECTIONS; done += AT_ONCE) {
        for (int i = 0; i < AT_ONCE; i++)
            peer_start(t, s, &peers[i], 1024 + 97 * (size_t)(done + i),
                       (unsigned)(100 + done + i), TO_MEMFILE, "",
                       s->limit_ms / 1000);
        serve(t, s, peers, AT_ONCE, done + AT_ONCE, "every connection "
              "accepted, echoed and closed");
        for (int i = 0; i < AT_ONCE; i++) {
            char who[32];
            snprintf(who, sizeof who, "socat peer %d", done + i + 1);
            expect_echoed(t, &peers[i], who);
            dcts_close(t, peers[i].in);
            dcts_close(t, peers[i].out);
        }
    }
    CHECK(s->accepted == CONNECTIONS && s->ended_by_eof == CONNECTIONS,
          "expected: %d connections, each ended by its peer's EOF; "
          "observed: %s", CONNECTIONS, server_state(s));
    NEED(s->nfds < CONNECTIONS, "harness: the kernel never reused a "
          "connection's fd number (%d distinct numbers)", s->nfds);
}

const dcts_case dcts_cases_peers[] = {
    { .id = "peer-tcp-echo", CLAUSES(DSP_2, FLT_3, DSP_4, EVT_3, EVT_4, EVT_6),
      .summary = "socat streams 300 KiB over TCP; a target reading 16 KiB per call, "
      "with W while its send buffer is full, echoes it byte-exact",
      .run = tcp_echo, .flags = DCTS_F_SOCAT },
    { .id = "peer-unix-echo", CLAUSES(DSP_2, FLT_3, DSP_4, EVT_3, EVT_4,
              EVT_6),
      .summary = "the same 300 KiB echo with socat over a UNIX stream socket",
      .run = unix_echo, .flags = DCTS_F_SOCAT },
    { .id = "peer-tcp-half-close", CLAUSES(EVT_6, DSP_2, FLT_3),
      .summary = "socat's FIN is reported as R with a zero-length read, again on the "
      "next pass, and the reply after it reaches socat",
      .run = tcp_half_close, .flags = DCTS_F_SOCAT },
    { .id = "peer-tcp-reset", CLAUSES(EVT_7, CLS_2, TMO_11),
      .summary = "socat's RST (linger=0) reaches an R-only target; its read fails with "
      "ECONNRESET and after socket_closed all is quiet",
      .run = tcp_reset, .flags = DCTS_F_SOCAT },
    { .id = "peer-tcp-many-connections", CLAUSES(CLS_1, CLS_2, CLS_7, DSP_3),
      .summary = "50 socat connections, 5 at a time: each accepted, echoed, "
      "socket_closed and closed; reused fd numbers get no stale call",
      .run = tcp_many_connections, .budget_s = 15, .flags = DCTS_F_SOCAT },
    { 0 }
};
