/*
 * runner.c: process-per-case execution, the result protocol, scheduling.
 * See runner.h.
 */
#include "runner.h"
#include "env.h"
#include "lessons.h"
#include "proc.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the record a case process sends ------------------------------------ */

/* The record is framed (proc.h): a part per tag, then the end frame; the
 * nonce, the magic and the lengths are the frames'.  A new part is a new
 * tag and a line in record_rules. */
enum {
    RECORD_STATUS = 1,      /* struct record_status */
    RECORD_MESSAGE = 2,     /* the message, up to DCTS_MESSAGE_MAX bytes */
};

struct record_status {
    uint32_t status;
    uint32_t flags;         /* RECORD_* */
};

/* The case process had no child left when it wrote the record (it is a
 * subreaper: everything it started and abandoned was its child), so
 * there is nothing to sweep. */
#define RECORD_NO_DESCENDANTS 0x1u
/* A SKIP the backend's own declaration caused (fd_limit, model, caps),
 * not the environment. */
#define RECORD_SKIP_DECLARED 0x2u

static const dcts_frame_rule record_rules[] = {
    { RECORD_STATUS, "status", sizeof(struct record_status),
      sizeof(struct record_status), 1 },
    { RECORD_MESSAGE, "message", 0, DCTS_MESSAGE_MAX, 1 },
};
#define NRECORD_RULES (sizeof record_rules / sizeof record_rules[0])

/* A case process ends with _exit, which skips LeakSanitizer's check at
 * exit: in a sanitizer build it is run by hand once the record is sent,
 * so a leak in the case or the backend becomes the exit status
 * (ASAN_OPTIONS exitcode) and that case a FAIL.  (valgrind checks every
 * process at its end by itself, _exit or not.) */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LEAK_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define HAVE_LEAK_SANITIZER 1
#endif
#endif
#ifdef HAVE_LEAK_SANITIZER
void __lsan_do_leak_check(void);
#define CHECK_LEAKS_BEFORE_EXIT() __lsan_do_leak_check()
#else
#define CHECK_LEAKS_BEFORE_EXIT() ((void)0)
#endif

struct child_arg {
    const dcts_case *c;
    const dcts_backend_handle *be;  /* the validated copy, no live pointer */
    double scale;
    const char *hint;
};

/* Loads the backend into this case process, as the unprivileged user
 * when the harness runs as root: its constructors and entry function run
 * here, never in the harness.  Returns the live descriptor, or NULL with
 * the problem in msg. */
static const dc_backend *attach_here(const dcts_backend_handle *probed,
                                     char *msg, size_t msglen)
{
    static dcts_backend_handle h;   /* this process's own copy */
    static dc_backend declared;     /* the descriptor, copied */
    char why[512];

    h = *probed;
    /* Before any backend code runs here: the fds a case may need. */
    dcts_env_measure_fds();
    if (dcts_backend_attach_unprivileged(&h, why, sizeof why) != 0) {
        const dcts_clause *abi = dcts_find_clause("ABI-1");
        snprintf(msg, msglen, "%s (%s): %s\n  the case process could not "
                 "load the backend: %s\n", abi ? abi->id : "ABI-1",
                 abi ? abi->level : "MUST", abi ? abi->text : "", why);
        return NULL;
    }
    /* The cases read the declaration from a copy taken now, checked
     * against the probed one: a backend that rewrites its descriptor
     * later cannot change what it declared (fd_limit, model, caps). */
    memcpy(&declared, h.be, sizeof declared);
    return &declared;
}

