/*
 * engine.h: a backend whose waiting is done by an event library.
 *
 * The adapters in backends/libevent, backends/libev and backends/libuv
 * check how well a dispatch context built on an existing engine can honour
 * the contract.  Everything that is not the engine's is here, once: the
 * registry stays the authority on who holds which fd (FLT-*, CLS-*), each
 * registration has one engine watcher, and dispatch_once is
 *
 *   1. refuse nesting, check the timeout        (DSP-9, TMO-7; frame.h)
 *   2. run the engine: without waiting for a zero or NULL timeout (TMO-1),
 *      else with its timer armed, again until a watcher reported, the
 *      timer ran or the deadline passed (TMO-2, TMO-9: an engine turn
 *      that ends early with nothing, e.g. on a signal, is resumed for the
 *      time left, measured against the same deadline)
 *   3. the watchers' callbacks meanwhile only record (turn.h); when
 *      something was recorded, the engine is run again without waiting
 *      until a run adds no new fd (DSP-3: engines fetch a bounded number
 *      of events per wait, libevent 32 and libev 64 at first, and epoll
 *      hands level-triggered fds out round-robin, so each look brings the
 *      next ones)
 *   4. after the engine returns, the shared pass: re-check, call, escalate
 *      (dcb_run_pass: DSP-1..8, ERR-1..8)
 *
 * Some engines (libev, libuv) apply a watcher's change to the kernel only
 * in their next wait, and abort the process when the kernel refuses it
 * there: an fd closed behind the backend's back (LIM-3) is an assertion
 * failure in libev and an abort() in libuv.  For them (ops->watch_closed
 * set) every watcher made or changed since the last run is checked just
 * before the next one: a closed fd is never handed to the engine (its
 * watcher is stopped and its target told, every pass, until socket_closed:
 * LIM-3), and an fd number that now names another file gets a new watcher
 * and a new generation, so nothing of the old file reaches the target
 * (CLS-2, DSP-7) and the engine is not asked to modify a kernel entry that
 * no longer exists.  A watcher that did not change is not checked: an fd
 * closed under it is dropped by the kernel without a word, as in the epoll
 * model.
 *
 * An adapter supplies the engine's half as a dcb_engine_ops table and puts
 * a dcb_engine first in its dc_context.
 */
#ifndef DCB_ENGINE_H
#define DCB_ENGINE_H

#include "dispatch_context.h"
#include "registry.h"
#include "turn.h"

#include <stddef.h>
#include <sys/types.h>

typedef struct dcb_engine dcb_engine;

/* The start of every engine watcher (an adapter's watcher struct has it as
 * its first member).  The common layer fills it in. */
typedef struct dcb_watch {
    dcb_engine *engine;
    int fd;
    unsigned generation;        /* of the registration it watches for */
    unsigned long flags;        /* the native interest it was given */
    dcb_turn_mark mark;         /* its entry in the current turn */
    /* The file it was made for: a filter call finding another one on the
     * number makes a new watcher (dcb_engine_filter). */
    dev_t dev;
    ino_t ino;
    /* Checked engines only (ops->watch_closed): */
    size_t changed_at;          /* its index in engine->changed, or
                                 * DCB_NOT_CHANGED */
    int fd_closed;              /* found closed: stopped, told every pass */
} dcb_watch;

#define DCB_NOT_CHANGED ((size_t)-1)

typedef struct dcb_engine_ops {
    /* A started watcher for fd with native interest flags (never 0) into
     * *out.  Returns 0, or a negative errno with nothing left behind. */
    int (*watch_new)(dcb_engine *eng, int fd, unsigned long flags,
                     dcb_watch **out);
    /* Gives w the interest flags (never 0).  Returns 0 or a negative
     * errno; on failure w still watches what it did (ABI-5). */
    int (*watch_change)(dcb_engine *eng, dcb_watch *w, unsigned long flags);
    /* Stops w at once and releases it, now or when the engine allows.  It
     * never closes w->fd (CLS-7) and must not need it open (CLS-1). */
    void (*watch_free)(dcb_engine *eng, dcb_watch *w);
    /* Arms the engine's timer to run after s seconds (s > 0, at most
     * DCB_TIMEOUT_MAX_S); its callback calls dcb_engine_timer_fired.
     * Returns 0 or a negative errno. */
    int (*timer_arm)(dcb_engine *eng, double s);
    void (*timer_disarm)(dcb_engine *eng);
    /* One run of the engine's loop: block 0 looks without waiting, block 1
     * waits until something happens (the armed timer at the latest).
     * Returns 0, or a negative errno when the engine failed. */
    int (*run)(dcb_engine *eng, int block);
    /* NULL, or for an engine whose changes must be checked (see above):
     * w's fd was found closed; stop w (it may be stopped already) and
     * report it with dcb_engine_report in the engine's own form. */
    void (*watch_closed)(dcb_engine *eng, dcb_watch *w);
    /* The adapter's flags_for (its descriptor's too): set_dispatch_filter
     * is the native call with it (FLT-5), and the bits of
     * flags_for(1, 1, 1) are the only ones a native filter accepts. */
    unsigned long (*flags_for)(int r, int w, int e);
    /* The adapter's context: sizeof its dc_context, which starts with its
     * dcb_engine (dcb_engine_create allocates it zeroed, the engine
     * initialised); open makes the engine's own loop and timer in it and
     * returns 0, or a negative errno with all it made released; close
     * releases them, after every watcher has gone (destroy, CLS-6). */
    size_t context_size;
    int (*open)(dc_context *ctx);
    void (*close)(dc_context *ctx);
} dcb_engine_ops;

