/*
 * harness_check.h: helpers for the harness's unit tests (harness_*.c):
 * where the fixture backends are, and strict checkers for what the TAP
 * and JUnit writers produce, so that the tests need no outside tool.
 */
#ifndef DCTS_HARNESS_CHECK_H
#define DCTS_HARNESS_CHECK_H

#include "text.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNUSED __attribute__((unused))

/* The first of words (n of them) that what usage writes does not
 * contain, or NULL when it has every one: for the --help tests. */
UNUSED static const char *usage_lacks(void (*usage)(FILE *f),
                                      const char *const *words, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    const char *missing = "(no text: open_memstream failed)";
    FILE *f = open_memstream(&text, &len);
    if (f) {
        usage(f);
        fclose(f);
        missing = NULL;
        for (size_t i = 0; i < n && !missing; i++)
            if (!strstr(text, words[i]))
                missing = words[i];
    }
    free(text);
    return missing;
}

/* $DCTS_FIXTURES, or the fixtures directory next to the test binary's
 * directory (build/tests/NAME -> build/fixtures). */
UNUSED static const char *fixture_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("DCTS_FIXTURES");
    if (env && *env)
        return env;
    if (!dir[0]) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 32);
        if (n <= 0)
            return "build/fixtures";
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        strcat(dir, "/../fixtures");
    }
    return dir;
}

/* fixture_dir()/valid: the loadable fixtures. */
UNUSED static const char *valid_dir(void)
{
    static char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/valid", fixture_dir());
    return dir;
}

/* fixture_dir()/name.so into a static buffer. */
UNUSED static const char *fixture(const char *name)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.so", fixture_dir(), name);
    return path;
}

/* ---- characters -------------------------------------------------------- */

/* NULL when s is valid UTF-8 holding no control character other than
 * those in allowed (e.g. "\n\t"), U+FFFE/U+FFFF or C1 controls. */
UNUSED static const char *text_problem(const char *s, const char *allowed)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        uint32_t cp;
        size_t len = dcts_utf8_next(p, n, &cp);
        if (len == 0)
            return "invalid UTF-8";
        if ((cp < 0x20 && !strchr(allowed, (int)cp)) || cp == 0x7f ||
            (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff)
            return "a control character";
        p += len, n -= len;
    }
    return NULL;
}

/* ---- XML --------------------------------------------------------------- */

/* Skips a reference at *p ('&' ... ';'); 0 if it is not a valid one. */
static int xml_ref(const char **p)
{
    static const char *const named[] = { "amp;", "lt;", "gt;", "quot;",
                                         "apos;" };
    const char *s = *p + 1;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strncmp(s, named[i], strlen(named[i])) == 0) {
            *p = s + strlen(named[i]);
            return 1;
        }
    if (*s != '#')
        return 0;
    s++;
    int hex = *s == 'x';
    if (hex)
        s++;
    const char *digits = s;
    unsigned long v = strtoul(s, (char **)&s, hex ? 16 : 10);
    if (s == digits || *s != ';')
        return 0;
    if (!(v == 9 || v == 10 || v == 13 || (v >= 0x20 && v <= 0xd7ff) ||
          (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff)))
        return 0;
    *p = s + 1;
    return 1;
}

static int xml_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' ||
           c == ':';
}

/* NULL when doc is a well-formed XML document (the subset the JUnit
 * writer uses: declaration, elements, attributes, text, references). */
