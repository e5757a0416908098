/*
 * cmdline.h: one way of reading a command line, for dispatch-cts itself,
 * `dispatch-cts bench` and `dispatch-cts fuzz`.
 *
 * Each command lists its options in a table: a long name (--name,
 * --name=VALUE, --name VALUE), maybe a letter (-x, -xVALUE, -x VALUE),
 * with a value or without.  Long names are matched whole, never
 * abbreviated.  Everything else is an operand, in order: "-" alone, and
 * every argument after "--".  The walk never prints and never exits; its
 * errors read the same for every command (one line, no program name):
 *   unknown option '--bogus'       (or '-x', or '-hx': a letter without
 *                                  a value, followed by more)
 *   option '--list' takes no value
 *   option '--jobs' needs a value
 * What a value means, and its errors, is the command's.
 */
#ifndef DCTS_CMDLINE_H
#define DCTS_CMDLINE_H

#include <stddef.h>

typedef struct dcts_cmdline_option {
    const char *name;           /* the long form, without "--" */
    char letter;                /* the short form; 0: none */
    int takes_value;
    int id;                     /* >= 0: what dcts_cmdline_next returns */
} dcts_cmdline_option;

/* What dcts_cmdline_next returns besides an option's id. */
#define DCTS_CMDLINE_OPERAND (-1)   /* value: the operand */
#define DCTS_CMDLINE_DONE (-2)      /* no argument left */
#define DCTS_CMDLINE_ERROR (-3)     /* the message in err */

typedef struct dcts_cmdline {
    int argc;
    char *const *argv;
    const dcts_cmdline_option *table;
    size_t ntable;
    int next;                   /* the index of the argument to read */
    int operands_only;          /* after "--" */
    const char *value;          /* the option's value (NULL: none), or
                                 * the operand */
    char shown[48];             /* the option as written, without any
                                 * "=VALUE", for messages */
} dcts_cmdline;

/* Starts a walk over argv[1..argc-1]. */
void dcts_cmdline_init(dcts_cmdline *c, int argc, char *const argv[],
                       const dcts_cmdline_option *table, size_t ntable);
/* The next argument: an option's id (c->value set when it takes one),
 * DCTS_CMDLINE_OPERAND, DCTS_CMDLINE_DONE, or DCTS_CMDLINE_ERROR with a
 * message in err. */
int dcts_cmdline_next(dcts_cmdline *c, char *err, size_t errlen);

#endif /* DCTS_CMDLINE_H */
