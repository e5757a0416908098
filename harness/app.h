/*
 * app.h: dispatch-cts as a whole: parse, list, load, run, report.
 */
#ifndef DCTS_APP_H
#define DCTS_APP_H

#include "dispatch_context.h"

/* The backend linked into the binary, used when no backend is given. */
typedef const dc_backend *(*dcts_embedded_fn)(void);

/* A subcommand the harness hands its arguments to (argv[0] is its word):
 * `bench` is the benchmark's (bench/bench.h), given by main.c, so that
 * the harness never depends on the bench.  Returns the exit status. */
typedef int (*dcts_subcommand_fn)(int argc, char **argv,
                                  dcts_embedded_fn embedded);

/* The program.  bench runs `dispatch-cts bench ...` (NULL: no bench).
 * Returns the exit status: 0 all good, 1 a FAIL/TIMEOUT/CRASH (or a
 * coverage gap), 2 usage, load or output error.  An interrupting signal
 * ends the process with it. */
int dcts_main(int argc, char **argv, dcts_embedded_fn embedded,
              dcts_subcommand_fn bench);

#endif /* DCTS_APP_H */
