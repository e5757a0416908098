/*
 * loader.h: finding, probing and validating backends.
 *
 * dcts_load_backend never trusts a shared object: it first loads it and
 * calls its entry function in a child process (dcts_proc, with a watchdog
 * of 5 s times the timeout scale), and only when the child found a valid
 * descriptor does it load it and call the entry function in the harness.
 * Every refusal is one line: "PATH: what is wrong".
 */
#ifndef DCTS_LOADER_H
#define DCTS_LOADER_H

#include "dispatch_context.h"

#include <stddef.h>

/* A descriptor larger than this is taken for garbage. */
#define DCTS_MAX_STRUCT_SIZE (64u * 1024u)
/* A longer backend name is refused (it names report columns). */
#define DCTS_MAX_NAME_LEN 64u
/* The entry function's watchdog, before the timeout scale. */
#define DCTS_ENTRY_BUDGET_S 5.0

typedef struct dcts_backend_handle {
    const dc_backend *be;   /* the validated descriptor */
    void *dl;               /* dlopen handle; NULL for the embedded one */
    char *path;             /* the path loaded ("./x.so" for "x.so");
                             * NULL for the embedded backend */
    char *label;            /* the name reports use (be->name, or
                             * "name#2" when two backends share a name) */
    char *about;            /* what it runs on, from its optional
                             * DC_ABOUT_SYMBOL (one cleaned line of at most
                             * DCTS_MAX_ABOUT_LEN bytes), or NULL */
} dcts_backend_handle;

#define DCTS_MAX_ABOUT_LEN 200u

/* Loads path.  Returns 0, or -1 with "PATH: problem" in err. */
int dcts_load_backend(const char *path, double timeout_scale,
                      dcts_backend_handle *h, char *err, size_t errlen);

/* Takes the backend linked into the harness (entry() is trusted: it is
 * ours).  Returns 0, or -1 with a message in err. */
int dcts_use_embedded(const dc_backend *(*entry)(void),
                      dcts_backend_handle *h, char *err, size_t errlen);

/* dlcloses (if loaded) and frees; h becomes empty. */
void dcts_unload_backend(dcts_backend_handle *h);

/* Checks a descriptor: abi_version, struct_size, name, every operation.
 * Returns 0, or -1 with the problem (no path) in err.  Reads only fields
 * within the struct_size the backend declared. */
int dcts_validate_backend(const dc_backend *be, char *err, size_t errlen);

/* Makes the labels of hs[0..n-1] unique ("select", "select#2"). */
void dcts_label_backends(dcts_backend_handle *hs, size_t n);

/* True for the backend linked into the harness (the one that runs when no
 * backend is given). */
int dcts_backend_is_embedded(const dcts_backend_handle *h);

#endif /* DCTS_LOADER_H */
