/*
 * fuzz_cmd.h: `dispatch-cts fuzz`, the model-based differential tester
 * run for a time or a count of seeds (the model: runtime/model.h).
 */
#ifndef DCTS_FUZZ_CMD_H
#define DCTS_FUZZ_CMD_H

#include "dispatch_context.h"

/* argv[0] is "fuzz".  Returns 0 (no divergence), 1 (one found), 2 (bad
 * usage, a backend that cannot be loaded, or a fault of the tester). */
int dcts_fuzz_main(int argc, char **argv, const dc_backend *(*embedded)(void));

#endif
