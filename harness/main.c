/*
 * main.c: dispatch-cts.  Everything is in app.c; this file only names the
 * backend linked into the binary (built from backends/select with the
 * entry function renamed, see the Makefile).
 */
#include "app.h"

const dc_backend *dc_embedded_backend(void);

int main(int argc, char **argv)
{
    return dcts_main(argc, argv, dc_embedded_backend);
}