UNUSED static const char *xml_problem(const char *doc)
{
    static char why[512];
    const char *t = text_problem(doc, "\t\n\r");
    if (t)
        return t;
    const char *p = doc;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return "unterminated declaration";
        p += 2;
    }
    char stack[64][64];
    int depth = 0, roots = 0;
    while (*p) {
        if (*p != '<') {
            if (depth == 0 && !isspace((unsigned char)*p))
                return "text outside the root element";
            if (*p == '&') {
                if (!xml_ref(&p))
                    return "a bad reference in text";
                continue;       /* p is past it: check what follows */
            }
            if (strncmp(p, "]]>", 3) == 0)
                return "]]> in text";
            p++;
            continue;
        }
        p++;
        int closing = *p == '/';
        if (closing)
            p++;
        const char *name = p;
        while (xml_name_char(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0 || nlen >= 64 || isdigit((unsigned char)*name) ||
            *name == '-' || *name == '.')
            return "a bad element name";
        if (closing) {
            while (isspace((unsigned char)*p))
                p++;
            if (*p != '>' || depth == 0)
                return "a bad end tag";
            depth--;
            if (strlen(stack[depth]) != nlen ||
                strncmp(stack[depth], name, nlen) != 0) {
                snprintf(why, sizeof why, "</%.*s> closes <%.63s>",
                         (int)(nlen < 63 ? nlen : 63), name, stack[depth]);
                return why;
            }
            p++;
            continue;
        }
        char seen[16][64];
        int nseen = 0;
        for (;;) {
            int space = isspace((unsigned char)*p);
            while (isspace((unsigned char)*p))
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            if (!space)
                return "attributes not separated by blanks";
            const char *an = p;
            while (xml_name_char(*p))
                p++;
            size_t alen = (size_t)(p - an);
            if (alen == 0 || alen >= 64 || *p != '=' || p[1] != '"')
                return "a bad attribute";
            for (int i = 0; i < nseen; i++)
                if (strlen(seen[i]) == alen && !strncmp(seen[i], an, alen))
                    return "a repeated attribute";
            if (nseen < 16) {
                memcpy(seen[nseen], an, alen);
                seen[nseen++][alen] = '\0';
            }
            p += 2;
            while (*p != '"') {
                if (!*p || *p == '<')
                    return "a bad attribute value";
                if (*p == '&') {
                    if (!xml_ref(&p))
                        return "a bad reference in an attribute";
                } else {
                    p++;
                }
            }
            p++;
        }
        if (depth == 0 && roots++)
            return "more than one root element";
        if (*p == '/') {
            p += 2;
            continue;
        }
        if (depth == 64)
            return "nested too deep";
        memcpy(stack[depth], name, nlen);
        stack[depth++][nlen] = '\0';
        p++;
    }
    if (depth)
        return "unclosed elements";
    if (!roots)
        return "no root element";
    return NULL;
}

/* ---- TAP --------------------------------------------------------------- */

/* NULL when doc is TAP version 13 as the writer promises: version line,
 * plan, points numbered 1..N, descriptions without a bare '#' (except a
 * "# SKIP" directive), YAML blocks only right after a point and indented,
 * everything else a comment; *points receives N. */
UNUSED static const char *tap_problem(const char *doc, size_t *points)
{
    static char why[256];
    const char *t = text_problem(doc, "\n");
    if (t)
        return t;
    if (strncmp(doc, "TAP version 13\n", 15) != 0)
        return "no version line";
    const char *p = doc + 15;
    long plan = -1;
    size_t n = 0;
    int after_point = 0, in_yaml = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            return "the last line has no line break";
        size_t len = (size_t)(eol - p);
        char line[8192];
        if (len >= sizeof line)
            return "a line too long";
        memcpy(line, p, len);
        line[len] = '\0';
        p = eol + 1;
        if (in_yaml) {
            if (strcmp(line, "  ...") == 0)
                in_yaml = 0;
            else if (line[0] && strncmp(line, "  ", 2) != 0)
                return "an unindented line in a YAML block";
            else if (strcmp(line, "  ---") == 0)
                return "--- inside a YAML block";
            continue;
        }
        if (strcmp(line, "  ---") == 0) {
            if (!after_point)
                return "a YAML block not after a test point";
            in_yaml = 1;
            after_point = 0;
            continue;
        }
        after_point = 0;
        if (line[0] == '#')
            continue;
        if (strncmp(line, "1..", 3) == 0) {
            if (plan >= 0)
                return "two plans";
            plan = strtol(line + 3, NULL, 10);
            continue;
        }
        const char *d;
        if (strncmp(line, "ok ", 3) == 0)
            d = line + 3;
        else if (strncmp(line, "not ok ", 7) == 0)
            d = line + 7;
        else {
            snprintf(why, sizeof why, "a stray line: %.60s", line);
            return why;
        }
        char *end;
        unsigned long num = strtoul(d, &end, 10);
        if (num != ++n || strncmp(end, " - ", 3) != 0)
            return "a test point out of sequence or without ' - '";
        for (const char *c = end + 3; *c; c++) {
            if (*c == '\\' && c[1]) {
                c++;
                continue;
            }
            if (*c == '#') {
                if (c[-1] != ' ' || (strncmp(c, "# SKIP", 6) != 0 &&
                                     strncmp(c, "# TODO", 6) != 0))
                    return "a bare '#' in a description";
                break;
            }
        }
        after_point = 1;
    }
    if (in_yaml)
        return "an unterminated YAML block";
    if (plan < 0 || (size_t)plan != n)
        return "the plan does not match the points";
    *points = n;
    return NULL;
}

