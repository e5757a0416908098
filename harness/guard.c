/*
 * guard.c: the guardian process.  See guard.h.
 */
#include "guard.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t forward_sig;

static void on_signal(int sig)
{
    forward_sig = sig;
}

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP };
#define N_FORWARDED (sizeof forwarded / sizeof forwarded[0])

int dcts_guard(dcts_outfile *report_file)
{
    fflush(NULL);                   /* nothing buffered written twice */
    pid_t harness = fork();
    if (harness < 0) {
        fprintf(stderr, "dispatch-cts: no guardian process (fork: %s): a "
                "backend that stops or kills the harness is not caught\n",
                strerror(errno));
        return DCTS_UNGUARDED;
    }
    if (harness == 0)
        return DCTS_GUARDED;

    /* The guardian.  Its handlers (no SA_RESTART) interrupt waitpid. */
    struct sigaction sa, old[N_FORWARDED];
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded[i], &sa, &old[i]);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);     /* its stdout is the user's */

    int st = 0;
    for (;;) {
        pid_t r = waitpid(harness, &st, WUNTRACED);
        if (r < 0 && errno == EINTR) {
            if (forward_sig) {
                kill(harness, forward_sig);
                forward_sig = 0;
            }
            continue;
        }
        if (r < 0)
            break;
        if (WIFSTOPPED(st)) {
            char name[32];
            fprintf(stderr, "dispatch-cts: the harness was stopped by %s "
                    "(by a backend?); its guardian continued it\n",
                    dcts_signal_name(WSTOPSIG(st), name, sizeof name));
            kill(harness, SIGCONT);
            continue;
        }
        break;
    }
    /* Everything the run left behind came here: none of it remains. */
    dcts_proc_sweep_all();
    dcts_outfile_discard(report_file);      /* renamed already, or junk */
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded[i], &old[i], NULL);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
    for (size_t i = 0; i < N_FORWARDED; i++)
        if (sig == forwarded[i]) {
            signal(sig, SIG_DFL);
            raise(sig);                     /* as the harness ended */
        }
    char name[32];
    fprintf(stderr, "dispatch-cts: the harness process was killed by %s (by "
            "a backend?): no report; every process of the run was killed\n",
            dcts_signal_name(sig, name, sizeof name));
    return 128 + sig;
}

void dcts_guarded_exit(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "dispatch-cts: cannot write to standard output: "
                "%s\n", strerror(errno));
        rc = 2;
    }
    fflush(stderr);
    _exit(rc);
}