/* The body of a case process. */
static void case_child(void *arg, int res_fd)
{
    const struct child_arg *a = arg;
    char msg[DCTS_MESSAGE_MAX];
    dcts_status s = DCTS_FAIL;

    msg[0] = '\0';
    const dc_backend *be = attach_here(a->be, msg, sizeof msg);
    if (be)
        s = dcts_execute(a->c, be, a->scale, a->hint, msg, sizeof msg);
    fflush(stdout);
    fflush(stderr);

    struct record_status rs = { (uint32_t)s, 0 };
    size_t len = strnlen(msg, sizeof msg - 1);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;                               /* what ended, reaped */
    if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
        rs.flags |= RECORD_NO_DESCENDANTS;
    if (s == DCTS_SKIP && dcts_skip_is_declared())
        rs.flags |= RECORD_SKIP_DECLARED;
    /* A result descriptor the case or the backend closed or replaced
     * fails the first send (proc.h): then nothing is said. */
    if (dcts_proc_send(res_fd, RECORD_STATUS, &rs, sizeof rs) != 0 ||
        dcts_proc_send(res_fd, RECORD_MESSAGE, msg, len) != 0 ||
        dcts_proc_send_end(res_fd) != 0)
        _exit(DCTS_EXIT_RESULT_LOST);
    close(res_fd);
    CHECK_LEAKS_BEFORE_EXIT();
    _exit(0);
}

/* Checks the record p's child sent; on success *status and the message
 * (msg, *msglen: inside p->result) are set, otherwise why says what is
 * wrong. */
static int parse_record(const dcts_proc *p, dcts_status *status,
                        unsigned *flags, const char **msg, size_t *msglen,
                        char *why, size_t whylen)
{
    dcts_frame part[NRECORD_RULES];
    struct record_status rs;

    if (dcts_proc_frames(p, record_rules, NRECORD_RULES, part,
                         "result record", why, whylen) != DCTS_FRAMES_OK)
        return -1;
    memcpy(&rs, part[0].data, sizeof rs);
    if (rs.status != DCTS_PASS && rs.status != DCTS_FAIL &&
        rs.status != DCTS_WARN && rs.status != DCTS_SKIP) {
        snprintf(why, whylen, "a result record with an invalid status %u",
                 (unsigned)rs.status);
        return -1;
    }
    *status = (dcts_status)rs.status;
    *flags = rs.flags;
    *msg = part[1].data;
    *msglen = part[1].len;
    return 0;
}

/* ---- messages ------------------------------------------------------------ */

double dcts_case_budget(const dcts_case *c, double timeout_scale)
{
    double b = c->budget_s > 0 ? c->budget_s : DCTS_DEFAULT_BUDGET_S;
    return b * timeout_scale;
}

char *dcts_rerun_hint(const dcts_options *opt, const dcts_backend_handle *be,
                      const dcts_case *c)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_shell(&b, opt->argv0 ? opt->argv0 : "dispatch-cts");
    dcts_buf_puts(&b, " --filter ");
    dcts_buf_add_shell_quoted(&b, c->id);
    if (opt->timeout_scale != 1.0)
        dcts_buf_printf(&b, " --timeout-scale %g", opt->timeout_scale);
    if (dcts_backend_is_embedded(be)) {
        dcts_buf_puts(&b, "  # (embedded ");
        dcts_buf_add_clean(&b, be->info.name, 0);
        dcts_buf_putc(&b, ')');
    } else {
        dcts_buf_putc(&b, ' ');
        dcts_buf_add_shell(&b, be->named ? be->named : be->path);
    }
    return dcts_buf_take(&b);
}

static void add_clauses(dcts_buf *b, const dcts_case *c)
{
    const char *p = c->clauses ? c->clauses : "";
    while (*p) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(n < 63 ? n : 63), p);
        const dcts_clause *cl = dcts_find_clause(id);
        if (cl)
            dcts_buf_printf(b, "%s (%s): %s\n", cl->id, cl->level, cl->text);
        else
            dcts_buf_printf(b, "%s: (not in spec/CONTRACT.md)\n", id);
        p += n;
    }
}

static void add_output(dcts_buf *b, const char *output)
{
    if (!output)
        return;
    dcts_buf_puts(b, "  captured output:\n");
    dcts_buf_add_indented(b, output, "  | ");
}

/* The message of a result the harness decided: clauses, what happened,
 * captured output, rerun hint. */
