/*
 * engine.c: the engine-independent half of an adapter backend (engine.h).
 */
#include "engine.h"
#include "array.h"
#include "deliver.h"
#include "frame.h"
#include "timeout.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void dcb_engine_init(dcb_engine *eng, const dcb_engine_ops *ops)
{
    memset(eng, 0, sizeof *eng);
    eng->ops = ops;
    dcb_registry_init(&eng->reg, 0);    /* LIM-1: no limit of our own */
}

static int checked(const dcb_engine *eng)
{
    return eng->ops->watch_closed != NULL;
}

/* ---- watchers changed since the last run (checked engines) ----------------- */

int dcb_engine_watch_changed(dcb_watch *w)
{
    dcb_engine *eng = w->engine;
    void *list = eng->changed;
    int rc;

    if (!checked(eng) || w->changed_at != DCB_NOT_CHANGED)
        return 0;
    rc = dcb_array_reserve(&list, &eng->changed_cap, eng->nchanged + 1,
                           sizeof *eng->changed);
    eng->changed = list;
    if (rc < 0)
        return rc;
    w->changed_at = eng->nchanged;
    eng->changed[eng->nchanged++] = w;
    return 0;
}

/* O(1): the last entry fills the hole. */
static void unlist_changed(dcb_engine *eng, dcb_watch *w)
{
    size_t at = w->changed_at;

    if (at == DCB_NOT_CHANGED)
        return;
    dcb_watch *last = eng->changed[--eng->nchanged];
    eng->changed[at] = last;
    last->changed_at = at;
    w->changed_at = DCB_NOT_CHANGED;
}

/* Which file fd names now: 0, or a negative errno (-EBADF: closed). */
static int identify(int fd, dev_t *dev, ino_t *ino)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return -errno;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

/* True when w's fd is open and names another file than w was made for
 * (or the file came back after w found the fd closed). */
static int names_another_file(const dcb_watch *w)
{
    dev_t dev = 0;
    ino_t ino = 0;

    return identify(w->fd, &dev, &ino) == 0 &&
           (w->fd_closed || dev != w->dev || ino != w->ino);
}

/* ---- the watcher table ------------------------------------------------------ */

/* Makes watch[fd] exist (new slots NULL) before anything is changed, so a
 * registration never half-succeeds. */
static int reserve_watch(dcb_engine *eng, int fd)
{
    void *table = eng->watch;
    int rc = dcb_array_reserve_zeroed(&table, &eng->watch_size,
                                      (size_t)fd + 1, SIZE_MAX,
                                      sizeof *eng->watch);

    eng->watch = table;
    return rc;
}

static void drop_watch(dcb_engine *eng, int fd)
{
    dcb_watch *w = eng->watch[fd];

    eng->watch[fd] = NULL;
    if (w != NULL) {
        unlist_changed(eng, w);
        eng->ops->watch_free(eng, w);
    }
}

/* A new watcher for fd's current registration.  On failure fd is left
 * unregistered, so the registry and the engine always agree. */
static int new_watch(dcb_engine *eng, int fd)
{
    const dcb_reg *reg = dcb_registry_lookup(&eng->reg, fd);
    dev_t dev = 0;
    ino_t ino = 0;
    dcb_watch *w = NULL;
    /* The file it is made for; and a checked engine must never be handed
     * a closed fd. */
    int rc = identify(fd, &dev, &ino);

    if (rc == 0)
        rc = eng->ops->watch_new(eng, fd, reg->flags, &w);
    if (rc < 0) {
        dcb_registry_remove(&eng->reg, fd, NULL);
        return rc;
    }
    w->engine = eng;
    w->fd = fd;
    w->generation = reg->generation;
    w->flags = reg->flags;
    memset(&w->mark, 0, sizeof w->mark);
    w->dev = dev;
    w->ino = ino;
    w->changed_at = DCB_NOT_CHANGED;
    w->fd_closed = 0;
    eng->watch[fd] = w;
    rc = dcb_engine_watch_changed(w);
    if (rc < 0)
        dcb_engine_closed(eng, fd, NULL);
    return rc;
}

/* Gives fd's registration a new generation and a new watcher, as if it had
 * been made afresh (see the top of engine.h).  0, or the engine's error,
 * and then fd is unregistered. */
static int rewatch(dcb_engine *eng, int fd)
{
    drop_watch(eng, fd);
    dcb_registry_renew(&eng->reg, fd);
    return new_watch(eng, fd);
}

void dcb_engine_destroy(dcb_engine *eng)
{
    for (size_t fd = 0; fd < eng->watch_size; fd++)
        drop_watch(eng, (int)fd);       /* CLS-6: no target is called */
    free(eng->watch);
    free(eng->changed);
    eng->watch = NULL;
    eng->changed = NULL;
    eng->watch_size = eng->nchanged = eng->changed_cap = 0;
    dcb_registry_destroy(&eng->reg);
}

/* ---- interest ------------------------------------------------------------ */

