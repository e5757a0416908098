/*
 * registry.c: the fd-indexed table of registrations (see registry.h).
 */
#include "registry.h"
#include "array.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void dcb_registry_init(dcb_registry *reg, int fd_limit)
{
    memset(reg, 0, sizeof *reg);
    /* "No limit" is INT_MAX, a number no kernel hands out as an fd: then
     * every slot index fits an int, and one comparison checks both cases. */
    reg->fd_limit = fd_limit > 0 ? fd_limit : INT_MAX;
}

void dcb_registry_destroy(dcb_registry *reg)
{
    free(reg->slot);                    /* CLS-6: only our own memory */
    dcb_registry_init(reg, reg->fd_limit);
}

int dcb_check_target(const dc_target *o)
{
    return o != NULL ? 0 : -EINVAL;     /* LIM-4 */
}

/* LIM-4: a target with nothing to call is never filed; removing one is
 * FLT-1's harmless removal of what was never registered. */
static int check_callable(const dc_target *o, unsigned long flags)
{
    return (flags != 0 && o->dispatch_event == NULL) ? -EINVAL : 0;
}

int dcb_check_filter(const dc_target *o, unsigned long flags,
                     unsigned long known)
{
    int rc = dcb_check_target(o);       /* LIM-4, even for a removal */

    if (rc == 0)
        rc = check_callable(o, flags);
    if (rc == 0 && (flags & ~known) != 0)
        rc = -EINVAL;                   /* FLT-6: a bit we have no use for */
    return rc;
}

int dcb_registry_check_fd(const dcb_registry *reg, int fd)
{
    if (fd < 0)
        return -EBADF;                  /* LIM-2 */
    if (fd >= reg->fd_limit)
        return -ERANGE;                 /* LIM-1: e.g. past an fd_set's bits */
    return 0;
}

/* Makes slot[fd] exist, free slots zeroed (array.h: doubling, so n
 * registrations cost O(n) in all), but never past the limit: the bound is
 * a promise of the table.  On failure the old table is untouched. */
static int grow_to_hold(dcb_registry *reg, int fd)
{
    void *slot = reg->slot;
    int rc = dcb_array_reserve_zeroed(&slot, &reg->size, (size_t)fd + 1,
                                      (size_t)reg->fd_limit,
                                      sizeof *reg->slot);

    reg->slot = slot;
    return rc;                      /* fd < fd_limit, so fd always fits */
}

int dcb_registry_set(dcb_registry *reg, dc_target *o, unsigned long flags)
{
    int rc = dcb_check_target(o);

    if (rc == 0)
        rc = check_callable(o, flags);
    if (rc == 0)
        rc = dcb_registry_check_fd(reg, o->fd);
    if (rc == 0 && flags == 0)
        rc = -EINVAL;                   /* 0 means removal: the caller's call */
    if (rc == 0)
        rc = grow_to_hold(reg, o->fd);
    if (rc < 0)
        return rc;

    dcb_reg *slot = &reg->slot[o->fd];
    if (slot->o == o) {
        /* A filter change keeps the generation: a pass in progress masks
         * its stale event by these new flags instead (DSP-5). */
        slot->flags = flags;
        return DCB_REG_CHANGED;
    }
    rc = slot->o == NULL ? DCB_REG_ADDED : DCB_REG_REPLACED;   /* FLT-4 */
    if (slot->o == NULL)
        reg->count++;
    slot->o = o;
    slot->flags = flags;
    /* DSP-7: a new registration never inherits a pass's stale results. */
    slot->generation = ++reg->last_generation;
    return rc;
}

int dcb_registry_remove(dcb_registry *reg, int fd, const dc_target *o)
{
    if (fd < 0 || (size_t)fd >= reg->size)
        return 0;                       /* never held: harmless (CLS-4) */
    dcb_reg *slot = &reg->slot[fd];
    if (slot->o == NULL || (o != NULL && slot->o != o))
        return 0;                       /* CLS-5: leave another target alone */
    memset(slot, 0, sizeof *slot);
    reg->count--;
    return 1;
}

void dcb_registry_restore(dcb_registry *reg, int fd, const dcb_reg *saved)
{
    dcb_reg *slot = &reg->slot[fd];     /* the set made it exist */

    reg->count -= slot->o != NULL;
    reg->count += saved->o != NULL;
    *slot = *saved;
}

unsigned dcb_registry_renew(dcb_registry *reg, int fd)
{
    /* DSP-7: the same rule as a new registration in dcb_registry_set. */
    reg->slot[fd].generation = ++reg->last_generation;
    return reg->slot[fd].generation;
}

int dcb_registry_filter(dcb_registry *reg, dc_target *o, unsigned long flags)
{
    int rc = dcb_check_target(o);       /* LIM-4, even for a removal */

    if (rc < 0)
        return rc;
    if (flags == 0) {
        /* FLT-1, FLT-6: all-false is removal, and removing what is not
         * registered is harmless, so no fd check and always 0. */
        dcb_registry_remove(reg, o->fd, o);
        return 0;
    }
    rc = dcb_registry_set(reg, o, flags);
    return rc < 0 ? rc : 0;
}
