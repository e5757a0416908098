/*
 * array.c: doubling growth for backends' own arrays (see array.h).
 */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int dcb_array_reserve(void **array, size_t *cap, size_t want,
                      size_t elem_size)
{
    size_t n = *cap > 0 ? *cap : DCB_ARRAY_MIN;

    if (want <= *cap)
        return 0;
    while (n < want)
        n = n > SIZE_MAX / 2 ? want : n * 2;
    if (n > SIZE_MAX / elem_size)
        return -ENOMEM;             /* the size would not fit a size_t */
    void *grown = realloc(*array, n * elem_size);
    if (grown == NULL)
        return -ENOMEM;             /* the old array is still good */
    *array = grown;
    *cap = n;
    return 0;
}
