/*
 * text.h: growable strings and the escaping every report needs.
 *
 * Everything a backend or a case says (messages, captured output, even the
 * backend's name) is untrusted text: it may hold control characters,
 * terminal escape sequences or invalid UTF-8.  The writers below turn it
 * into something a terminal, a TAP consumer or an XML parser accepts.
 */
#ifndef DCTS_TEXT_H
#define DCTS_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A NUL-terminated string that grows; data is NULL until the first add. */
typedef struct dcts_buf {
    char *data;
    size_t len, cap;
} dcts_buf;

#define DCTS_BUF_INIT { NULL, 0, 0 }

void dcts_buf_add(dcts_buf *b, const char *s, size_t n);
void dcts_buf_puts(dcts_buf *b, const char *s);
void dcts_buf_putc(dcts_buf *b, char c);
__attribute__((format(printf, 2, 3)))
void dcts_buf_printf(dcts_buf *b, const char *fmt, ...);
void dcts_buf_vprintf(dcts_buf *b, const char *fmt, va_list ap);
/* The contents ("" when empty); valid until the next add. */
const char *dcts_buf_str(const dcts_buf *b);
/* Hands the string over (never NULL) and empties b. */
char *dcts_buf_take(dcts_buf *b);
void dcts_buf_free(dcts_buf *b);

/* Allocation that never returns NULL: out of memory ends the harness. */
void *dcts_xmalloc(size_t n);
void *dcts_xrealloc(void *p, size_t n);
char *dcts_xstrdup(const char *s);

/* The length (1..4) of the well-formed UTF-8 sequence at s (n bytes
 * available) and its code point in *cp; 0 when s does not start one
 * (stray continuation byte, overlong form, surrogate, > U+10FFFF, cut). */
size_t dcts_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Flags for dcts_buf_add_clean. */
#define DCTS_KEEP_NL  0x1u   /* keep '\n' (otherwise it becomes ' ') */
#define DCTS_KEEP_TAB 0x2u   /* keep '\t' (otherwise it becomes ' ') */

/* Appends s made safe for a terminal or a line-based format: valid UTF-8
 * is kept, every other byte becomes '?', and so does every control
 * character (C0, DEL, C1; also U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF)
 * except '\n' and '\t' as flags allow. */
void dcts_buf_add_clean(dcts_buf *b, const char *s, unsigned flags);

/* Appends s cleaned to one line (dcts_buf_add_clean, no flags) with a
 * backslash before every character of special: the escaping of a TAP
 * description ("#\\"), of Markdown text, of a quoted string. */
void dcts_buf_add_escaped(dcts_buf *b, const char *s, const char *special);

/* Appends s as a double-quoted string on one line, in the syntax JSON and
 * YAML share: cleaned (no control character is left to escape), '"' and
 * '\' escaped. */
void dcts_buf_add_quoted(dcts_buf *b, const char *s);

/* Appends s as XML character data (attr = 0) or as the inside of a
 * double-quoted attribute value (attr = 1): cleaned as by
 * dcts_buf_add_clean keeping '\n' and '\t' (so CR, U+2028, U+2029, the
 * other controls and invalid UTF-8 become '?', as in every writer), then
 * & < > " ' become entities; in attributes TAB and LF are written as
 * character references so they survive normalisation. */
void dcts_buf_add_xml(dcts_buf *b, const char *s, int attr);

/* Appends s quoted for a POSIX shell: unchanged when it is made only of
 * characters no shell treats specially, else in single quotes. */
void dcts_buf_add_shell(dcts_buf *b, const char *s);
/* The same, always in single quotes. */
void dcts_buf_add_shell_quoted(dcts_buf *b, const char *s);

/* Appends every line of text (cleaned, DCTS_KEEP_TAB) with prefix in
 * front of it; a final line break is not doubled.  Empty text adds
 * nothing. */
void dcts_buf_add_indented(dcts_buf *b, const char *text, const char *prefix);

/* The first line of s, cleaned (no control characters), at most max
 * bytes (cut on a character boundary, "..." appended when cut). */
void dcts_buf_add_first_line(dcts_buf *b, const char *s, size_t max);

/* Display width of s in terminal columns, counting each code point as
 * one (good enough for ids and names). */
size_t dcts_text_width(const char *s);

#endif /* DCTS_TEXT_H */
