/*
 * cmdline.c: walking a command line by a table of options (cmdline.h).
 */
#include "cmdline.h"

#include <stdio.h>
#include <string.h>

void dcts_cmdline_init(dcts_cmdline *c, int argc, char *const argv[],
                       const dcts_cmdline_option *table, size_t ntable)
{
    memset(c, 0, sizeof *c);
    c->argc = argc;
    c->argv = argv;
    c->table = table;
    c->ntable = ntable;
    c->next = 1;
}

static const dcts_cmdline_option *by_name(const dcts_cmdline *c,
                                          const char *name, size_t len)
{
    for (size_t k = 0; k < c->ntable; k++)
        if (strlen(c->table[k].name) == len &&
            strncmp(c->table[k].name, name, len) == 0)
            return &c->table[k];
    return NULL;
}

static const dcts_cmdline_option *by_letter(const dcts_cmdline *c,
                                            char letter)
{
    for (size_t k = 0; k < c->ntable; k++)
        if (c->table[k].letter && c->table[k].letter == letter)
            return &c->table[k];
    return NULL;
}

int dcts_cmdline_next(dcts_cmdline *c, char *err, size_t errlen)
{
    const dcts_cmdline_option *opt;

    c->value = NULL;
    c->shown[0] = '\0';
    for (;;) {
        if (c->next >= c->argc)
            return DCTS_CMDLINE_DONE;
        const char *arg = c->argv[c->next++];
        if (c->operands_only || arg[0] != '-' || arg[1] == '\0') {
            c->value = arg;
            return DCTS_CMDLINE_OPERAND;
        }
        if (strcmp(arg, "--") == 0) {
            c->operands_only = 1;
            continue;
        }
        if (arg[1] == '-') {                    /* --name or --name=value */
            const char *name = arg + 2;
            size_t len = strcspn(name, "=");
            opt = by_name(c, name, len);
            snprintf(c->shown, sizeof c->shown, "--%.*s",
                     (int)(len < 40 ? len : 40), name);
            if (!opt) {
                snprintf(err, errlen, "unknown option '%s'", c->shown);
                return DCTS_CMDLINE_ERROR;
            }
            if (name[len] == '=') {
                if (!opt->takes_value) {
                    snprintf(err, errlen, "option '%s' takes no value",
                             c->shown);
                    return DCTS_CMDLINE_ERROR;
                }
                c->value = name + len + 1;
            }
        } else {                                /* -x, -xVALUE, -x VALUE */
            opt = by_letter(c, arg[1]);
            snprintf(c->shown, sizeof c->shown, "-%c", arg[1]);
            if (!opt || (!opt->takes_value && arg[2] != '\0')) {
                snprintf(err, errlen, "unknown option '%s'",
                         !opt ? c->shown : arg);
                return DCTS_CMDLINE_ERROR;
            }
            if (arg[2] != '\0')
                c->value = arg + 2;
        }
        if (opt->takes_value && !c->value) {
            if (c->next >= c->argc) {
                snprintf(err, errlen, "option '%s' needs a value", c->shown);
                return DCTS_CMDLINE_ERROR;
            }
            c->value = c->argv[c->next++];
        }
        return opt->id;
    }
}
