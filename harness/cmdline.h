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

/* The id an operand is handed to the command with. */
#define DCTS_CMDLINE_OPERAND (-1)

/* The command's part: applies one option (its id, the option as written,
 * without any "=VALUE", for messages, and its value, NULL for one that
 * takes none) or one operand (id DCTS_CMDLINE_OPERAND, value the
 * operand).  Returns 0 to go on, 1 to stop there (--help: the rest does
 * not matter), or -1 with a message in err. */
typedef int (*dcts_cmdline_apply)(void *cmd, int id, const char *shown,
                                  const char *value, char *err,
                                  size_t errlen);

/* An apply function's error: formats the message into err and returns
 * -1, so that `return dcts_cmdline_error(err, errlen, ...)` ends it. */
__attribute__((format(printf, 3, 4)))
int dcts_cmdline_error(char *err, size_t errlen, const char *fmt, ...);

/* Walks argv[1..argc-1] by table, handing each option and operand to
 * apply in order.  Returns 0, or -1 with a message in err. */
int dcts_cmdline_parse(int argc, char *const argv[],
                       const dcts_cmdline_option *table, size_t ntable,
                       dcts_cmdline_apply apply, void *cmd, char *err,
                       size_t errlen);

#endif /* DCTS_CMDLINE_H */
