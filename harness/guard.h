/*
 * guard.h: a guardian for a harness its backends can signal.
 *
 * When the case processes run as the harness's own user (dispatch-cts is
 * not root, or --keep-privileges), a backend can signal the harness:
 * kill(getppid(), SIGSTOP) would freeze it, SIGKILL would orphan the
 * other case processes.  dcts_guard then forks: the child goes on as the
 * harness, the parent (the process the user started) becomes its
 * guardian, a child subreaper that does nothing but wait: it continues a
 * stopped harness at once, forwards SIGINT, SIGTERM and SIGHUP to it, and
 * when the harness ends in any way kills and reaps everything the run
 * left behind (a killed harness's case processes come to it), removes an
 * unfinished -o temporary file, and ends the same way.
 */
#ifndef DCTS_GUARD_H
#define DCTS_GUARD_H

#include "outfile.h"

/* Returns DCTS_GUARDED in the harness, which must then end its process
 * itself when it is done (dcts_guarded_exit): whoever called dcts_main
 * is the guardian's, not its own; DCTS_UNGUARDED when forking failed
 * (said on stderr); in the guardian, once the harness ended, the exit
 * status dcts_main should return (or it dies of the interrupting signal
 * the harness died of). */
#define DCTS_GUARDED (-1)
#define DCTS_UNGUARDED (-2)
int dcts_guard(dcts_outfile *report_file);

/* Ends the guarded harness with status rc, after flushing stdout (a
 * failure to write it is status 2, as in dcts_main). */
__attribute__((noreturn)) void dcts_guarded_exit(int rc);

#endif /* DCTS_GUARD_H */