static char *compose(const dcts_case *c, const char *what,
                     const char *output, const char *hint)
{
    dcts_buf b = DCTS_BUF_INIT;
    add_clauses(&b, c);
    dcts_buf_puts(&b, "  ");
    dcts_buf_puts(&b, what);
    dcts_buf_putc(&b, '\n');
    add_output(&b, output);
    dcts_buf_printf(&b, "  rerun: %s\n", hint);
    char learn[256];            /* the tutorial's step for these clauses */
    dcts_lesson_line(c->clauses, learn, sizeof learn);
    dcts_buf_puts(&b, learn);
    return dcts_buf_take(&b);
}

/* ---- one finished child -> one result ------------------------------------- */

struct slot {
    dcts_proc p;
    int busy;
    size_t idx;                 /* which case */
    struct child_arg arg;
    char *hint;
};

static void finish(const dcts_case *c, struct slot *s, double scale,
                   dcts_result *r)
{
    dcts_proc *p = &s->p;
    char what[512], how[128];
    dcts_status st = DCTS_FAIL;
    const char *msg = "";
    size_t msglen = 0;
    char why[160];
    unsigned flags = 0;

    r->ms = (p->end - p->start) * 1000.0;
    r->output = p->capture ? dcts_capture_text(p->capture) : NULL;
    int have = parse_record(p, &st, &flags, &msg, &msglen, why,
                            sizeof why) == 0;
    /* Every process the case started is killed and reaped now; the scan
     * is skipped only when the case process left none (and said so). */
    if (!have || !(flags & RECORD_NO_DESCENDANTS) || p->timed_out ||
        !WIFEXITED(p->wstatus))
        dcts_proc_sweep();

    if (p->timed_out) {
        r->status = DCTS_TIMEOUT;
        snprintf(what, sizeof what, "TIMEOUT: no result within %.1f s "
                 "(timeout scale %g); the case's process group was killed",
                 dcts_case_budget(c, scale), scale);
        r->message = compose(c, what, r->output, s->hint);
        return;
    }
    if (WIFSIGNALED(p->wstatus)) {
        r->status = DCTS_CRASH;
        dcts_describe_wait_status(p->wstatus, how, sizeof how);
        snprintf(what, sizeof what, "CRASH: the case process was %s%s%s",
                 how, have ? " after reporting " : "",
                 have ? dcts_status_name(st) : "");
        r->message = compose(c, what, r->output, s->hint);
        return;
    }
    if (!WIFEXITED(p->wstatus) || WEXITSTATUS(p->wstatus) != 0 || !have) {
        r->status = DCTS_FAIL;
        dcts_describe_wait_status(p->wstatus, how, sizeof how);
        if (WIFEXITED(p->wstatus) &&
            WEXITSTATUS(p->wstatus) == DCTS_EXIT_RESULT_LOST && !have)
            snprintf(what, sizeof what, "case process %s: it could not "
                     "send its result (its result descriptor, fd %d or "
                     "above, was closed or replaced during the case)", how,
                     DCTS_RESULT_FD_MIN);
        else if (have)
            snprintf(what, sizeof what, "case process %s after reporting "
                     "%s: under a memory checker this is its verdict "
                     "(valgrind --error-exitcode, a sanitizer's exitcode): "
                     "it found memory errors or leaks; see its report", how,
                     dcts_status_name(st));
        else if (p->result_len == 0 && p->result_extra == 0)
            snprintf(what, sizeof what, "case process %s before reporting "
                     "(did the case or the backend call exit()?)", how);
        else
            snprintf(what, sizeof what, "case process %s and sent %s", how,
                     why);
        r->message = compose(c, what, r->output, s->hint);
        return;
    }

    /* A good record from a cleanly exited process. */
    if (st == DCTS_WARN && c->level != DCTS_SHOULD)
        st = DCTS_FAIL;         /* only a SHOULD case can merely warn */
    r->status = st;
    dcts_buf b = DCTS_BUF_INIT;
    if (st == DCTS_SKIP) {
        /* Which kind of SKIP, first: --strict fails on the second. */
        r->skip_declared = (flags & RECORD_SKIP_DECLARED) != 0;
        dcts_buf_puts(&b, r->skip_declared ? "the backend's declaration: "
                                           : "the environment: ");
    }
    dcts_buf_add(&b, msg, msglen);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\0')
            b.data[i] = '?';
    if (st == DCTS_FAIL || st == DCTS_WARN) {
        if (b.len && b.data[b.len - 1] != '\n')
            dcts_buf_putc(&b, '\n');
        add_output(&b, r->output);
    }
    r->message = dcts_buf_take(&b);
}

