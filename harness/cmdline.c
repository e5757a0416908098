/*
 * cmdline.c: walking a command line by a table of options (cmdline.h).
 */
#include "cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dcts_cmdline_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const dcts_cmdline_option *by_name(const dcts_cmdline_option *table,
                                          size_t ntable, const char *name,
                                          size_t len)
{
    for (size_t k = 0; k < ntable; k++)
        if (strlen(table[k].name) == len &&
            strncmp(table[k].name, name, len) == 0)
            return &table[k];
    return NULL;
}

static const dcts_cmdline_option *by_letter(const dcts_cmdline_option *table,
                                            size_t ntable, char letter)
{
    for (size_t k = 0; k < ntable; k++)
        if (table[k].letter && table[k].letter == letter)
            return &table[k];
    return NULL;
}

int dcts_cmdline_parse(int argc, char *const argv[],
                       const dcts_cmdline_option *table, size_t ntable,
                       dcts_cmdline_apply apply, void *cmd, char *err,
                       size_t errlen)
{
    int operands_only = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        const dcts_cmdline_option *opt;
        char shown[48];
        int rc;

        if (operands_only || arg[0] != '-' || arg[1] == '\0') {
            rc = apply(cmd, DCTS_CMDLINE_OPERAND, arg, arg, err, errlen);
            if (rc != 0)
                return rc < 0 ? -1 : 0;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            operands_only = 1;
            continue;
        }
        if (arg[1] == '-') {                    /* --name or --name=value */
            const char *name = arg + 2;
            size_t len = strcspn(name, "=");
            opt = by_name(table, ntable, name, len);
            snprintf(shown, sizeof shown, "--%.*s",
                     (int)(len < 40 ? len : 40), name);
            if (!opt) {
                snprintf(err, errlen, "unknown option '%s'", shown);
                return -1;
            }
            if (name[len] == '=') {
                if (!opt->takes_value) {
                    snprintf(err, errlen, "option '%s' takes no value",
                             shown);
                    return -1;
                }
                value = name + len + 1;
            }
        } else {                                /* -x, -xVALUE, -x VALUE */
            opt = by_letter(table, ntable, arg[1]);
            snprintf(shown, sizeof shown, "-%c", arg[1]);
            if (!opt || (!opt->takes_value && arg[2] != '\0')) {
                snprintf(err, errlen, "unknown option '%s'",
                         !opt ? shown : arg);
                return -1;
            }
            if (arg[2] != '\0')
                value = arg + 2;
        }
        if (opt->takes_value && !value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "option '%s' needs a value", shown);
                return -1;
            }
            value = argv[++i];
        }
        rc = apply(cmd, opt->id, shown, value, err, errlen);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}
