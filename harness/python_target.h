/*
 * python_target.h: `dispatch-cts python:SPEC`, a Python implementation run
 * through the bridge backend (backends/python, docs/PYTHON.md).
 */
#ifndef DCTS_PYTHON_TARGET_H
#define DCTS_PYTHON_TARGET_H

/* arg "python:SPEC" (SPEC: MODULE:FACTORY or FILE.py:FACTORY): sets
 * DCTS_PYTHON_TARGET=SPEC, which the bridge reads when it is loaded (and
 * case processes inherit), and puts in *so_path (malloc'd) the bridge
 * installed beside this program: BINDIR/backends/python.so in a build
 * tree, else BINDIR/../lib/dispatch-cts/backends/python.so.  Returns 1
 * then; 0 when arg is not a python: spec (*so_path NULL); -1 with *so_path
 * NULL and the reason on stderr when the spec is empty, the bridge is not
 * built, or a second python: spec comes in one run (the bridge embeds one
 * interpreter per process, so it runs one implementation). */
int dcts_python_target(const char *arg, char **so_path);

#endif
