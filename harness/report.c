/*
 * report.c: the table of report formats, from name to writer, and
 * writing a report out.
 */
#include "report.h"
#include "report_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct dcts_writer {
    const char *name;            /* --format NAME */
    dcts_render_fn *render;
} dcts_writer;

/* Every format, once: --format's names, its error message and the
 * dispatch all read this table. */
static const dcts_writer writers[] = {
    [DCTS_FORMAT_HUMAN] = { "human", dcts_render_human },
    [DCTS_FORMAT_TAP] = { "tap", dcts_render_tap },
    [DCTS_FORMAT_JUNIT] = { "junit", dcts_render_junit },
    [DCTS_FORMAT_MARKDOWN] = { "markdown", dcts_render_markdown },
    [DCTS_FORMAT_JSON] = { "json", dcts_render_json },
};
#define NWRITERS (sizeof writers / sizeof writers[0])

int dcts_format_from_name(const char *name, dcts_format *fmt)
{
    for (size_t i = 0; i < NWRITERS; i++)
        if (strcmp(name, writers[i].name) == 0) {
            *fmt = (dcts_format)i;
            return 0;
        }
    return -1;
}

void dcts_format_names(dcts_buf *b)
{
    for (size_t i = 0; i < NWRITERS; i++)
        dcts_buf_printf(b, "%s%s", i == 0 ? "" : i + 1 < NWRITERS ? ", "
                                                                  : " or ",
                        writers[i].name);
}

int dcts_write_report(FILE *f, const dcts_report *rep, dcts_format fmt,
                      int colour)
{
    dcts_buf b = DCTS_BUF_INIT;
    /* Anything out of range is written for people, as the default. */
    const dcts_writer *w = (unsigned)fmt < NWRITERS
                           ? &writers[fmt] : &writers[DCTS_FORMAT_HUMAN];
    if (w->render(&b, rep, colour) != 0) {
        dcts_buf_free(&b);
        errno = ENOTSUP;
        return -1;
    }
    errno = 0;
    size_t n = fwrite(dcts_buf_str(&b), 1, b.len, f);
    int rc = n == b.len && fflush(f) == 0 && !ferror(f) ? 0 : -1;
    if (rc != 0 && errno == 0)
        errno = EIO;
    dcts_buf_free(&b);
    return rc;
}

int dcts_colour_wanted(FILE *f)
{
    const char *term = getenv("TERM");
    return isatty(fileno(f)) && getenv("NO_COLOR") == NULL &&
           !(term && strcmp(term, "dumb") == 0);
}