/* ---- JSON -------------------------------------------------------------- */

/* Skips blanks at *p. */
static void jcheck_blank(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static const char *jcheck_value(const char **p, int depth);

/* A string at *p (RFC 8259: no raw control character, known escapes). */
static const char *jcheck_string(const char **p)
{
    if (**p != '"')
        return "a string expected";
    for ((*p)++; **p != '"'; (*p)++) {
        unsigned char c = (unsigned char)**p;
        if (c == '\0')
            return "an unterminated string";
        if (c < 0x20)
            return "a control character in a string";
        if (c != '\\')
            continue;
        (*p)++;
        if (**p == 'u') {
            for (int i = 1; i <= 4; i++)
                if (!isxdigit((unsigned char)(*p)[i]))
                    return "a bad \\u escape";
            *p += 4;
        } else if (!strchr("\"\\/bfnrt", **p) || **p == '\0') {
            return "a bad escape";
        }
    }
    (*p)++;
    return NULL;
}

static const char *jcheck_number(const char **p)
{
    const char *s = *p;
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (isdigit((unsigned char)*s))
        while (isdigit((unsigned char)*s))
            s++;
    else
        return "a bad number";
    if (*s == '.') {
        if (!isdigit((unsigned char)*++s))
            return "a bad fraction";
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return "a bad exponent";
        while (isdigit((unsigned char)*s))
            s++;
    }
    *p = s;
    return NULL;
}

/* The members of an object or the items of an array, after its '{' or
 * '['. */
static const char *jcheck_members(const char **p, int depth, char close)
{
    jcheck_blank(p);
    if (**p == close) {
        (*p)++;
        return NULL;
    }
    for (;;) {
        const char *why;
        jcheck_blank(p);
        if (close == '}') {
            if ((why = jcheck_string(p)))
                return why;
            jcheck_blank(p);
            if (*(*p)++ != ':')
                return "':' expected";
        }
        if ((why = jcheck_value(p, depth + 1)))
            return why;
        jcheck_blank(p);
        if (**p == close) {
            (*p)++;
            return NULL;
        }
        if (*(*p)++ != ',')
            return "',' or the end expected";
    }
}

static const char *jcheck_value(const char **p, int depth)
{
    if (depth > 64)
        return "nested too deep";
    jcheck_blank(p);
    switch (**p) {
    case '{':
        (*p)++;
        return jcheck_members(p, depth, '}');
    case '[':
        (*p)++;
        return jcheck_members(p, depth, ']');
    case '"':
        return jcheck_string(p);
    }
    static const char *const words[] = { "true", "false", "null" };
    for (size_t i = 0; i < 3; i++)
        if (strncmp(*p, words[i], strlen(words[i])) == 0) {
            *p += strlen(words[i]);
            return NULL;
        }
    return jcheck_number(p);
}

/* An oracle independent of the writers' JSON library (jansson): a writer
 * and its check never share a bug.
 * NULL when doc is one well-formed JSON value (RFC 8259) and valid UTF-8
 * with nothing after it but blanks. */
UNUSED static const char *json_problem(const char *doc)
{
    const char *t = text_problem(doc, "\t\n\r");
    if (t)
        return t;
    const char *p = doc;
    const char *why = jcheck_value(&p, 0);
    if (why)
        return why;
    jcheck_blank(&p);
    return *p ? "text after the value" : NULL;
}

#endif
