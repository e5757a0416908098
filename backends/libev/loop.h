/*
 * loop.h: how the libev adapter makes its loop, in one place so that
 * libev driven directly (bench/engines/libev.c), the adapter's baseline in the
 * benchmark, makes the same and the two differ only by the adapter.
 *
 * A loop of its own (ev_loop_new, never the default loop, which would
 * take SIGCHLD), ignoring LIBEV_FLAGS, leaving the signal mask alone.
 */
#ifndef LEV_LOOP_H
#define LEV_LOOP_H

#include <ev.h>

#define LEV_LOOP_FLAGS (EVFLAG_AUTO | EVFLAG_NOENV | EVFLAG_NOSIGMASK)

#endif /* LEV_LOOP_H */
