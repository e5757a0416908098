/*
 * runner.h: running cases against a backend, each in its own process.
 *
 * Every case runs in a forked child (dcts_proc): own process group,
 * default signals (SIGPIPE ignored), no core dumps, stdout+stderr
 * captured, dies with the harness.  The child records the fds open
 * before any backend code runs (the skip conditions read them, dcts.h),
 * gives up root when the harness drops privileges (proc.h), loads the
 * backend itself (dcts_backend_attach_unprivileged: the harness process
 * never does), checks its descriptor against the probed copy, calls
 * dcts_execute with a copy of that descriptor and writes ONE record on
 * its result pipe, framed (proc.h: magic and a random nonce in every
 * frame, an end frame last): the status, flags (a SKIP from the
 * backend's declaration, no process left behind, the backend not
 * loaded), and the parts of the outcome: the reason and the observed
 * calls; then _exit(0): no destructor runs.  When it ends, every process
 * it left behind is killed and reaped (dcts_proc_sweep).  The parent
 * runs up to opt->jobs children at once and gives each a watchdog of
 * (budget_s or 5 s) * opt->timeout_scale, after which its whole process
 * group is killed: TIMEOUT.  A child killed by a signal is a CRASH.  Only
 * a complete, well-formed record with the right nonce from a child that
 * then exited with status 0 counts as the status it reports; anything
 * else is a FAIL that says what happened.  The harness composes every
 * message (clauses, reason, calls, rerun hint, lesson) from those parts.
 * Cases flagged DCTS_F_SERIAL run alone.
 *
 * With opt->no_fork the cases run one after another in this process
 * (the backend loaded here, dcts_execute directly, stdout redirected to
 * stderr, SIGPIPE ignored): no isolation, no watchdog.
 */
#ifndef DCTS_RUNNER_H
#define DCTS_RUNNER_H

#include "case.h"
#include "loader.h"
#include "options.h"
#include "result.h"

#include <stddef.h>

/* The default watchdog budget of a case (budget_s == 0). */
#define DCTS_DEFAULT_BUDGET_S 5.0
/* The most bytes of parts (reason, calls) a case process may send. */
#define DCTS_MESSAGE_MAX 16384

/* Runs cases[0..n-1] against be, filling out[0..n-1] (in case order,
 * whatever order they finish in).  Uses opt->jobs (0: the default),
 * opt->timeout_scale, opt->no_fork and opt->argv0 (for rerun hints).
 * progress: when non-zero, a progress line is kept up to date on stderr.
 * Returns 0; or -1 when an interrupting signal arrived (every child is
 * killed and reaped first, out[] is partly filled and must still be
 * cleared). */
int dcts_run_cases(const dcts_case *const *cases, size_t n,
                   const dcts_backend_handle *be, const dcts_options *opt,
                   int progress, dcts_result *out);

/* The command that reruns c alone against be, e.g.
 *   build/dispatch-cts --filter 'tmo-null' build/backends/poll.so
 * or, for the embedded backend,
 *   build/dispatch-cts --filter 'tmo-null'  # (embedded select)
 * malloc'd. */
char *dcts_rerun_hint(const dcts_options *opt, const dcts_backend_handle *be,
                      const dcts_case *c);

/* The budget of c in seconds, scaled. */
double dcts_case_budget(const dcts_case *c, double timeout_scale);

#endif /* DCTS_RUNNER_H */
