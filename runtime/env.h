/*
 * env.h: the environment as it was before any backend code ran: measured
 * by the harness at start and by each case process before it loads the
 * backend (env.c); skip conditions read it (dcts.h).
 */
#ifndef DCTS_ENV_H
#define DCTS_ENV_H

/* Skip conditions read these facts, measured before any backend code ran
 * (the RLIMIT_NOFILE limits and where socat is: by the harness at start;
 * the open fds: in the case process before it loads the backend), never
 * the process as the backend left it: a backend that lowers a limit,
 * empties PATH or takes fd numbers cannot turn a FAIL into a SKIP.  When
 * the environment was fine and the backend spoiled it, the case FAILs and
 * says what the backend changed. */
#define DCTS_ENV_FDS 2048       /* fds below this are recorded one by one */
typedef struct dcts_env {
    int measured;
    long nofile_soft, nofile_hard;      /* -1: unlimited */
    char socat[4096];                   /* "" when socat is not on PATH */
    int fds_measured;
    unsigned char open_fd[DCTS_ENV_FDS / 8];
    int open_above;                     /* an fd >= DCTS_ENV_FDS was open */
} dcts_env;
extern dcts_env dcts_env_before;
/* Measures the limits and looks for socat (into dcts_env_before). */
void dcts_env_measure(void);
/* Records which fds are open now (into dcts_env_before). */
void dcts_env_measure_fds(void);
/* True when fd is an open file descriptor now. */
int dcts_fd_is_open(int fd);

#endif /* DCTS_ENV_H */