struct dcb_engine {
    const dcb_engine_ops *ops;
    dcb_registry reg;           /* fd -> {target, flags, generation} */
    dcb_watch **watch;          /* watch[fd]: set exactly while fd is held */
    size_t watch_size;
    dcb_turn *turn;             /* the pass's snapshot while the engine runs */
    unsigned turns;             /* the serial of the last turn */
    int in_dispatch;            /* DSP-9 */
    dcb_watch **changed;        /* checked engines: watchers made or */
    size_t nchanged, changed_cap;   /* changed since the last run */
};

/* An engine with no registration (LIM-1: no fd limit).  Allocates nothing. */
void dcb_engine_init(dcb_engine *eng, const dcb_engine_ops *ops);

/* Releases every watcher (ops->watch_free) and the tables.  No target is
 * called and no caller fd closed (CLS-6, CLS-7).  The adapter frees its
 * engine afterwards. */
void dcb_engine_destroy(dcb_engine *eng);

/* set_poll_dispatch_filter: LIM-4 and FLT-6 (bits outside known) first;
 * 0 removes (FLT-1, FLT-6); otherwise registers (a new watcher), replaces
 * (FLT-4: a new generation, the fd's watcher kept) or changes (FLT-3) o's
 * interest.  When the engine refuses a change or a replacement (no
 * memory, a closed fd) the error is returned and the registry and the
 * watchers are as they were (ABI-5); a refused new registration leaves
 * the fd unregistered.  A watcher whose fd number now names another file
 * (closed behind the backend's back, reused) is replaced by a new one
 * under a new generation, its kernel entry having gone with the file. */
int dcb_engine_filter(dcb_engine *eng, dc_target *o, unsigned long flags,
                      unsigned long known);

/* socket_closed (CLS-1..5, CLS-7): always 0. */
int dcb_engine_closed(dcb_engine *eng, int fd, dc_target *o);

/* dispatch_once, as above. */
int dcb_engine_dispatch(dcb_engine *eng, const double *timeout_s,
                        dc_error_handler handler, void *handler_arg);

/* An adapter's create: a new context of ops->context_size bytes, its
 * engine initialised with ops, then ops->open.  Returns 0 with the context
 * in *out, or a negative errno (-ENOMEM, or open's) with nothing left
 * behind and *out untouched. */
int dcb_engine_create(dc_context **out, const dcb_engine_ops *ops);

/* The descriptor's five operations, identical for every adapter: they
 * only forward to the functions above.  An adapter's dc_context starts
 * with its dcb_engine, which is how they find it; its descriptor takes
 * them with DCB_ENGINE_OPERATIONS and adds create (dcb_engine_create with
 * its ops) and flags_for. */
void dcb_engine_op_destroy(dc_context *ctx);
int dcb_engine_op_dispatch_once(dc_context *ctx, const double *timeout_s,
                                dc_error_handler handler, void *handler_arg);
int dcb_engine_op_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                      int r, int w, int e);
int dcb_engine_op_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                           unsigned long flags);
int dcb_engine_op_socket_closed(dc_context *ctx, int fd, dc_target *o);

#define DCB_ENGINE_OPERATIONS                                              \
    .destroy = dcb_engine_op_destroy,                                      \
    .dispatch_once = dcb_engine_op_dispatch_once,                          \
    .set_dispatch_filter = dcb_engine_op_set_dispatch_filter,              \
    .set_poll_dispatch_filter = dcb_engine_op_set_poll_dispatch_filter,    \
    .socket_closed = dcb_engine_op_socket_closed

/* For an adapter that restarts a watcher by itself (libuv, after an
 * error stopped it): w is checked before the next run like a changed
 * one.  Returns 0 or -ENOMEM. */
int dcb_engine_watch_changed(dcb_watch *w);

/* For the adapters' callbacks: w's engine reported these native bits
 * (unasked: the bits it reports whatever the interest, EVT-4).  Recorded
 * into the current turn; ignored outside a dispatch_once. */
void dcb_engine_report(dcb_watch *w, unsigned long r, unsigned long wr,
                       unsigned long e, unsigned long unasked);
/* For the adapters' timer callbacks. */
void dcb_engine_timer_fired(dcb_engine *eng);

#endif /* DCB_ENGINE_H */