/* A case the harness could not even start. */
static void not_started(const dcts_case *c, const char *hint,
                        const char *why, dcts_result *r)
{
    char what[512];
    snprintf(what, sizeof what, "the harness could not start the case "
             "process: %s", why);
    r->status = DCTS_FAIL;
    r->ms = 0;
    r->output = NULL;
    r->message = compose(c, what, NULL, hint);
}

/* ---- in-process mode -------------------------------------------------------- */

static void run_in_process(const dcts_case *const *cases, size_t n,
                           const dcts_backend_handle *be,
                           const dcts_options *opt, dcts_result *out)
{
    char *msg = dcts_xmalloc(DCTS_MESSAGE_MAX);
    struct sigaction ign, old_pipe;
    dcts_backend_handle h = *be;
    char why[512];

    dcts_env_measure_fds();
    /* --no-fork gives up the isolation on purpose (a debugger wants one
     * process): the backend is loaded here, and says so. */
    if (dcts_backend_attach(&h, why, sizeof why) != 0) {
        for (size_t i = 0; i < n; i++) {
            out[i].status = DCTS_FAIL;
            out[i].message = dcts_xstrdup(why);
        }
        free(msg);
        return;
    }
    if (!h.embedded)
        fprintf(stderr, "dispatch-cts: --no-fork: the backend runs in the "
                "harness process, without isolation\n");

    /* As in a case process: a write to a closed peer is EPIPE. */
    memset(&ign, 0, sizeof ign);
    sigemptyset(&ign.sa_mask);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old_pipe);

    for (size_t i = 0; i < n; i++) {
        char *hint = dcts_rerun_hint(opt, be, cases[i]);
        /* The report owns stdout: what the case prints goes to stderr. */
        fflush(NULL);
        int saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
        if (saved >= 0)
            dup2(2, 1);
        double t0 = dcts_clock();
        msg[0] = '\0';
        dcts_status s = dcts_execute(cases[i], h.be, opt->timeout_scale,
                                     hint, msg, DCTS_MESSAGE_MAX);
        out[i].ms = (dcts_clock() - t0) * 1000.0;
        fflush(stdout);
        if (saved >= 0) {
            dup2(saved, 1);
            close(saved);
        }
        msg[DCTS_MESSAGE_MAX - 1] = '\0';
        out[i].status = s;
        out[i].skip_declared = s == DCTS_SKIP && dcts_skip_is_declared();
        out[i].message = dcts_xstrdup(msg);
        out[i].output = NULL;
        free(hint);
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(msg);
    /* Never dlclosed: its destructors would run in the harness. */
}

/* ---- scheduling ------------------------------------------------------------ */

static void progress_line(int on, const dcts_backend_handle *be, size_t done,
                          size_t n, const char *id)
{
    if (!on)
        return;
    dcts_buf b = DCTS_BUF_INIT, line = DCTS_BUF_INIT;
    dcts_buf_puts(&b, "\r\033[K");
    if (id) {
        /* Short enough never to wrap, or \r could not take it back. */
        dcts_buf_printf(&line, "[%zu/%zu] %s: %s", done, n, be->label, id);
        dcts_buf_add_first_line(&b, dcts_buf_str(&line), 72);
        dcts_buf_free(&line);
    }
    fputs(dcts_buf_str(&b), stderr);
    fflush(stderr);
    dcts_buf_free(&b);
}

