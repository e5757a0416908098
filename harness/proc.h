/*
 * proc.h: child processes the harness watches.
 *
 * Every piece of backend code the harness runs (probing a backend's entry
 * function, running a case) runs in a forked child set up by
 * dcts_proc_spawn: killed when the harness dies (PR_SET_PDEATHSIG), a
 * child subreaper itself, its own process group, default signal dispositions
 * (but SIGPIPE ignored: cases write to closed peers on purpose and want
 * EPIPE) and an empty signal mask, no core dumps, stdin from /dev/null, stdout and
 * stderr into a capture pipe (or /dev/null), every other descriptor
 * closed except a result pipe moved to fd DCTS_RESULT_FD_MIN or above
 * (or, with DCTS_PROC_SHARE_FDS, the parent's descriptors and stdio kept).
 *
 * What a child sends back on its result pipe is framed (below): it
 * writes with dcts_proc_send, the parent reads it with dcts_proc_frames,
 * which trusts nothing of it.
 *
 * The parent drives any number of children with dcts_proc_step(): one
 * poll() over their pipes and a wake-up self-pipe written by the SIGCHLD
 * handler that spawn installs, reading what arrived, killing the process group of a
 * child past its deadline, and reaping children that ended (after killing
 * whatever is left of their process group, while the zombie still pins
 * the group id; when a child's pipes stay open after it ended, whatever
 * it left behind holding them is swept at once).
 *
 * Interrupts: after dcts_signals_install(), SIGINT, SIGTERM and SIGHUP
 * are caught; like SIGCHLD they wake dcts_proc_step up through the
 * self-pipe, and it returns -1; the caller kills and reaps everything
 * (dcts_proc_abort / dcts_proc_release) and finally calls
 * dcts_signals_restore(), which dies of the caught signal.
 */
#ifndef DCTS_PROC_H
#define DCTS_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DCTS_RESULT_FD_MIN 500

/* Captured output: the first and the last DCTS_CAPTURE_HALF bytes. */
#define DCTS_CAPTURE_HALF 2048
typedef struct dcts_capture {
    char head[DCTS_CAPTURE_HALF];
    size_t head_len;
    char tail[DCTS_CAPTURE_HALF];   /* ring buffer */
    size_t tail_len, tail_pos;
    size_t total;                   /* every byte seen */
} dcts_capture;

void dcts_capture_add(dcts_capture *c, const char *data, size_t n);
/* The captured text, with "[... N bytes not shown ...]" where bytes were
 * dropped; malloc'd, NULL when nothing was captured. */
char *dcts_capture_text(const dcts_capture *c);

typedef struct dcts_proc {
    pid_t pid;              /* 0: no child */
    int out_fd;             /* capture pipe, read end; -1 once at EOF */
    int res_fd;             /* result pipe, read end; -1 once at EOF */
    double start;           /* dcts_clock() at fork */
    double deadline;        /* kill the group after this; 0 = never */
    double end;             /* dcts_clock() when reaped */
    double grace;           /* after exit: stop waiting for EOF then */
    int reaped;
    int wstatus;            /* waitpid status, once reaped */
    int timed_out;          /* the deadline passed: the group was killed */
    int swept;              /* its orphans were killed (proc.c) */

    dcts_capture *capture;  /* NULL when output goes to /dev/null */
    char *result;           /* bytes read from the result pipe */
    size_t result_len;
    size_t result_max;      /* bytes beyond this are counted, not kept */
    size_t result_extra;    /* bytes beyond result_max */
    uint64_t nonce;         /* what the child's frames must carry */
} dcts_proc;

/* The child's body: res_fd is the result pipe's write end.  Returning
 * makes the child _exit(0). */
typedef void (*dcts_child_fn)(void *arg, int res_fd);

/* Flags of dcts_proc_spawn. */
#define DCTS_PROC_CAPTURE 0x1u      /* stdout+stderr into p->capture
                                     * (allocated here); else /dev/null */
#define DCTS_PROC_SHARE_FDS 0x2u    /* the child keeps the parent's
                                     * descriptors, stdio included (the
                                     * bench measures on descriptors made
                                     * before the fork); no capture */

/* Starts a child running fn(arg, res_fd).  result_max bounds what is kept
 * of the result pipe (dcts_frames_max).  close_fds lists descriptors the
 * child must close (only needed where close_range is unavailable; every
 * harness descriptor is CLOEXEC anyway).  Returns 0, or -1 with a message
 * in err and no child. */
int dcts_proc_spawn(dcts_proc *p, unsigned flags, size_t result_max,
                    const int *close_fds, size_t nclose,
                    dcts_child_fn fn, void *arg, char *err, size_t errlen);

/* The descriptors of p the parent holds (up to 2) into fds; returns how
 * many.  For the close_fds of later children. */
size_t dcts_proc_fds(const dcts_proc *p, int *fds);

/* True when p is reaped and its pipes are closed: its results are final. */
int dcts_proc_done(const dcts_proc *p);

/* One round over the live children in procs (NULL entries and finished
 * ones are skipped): waits until something happens or the nearest
 * deadline, at most max_wait seconds (< 0: no limit of its own).
 * Returns 0, or -1 when an interrupting signal was caught. */
int dcts_proc_step(dcts_proc *const *procs, size_t n, double max_wait);

/* Kills p's process group and p (if not reaped), reaps it, closes its
 * pipes.  Safe on a finished or empty proc. */
void dcts_proc_abort(dcts_proc *p);

/* Frees what spawn allocated and closes what is left; p becomes empty. */
void dcts_proc_release(dcts_proc *p);

