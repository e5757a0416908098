/*
 * turn.h: the snapshot an adapter gathers while a foreign event loop runs.
 *
 * An adapter backend (backends/libevent, libev, libuv) lets an engine do
 * the waiting.  Its watcher callbacks call no target: each one only
 * records what the engine reported, as one dcb_ready per fd, into the
 * turn of the dispatch_once in progress.  The targets are called after the
 * engine has returned, by dcb_run_pass, as in every other backend.
 * Calling them from inside the engine's callbacks would leave "propagate
 * at once" (ERR-2, ERR-4, ERR-5) and the re-checks of DSP-5..7 to however
 * the engine orders, re-checks and resumes its own callbacks.
 *
 * The turn belongs to one dispatch_once (its entries are malloc'd by it
 * and freed before it returns), never to the context: nothing a callback
 * does can overwrite it (DSP-9).
 */
#ifndef DCB_TURN_H
#define DCB_TURN_H

#include "deliver.h"

#include <stddef.h>

typedef struct dcb_turn {
    dcb_ready *ready;           /* ready[0..n): one entry per fd */
    size_t n, cap;
    unsigned serial;            /* this turn's number (see dcb_turn_mark) */
    int timer_fired;            /* the engine's timer for the timeout ran */
} dcb_turn;

/* Kept in each watcher: where its fd's entry is in the turn numbered
 * serial.  An engine may report one fd more than once per loop run (libuv
 * polls again when its event buffer was full, and an adapter may run its
 * engine several times per turn); the mark folds every report into one
 * entry, in O(1), so DSP-1 holds whatever the engine does. */
typedef struct dcb_turn_mark {
    unsigned serial;            /* 0: never recorded */
    size_t index;
} dcb_turn_mark;

/* Starts a turn with room for expected entries (the number of
 * registrations: one entry per fd at most), numbered by ++*serial (never
 * 0).  Returns 0, or -ENOMEM with nothing allocated. */
int dcb_turn_begin(dcb_turn *turn, unsigned *serial, size_t expected);

/* Records ev (fd, generation, the native bits of each field, unasked)
 * into turn: a new entry, or OR-ed into the entry this mark made earlier
 * in the same turn.  An entry that does not fit (more reports than
 * registrations, which cannot happen unless an engine invents fds) is
 * dropped: dispatch is level-triggered, so the next wait finds it again
 * (DSP-2). */
void dcb_turn_record(dcb_turn *turn, dcb_turn_mark *mark,
                     const dcb_ready *ev);

/* Frees the entries; turn becomes empty. */
void dcb_turn_end(dcb_turn *turn);

#endif /* DCB_TURN_H */