/* CLS-1: only the engine's watcher goes, and no watcher needs the fd open.
 * CLS-4, CLS-5: an unknown fd, a second call or another holder: nothing.
 * CLS-7: nothing is closed. */
int dcb_engine_closed(dcb_engine *eng, int fd, dc_target *o)
{
    if (dcb_registry_remove(&eng->reg, fd, o))      /* o NULL: CLS-3 */
        drop_watch(eng, fd);
    return 0;
}

int dcb_engine_filter(dcb_engine *eng, dc_target *o, unsigned long flags,
                      unsigned long known)
{
    int rc = dcb_check_filter(o, flags, known);     /* LIM-4, FLT-6 */

    if (rc < 0)
        return rc;
    if (flags == 0) {
        /* FLT-1, FLT-6: removal, harmless when o is not registered. */
        dcb_engine_closed(eng, o->fd, o);
        return 0;
    }
    rc = dcb_registry_check_fd(&eng->reg, o->fd);  /* LIM-2 */
    if (rc == 0)
        rc = reserve_watch(eng, o->fd);
    if (rc < 0)
        return rc;

    const dcb_reg *held = dcb_registry_lookup(&eng->reg, o->fd);
    dcb_reg before = { 0 };
    if (held != NULL)
        before = *held;
    rc = dcb_registry_set(&eng->reg, o, flags);
    if (rc < 0)
        return rc;                  /* the registry is unchanged */

    dcb_watch *w = eng->watch[o->fd];
    if (w != NULL && names_another_file(w)) {
        /* Closed behind our back and the number reused (LIM-3): the kernel
         * entry the engine keeps was the old file's and went with it, and
         * the engine, seeing no change of interest, would not ask for the
         * new one.  A new watcher and a new generation (CLS-2, DSP-7). */
        drop_watch(eng, o->fd);
        dcb_registry_renew(&eng->reg, o->fd);
        w = NULL;
    }
    if (w == NULL)
        return new_watch(eng, o->fd);   /* on failure: unregistered */
    /* FLT-3 (a change) or FLT-4 (a replacement): the fd's watcher stays
     * and follows the registration.  ABI-5: the engine's refusal leaves
     * both as they were (watch_change keeps the old interest then). */
    if (w->flags != flags) {
        rc = dcb_engine_watch_changed(w);
        if (rc == 0)
            rc = eng->ops->watch_change(eng, w, flags);
        if (rc < 0) {
            dcb_registry_restore(&eng->reg, o->fd, &before);
            return rc;
        }
        w->flags = flags;
    }
    /* DSP-7: a replacement has a new generation; events the engine
     * reported for the old registration carry the old one. */
    w->generation = dcb_registry_lookup(&eng->reg, o->fd)->generation;
    return 0;
}

/* Before a run of a checked engine (see engine.h).  Runs with the turn
 * open, so the targets of closed fds are told in this pass (LIM-3).
 * Returns 0, or -ENOMEM. */
static int check_changed(dcb_engine *eng)
{
    size_t i = 0;

    while (i < eng->nchanged) {
        dcb_watch *w = eng->changed[i];
        dev_t dev = 0;
        ino_t ino = 0;

        if (identify(w->fd, &dev, &ino) == -EBADF) {
            /* Never handed to the engine; told again every pass until
             * its socket_closed, like select's E.  Stays listed. */
            w->fd_closed = 1;
            eng->ops->watch_closed(eng, w);
            i++;
        } else if (names_another_file(w)) {
            /* Another file on this number: w leaves the list (freed) and
             * its successor joins it at the end, checked in turn. */
            int rc = rewatch(eng, w->fd);
            if (rc == -ENOMEM)
                return rc;
        } else {
            i++;
        }
    }
    return 0;
}

/* After a run of a checked engine: the engine has applied the changes.
 * Closed fds stay listed. */
static void forget_applied(dcb_engine *eng)
{
    size_t i = 0;

    while (i < eng->nchanged) {
        dcb_watch *w = eng->changed[i];
        if (w->fd_closed)
            i++;
        else
            unlist_changed(eng, w);     /* the hole is filled from the end */
    }
}

/* ---- the wait ------------------------------------------------------------ */

void dcb_engine_report(dcb_watch *w, unsigned long r, unsigned long wr,
                       unsigned long e, unsigned long unasked)
{
    dcb_turn *turn = w->engine->turn;

    if (turn == NULL || (r | wr | e) == 0)
        return;                     /* no pass to tell (DSP-4: nothing) */
    dcb_ready ev = {
        .fd = w->fd,
        .generation = w->generation,    /* DSP-7: checked in the pass */
        .r = r, .w = wr, .e = e,
        .unasked = unasked,
    };
    dcb_turn_record(turn, &w->mark, &ev);
}

void dcb_engine_timer_fired(dcb_engine *eng)
{
    if (eng->turn != NULL)
        eng->turn->timer_fired = 1;
}

