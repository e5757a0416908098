/*
 * array.h: growing a backend's arrays (the registry's table, a pollfd
 * list, an index by fd, an epoll_wait buffer), all one way: by doubling,
 * so that n insertions cost O(n) in all, and without losing the old array
 * when memory runs out.
 */
#ifndef DCB_ARRAY_H
#define DCB_ARRAY_H

#include <stddef.h>

/* The smallest array made: enough for a small program without regrowth. */
#define DCB_ARRAY_MIN 64

/* Makes *array (of *cap elements of elem_size bytes) hold at least want
 * elements, doubling *cap from DCB_ARRAY_MIN as often as needed.  Contents
 * are kept; the new elements are uninitialised.  Returns 0, or -ENOMEM
 * with *array and *cap untouched. */
int dcb_array_reserve(void **array, size_t *cap, size_t want,
                      size_t elem_size);

/* The same growth for a table indexed by fd, whose free entries are all
 * zero bytes: the new elements are zeroed, and *cap never passes max
 * (want <= max; SIZE_MAX for no bound), so that a table with a limit
 * (LIM-1) never allocates beyond it. */
int dcb_array_reserve_zeroed(void **array, size_t *cap, size_t want,
                             size_t max, size_t elem_size);

#endif /* DCB_ARRAY_H */