/* Descendants (see runner.h): makes this process a child subreaper, so
 * that what a case process leaves behind, setsid or not, becomes its
 * child when that process ends, and not dumpable, so that its /proc
 * files are closed to processes of its user. */
void dcts_proc_become_reaper(void);
/* Kills and reaps every child of this process that dcts_proc_spawn did
 * not start (or, _all, every child), and what those leave behind, until
 * none is left; returns how many.  Reaping a spawned child sweeps. */
size_t dcts_proc_sweep(void);
size_t dcts_proc_sweep_all(void);

/* ---- framed results ------------------------------------------------------
 *
 * The result pipe carries frames: a header (the magic, the child's nonce,
 * a tag saying what the bytes are, their length), then the bytes; last,
 * an end frame (tag DCTS_FRAME_END, no bytes).  The nonce is random, drawn
 * by spawn for each child; the backend is not given it, so bytes a
 * backend scribbles on the pipe are garbage, not a result (the threat
 * model: docs/THREAT-MODEL.md).  A new field of a result is a new
 * tag and a rule for it: nothing else changes. */
#define DCTS_FRAME_MAGIC "DCTSFRM1"
typedef struct dcts_frame_head {
    char magic[8];
    uint64_t nonce;
    uint32_t tag;
    uint32_t len;               /* bytes that follow */
} dcts_frame_head;
#define DCTS_FRAME_END 0u

/* In the child: sends one frame on res_fd, written whole (the one write
 * loop of the harness and the bench).  Returns 0, or -1 when it cannot be
 * written, or when res_fd is no longer the result pipe spawn gave the
 * child (the case or the backend closed or replaced it: then nothing is
 * written, rather than into their file). */
int dcts_proc_send(int res_fd, uint32_t tag, const void *data, size_t len);
/* The end frame: without it, what was sent is a truncated result. */
int dcts_proc_send_end(int res_fd);
/* The exit status of a child whose result could not be sent. */
#define DCTS_EXIT_RESULT_LOST 125

/* What the parent accepts of one tag: its length from min to max; a
 * required one must be there.  name says what it is, in messages. */
typedef struct dcts_frame_rule {
    uint32_t tag;
    const char *name;
    size_t min, max;
    int required;
} dcts_frame_rule;

/* One received frame: data points into p->result, NULL when absent. */
typedef struct dcts_frame {
    const char *data;
    size_t len;
} dcts_frame;

typedef enum {
    DCTS_FRAMES_OK,
    DCTS_FRAMES_NONE,           /* the child sent nothing */
    DCTS_FRAMES_TRUNCATED,      /* it ends inside a frame or before the end */
    DCTS_FRAMES_GARBAGE,        /* the first bytes are no frame */
    DCTS_FRAMES_FORGED,         /* a frame with another nonce */
    DCTS_FRAMES_CORRUPT,        /* a later frame's header is garbled */
    DCTS_FRAMES_MALFORMED       /* an unknown or repeated tag, a length out
                                 * of its rule, a required one missing,
                                 * bytes after the end or beyond result_max */
} dcts_frames_status;

/* The most a child sending by rules can send: spawn's result_max. */
size_t dcts_frames_max(const dcts_frame_rule *rules, size_t nrules);

/* Checks what p's child sent against rules (frame i of rules[i] into
 * out[i]).  Returns DCTS_FRAMES_OK with out filled, or what is wrong,
 * with why saying it about "noun" (e.g. "a malformed result record (40
 * bytes, message length 9000)"). */
dcts_frames_status dcts_proc_frames(const dcts_proc *p,
                                    const dcts_frame_rule *rules,
                                    size_t nrules, dcts_frame *out,
                                    const char *noun, char *why,
                                    size_t whylen);

/* Privileges: after dcts_proc_drop_privileges_to(gid), a child that
 * calls dcts_proc_drop_privileges() (before any backend code runs) takes
 * a uid of its own, DCTS_UID_BASE + its pid (no user has it: unique on
 * the machine while the process lives, inherited by all it starts), that
 * gid and no supplementary groups, and can never regain more
 * (PR_SET_NO_NEW_PRIVS).  It can then signal, trace or read no process
 * but its own descendants: not the harness, not another case, and a
 * kill(-1, ...) reaches nothing else.  Without the first call it does
 * nothing.  Returns 0, or -1 with the problem in err: the child must then
 * not run backend code. */
#define DCTS_UID_BASE 0x40000000u
void dcts_proc_drop_privileges_to(gid_t gid);
int dcts_proc_drop_privileges(char *err, size_t errlen);
/* True after dcts_proc_drop_privileges_to. */
int dcts_proc_dropping(void);

/* Monotonic seconds. */
double dcts_clock(void);

/* "SIGSEGV" for the common signals, "signal 42" otherwise; buf holds at
 * least 32 bytes and is returned when used. */
const char *dcts_signal_name(int sig, char *buf, size_t len);
/* "killed by SIGSEGV (Segmentation fault)" / "exited with status 3". */
void dcts_describe_wait_status(int wstatus, char *buf, size_t len);

/* Interrupt handling (see above).  install: SIGPIPE ignored,
 * SIGINT/SIGTERM/SIGHUP caught (those already ignored, e.g. under nohup,
 * stay ignored). */
void dcts_signals_install(void);
/* The interrupting signal caught so far, 0 if none. */
int dcts_signals_caught(void);
/* Restores what install and spawn changed (dispositions, the SIGCHLD
 * handler) and closes the wake-up pipe; then, if an interrupting signal
 * was caught, dies of it (never returns in that case). */
void dcts_signals_restore(void);

#endif /* DCTS_PROC_H */
