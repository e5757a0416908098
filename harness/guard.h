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

/* Returns -1 in the harness (or when forking failed: then there is no
 * guardian, which is said on stderr); in the guardian, once the harness
 * ended, the exit status dcts_main should return (or it dies of the
 * interrupting signal the harness died of). */
int dcts_guard(dcts_outfile *report_file);

#endif /* DCTS_GUARD_H */