static int launch(struct slot *s, struct slot *slots, size_t nslots,
                  const dcts_case *c, size_t idx,
                  const dcts_backend_handle *be, const dcts_options *opt,
                  char *err, size_t errlen)
{
    int *fds = dcts_xmalloc(sizeof *fds * (3 * nslots + 1));
    size_t nfds = 0;
    for (size_t i = 0; i < nslots; i++)
        if (slots[i].busy)
            nfds += dcts_proc_fds(&slots[i].p, fds + nfds);

    s->idx = idx;
    s->hint = dcts_rerun_hint(opt, be, c);
    s->arg.c = c;
    s->arg.be = be;
    s->arg.scale = opt->timeout_scale;
    s->arg.hint = s->hint;
    int rc = dcts_proc_spawn(&s->p, DCTS_PROC_CAPTURE,
                             dcts_frames_max(record_rules, NRECORD_RULES),
                             fds, nfds, case_child, &s->arg, err, errlen);
    free(fds);
    if (rc != 0) {
        free(s->hint);
        s->hint = NULL;
        return -1;
    }
    s->p.deadline = s->p.start + dcts_case_budget(c, opt->timeout_scale);
    s->busy = 1;
    return 0;
}

int dcts_run_cases(const dcts_case *const *cases, size_t n,
                   const dcts_backend_handle *be, const dcts_options *opt,
                   int progress, dcts_result *out)
{
    memset(out, 0, sizeof *out * n);
    if (n == 0)
        return 0;
    /* The facts the skip conditions read, before any backend code runs
     * (the case processes inherit them). */
    dcts_env_measure();
    if (opt->no_fork) {
        run_in_process(cases, n, be, opt, out);
        return 0;
    }

    size_t jobs = opt->jobs ? opt->jobs : dcts_default_jobs();
    if (jobs > n)
        jobs = n;
    struct slot *slots = dcts_xmalloc(sizeof *slots * jobs);
    dcts_proc **procs = dcts_xmalloc(sizeof *procs * jobs);
    memset(slots, 0, sizeof *slots * jobs);
    for (size_t i = 0; i < jobs; i++)
        procs[i] = &slots[i].p;

    size_t next = 0, done = 0, running = 0;
    int serial_running = 0, rc = 0;
    char err[256];

    while (done < n) {
        while (next < n && running < jobs && !serial_running) {
            const dcts_case *c = cases[next];
            int serial = dcts_word_in(c->tags, "serial");
            if (serial && running > 0)
                break;                  /* it waits for the others */
            struct slot *s = slots;
            while (s->busy)
                s++;
            if (launch(s, slots, jobs, c, next, be, opt, err,
                       sizeof err) != 0) {
                if (running > 0)
                    break;              /* retry when a slot frees up */
                char *hint = dcts_rerun_hint(opt, be, c);
                not_started(c, hint, err, &out[next]);
                free(hint);
                next++, done++;
                continue;
            }
            running++;
            serial_running = serial;
            next++;
        }
        if (running == 0)
            continue;
        if (dcts_proc_step(procs, jobs, -1) != 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < jobs; i++) {
            struct slot *s = &slots[i];
            if (!s->busy || !dcts_proc_done(&s->p))
                continue;
            finish(cases[s->idx], s, opt->timeout_scale, &out[s->idx]);
            if (dcts_word_in(cases[s->idx]->tags, "serial"))
                serial_running = 0;
            dcts_proc_release(&s->p);
            free(s->hint);
            s->hint = NULL;
            s->busy = 0;
            running--, done++;
            progress_line(progress, be, done, n, cases[s->idx]->id);
        }
    }
    for (size_t i = 0; i < jobs; i++) {     /* interrupted: kill the rest */
        if (slots[i].busy) {
            dcts_proc_release(&slots[i].p);
            free(slots[i].hint);
        }
    }
    progress_line(progress, be, 0, 0, NULL);
    free(procs);
    free(slots);
    return rc;
}
