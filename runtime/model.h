/*
 * model.h: an executable model of spec/CONTRACT.md, and the differential
 * tester built on it (runtime/model.c, runtime/fuzz.c; its cases:
 * cases/model.c).
 *
 * The model keeps what the contract says a context holds (which target
 * holds which fd, with which interest, under which registration), the
 * world the generator controls (pipes and socketpairs: bytes buffered,
 * ends shut down or closed, duplicates), and, during a pass, what the
 * wait saw.  Every call the backend makes is checked against what the
 * model ALLOWS at that moment, which is a set: any event model's form as
 * declared, either option of TMO-7, -EBUSY or a real nested pass (DSP-9),
 * leftovers kept or dropped after a propagation (ERR-7), a filter change
 * taken as a new registration or not, and (for descriptors touched during
 * the pass) results from the wait or from a fresh look.  Where the
 * contract leaves a choice, the check accepts all of it: a divergence is
 * only what no conforming backend may do, and it names the clause.
 *
 * The readiness of a descriptor at a wait is the kernel's own answer
 * (poll(2) with every request bit, just before dispatch_once): nothing
 * else runs in the process, so the backend's wait sees the same state.
 * The model's byte counts predict the readable half of it, and the
 * prediction is checked against the kernel as a self-test of the tester.
 */
#ifndef DCTS_MODEL_H
#define DCTS_MODEL_H

#include "dispatch_context.h"

#include <stddef.h>

#define MDL_SLOTS 8       /* target structs, reused in place (same address) */
#define MDL_BULK  48      /* more, registered at once by a callback (DSP-8) */
#define MDL_ALL_SLOTS (MDL_SLOTS + MDL_BULK)
#define MDL_CHANS 6       /* pipes and socketpairs open at once */
#define MDL_MAX_FD 1100   /* the highest fd number a sequence uses, +1 */
#define MDL_REGS  (MDL_SLOTS * 2 + MDL_BULK)
#define MDL_SEEN  (MDL_REGS * 2)

/* How a target lost its registration: which clause a later call breaks. */
typedef enum {
    MDL_GONE_NEVER, MDL_GONE_FILTER, MDL_GONE_NATIVE0, MDL_GONE_CLOSED,
    MDL_GONE_REPLACED, MDL_GONE_FAILED
} mdl_gone;

typedef struct mdl_slot {
    int live;             /* allocated (1) or freed (0) */
    unsigned inc;         /* incarnation: a new one each time it is reused */
    int fd;               /* o->fd */
    mdl_gone gone;        /* why the last incarnation lost its registration */
    unsigned gone_pass;   /* in which pass (0: before any) */
} mdl_slot;

typedef struct mdl_reg {  /* one registration: the holder of one fd */
    int used;
    int fd, slot;
    unsigned inc, gen;    /* gen: unique per registration */
    int r, w, e;          /* interest, as booleans */
    int behind;           /* its fd was closed behind the backend (LIM-3) */
    int told;             /* since then, it was called with E */
} mdl_reg;

typedef struct mdl_seen { /* a registration as a wait found it */
    int fd, slot;
    unsigned inc, gen;
    int r, w, e;          /* interest at the wait */
    short k;              /* the kernel's revents at the wait */
    int changed;          /* a filter call on it since the wait */
    int dirty;            /* its file or its peer was touched since */
    int called;
    int old;              /* from the wait of the previous, propagated pass */
} mdl_seen;

typedef struct mdl_chan { /* a pipe (end 0 reads) or a socketpair */
    int open, pipe;
    int fd[2], dup[2];    /* -1 when closed */
    unsigned long ino[2]; /* each end's inode: is fd still our file? */
    long bytes[2];        /* buffered towards end i */
    int wr_shut[2];       /* end i shut its writing side down */
    int rd_shut[2];       /* end i shut its reading side down */
    int pinned[2];        /* end i was closed behind the backend, which may
                           * hold its file open (an io_uring request does):
                           * whether its peer sees it gone is not known */
} mdl_chan;

typedef enum {            /* the handler a pass is given */
    MDL_H_NONE, MDL_H_HANDLE, MDL_H_RERAISE, MDL_H_OTHER, MDL_H_CLOSE,
    MDL_H_CLOSE_RERAISE, MDL_H_COUNT
} mdl_handler_kind;

