/*
 * trace.c: the trace, what the backend called during a case, comma
 * separated and bounded, for failure messages.  The probes and the
 * recording handler write it (probes.c); the runtime reads it when the
 * case ends.
 */
#include "dcts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The observed calls, comma-separated. */
static struct {
    char text[6144];
    size_t len;
    int truncated;
} trace;

void dcts_trace(dcts_t *t, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    (void)t;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);

    size_t room = sizeof trace.text - trace.len;
    size_t need = strlen(line) + 2;
    if (trace.truncated)
        return;
    if (need + 8 > room) {          /* keep space for the ellipsis */
        memcpy(trace.text + trace.len, ", ...", 6);
        trace.len += 5;
        trace.truncated = 1;
        return;
    }
    trace.len += (size_t)snprintf(trace.text + trace.len,
                                          room, "%s%s",
                                          trace.len ? ", " : "", line);
}

const char *dcts_trace_text(dcts_t *t)
{
    (void)t;
    return trace.len ? trace.text : "no calls";
}

void dcts_trace_clear(dcts_t *t)
{
    (void)t;
    trace.len = 0;
    trace.text[0] = '\0';
    trace.truncated = 0;
}
