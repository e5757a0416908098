/*
 * harness_runner.c: process-per-case isolation and the watchdog, with fake
 * cases run against the embedded select backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dcts.h"       /* the test writes cases of its own */
#include "runner.h"
#include "proc.h"
#include "harness_check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const dc_backend *dc_embedded_backend(void);

/* ---- fake cases ------------------------------------------------------------ */

static void c_pass(dcts_t *t) { (void)t; }
static void c_fail(dcts_t *t) { dcts_fail(t, "expected: nothing; observed: boom"); }
static void c_skip(dcts_t *t) { SKIP("not here: %d", 42); }
static void c_hang(dcts_t *t) { (void)t; for (;;) pause(); }
static void c_spin(dcts_t *t) { (void)t; for (volatile int i = 0;; i++) {} }
static void c_segv(dcts_t *t) { (void)t; raise(SIGSEGV); }
static void c_abort(dcts_t *t) { (void)t; abort(); }
static void c_kill(dcts_t *t) { (void)t; raise(SIGKILL); }
static void c_exit0(dcts_t *t) { (void)t; exit(0); }
static void c_exit3(dcts_t *t) { (void)t; _exit(3); }

static void c_print(dcts_t *t)
{
    (void)t;
    printf("to stdout\n");
    fprintf(stderr, "to stderr\n");
    for (int i = 0; i < 2000; i++)          /* more than the pipe holds */
        printf("line %d of chatter to fill the capture pipe\n", i);
}

static void c_print_fail(dcts_t *t)
{
    printf("said before failing\n");
    dcts_fail(t, "expected: quiet; observed: chatter");
}

/* Writes garbage on every pipe at fd >= 500 (the result pipe). */
static void c_garbage(dcts_t *t)
{
    (void)t;
    for (int fd = DCTS_RESULT_FD_MIN; fd < DCTS_RESULT_FD_MIN + 20; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
            if (write(fd, "garbage!", 8) < 0)
                abort();
    }
}

/* Well-formed-looking frames (proc.h) with the wrong nonce, a status of
 * PASS and an end: the whole is still not a valid record. */
static void c_forge(dcts_t *t)
{
    (void)t;
    struct {
        dcts_frame_head h;
        uint32_t status, flags;
        dcts_frame_head reason, calls, end;
    } f = { { DCTS_FRAME_MAGIC, 12345, 1, 8 }, DCTS_PASS, 0,
            { DCTS_FRAME_MAGIC, 12345, 2, 0 },
            { DCTS_FRAME_MAGIC, 12345, 3, 0 },
            { DCTS_FRAME_MAGIC, 12345, DCTS_FRAME_END, 0 } };
    for (int fd = DCTS_RESULT_FD_MIN; fd < DCTS_RESULT_FD_MIN + 20; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
            if (write(fd, &f, sizeof f) < 0)
                abort();
    }
    _exit(0);
}

static void c_close_all(dcts_t *t)
{
    (void)t;
    for (int fd = 3; fd < 2048; fd++)
        close(fd);
}

/* The child's surroundings: own process group, default signals (but
 * SIGPIPE ignored), empty mask, no core dumps, stdin at EOF, no stray descriptors. */
static void c_environment(dcts_t *t)
{
    CHECK(getpgrp() == getpid(), "expected: own process group");
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    for (int s = 1; s < 32; s++)
        CHECK(!sigismember(&mask, s), "expected: signal %d unblocked", s);
    struct sigaction pipe_sa;
    sigaction(SIGPIPE, NULL, &pipe_sa);
    CHECK(pipe_sa.sa_handler == SIG_IGN, "expected: SIGPIPE ignored");
    int sigs[] = { SIGINT, SIGTERM, SIGSEGV, SIGCHLD, SIGALRM, SIGUSR1 };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        sigaction(sigs[i], NULL, &sa);
        CHECK(sa.sa_handler == SIG_DFL, "expected: signal %d at SIG_DFL",
              sigs[i]);
    }
    struct rlimit rl;
    getrlimit(RLIMIT_CORE, &rl);
    CHECK(rl.rlim_cur == 0, "expected: no core dumps");
    char c;
    CHECK(read(0, &c, 1) == 0, "expected: stdin at EOF");
    int open_fds = 0, result_fds = 0;
    for (int fd = 3; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0) {
            if (fd >= DCTS_RESULT_FD_MIN)
                result_fds++;
            else
                open_fds++;
            if (fd < DCTS_RESULT_FD_MIN)
                printf("stray fd %d\n", fd);
        }
    CHECK(open_fds == 0 && result_fds == 1, "expected: only the result "
          "pipe open above stderr; observed: %d others, %d high", open_fds,
          result_fds);
}

