/*
 * trace.c: the trace, what the backend called during a case, comma
 * separated and bounded, for failure messages.  The probes and the
 * recording handler write it (probes.c); the runtime reads it when the
 * case ends.
 */
#include "runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dcts_trace(dcts_t *t, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    (void)t;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);

    size_t room = sizeof dcts_rt.trace - dcts_rt.trace_len;
    size_t need = strlen(line) + 2;
    if (dcts_rt.trace_truncated)
        return;
    if (need + 8 > room) {          /* keep space for the ellipsis */
        memcpy(dcts_rt.trace + dcts_rt.trace_len, ", ...", 6);
        dcts_rt.trace_len += 5;
        dcts_rt.trace_truncated = 1;
        return;
    }
    dcts_rt.trace_len += (size_t)snprintf(dcts_rt.trace + dcts_rt.trace_len,
                                          room, "%s%s",
                                          dcts_rt.trace_len ? ", " : "", line);
}

const char *dcts_trace_text(dcts_t *t)
{
    (void)t;
    return dcts_rt.trace_len ? dcts_rt.trace : "no calls";
}

void dcts_trace_clear(dcts_t *t)
{
    (void)t;
    dcts_rt.trace_len = 0;
    dcts_rt.trace[0] = '\0';
    dcts_rt.trace_truncated = 0;
}
