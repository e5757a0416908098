/*
 * array.c: doubling growth for backends' arrays (see array.h).
 */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The one growth step: doubles from DCB_ARRAY_MIN until want fits, but
 * not past max; on failure the old array is untouched. */
static int grow(void **array, size_t *cap, size_t want, size_t max,
                size_t elem_size)
{
    size_t n = *cap > 0 ? *cap : DCB_ARRAY_MIN;

    if (want <= *cap)
        return 0;
    while (n < want)
        n = n > SIZE_MAX / 2 ? want : n * 2;
    if (n > max)
        n = max;                    /* want <= max, so want still fits */
    if (n > SIZE_MAX / elem_size)
        return -ENOMEM;             /* the size would not fit a size_t */
    void *grown = realloc(*array, n * elem_size);
    if (grown == NULL)
        return -ENOMEM;             /* the old array is still good */
    *array = grown;
    *cap = n;
    return 0;
}

int dcb_array_reserve(void **array, size_t *cap, size_t want,
                      size_t elem_size)
{
    return grow(array, cap, want, SIZE_MAX, elem_size);
}

int dcb_array_reserve_zeroed(void **array, size_t *cap, size_t want,
                             size_t max, size_t elem_size)
{
    size_t old = *cap;
    int rc = grow(array, cap, want, max, elem_size);

    if (rc == 0 && *cap > old)
        memset((char *)*array + old * elem_size, 0,
               (*cap - old) * elem_size);
    return rc;
}
