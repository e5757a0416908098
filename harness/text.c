/*
 * text.c: growable strings, UTF-8 checking, and the escaping of untrusted
 * text for terminals, TAP/YAML, XML and shells.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation ---------------------------------------------------------- */

static void out_of_memory(void)
{
    static const char msg[] = "dispatch-cts: out of memory\n";
    fputs(msg, stderr);
    exit(2);
}

void *dcts_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *dcts_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *dcts_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = dcts_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* ---- the buffer ---------------------------------------------------------- */

static void reserve(dcts_buf *b, size_t extra)
{
    if (extra > (size_t)-1 / 2 - b->len)
        out_of_memory();
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = dcts_xrealloc(b->data, cap);
    b->cap = cap;
}

void dcts_buf_add(dcts_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void dcts_buf_puts(dcts_buf *b, const char *s)
{
    dcts_buf_add(b, s, strlen(s));
}

void dcts_buf_putc(dcts_buf *b, char c)
{
    dcts_buf_add(b, &c, 1);
}

void dcts_buf_vprintf(dcts_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void dcts_buf_printf(dcts_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dcts_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *dcts_buf_str(const dcts_buf *b)
{
    return b->data ? b->data : "";
}

char *dcts_buf_take(dcts_buf *b)
{
    char *s = b->data ? b->data : dcts_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void dcts_buf_free(dcts_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- UTF-8 --------------------------------------------------------------- */

size_t dcts_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;               /* continuation byte, C0/C1 lead, F5..FF */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* A character no output should carry raw: C0 (but TAB and LF, which the
 * callers decide on), DEL, and the C1 controls some terminals obey. */
static int is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;  /* YAML breaks */
}

void dcts_buf_add_clean(dcts_buf *b, const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);

    while (n) {
        uint32_t cp;
        size_t len = dcts_utf8_next(p, n, &cp);
        if (len == 0) {
            dcts_buf_putc(b, '?');
            p++, n--;
            continue;
        }
        if (cp == '\r' && n > 1 && p[1] == '\n')
            ;                                   /* CRLF: the LF will do */
        else if (cp == '\n')
            dcts_buf_putc(b, (flags & DCTS_KEEP_NL) ? '\n' : ' ');
        else if (cp == '\t')
            dcts_buf_putc(b, (flags & DCTS_KEEP_TAB) ? '\t' : ' ');
        else if (is_control(cp) || cp == 0xfffe || cp == 0xffff)
            dcts_buf_putc(b, '?');
        else
            dcts_buf_add(b, (const char *)p, len);
        p += len, n -= len;
    }
}

void dcts_buf_add_escaped(dcts_buf *b, const char *s, const char *special)
{
    dcts_buf clean = DCTS_BUF_INIT;

    dcts_buf_add_clean(&clean, s, 0);
    for (const char *p = dcts_buf_str(&clean); *p; p++) {
        if (strchr(special, *p))
            dcts_buf_putc(b, '\\');
        dcts_buf_putc(b, *p);
    }
    dcts_buf_free(&clean);
}

void dcts_buf_add_quoted(dcts_buf *b, const char *s)
{
    dcts_buf_putc(b, '"');
    dcts_buf_add_escaped(b, s, "\"\\");
    dcts_buf_putc(b, '"');
}

void dcts_buf_add_xml(dcts_buf *b, const char *s, int attr)
{
    /* Cleaned first, as every other writer cleans: a CR (but the one of a
     * CRLF, dropped), U+2028, U+2029 and the other controls become '?',
     * so no reader of the report sees a line break the others do not. */
    dcts_buf clean = DCTS_BUF_INIT;
    dcts_buf_add_clean(&clean, s, DCTS_KEEP_NL | DCTS_KEEP_TAB);

    for (const char *p = dcts_buf_str(&clean); *p; p++) {
        switch (*p) {
        case '&': dcts_buf_puts(b, "&amp;"); break;
        case '<': dcts_buf_puts(b, "&lt;"); break;
        case '>': dcts_buf_puts(b, "&gt;"); break;
        case '"': dcts_buf_puts(b, "&quot;"); break;
        case '\'': dcts_buf_puts(b, "&apos;"); break;
        case '\n': dcts_buf_puts(b, attr ? "&#10;" : "\n"); break;
        case '\t': dcts_buf_puts(b, attr ? "&#9;" : "\t"); break;
        default: dcts_buf_putc(b, *p); break;
        }
    }
    dcts_buf_free(&clean);
}

/* ---- shells -------------------------------------------------------------- */

void dcts_buf_add_shell_quoted(dcts_buf *b, const char *s)
{
    dcts_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            dcts_buf_puts(b, "'\\''");
        else
            dcts_buf_putc(b, *s);
    }
    dcts_buf_putc(b, '\'');
}

void dcts_buf_add_shell(dcts_buf *b, const char *s)
{
    static const char safe[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        "_-+./:,@%=";
    if (*s && strspn(s, safe) == strlen(s) && *s != '=')
        dcts_buf_puts(b, s);
    else
        dcts_buf_add_shell_quoted(b, s);
}

/* ---- layout helpers ------------------------------------------------------ */

void dcts_buf_add_indented(dcts_buf *b, const char *text, const char *prefix)
{
    dcts_buf clean = DCTS_BUF_INIT;
    dcts_buf_add_clean(&clean, text, DCTS_KEEP_NL | DCTS_KEEP_TAB);
    const char *p = dcts_buf_str(&clean);

    while (*p) {
        size_t n = strcspn(p, "\n");
        dcts_buf_puts(b, prefix);
        dcts_buf_add(b, p, n);
        dcts_buf_putc(b, '\n');
        p += n;
        if (*p == '\n')
            p++;
    }
    dcts_buf_free(&clean);
}

void dcts_buf_add_first_line(dcts_buf *b, const char *s, size_t max)
{
    dcts_buf clean = DCTS_BUF_INIT;
    size_t n = strcspn(s, "\n");
    char *line = dcts_xmalloc(n + 1);

    memcpy(line, s, n);
    line[n] = '\0';
    dcts_buf_add_clean(&clean, line, 0);
    free(line);

    const char *c = dcts_buf_str(&clean);
    size_t len = clean.len;
    /* Trim surrounding blanks: messages often start with an indent. */
    while (*c == ' ')
        c++, len--;
    while (len && c[len - 1] == ' ')
        len--;
    if (len <= max) {
        dcts_buf_add(b, c, len);
    } else {
        size_t cut = max > 3 ? max - 3 : 0;
        while (cut && (c[cut] & 0xc0) == 0x80)   /* not inside a character */
            cut--;
        dcts_buf_add(b, c, cut);
        dcts_buf_puts(b, "...");
    }
    dcts_buf_free(&clean);
}

size_t dcts_text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            w++;
    return w;
}
