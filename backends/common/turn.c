/*
 * turn.c: gathering one pass's snapshot inside an engine (see turn.h).
 */
#include "turn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int dcb_turn_begin(dcb_turn *turn, unsigned *serial, size_t expected)
{
    memset(turn, 0, sizeof *turn);
    if (++*serial == 0)
        ++*serial;                  /* 0 marks "never recorded" */
    turn->serial = *serial;
    if (expected == 0)
        return 0;
    turn->ready = malloc(expected * sizeof *turn->ready);
    if (turn->ready == NULL)
        return -ENOMEM;             /* still pending: nothing is lost */
    turn->cap = expected;
    return 0;
}

void dcb_turn_record(dcb_turn *turn, dcb_turn_mark *mark,
                     const dcb_ready *ev)
{
    if (mark->serial == turn->serial) {
        /* DSP-1: the same fd again in this turn; one call, fields ORed. */
        dcb_ready *had = &turn->ready[mark->index];
        had->r |= ev->r;
        had->w |= ev->w;
        had->e |= ev->e;
        had->unasked |= ev->unasked;
        return;
    }
    if (turn->n == turn->cap)
        return;                     /* DSP-2: reported again next time */
    mark->serial = turn->serial;
    mark->index = turn->n;
    turn->ready[turn->n++] = *ev;
}

void dcb_turn_end(dcb_turn *turn)
{
    free(turn->ready);
    memset(turn, 0, sizeof *turn);
}
