/*
 * runtime.h: the case runtime's private state, shared by runtime.c and
 * support.c only.  Cases use dcts.h.
 */
#ifndef DCTS_RUNTIME_H
#define DCTS_RUNTIME_H

#include "dcts.h"

#include <pthread.h>
#include <sys/types.h>

struct dcts_runtime {
    dcts_t *current;              /* the running case's state */
    dcts_status outcome;          /* PASS until a fail or skip */
    char reason[2048];            /* the fail or skip text */

    char trace[6144];             /* the observed calls, comma-separated */
    size_t trace_len;
    int trace_truncated;
    unsigned pass;                /* dispatch_once calls so far */

    int use_after_free;           /* calls on freed probes */
    int double_calls;             /* second calls in one pass */
    int destroying;               /* inside be->destroy */
    int calls_in_destroy;

    int handler_calls;
    dc_target *handler_last_o;
    int handler_last_code;

    dcts_probe **probes;          /* every probe made, freed at the end */
    size_t nprobes, probes_cap;

    int *fds;                     /* fds to close at the end */
    size_t nfds, fds_cap;
    int kept[8];                  /* numbers dcts_close_keep_number holds */
    size_t nkept;

    pthread_t *threads;           /* helper threads to join at the end */
    size_t nthreads, threads_cap;

    int storm_on;                 /* a signal storm is running */

    pid_t *pids;                  /* peer processes to kill and reap */
    size_t npids, pids_cap;
    char *tmpdir;                 /* dcts_tmpdir, removed at the end */
};

extern struct dcts_runtime dcts_rt;

/* Empties the state before a case. */
void dcts_runtime_reset(dcts_t *t);
/* Stops timers, joins threads, kills and reaps peers, closes fds,
 * removes the temporary directory, frees probes. */
void dcts_runtime_release(dcts_t *t);
/* Remembers fd (kernel.c) or a thread (timing.c) for release. */
void dcts_track_fd(dcts_t *t, int fd);
void dcts_track_thread(dcts_t *t, pthread_t th);
/* Kill and reap the peers still running (spawn.c); remove the case's
 * temporary directory (tmpdir.c). */
void dcts_spawn_release(void);
void dcts_tmpdir_release(void);

#endif
