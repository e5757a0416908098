/*
 * expect.c: reading expectations files and judging results against them
 * (see expect.h).
 */
#include "expect.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing ----------------------------------------------------------------- */

__attribute__((format(printf, 5, 6)))
static int fail_at(char *err, size_t errlen, const char *name, unsigned line,
                   const char *fmt, ...)
{
    dcts_buf b = DCTS_BUF_INIT;
    va_list ap;

    dcts_buf_add_clean(&b, name, 0);
    if (line)
        dcts_buf_printf(&b, ":%u", line);
    dcts_buf_puts(&b, ": ");
    va_start(ap, fmt);
    dcts_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s", dcts_buf_str(&b));
    dcts_buf_free(&b);
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next blank-separated field of [*p, end), or NULL when none is left;
 * *len receives its length. */
static const char *next_field(const char **p, const char *end, size_t *len)
{
    const char *s = *p;

    while (s < end && is_blank(*s))
        s++;
    if (s == end)
        return NULL;
    const char *f = s;
    while (s < end && !is_blank(*s))
        s++;
    *len = (size_t)(s - f);
    *p = s;
    return f;
}

static char *copy(const char *s, size_t n)
{
    char *c = dcts_xmalloc(n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* The statuses a line may expect; SKIP is refused with its own message. */
static int parse_result(const char *s, size_t n, dcts_status *out)
{
    static const dcts_status allowed[] = {
        DCTS_PASS, DCTS_FAIL, DCTS_WARN, DCTS_TIMEOUT, DCTS_CRASH
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        const char *name = dcts_status_name(allowed[i]);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *out = allowed[i];
            return 0;
        }
    }
    return -1;
}

static void free_one(dcts_expectation *e)
{
    free(e->backend);
    free(e->case_id);
    free(e->reason);
    free(e->file);
}

/* One non-blank, non-comment line [s, end) into *e.  0 or -1 with err. */
static int parse_line(const char *name, unsigned line, const char *s,
                      const char *end, dcts_expectation *e,
                      char *err, size_t errlen)
{
    const char *p = s, *field[3];
    size_t len[3];
    static const char *const what[3] = { "BACKEND", "CASE-ID", "RESULT" };

    for (int i = 0; i < 3; i++) {
        field[i] = next_field(&p, end, &len[i]);
        if (field[i] == NULL)
            return fail_at(err, errlen, name, line, "%s is missing: a line "
                           "is 'BACKEND CASE-ID RESULT reason'", what[i]);
    }
    while (p < end && is_blank(*p))
        p++;
    const char *reason_end = end;
    while (reason_end > p && is_blank(reason_end[-1]))
        reason_end--;
    if (p == reason_end)
        return fail_at(err, errlen, name, line, "the reason is missing: "
                       "every expectation says why");
    size_t plen = strlen(DCTS_EXPECT_PLACEHOLDER);
    if ((size_t)(reason_end - p) >= plen &&
        strncmp(p, DCTS_EXPECT_PLACEHOLDER, plen) == 0)
        return fail_at(err, errlen, name, line, "the reason is still the "
                       "placeholder --write-expect wrote: replace '"
                       DCTS_EXPECT_PLACEHOLDER "...' with why the gap is "
                       "known");

    dcts_status result;
    if (parse_result(field[2], len[2], &result) != 0) {
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_add(&b, field[2], len[2] > 40 ? 40 : len[2]);
        int rc = len[2] == 4 && memcmp(field[2], "SKIP", 4) == 0
            ? fail_at(err, errlen, name, line, "SKIP cannot be expected: a "
                      "case says itself why it skips")
            : fail_at(err, errlen, name, line, "unknown result '%s' (PASS, "
                      "FAIL, WARN, TIMEOUT or CRASH)", dcts_buf_str(&b));
        dcts_buf_free(&b);
        return rc;
    }

    char *case_id = copy(field[1], len[1]);
    if (dcts_find_case(case_id) == NULL) {
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_add_clean(&b, case_id, 0);
        fail_at(err, errlen, name, line, "unknown case '%s' (see --list)",
                dcts_buf_str(&b));
        dcts_buf_free(&b);
        free(case_id);
        return -1;
    }
    e->backend = copy(field[0], len[0]);
    e->case_id = case_id;
    e->result = result;
    e->reason = copy(p, (size_t)(reason_end - p));
    e->file = dcts_xstrdup(name);
    e->line = line;
    return 0;
}

int dcts_expect_parse(dcts_expectations *x, const char *name,
                      const char *text, size_t len, char *err, size_t errlen)
{
    dcts_expectations add = DCTS_EXPECTATIONS_INIT;
    const char *p = text, *end = text + len;
    unsigned line = 0;

    if (memchr(text, '\0', len) != NULL) {
        const char *nul = memchr(text, '\0', len);
        unsigned at = 1;
        for (const char *q = text; q < nul; q++)
            at += *q == '\n';
        return fail_at(err, errlen, name, at, "a NUL byte: not a text file");
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *s = p;
        line++;
        p = nl ? nl + 1 : end;
        while (s < eol && is_blank(*s))
            s++;
        if (s == eol || *s == '#')
            continue;

        dcts_expectation e;
        if (parse_line(name, line, s, eol, &e, err, errlen) != 0)
            goto bad;
        const dcts_expectation *seen = dcts_expect_find(x, e.backend,
                                                        e.case_id);
        if (seen == NULL)
            seen = dcts_expect_find(&add, e.backend, e.case_id);
        if (seen != NULL) {
            dcts_buf b = DCTS_BUF_INIT;
            dcts_buf_add_clean(&b, e.backend, 0);
            dcts_buf_putc(&b, ' ');
            dcts_buf_add_clean(&b, e.case_id, 0);
            dcts_buf_puts(&b, " (the first is at ");
            dcts_buf_add_clean(&b, seen->file, 0);
            dcts_buf_printf(&b, ":%u)", seen->line);
            fail_at(err, errlen, name, line, "a second expectation for %s",
                    dcts_buf_str(&b));
            dcts_buf_free(&b);
            free_one(&e);
            goto bad;
        }
        add.v = dcts_xrealloc(add.v, sizeof *add.v * (add.n + 1));
        add.v[add.n++] = e;
    }
    x->v = dcts_xrealloc(x->v, sizeof *x->v * (x->n + add.n + 1));
    if (add.n)
        memcpy(x->v + x->n, add.v, sizeof *add.v * add.n);
    x->n += add.n;
    free(add.v);
    return 0;

bad:
    dcts_expect_free(&add);
    return -1;
}

int dcts_expect_load(dcts_expectations *x, const char *path, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "re");
    dcts_buf text = DCTS_BUF_INIT;
    char chunk[8192];
    size_t n;
    int rc;

    if (f == NULL)
        return fail_at(err, errlen, path, 0, "cannot be read: %s",
                       strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
           text.len <= DCTS_EXPECT_MAX_BYTES)
        dcts_buf_add(&text, chunk, n);
    int bad_read = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad_read)
        rc = fail_at(err, errlen, path, 0, "cannot be read: %s",
                     strerror(saved));
    else if (text.len > DCTS_EXPECT_MAX_BYTES)
        rc = fail_at(err, errlen, path, 0, "larger than %u bytes: not an "
                     "expectations file", DCTS_EXPECT_MAX_BYTES);
    else
        rc = dcts_expect_parse(x, path, dcts_buf_str(&text), text.len, err,
                               errlen);
    dcts_buf_free(&text);
    return rc;
}