typedef struct mdl {
    const dc_backend *be;
    unsigned long fr, fw, fe;     /* flags_for of each field */
    mdl_slot slot[MDL_ALL_SLOTS];
    mdl_reg reg[MDL_REGS];
    mdl_chan chan[MDL_CHANS];
    unsigned next_gen;
    int tainted[MDL_MAX_FD];      /* fd numbers closed behind the backend */

    /* the pass in progress */
    unsigned pass;                /* passes so far */
    int in_pass, nested;
    mdl_seen seen[MDL_SEEN];
    int nseen;
    int lenient;                  /* no exactness, no lower bound */
    int prev_propagated;          /* the previous pass ended by propagation */
    mdl_handler_kind handler;
    int bad_timeout;              /* TMO-7: -EINVAL allowed */
    int calls;                    /* dispatch_event calls in the pass */
    int raised_slot;              /* awaiting the handler for this raise */
    int raised_code;
    dc_target *raised_o;
    int awaiting_handler;
    int handled_errors;
    int propagated;               /* the pass must end: */
    int propagated_code;          /* with this code */
    const char *propagated_clause;/* a later call breaks this */
    int destroying;
    int nested_rc_ok[4];          /* codes raised inside a nested pass */
    int n_nested_rc;

    /* the first divergence */
    int failed;
    const char *clause;
    char why[512];
} mdl;

/* ---- the model (model.c) ------------------------------------------------ */

void mdl_init(mdl *m, const dc_backend *be);
/* Records the first divergence; later ones are ignored.  Returns -1. */
__attribute__((format(printf, 3, 4)))
int mdl_fail(mdl *m, const char *clause, const char *fmt, ...);

/* Each operation: the backend's return code rc is checked and the model
 * updated as the contract says.  slot is the target's slot (-1: NULL). */
int mdl_filter(mdl *m, int slot, int r, int w, int e, int native, int rc);
int mdl_socket_closed(mdl *m, int fd, int slot, int rc);
/* A filter call during which an allocation failed (ABI-5): a negative rc
 * must have changed nothing; 0 is an ordinary success. */
int mdl_filter_nomem(mdl *m, int slot, int r, int w, int e, int native, int rc);
/* The caller closed fd behind the backend's back while a target holds it
 * (LIM-3): whatever the backend then does on that number is its choice. */
void mdl_taint(mdl *m, int fd);
/* A channel's state changed (read, write, shutdown, close) mid-pass. */
void mdl_touch(mdl *m, int chan);
/* Model-side slot life: a new incarnation on fd, or freed. */
void mdl_slot_new(mdl *m, int slot, int fd);
void mdl_slot_free(mdl *m, int slot);
int mdl_holder(const mdl *m, int fd);         /* the reg index or -1 */
int mdl_registered(const mdl *m, int slot);   /* the reg index or -1 */

/* A pass: begin (takes the kernel's view of every registered fd), each
 * dispatch_event call (checked before the target acts), each raise,
 * handler call and return, and the end with dispatch_once's result. */
void mdl_pass_begin(mdl *m, mdl_handler_kind h, int bad_timeout);
int mdl_call(mdl *m, int slot, unsigned long r, unsigned long w,
             unsigned long e);
void mdl_raise(mdl *m, int slot, dc_target *o, int code);
int mdl_handler_call(mdl *m, dc_target *o, int code);
void mdl_handler_return(mdl *m, int ret);
int mdl_pass_end(mdl *m, int rc);
/* A dispatch_once nested in a callback: its result. */
void mdl_nested_begin(mdl *m);
int mdl_nested_end(mdl *m, int rc);

/* ---- the differential tester (fuzz.c) ----------------------------------- */

/* Feature sets a sequence may use (the mdl-* cases each take one). */
#define MDL_F_CORE     0x01u  /* filters, reads, writes, shutdowns, passes */
#define MDL_F_CLOSE    0x02u  /* socket_closed, close, free, fd and address
                               * reuse, replacement */
#define MDL_F_ERRORS   0x04u  /* raises, handlers, DC_INTERRUPT, DC_EXIT */
#define MDL_F_NESTED   0x08u  /* dispatch_once inside a callback */
#define MDL_F_DUP      0x10u  /* dup: a file outliving its fd number */
#define MDL_F_BEHIND   0x20u  /* a registered fd closed behind the backend */
#define MDL_F_BADARGS  0x40u  /* bad timeouts, negative fds, NULL targets */
#define MDL_F_ALLOC    0x80u  /* a filter call whose nth allocation fails */
#define MDL_F_HIGHFD   0x100u /* fds moved to fd_limit - 1 and fd_limit
                               * (LIM-1), or past 64 when there is none */
#define MDL_F_ALL      0x1ffu

typedef struct mdl_result {
    int diverged;             /* 1: a divergence (or a crash or a hang) */
    char clause[16];
    char text[4096];          /* clause, why, the shrunk op list */
} mdl_result;

/* Runs the sequence of seed against be.  On a divergence, shrinks the op
 * list (each trial in a child process when fork_trials), and fills res. */
void mdl_fuzz_one(const dc_backend *be, unsigned long seed, unsigned features,
                  int fork_trials, mdl_result *res);
/* The feature names, for --help and messages: "core", "close", ... */
const char *mdl_feature_names(void);
/* Parses "dup,behind" into bits; -1 on an unknown name. */
int mdl_parse_features(const char *list, unsigned *out);

#endif