/* Leaves a grandchild behind that holds stdout and sleeps forever; its
 * pid goes to stdout so the test can check that it was killed. */
static void c_grandchild(dcts_t *t)
{
    (void)t;
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    printf("grandchild %d\n", (int)pid);
    fflush(stdout);
}

#define C(name, fn, budget) \
    { .id = name, CLAUSES(TMO_1), .summary = name, .run = fn, .budget_s = budget }
static const dcts_case cases[] = {
    C("pass", c_pass, 0),
    C("fail", c_fail, 0),
    C("skip", c_skip, 0),
    C("hang", c_hang, 0.3),
    C("spin", c_spin, 0.3),
    C("segv", c_segv, 0),
    C("abort", c_abort, 0),
    C("kill", c_kill, 0),
    C("exit0", c_exit0, 0),
    C("exit3", c_exit3, 0),
    C("print", c_print, 0),
    C("print-fail", c_print_fail, 0),
    C("garbage", c_garbage, 0),
    C("forge", c_forge, 0),
    C("close-all", c_close_all, 0),
    C("environment", c_environment, 0),
    C("grandchild", c_grandchild, 0),
    { .id = "should", CLAUSES(TMO_3), .summary = "should", .run = c_fail },
};
#define NCASES (sizeof cases / sizeof cases[0])

static const dcts_case *find(const char *id)
{
    for (size_t i = 0; i < NCASES; i++)
        if (strcmp(cases[i].id, id) == 0)
            return &cases[i];
    return NULL;
}

static dcts_backend_handle be;

/* pid has ended: gone, or a zombie (an orphan waits for init to reap it,
 * which some containers' init never does). */
