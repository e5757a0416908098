/*
 * json_out.c: the JSON writers' shared pieces (json_out.h).
 */
#include "json_out.h"

#ifdef DCTS_HAVE_JANSSON
#include <stdlib.h>

json_t *dcts_json_text(const char *s, unsigned clean_flags)
{
    if (s == NULL)
        return json_null();
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_clean(&b, s, clean_flags);
    json_t *j = json_string(dcts_buf_str(&b));
    dcts_buf_free(&b);
    return j ? j : json_null();     /* cleaned text is valid UTF-8 */
}

int dcts_json_append(dcts_buf *b, json_t *j, size_t dump_flags)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | dump_flags);
    json_decref(j);
    if (!s)
        return -1;
    dcts_buf_puts(b, s);
    dcts_buf_putc(b, '\n');
    free(s);
    return 0;
}
#else
typedef int dcts_json_out_unused;   /* ISO C: no empty translation unit */
#endif