int dcts_expect_check_backends(const dcts_expectations *x,
                               const char *const *names, size_t n,
                               char *err, size_t errlen)
{
    for (size_t i = 0; i < x->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(names[k], x->v[i].backend) != 0)
            k++;
        if (k < n)
            continue;
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_puts(&b, "backend '");
        dcts_buf_add_clean(&b, x->v[i].backend, 0);
        dcts_buf_puts(&b, "' is not among the backends being checked (");
        for (k = 0; k < n; k++) {
            dcts_buf_puts(&b, k ? ", " : "");
            dcts_buf_add_clean(&b, names[k], 0);
        }
        dcts_buf_puts(&b, ")");
        fail_at(err, errlen, x->v[i].file, x->v[i].line, "%s",
                dcts_buf_str(&b));
        dcts_buf_free(&b);
        return -1;
    }
    return 0;
}

const dcts_expectation *dcts_expect_find(const dcts_expectations *x,
                                         const char *backend,
                                         const char *case_id)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->v[i].backend, backend) == 0 &&
            strcmp(x->v[i].case_id, case_id) == 0)
            return &x->v[i];
    return NULL;
}

void dcts_expect_free(dcts_expectations *x)
{
    for (size_t i = 0; i < x->n; i++)
        free_one(&x->v[i]);
    free(x->v);
    x->v = NULL;
    x->n = 0;
}

/* ---- verdicts ---------------------------------------------------------------- */

dcts_verdict dcts_expect_verdict(dcts_status status,
                                 const dcts_expectation *e)
{
    if (e == NULL || status == DCTS_SKIP || status == DCTS_NOTRUN)
        return DCTS_AS_IS;          /* a skipped or unrun case claims nothing */
    if (status == e->result)
        return DCTS_MET;
    if (e->result == DCTS_PASS)
        return DCTS_AS_IS;          /* a note that did not hold */
    if (status == DCTS_PASS)
        return DCTS_XPASS;
    return DCTS_MISMATCH;
}

void dcts_expect_attach(dcts_result *r, const dcts_expectation *e)
{
    r->expect = e;
    r->verdict = dcts_expect_verdict(r->status, e);
    r->gap_expected = e != NULL && e->result != DCTS_PASS;
}
