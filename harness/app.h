/*
 * app.h: dispatch-cts as a whole: parse, list, load, run, report.
 */
#ifndef DCTS_APP_H
#define DCTS_APP_H

#include "dispatch_context.h"

/* The program.  embedded is the entry function of the backend linked into
 * the binary, used when no backend is given.  Returns the exit status:
 * 0 all good, 1 a FAIL/TIMEOUT/CRASH (or a coverage gap), 2 usage, load
 * or output error.  An interrupting signal ends the process with it. */
int dcts_main(int argc, char **argv, const dc_backend *(*embedded)(void));

#endif /* DCTS_APP_H */