/* One run of the engine, with the checks a checked engine needs. */
static int run_once(dcb_engine *eng, int block)
{
    int rc = checked(eng) ? check_changed(eng) : 0;

    if (rc == 0)
        rc = eng->ops->run(eng, block);
    if (checked(eng))
        forget_applied(eng);
    return rc;
}

/* Step 3 of engine.h (DSP-3): looks again, without waiting, while each
 * look brings fds not seen yet.  Ends: the turn holds at most one entry
 * per registration. */
static int gather_the_rest(dcb_engine *eng)
{
    size_t before;
    int rc = 0;

    do {
        before = eng->turn->n;
        rc = run_once(eng, 0);
    } while (rc == 0 && eng->turn->n > before &&
             eng->turn->n < eng->turn->cap);
    return rc;
}

/* Step 2 of engine.h.  TMO-1: zero looks once, never waits.  Otherwise the
 * engine's own timer bounds each run (TMO-2), and a run that ends with
 * nothing recorded before the timer ran (a signal, an engine's internal
 * wake-up, a spurious report) is resumed: the timer keeps its deadline, so
 * the resumed run waits only for what is left (TMO-9).  The monotonic
 * deadline is checked too, so an engine that returns at once for ever
 * cannot stretch the call past its timeout. */
static int run_engine(dcb_engine *eng, double wait_s)
{
    int rc;

    if (!(wait_s > 0)) {
        rc = run_once(eng, 0);
    } else {
        dcb_deadline deadline = dcb_deadline_after(wait_s);
        rc = eng->ops->timer_arm(eng, wait_s);
        if (rc < 0)
            return rc;
        /* At least one run: a tiny timeout can be over before the first
         * check (a loaded machine), and skipping the run would leave a
         * target that was ready all along uncalled (DSP-3). */
        do
            rc = run_once(eng, 1);
        while (rc == 0 && eng->turn->n == 0 && !eng->turn->timer_fired &&
               dcb_deadline_remaining(&deadline) > 0);
        eng->ops->timer_disarm(eng);
    }
    if (rc == 0 && eng->turn->n > 0)
        rc = gather_the_rest(eng);
    return rc;
}

/* ABI-4: 0, a propagated positive code, or a negative errno. */
int dcb_engine_dispatch(dcb_engine *eng, const double *timeout_s,
                        dc_error_handler handler, void *handler_arg)
{
    double wait_s;
    int rc = dcb_dispatch_begin(&eng->in_dispatch, timeout_s, &wait_s);

    if (rc < 0)
        return rc;                  /* -EBUSY (DSP-9) or -EINVAL (TMO-7) */

    dcb_turn turn;
    rc = dcb_turn_begin(&turn, &eng->turns, dcb_registry_count(&eng->reg));
    if (rc == 0) {
        eng->turn = &turn;
        rc = run_engine(eng, wait_s);
        eng->turn = NULL;           /* TMO-10: a failed run is not used */
    }
    if (rc == 0)
        rc = dcb_run_pass(&eng->reg, turn.ready, turn.n, handler,
                          handler_arg);
    dcb_turn_end(&turn);
    dcb_dispatch_end(&eng->in_dispatch);
    return rc;
}

/* ---- the descriptor's operations ------------------------------------------ */

/* An adapter's context starts with its engine (engine.h). */
static dcb_engine *engine_of(dc_context *ctx)
{
    return (dcb_engine *)(void *)ctx;
}

int dcb_engine_create(dc_context **out, const dcb_engine_ops *ops)
{
    dc_context *ctx = calloc(1, ops->context_size);

    if (ctx == NULL)
        return -ENOMEM;             /* *out left untouched */
    dcb_engine_init(engine_of(ctx), ops);
    int rc = ops->open(ctx);
    if (rc < 0) {
        free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

/* CLS-6: every watcher, then the engine's loop (ops->close), then the
 * context; no target is called and no caller fd closed (CLS-7). */
void dcb_engine_op_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    dcb_engine *eng = engine_of(ctx);
    dcb_engine_destroy(eng);
    eng->ops->close(ctx);
    free(ctx);
}

int dcb_engine_op_dispatch_once(dc_context *ctx, const double *timeout_s,
                                dc_error_handler handler, void *handler_arg)
{
    return dcb_engine_dispatch(engine_of(ctx), timeout_s, handler,
                               handler_arg);
}

int dcb_engine_op_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                           unsigned long flags)
{
    dcb_engine *eng = engine_of(ctx);
    return dcb_engine_filter(eng, o, flags, eng->ops->flags_for(1, 1, 1));
}

/* FLT-5: literally the native call with flags_for. */
int dcb_engine_op_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                      int r, int w, int e)
{
    dcb_engine *eng = engine_of(ctx);
    return dcb_engine_op_set_poll_dispatch_filter(ctx, o,
                                                  eng->ops->flags_for(r, w, e));
}

int dcb_engine_op_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    return dcb_engine_closed(engine_of(ctx), fd, o);
}