static int ended(int pid)
{
    char path[64], buf[256];
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static int wait_ended(int pid)
{
    for (int i = 0; i < 200; i++) {
        if (ended(pid))
            return 1;
        usleep(10000);
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    return dcts_use_embedded(dc_embedded_backend, &be, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    dcts_unload_backend(&be);
    dcts_signals_restore();             /* closes the wake-up pipe */
    return 0;
}

static void options(dcts_options *o, unsigned jobs)
{
    dcts_options_init(o, "build/dispatch-cts");
    o->jobs = jobs;
}

/* ---- tests ------------------------------------------------------------------- */

static void every_outcome(void **state)
{
    (void)state;
    const dcts_case *list[NCASES];
    dcts_result out[NCASES];
    dcts_options o;
    options(&o, 4);
    for (size_t i = 0; i < NCASES; i++)
        list[i] = &cases[i];

    double t0 = dcts_clock();
    assert_int_equal(dcts_run_cases(list, NCASES, &be, &o, 0, out), 0);
    double took = dcts_clock() - t0;
    assert_true(took < 4.0);        /* watchdogs of 0.3 s; grace of 1 s */

    static const struct { const char *id; dcts_status st; const char *want;
                          const char *want2; } expect[] = {
        { "pass", DCTS_PASS, "", NULL },
        { "fail", DCTS_FAIL, "expected: nothing; observed: boom",
          "rerun: build/dispatch-cts --filter 'fail'  # (embedded " },
        { "skip", DCTS_SKIP, "not here: 42", NULL },
        { "hang", DCTS_TIMEOUT, "TIMEOUT: no result within 0.3 s (timeout "
          "scale 1)", "TMO-1 (MUST): " },
        { "spin", DCTS_TIMEOUT, "no result within 0.3 s", "rerun: " },
        { "segv", DCTS_CRASH, "CRASH: the case process was killed by SIGSEGV",
          "rerun: build/dispatch-cts --filter 'segv'" },
        { "abort", DCTS_CRASH, "killed by SIGABRT", NULL },
        { "kill", DCTS_CRASH, "killed by SIGKILL", NULL },
        { "exit0", DCTS_FAIL, "case process exited with status 0 before "
          "reporting", NULL },
        { "exit3", DCTS_FAIL, "case process exited with status 3 before "
          "reporting", "TMO-1 (MUST): " },
        { "print", DCTS_PASS, "", NULL },
        { "print-fail", DCTS_FAIL, "captured output:\n  | said before failing",
          "expected: quiet" },
        { "garbage", DCTS_FAIL, "garbage on its result pipe", NULL },
        { "forge", DCTS_FAIL, "wrong nonce", NULL },
        { "close-all", DCTS_FAIL, "could not send its result", NULL },
        { "environment", DCTS_PASS, "", NULL },
        { "grandchild", DCTS_PASS, "", NULL },
        { "should", DCTS_WARN, "expected: nothing; observed: boom", NULL },
    };
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
        const dcts_case *c = find(expect[k].id);
        const dcts_result *r = &out[c - cases];
        assert_non_null(r->message);
        if (r->status != expect[k].st || !strstr(r->message, expect[k].want) ||
            (expect[k].want2 && !strstr(r->message, expect[k].want2)))
            fail_msg("%s: %s, wanted %s with \"%s\"; message:\n%s\noutput:\n%s",
                     c->id, dcts_status_name(r->status),
                     dcts_status_name(expect[k].st), expect[k].want,
                     r->message, r->output ? r->output : "(none)");
    }

    /* The chatty case's output was captured (head and tail), not lost. */
    const dcts_result *pr = &out[find("print") - cases];
    assert_non_null(pr->output);
    assert_non_null(strstr(pr->output, "to stdout\n"));
    assert_non_null(strstr(pr->output, "to stderr\n"));
    assert_non_null(strstr(pr->output, "bytes not shown"));
    assert_non_null(strstr(pr->output, "line 1999 of chatter"));
    assert_true(strlen(pr->output) < 2 * DCTS_CAPTURE_HALF + 100);

    /* The grandchild was killed with its process group. */
    const dcts_result *gr = &out[find("grandchild") - cases];
    assert_non_null(gr->output);
    int gpid = 0;
    assert_int_equal(sscanf(gr->output, "grandchild %d", &gpid), 1);
    assert_true(gpid > 0);
    assert_true(wait_ended(gpid));

    /* Every child was reaped. */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    dcts_results_clear(out, NCASES);
}

static void sleep_200(dcts_t *t) { (void)t; usleep(200000); }

static void parallel_and_serial(void **state)
{
    (void)state;
    static const dcts_case par = { .id = "par", CLAUSES(TMO_1),
                                   .summary = "", .run = sleep_200 };
    static const dcts_case ser = { .id = "ser", CLAUSES(TMO_1),
                                   .summary = "", .run = sleep_200,
                                   .flags = DCTS_F_TIMING | DCTS_F_SERIAL };
    const dcts_case *list[4] = { &par, &par, &par, &par };
    dcts_result out[4];
    dcts_options o;

    options(&o, 4);
    double t0 = dcts_clock();
    assert_int_equal(dcts_run_cases(list, 4, &be, &o, 0, out), 0);
    double four = dcts_clock() - t0;
    for (int i = 0; i < 4; i++)
        assert_int_equal(out[i].status, DCTS_PASS);
    dcts_results_clear(out, 4);

    options(&o, 1);
    t0 = dcts_clock();
    assert_int_equal(dcts_run_cases(list, 4, &be, &o, 0, out), 0);
    double one = dcts_clock() - t0;
    dcts_results_clear(out, 4);

    for (int i = 0; i < 4; i++)
        list[i] = &ser;
    options(&o, 4);
    t0 = dcts_clock();
    assert_int_equal(dcts_run_cases(list, 4, &be, &o, 0, out), 0);
    double serial = dcts_clock() - t0;
    dcts_results_clear(out, 4);

    if (!(one >= 0.79 && serial >= 0.79 && four < one - 0.2))
        fail_msg("4 jobs %.2f s, 1 job %.2f s, serial %.2f s", four, one,
                 serial);
}

static void no_fork(void **state)
{
    (void)state;
    const dcts_case *list[4] = { find("pass"), find("fail"), find("skip"),
                                 find("print") };
    dcts_result out[4];
    dcts_options o;
    options(&o, 0);
    o.no_fork = 1;

    /* What the cases print must not reach stdout. */
    char path[] = "/tmp/dcts-nofork-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1), saved_err = dup(2);
    dup2(fd, 1);
    int nul = open("/dev/null", O_WRONLY);
    dup2(nul, 2);
    close(nul);
    int rc = dcts_run_cases(list, 4, &be, &o, 0, out);
    fflush(stdout);
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(saved);
    close(saved_err);
    struct stat st;
    fstat(fd, &st);
    close(fd);
    unlink(path);

    assert_int_equal(rc, 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(out[0].status, DCTS_PASS);
    assert_int_equal(out[1].status, DCTS_FAIL);
    assert_non_null(strstr(out[1].message, "observed: boom"));
    assert_int_equal(out[2].status, DCTS_SKIP);
    assert_int_equal(out[3].status, DCTS_PASS);
    dcts_results_clear(out, 4);
}

/* A backend the case process cannot load (here: gone since it was
 * probed) is an ABI-1 FAIL, its message composed by the harness from the
 * loader's reason the record carries (RECORD_NOT_LOADED). */
static void not_loaded_in_case_process(void **state)
{
    (void)state;
    dcts_backend_handle gone;
    char path[] = "/nonexistent/dcts-gone.so", label[] = "gone";
    memset(&gone, 0, sizeof gone);
    gone.path = path;
    gone.label = label;
    const dcts_case *list[1] = { find("pass") };
    dcts_result out[1];
    dcts_options o;
    options(&o, 1);

    assert_int_equal(dcts_run_cases(list, 1, &gone, &o, 0, out), 0);
    assert_int_equal(out[0].status, DCTS_FAIL);
    const dcts_clause *abi = &dcts_clauses[DCTS_CL_ABI_1];
    char head[512];
    snprintf(head, sizeof head, "ABI-1 (MUST): %s\n  the case process could "
             "not load the backend: ", abi->text);
    assert_true(strncmp(out[0].message, head, strlen(head)) == 0);
    assert_null(strstr(out[0].message, "rerun:"));
    dcts_results_clear(out, 1);
}

static void hints(void **state)
{
    (void)state;
    dcts_options o;
    options(&o, 0);
    char *h = dcts_rerun_hint(&o, &be, find("pass"));
    char want[128];
    snprintf(want, sizeof want, "build/dispatch-cts --filter 'pass'  "
             "# (embedded %s)", be.be->name);
    assert_string_equal(h, want);
    free(h);

    dcts_backend_handle other = be;
    other.path = "my dir/x.so";
    o.timeout_scale = 2.5;
    o.argv0 = "./dispatch-cts";
    h = dcts_rerun_hint(&o, &other, find("segv"));
    assert_string_equal(h, "./dispatch-cts --filter 'segv' --timeout-scale "
                        "2.5 'my dir/x.so'");
    free(h);
    assert_true(dcts_case_budget(find("hang"), 2) == 0.6);
    assert_true(dcts_case_budget(find("pass"), 1) == DCTS_DEFAULT_BUDGET_S);
}

/* SIGTERM to a harness running cases: the cases' process groups are
 * killed and the harness dies of SIGTERM.  Done in a child process, which
 * plays the harness. */
static char pidfile[64];
static void c_record_and_hang(dcts_t *t)
{
    (void)t;
    FILE *f = fopen(pidfile, "w");
    if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    for (;;)
        pause();
}

static void interrupted(void **state)
{
    (void)state;
    static const dcts_case hang = { .id = "hang", CLAUSES(TMO_1),
                                    .summary = "", .run = c_record_and_hang,
                                    .budget_s = 60 };
    snprintf(pidfile, sizeof pidfile, "/tmp/dcts-int-%d", (int)getpid());
    unlink(pidfile);
    pid_t harness = fork();
    assert_true(harness >= 0);
    if (harness == 0) {
        const dcts_case *list[1] = { &hang };
        dcts_result out[1];
        dcts_options o;
        options(&o, 1);
        dcts_signals_install();
        int rc = dcts_run_cases(list, 1, &be, &o, 0, out);
        dcts_results_clear(out, 1);
        if (rc == -1)
            dcts_signals_restore();     /* dies of the signal */
        _exit(99);
    }
    int casepid = 0;
    for (int i = 0; i < 300 && casepid <= 0; i++) {
        FILE *f = fopen(pidfile, "r");
        if (f) {
            if (fscanf(f, "%d", &casepid) != 1)
                casepid = 0;
            fclose(f);
        }
        if (casepid <= 0)
            usleep(10000);
    }
    assert_true(casepid > 0);
    kill(harness, SIGTERM);
    int st;
    assert_int_equal(waitpid(harness, &st, 0), harness);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    unlink(pidfile);
    assert_true(wait_ended(casepid));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_outcome),
        cmocka_unit_test(parallel_and_serial),
        cmocka_unit_test(no_fork),
        cmocka_unit_test(not_loaded_in_case_process),
        cmocka_unit_test(hints),
        cmocka_unit_test(interrupted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
