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
 * nonce, the magic and the lengths are the frames'.  It carries the parts
 * of the outcome (dcts_outcome), never a composed message: the harness
 * composes every message once (compose).  A new part is a new tag and a
 * line in record_rules. */
enum {
    RECORD_STATUS = 1,      /* struct record_status */
    RECORD_REASON = 2,      /* the fail or skip text */
    RECORD_CALLS = 3,       /* the observed calls */
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
/* The case process could not load the backend (ABI-1): a FAIL whose
 * reason is the loader's. */
#define RECORD_NOT_LOADED 0x4u

static const dcts_frame_rule record_rules[] = {
    { RECORD_STATUS, "status", sizeof(struct record_status),
      sizeof(struct record_status), 1 },
    { RECORD_REASON, "reason", 0, DCTS_MESSAGE_MAX, 1 },
    { RECORD_CALLS, "calls", 0, DCTS_MESSAGE_MAX, 1 },
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
};

/* Loads the backend into this case process, as the unprivileged user
 * when the harness runs as root: its constructors and entry function run
 * here, never in the harness.  Returns the live descriptor, or NULL with
 * the problem in why. */
static const dc_backend *attach_here(const dcts_backend_handle *probed,
                                     char *why, size_t whylen)
{
    static dcts_backend_handle h;   /* this process's own copy */
    static dc_backend declared;     /* the descriptor, copied */

    h = *probed;
    /* Before any backend code runs here: the fds a case may need. */
    dcts_env_measure_fds();
    if (dcts_backend_attach_unprivileged(&h, why, whylen) != 0)
        return NULL;
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
    char why[512];
    dcts_outcome out = { .status = DCTS_FAIL, .reason = why, .calls = "" };
    struct record_status rs = { 0, 0 };

    const dc_backend *be = attach_here(a->be, why, sizeof why);
    if (be)
        dcts_execute(a->c, be, a->scale, &out);
    else
        rs.flags |= RECORD_NOT_LOADED;
    fflush(stdout);
    fflush(stderr);

    /* The parts together stay within DCTS_MESSAGE_MAX. */
    size_t reason_len = strnlen(out.reason, DCTS_MESSAGE_MAX);
    size_t calls_len = strnlen(out.calls, DCTS_MESSAGE_MAX - reason_len);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;                               /* what ended, reaped */
    if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
        rs.flags |= RECORD_NO_DESCENDANTS;
    rs.status = (uint32_t)out.status;
    if (out.status == DCTS_SKIP && out.skip_declared)
        rs.flags |= RECORD_SKIP_DECLARED;
    /* A result descriptor the case or the backend closed or replaced
     * fails the first send (proc.h): then nothing is said. */
    if (dcts_proc_send(res_fd, RECORD_STATUS, &rs, sizeof rs) != 0 ||
        dcts_proc_send(res_fd, RECORD_REASON, out.reason, reason_len) != 0 ||
        dcts_proc_send(res_fd, RECORD_CALLS, out.calls, calls_len) != 0 ||
        dcts_proc_send_end(res_fd) != 0)
        _exit(DCTS_EXIT_RESULT_LOST);
    close(res_fd);
    CHECK_LEAKS_BEFORE_EXIT();
    _exit(0);
}

/* What a good record says: the parts, inside the received bytes. */
struct record {
    dcts_status status;
    unsigned flags;
    const char *reason, *calls;
    size_t reason_len, calls_len;
};

/* Checks the record p's child sent; on success *rec is set (its parts
 * inside p->result), otherwise why says what is wrong. */
static int parse_record(const dcts_proc *p, struct record *rec,
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
    rec->status = (dcts_status)rs.status;
    rec->flags = rs.flags;
    rec->reason = part[1].data;
    rec->reason_len = part[1].len;
    rec->calls = part[2].data;
    rec->calls_len = part[2].len;
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

/* One line per clause the case checks: "TMO-1 (MUST): text". */
static void add_clauses(dcts_buf *b, const dcts_case *c)
{
    for (const dcts_clause *const *cl = c->clauses; *cl; cl++)
        dcts_buf_printf(b, "%s (%s): %s\n", (*cl)->id, (*cl)->level,
                        (*cl)->text);
}

static void add_output(dcts_buf *b, const char *output)
{
    if (!output)
        return;
    dcts_buf_puts(b, "  captured output:\n");
    dcts_buf_add_indented(b, output, "  | ");
}

/* Every failure message, composed here and only here:
 *     TMO-1 (MUST): text        each clause the case checks
 *       what                    the case's reason, or what the harness saw
 *       calls: ...              the calls the case observed (its own verdict)
 *       captured output: ...    (output: what the harness decided)
 *       rerun: hint
 *       learn: docs/TUTORIAL.md step N (title)
 * A verdict the case reported itself has its captured output added after
 * all this, by finish (as it always was); pass output NULL for it. */
static void add_failure(dcts_buf *b, const dcts_case *c, const char *what,
                        const char *calls, const char *output,
                        const char *hint)
{
    add_clauses(b, c);
    dcts_buf_printf(b, "  %s\n", what);
    if (calls)
        dcts_buf_printf(b, "  calls: %s\n", calls);
    add_output(b, output);
    dcts_buf_printf(b, "  rerun: %s\n", hint);
    char learn[256];            /* the tutorial's step for these clauses */
    dcts_lesson_line(c->clauses, learn, sizeof learn);
    dcts_buf_puts(b, learn);
}

/* The message of a result the harness decided. */
static char *compose(const dcts_case *c, const char *what,
                     const char *output, const char *hint)
{
    dcts_buf b = DCTS_BUF_INIT;
    add_failure(&b, c, what, NULL, output, hint);
    return dcts_buf_take(&b);
}

/* The message of the status a case reported, from its parts: the reason
 * of a SKIP, a FAIL's or WARN's whole failure, nothing for PASS. */
static void add_reported(dcts_buf *b, const dcts_case *c, dcts_status st,
                         const char *reason, const char *calls,
                         const char *hint)
{
    if (st == DCTS_SKIP)
        dcts_buf_puts(b, reason);
    else if (st == DCTS_FAIL || st == DCTS_WARN)
        add_failure(b, c, reason, calls, NULL, hint);
}

/* A part of a record as a string: its NULs (only a record that is not
 * the runtime's has any) made '?'.  malloc'd. */
static char *part_text(const char *p, size_t len)
{
    char *s = dcts_xmalloc(len + 1);
    for (size_t i = 0; i < len; i++)
        s[i] = p[i] ? p[i] : '?';
    s[len] = '\0';
    return s;
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
    struct record rec = { .status = DCTS_FAIL };
    char why[160];

    r->ms = (p->end - p->start) * 1000.0;
    r->output = p->capture ? dcts_capture_text(p->capture) : NULL;
    int have = parse_record(p, &rec, why, sizeof why) == 0;
    dcts_status st = rec.status;
    unsigned flags = rec.flags;
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
    if (st == DCTS_WARN && dcts_case_level(c) != DCTS_SHOULD)
        st = DCTS_FAIL;         /* only a SHOULD case can merely warn */
    r->status = st;
    char *reason = part_text(rec.reason, rec.reason_len);
    char *calls = part_text(rec.calls, rec.calls_len);
    dcts_buf b = DCTS_BUF_INIT;
    if (st == DCTS_SKIP) {
        /* Which kind of SKIP, first: --strict fails on the second. */
        r->skip_declared = (flags & RECORD_SKIP_DECLARED) != 0;
        dcts_buf_puts(&b, r->skip_declared ? "the backend's declaration: "
                                           : "the environment: ");
    }
    if (st == DCTS_FAIL && (flags & RECORD_NOT_LOADED)) {
        /* ABI-1, the clause the loader checks: its line and why, as
         * this message has always read (no calls, rerun or lesson). */
        const dcts_clause *abi = &dcts_clauses[DCTS_CL_ABI_1];
        dcts_buf_printf(&b, "%s (%s): %s\n  the case process could not "
                        "load the backend: %s\n", abi->id, abi->level,
                        abi->text, reason);
    } else {
        add_reported(&b, c, st, reason, calls, s->hint);
    }
    free(reason);
    free(calls);
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
        dcts_outcome o;
        dcts_execute(cases[i], h.be, opt->timeout_scale, &o);
        out[i].ms = (dcts_clock() - t0) * 1000.0;
        fflush(stdout);
        if (saved >= 0) {
            dup2(saved, 1);
            close(saved);
        }
        dcts_buf b = DCTS_BUF_INIT;
        add_reported(&b, cases[i], o.status, o.reason, o.calls, hint);
        out[i].status = o.status;
        out[i].skip_declared = o.status == DCTS_SKIP && o.skip_declared;
        out[i].message = dcts_buf_take(&b);
        out[i].output = NULL;
        free(hint);
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
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
            int serial = (c->flags & DCTS_F_SERIAL) != 0;
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
            if (cases[s->idx]->flags & DCTS_F_SERIAL)
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
