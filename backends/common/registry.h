/*
 * registry.h: the table of registrations, indexed by fd.
 *
 * Every backend must find "who holds fd N, with which interest" in O(1),
 * both when it builds a wait and when it re-checks a ready fd before each
 * call (DSP-5).  The table holds one slot per fd number:
 *
 *     slot[fd] = { target, native interest flags, generation }
 *
 * The generation tells one registration from the next on the same fd: it
 * is a fresh number for every new registration (an empty fd taken, or a
 * different target replacing the holder), and unchanged by a filter change
 * of the same target.  A pass remembers the generation it waited on and
 * skips a slot whose generation moved on (DSP-6, DSP-7).
 *
 * The table may be reallocated by any set, including one made by a
 * callback in the middle of a pass (DSP-8): never keep a slot pointer
 * across a call into a target; keep the fd and look it up again.
 */
#ifndef DCB_REGISTRY_H
#define DCB_REGISTRY_H

#include "dispatch_context.h"

#include <stddef.h>

typedef struct dcb_reg {
    dc_target *o;               /* NULL: the slot is free */
    unsigned long flags;        /* native interest; never 0 while o is set */
    unsigned generation;        /* which registration this is (see above) */
} dcb_reg;

typedef struct dcb_registry {
    dcb_reg *slot;              /* slot[fd], fd < size */
    size_t size;                /* slots allocated */
    size_t count;               /* slots in use */
    int fd_limit;               /* fds >= fd_limit are refused (LIM-1) */
    unsigned last_generation;   /* the generation given out last */
} dcb_registry;

/* What dcb_registry_set did. */
enum {
    DCB_REG_ADDED = 1,          /* the fd was free: new generation */
    DCB_REG_REPLACED = 2,       /* another target held it (FLT-4): new generation */
    DCB_REG_CHANGED = 3         /* the same target's interest: same generation */
};

/* An empty table refusing fds >= fd_limit (select: FD_SETSIZE; a backend
 * with no such limit passes 0, which means INT_MAX).  Allocates nothing. */
void dcb_registry_init(dcb_registry *reg, int fd_limit);

/* Frees the table.  The targets are the caller's: none is called or
 * touched, and no fd is closed (CLS-6, CLS-7). */
void dcb_registry_destroy(dcb_registry *reg);

/* LIM-4: 0, or -EINVAL for a NULL target.  (One with no dispatch_event is
 * refused by dcb_check_filter and dcb_registry_set when it would be
 * registered; removing it is harmless, FLT-1.) */
int dcb_check_target(const dc_target *o);

/* The checks that open every set_poll_dispatch_filter: the target as
 * above (LIM-4), then -EINVAL when flags has a bit outside known, the
 * backend's native flags (FLT-6 lets a backend refuse bits it does not
 * know).  0 when both pass; nothing is changed either way. */
int dcb_check_filter(const dc_target *o, unsigned long flags,
                     unsigned long known);

/* 0 if fd can be held; -EBADF when negative (LIM-2); -ERANGE at or past the
 * limit (LIM-1).  Exposed for backends that must ask the kernel first. */
int dcb_registry_check_fd(const dcb_registry *reg, int fd);

/* Files o under o->fd with a non-zero interest.  Returns DCB_REG_ADDED,
 * DCB_REG_REPLACED or DCB_REG_CHANGED; or -EINVAL (bad target, flags 0),
 * -EBADF, -ERANGE, -ENOMEM, leaving the table as it was. */
int dcb_registry_set(dcb_registry *reg, dc_target *o, unsigned long flags);

/* Frees the slot of fd if it holds o, or whatever it holds when o is NULL.
 * Returns 1 if a registration was removed, 0 if not (unknown, out of range
 * or held by another target): removal is always harmless. */
int dcb_registry_remove(dcb_registry *reg, int fd, const dc_target *o);

/* Undoes a dcb_registry_set that the kernel then refused (epoll_ctl
 * failed): slot fd gets back exactly what saved holds, a copy taken with
 * dcb_registry_lookup just before the set (all zero for a slot that was
 * free), generation included, so events tagged with the old generation
 * still match.  fd must be one the set succeeded on. */
void dcb_registry_restore(dcb_registry *reg, int fd, const dcb_reg *saved);

/* Gives the registration on fd a new generation, target and flags kept,
 * as if it had just been made: for a backend that finds fd's number now
 * names another file than its kernel entry was made for, so that the old
 * file's events, tagged with the old generation, are told apart (CLS-2,
 * DSP-7).  fd must be held.  Returns the new generation. */
unsigned dcb_registry_renew(dcb_registry *reg, int fd);

/* The common body of set_poll_dispatch_filter once the backend has checked
 * its own flag bits: flags 0 removes o from o->fd (FLT-1, FLT-6; 0 even
 * when o was not registered), anything else sets it (FLT-4).  0 or -errno. */
int dcb_registry_filter(dcb_registry *reg, dc_target *o, unsigned long flags);

/* The three questions below are asked once per ready event, or once per
 * fd of a select pass, so they are inline: a bounds check and a load. */

/* The registration on fd, or NULL when none (any fd, even negative, may be
 * asked).  Valid only until the table is next changed. */
static inline const dcb_reg *dcb_registry_lookup(const dcb_registry *reg,
                                                 int fd)
{
    if (fd < 0 || (size_t)fd >= reg->size || reg->slot[fd].o == NULL)
        return NULL;
    return &reg->slot[fd];
}

/* One past the highest fd the table has a slot for: loop fd from 0 to it. */
static inline int dcb_registry_end(const dcb_registry *reg)
{
    return (int)reg->size;              /* size <= fd_limit <= INT_MAX */
}

/* Number of registrations. */
static inline size_t dcb_registry_count(const dcb_registry *reg)
{
    return reg->count;
}

#endif /* DCB_REGISTRY_H */
