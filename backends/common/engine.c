/*
 * engine.c: the engine-independent half of an adapter backend (engine.h).
 */
#include "engine.h"
#include "array.h"
#include "deliver.h"
#include "frame.h"
#include "timeout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void dcb_engine_init(dcb_engine *eng, const dcb_engine_ops *ops)
{
    memset(eng, 0, sizeof *eng);
    eng->ops = ops;
    dcb_registry_init(&eng->reg, 0);    /* LIM-1: no limit of our own */
}

/* ---- the watcher table ------------------------------------------------------ */

/* Makes watch[fd] exist (new slots NULL) before anything is changed, so a
 * registration never half-succeeds. */
static int reserve_watch(dcb_engine *eng, int fd)
{
    size_t old = eng->watch_size;
    void *table = eng->watch;
    int rc = dcb_array_reserve(&table, &eng->watch_size, (size_t)fd + 1,
                               sizeof *eng->watch);

    eng->watch = table;
    if (rc == 0 && eng->watch_size > old)
        memset(eng->watch + old, 0,
               (eng->watch_size - old) * sizeof *eng->watch);
    return rc;
}

static void drop_watch(dcb_engine *eng, int fd)
{
    dcb_watch *w = eng->watch[fd];

    eng->watch[fd] = NULL;
    if (w != NULL)
        eng->ops->watch_free(eng, w);
}

/* A new watcher for fd's current registration.  On failure fd is left
 * unregistered, so the registry and the engine always agree. */
static int new_watch(dcb_engine *eng, int fd)
{
    const dcb_reg *reg = dcb_registry_lookup(&eng->reg, fd);
    dcb_watch *w = NULL;
    int rc = eng->ops->watch_new(eng, fd, reg->flags, &w);

    if (rc < 0) {
        dcb_registry_remove(&eng->reg, fd, NULL);
        return rc;
    }
    w->engine = eng;
    w->fd = fd;
    w->generation = reg->generation;
    w->flags = reg->flags;
    memset(&w->mark, 0, sizeof w->mark);
    eng->watch[fd] = w;
    return 0;
}

void dcb_engine_destroy(dcb_engine *eng)
{
    for (size_t fd = 0; fd < eng->watch_size; fd++)
        drop_watch(eng, (int)fd);       /* CLS-6: no target is called */
    free(eng->watch);
    eng->watch = NULL;
    eng->watch_size = 0;
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
    if (rc == 0)
        rc = dcb_registry_set(&eng->reg, o, flags);
    if (rc < 0)
        return rc;                  /* the registry is unchanged */

    dcb_watch *w = eng->watch[o->fd];
    if (rc == DCB_REG_CHANGED && w != NULL) {
        /* FLT-3: the same registration, so the same watcher. */
        if (w->flags == flags)
            return 0;
        rc = eng->ops->watch_change(eng, w, flags);
        if (rc == 0) {
            w->flags = flags;
            return 0;
        }
        dcb_registry_remove(&eng->reg, o->fd, o);
        drop_watch(eng, o->fd);
        return rc;
    }
    /* ADDED, or REPLACED (FLT-4): a new generation, so a new watcher; the
     * old one goes first, as some engines watch an fd only once. */
    drop_watch(eng, o->fd);
    return new_watch(eng, o->fd);
}

int dcb_engine_rewatch(dcb_engine *eng, int fd)
{
    const dcb_reg *reg = dcb_registry_lookup(&eng->reg, fd);
    dc_target *o = reg->o;
    unsigned long flags = reg->flags;

    drop_watch(eng, fd);
    dcb_registry_remove(&eng->reg, fd, o);
    /* Cannot fail: the slot exists and o, its fd and flags were accepted. */
    (void)dcb_registry_set(&eng->reg, o, flags);
    return new_watch(eng, fd);
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

/* Step 2 of engine.h.  TMO-1: zero looks once, never waits.  Otherwise the
 * engine's own timer bounds each run (TMO-2), and a run that ends with
 * nothing recorded before the timer ran (a signal, an engine's internal
 * wake-up, a spurious report) is resumed: the timer keeps its deadline, so
 * the resumed run waits only for what is left (TMO-9).  The monotonic
 * deadline is checked too, so an engine that returns at once for ever
 * cannot stretch the call past its timeout. */
static int run_engine(dcb_engine *eng, double wait_s)
{
    if (!(wait_s > 0))
        return eng->ops->run(eng, 0);

    dcb_deadline deadline = dcb_deadline_after(wait_s);
    int rc = eng->ops->timer_arm(eng, wait_s);

    if (rc < 0)
        return rc;
    while (rc == 0 && eng->turn->n == 0 && !eng->turn->timer_fired &&
           dcb_deadline_remaining(&deadline) > 0)
        rc = eng->ops->run(eng, 1);
    eng->ops->timer_disarm(eng);
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
