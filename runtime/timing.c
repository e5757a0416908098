/*
 * timing.c: tolerances, bounds measured on a loaded machine, delayed
 * writes, idle waits and signal storms (the clocks: clock.c).
 *
 * Tolerances are written in milliseconds for an idle machine and scaled by
 * --timeout-scale (valgrind, a loaded CI box); the intervals themselves are
 * never scaled, so a slow machine makes a case slower, not weaker.
 */
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

double dcts_tol_ms(dcts_t *t, double ms)
{
    return ms * t->scale;
}

/* How late a loaded machine can make a wait, before scaling: a wait later
 * than its limit by more than this is the backend's doing. */
#define DCTS_NOISE_MS 300.0
#define DCTS_ATTEMPTS 3

double dcts_least_ms(dcts_t *t, double limit_ms,
                     double (*measure)(dcts_t *t, void *arg), void *arg)
{
    double least = measure(t, arg);

    for (int i = 1; i < DCTS_ATTEMPTS && least > limit_ms &&
         least <= limit_ms + dcts_tol_ms(t, DCTS_NOISE_MS); i++) {
        double ms = measure(t, arg);
        if (ms < least)
            least = ms;
    }
    return least;
}

/* The case's helper threads, joined when it ends. */
static struct {
    pthread_t *threads;
    size_t n, cap;
} helpers;

static void join_helpers(void)
{
    for (size_t i = 0; i < helpers.n; i++)
        pthread_join(helpers.threads[i], NULL);
    free(helpers.threads);
    memset(&helpers, 0, sizeof helpers);
}

static void track_thread(dcts_t *t, pthread_t th)
{
    pthread_t *grown = dcts_grow(helpers.threads, &helpers.cap, helpers.n,
                                 sizeof *helpers.threads, 8);
    if (grown == NULL) {
        pthread_join(th, NULL);
        dcts_harness_skip(t, "harness: out of memory tracking threads");
    }
    helpers.threads = grown;
    helpers.threads[helpers.n++] = th;
    dcts_add_cleanup(DCTS_CLEANUP_THREADS, join_helpers);
}

struct delayed_write { int fd; double ms; };

static void *write_later_thread(void *arg)
{
    struct delayed_write job = *(struct delayed_write *)arg;
    sigset_t all;
    char c = 'x';

    free(arg);
    sigfillset(&all);                 /* signals are for the case's thread */
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    dcts_sleep_ms(job.ms);
    if (write(job.fd, &c, 1) != 1) {
        /* Nothing to report to: the case sees the missing event. */
    }
    return NULL;
}

void dcts_write_later(dcts_t *t, int fd, double ms)
{
    struct delayed_write *job = malloc(sizeof *job);
    pthread_t th;
    if (job == NULL)
        dcts_harness_skip(t, "harness: out of memory");
    job->fd = fd;
    job->ms = ms;
    if (pthread_create(&th, NULL, write_later_thread, job) != 0) {
        free(job);
        dcts_harness_skip(t, "harness: pthread_create failed");
    }
    track_thread(t, th);
}

/* ---- waits that must sleep (TMO-11) ---------------------------------------- */

/* A lower bound, measured call by call: a slow machine only makes a wait
 * longer, so one that ends before 60% of its timeout ended early.  TMO-11
 * allows one such call (a backend may learn of a stale condition only
 * from the wait it ends, then drop it); a busy loop ends every call
 * early. */
void dcts_expect_idle_wait(dcts_t *t, double ms, const char *what)
{
    int early = 0;
    double shortest = ms;

    for (int i = 0; i < DCTS_IDLE_WAITS; i++) {
        double start = dcts_now();
        int rc = dcts_dispatch(t, ms / 1000.0);
        double took = dcts_ms_since(start);

        if (rc != 0)
            dcts_fail(t, "expected: dispatch_once(%.0f ms) returns 0 (%s); "
                      "observed: %s", ms, what, dcts_code_name(rc));
        if (took < ms * 0.6) {
            early++;
            if (took < shortest)
                shortest = took;
        }
    }
    if (early > 1)
        dcts_fail(t, "expected: of %d calls of dispatch_once(%.0f ms), %s, "
                  "at most one ends before %.0f ms (TMO-11); observed: %d "
                  "did (the shortest after %.1f ms), so the backend keeps "
                  "waking for something it reports to nobody (a busy loop)",
                  DCTS_IDLE_WAITS, ms, what, ms * 0.6, early, shortest);
}

/* ---- signal storms (TMO-9) ------------------------------------------------ */

static volatile sig_atomic_t delivered;
static int storm_on;                  /* the timer is armed */
/* Set while a bounded storm's stopper thread should still disarm it. */
static atomic_int storm_bounded;
static void stop_storm(void);

static void on_alarm(int sig)
{
    (void)sig;
    delivered++;
}

void dcts_signal_storm(dcts_t *t, long interval_us)
{
    struct sigaction sa;
    struct itimerval it = { { 0, interval_us }, { 0, interval_us } };

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;         /* no SA_RESTART: waits see EINTR */
    sigemptyset(&sa.sa_mask);
    delivered = 0;
    if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
        dcts_harness_skip(t, "harness: cannot start the signal storm: %s",
                  strerror(errno));
    storm_on = 1;
    dcts_add_cleanup(DCTS_CLEANUP_TIMERS, stop_storm);
}

static void stop_storm(void)
{
    struct itimerval off;
    atomic_store(&storm_bounded, 0);  /* a stopper thread ends at once */
    if (!storm_on)
        return;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_IGN);         /* one may still be in flight */
    signal(SIGALRM, SIG_DFL);
    storm_on = 0;
}

void dcts_signal_storm_stop(dcts_t *t)
{
    (void)t;
    stop_storm();
}

long dcts_signals_delivered(void)
{
    return delivered;
}

/* Disarms the timer once the storm has lasted its time, from a thread, so
 * a case blocked in a wait that a storm would prolong forever still gets
 * to measure it.  The handler stays installed: a signal in flight is
 * counted, never fatal; dcts_signal_storm_stop restores the default. */
static void *storm_stopper_thread(void *arg)
{
    double until = *(double *)arg;
    sigset_t all;

    free(arg);
    sigfillset(&all);                 /* signals are for the case's thread */
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (atomic_load(&storm_bounded) && dcts_now() < until)
        dcts_sleep_ms(1);
    if (atomic_exchange(&storm_bounded, 0)) {
        struct itimerval off;
        memset(&off, 0, sizeof off);
        setitimer(ITIMER_REAL, &off, NULL);
    }
    return NULL;
}

void dcts_signal_storm_for(dcts_t *t, long interval_us, double ms)
{
    double *until = malloc(sizeof *until);
    pthread_t th;

    if (until == NULL)
        dcts_harness_skip(t, "harness: out of memory");
    *until = dcts_now() + ms / 1000.0;
    dcts_signal_storm(t, interval_us);
    atomic_store(&storm_bounded, 1);
    if (pthread_create(&th, NULL, storm_stopper_thread, until) != 0) {
        free(until);
        dcts_signal_storm_stop(t);
        dcts_harness_skip(t, "harness: pthread_create failed");
    }
    track_thread(t, th);
}
