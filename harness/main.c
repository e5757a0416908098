/*
 * main.c: dispatch-cts, the program.  The harness (app.c) does
 * everything; this file, the one place that sees both the harness and
 * the bench, names the backend linked into the binary (built from
 * backends/select with the entry function renamed, see the Makefile) and
 * hands the harness the bench's entry for `dispatch-cts bench`.
 */
#include "app.h"
#include "bench.h"

const dc_backend *dc_embedded_backend(void);

int main(int argc, char **argv)
{
    return dcts_main(argc, argv, dc_embedded_backend, dcts_bench_main);
}
