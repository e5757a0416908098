/*
 * loader.h: finding, probing and validating backends.
 *
 * No backend code runs in the harness process.  dcts_load_backend loads
 * the shared object and calls its entry function (and its optional
 * DC_ABOUT_SYMBOL) in a child process (dcts_proc, with a watchdog of 5 s
 * times the timeout scale); the child sends back a copy of what it found,
 * a dcts_backend_info, and the harness validates that copy.  Each case
 * process loads the backend again by itself (dcts_backend_attach) and
 * checks that its descriptor says what the probed one said.  Every
 * refusal is one line: "PATH: what is wrong".
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
/* The about text is cut to one cleaned line of at most this many bytes;
 * the probe copies at most DCTS_ABOUT_COPY raw bytes of it. */
#define DCTS_MAX_ABOUT_LEN 200u
#define DCTS_ABOUT_COPY 1024u

/* Bits of dcts_backend_info.ops: which operations are not NULL. */
enum {
    DCTS_OP_CREATE = 1u << 0, DCTS_OP_DESTROY = 1u << 1,
    DCTS_OP_DISPATCH_ONCE = 1u << 2, DCTS_OP_SET_DISPATCH_FILTER = 1u << 3,
    DCTS_OP_SET_POLL_DISPATCH_FILTER = 1u << 4,
    DCTS_OP_SOCKET_CLOSED = 1u << 5, DCTS_OP_FLAGS_FOR = 1u << 6,
    DCTS_OP_ALL = (1u << 7) - 1
};

/* A copy of a descriptor: plain data, no pointer into backend memory.
 * Only fields within the struct_size the backend declared are read. */
typedef struct dcts_backend_info {
    int found;                  /* the entry function returned non-NULL */
    unsigned abi_version;
    size_t struct_size;
    int has_name;               /* name was not NULL */
    size_t name_len;            /* strnlen(name, DCTS_MAX_NAME_LEN + 1) */
    char name[DCTS_MAX_NAME_LEN + 2];
    unsigned ops;               /* DCTS_OP_* */
    int fd_limit;
    unsigned event_model;
    unsigned caps;
    int has_about;              /* DC_ABOUT_SYMBOL exists, returned text */
    char about[DCTS_ABOUT_COPY + 1];    /* raw, NUL-terminated */
} dcts_backend_info;

typedef struct dcts_backend_handle {
    dcts_backend_info info;     /* the validated copy: what the harness uses */
    const dc_backend *be;       /* the live descriptor, only in a process
                                 * that loaded the backend (a case process,
                                 * --no-fork, the bench) or for the embedded
                                 * backend; NULL in the harness otherwise */
    const dc_backend *(*embedded)(void);    /* the embedded entry, or NULL */
    void *dl;                   /* dlopen handle, where attached */
    char *path;                 /* the path loaded ("./x.so" for "x.so");
                                 * NULL for the embedded backend */
    char *named;                /* how the user named it when that is not
                                 * a path (python:SPEC), for reports and
                                 * rerun hints; NULL otherwise */
    char *label;                /* the name reports use (info.name, or
                                 * "name#2" when two backends share a name) */
    char *about;                /* what it runs on (one cleaned line of at
                                 * most DCTS_MAX_ABOUT_LEN bytes), or NULL */
} dcts_backend_handle;

/* Probes path in a child and validates the copy it sends.  Returns 0, or
 * -1 with "PATH: problem" in err.  Runs no backend code here. */
int dcts_load_backend(const char *path, double timeout_scale,
                      dcts_backend_handle *h, char *err, size_t errlen);

/* Takes the backend linked into the harness (entry() is trusted: it is
 * ours).  Returns 0, or -1 with a message in err. */
int dcts_use_embedded(const dc_backend *(*entry)(void),
                      dcts_backend_handle *h, char *err, size_t errlen);

/* Loads the backend of h into this process (a no-op for the embedded
 * one, or when already attached) and checks that the descriptor it gets
 * says what the validated copy says: h->be is then live.  In the harness
 * only with --no-fork and for the bench.  Returns 0, or -1 with the
 * problem (no path) in err. */
int dcts_backend_attach(dcts_backend_handle *h, char *err, size_t errlen);
/* The same for a case process: first gives up privileges when the
 * harness drops them (proc.h), even for the embedded backend. */
int dcts_backend_attach_unprivileged(dcts_backend_handle *h, char *err,
                                     size_t errlen);

/* dlcloses (if attached) and frees; h becomes empty. */
void dcts_unload_backend(dcts_backend_handle *h);

/* Copies what be declares into info (be may be NULL: info.found 0). */
void dcts_backend_info_of(const dc_backend *be, dcts_backend_info *info);

/* Checks a copy: abi_version, struct_size, name, every operation.
 * Returns 0, or -1 with the problem (no path) in err. */
int dcts_validate_info(const dcts_backend_info *info, char *err,
                       size_t errlen);

/* dcts_backend_info_of + dcts_validate_info. */
int dcts_validate_backend(const dc_backend *be, char *err, size_t errlen);

/* Makes the labels of hs[0..n-1] unique ("select", "select#2"). */
void dcts_label_backends(dcts_backend_handle *hs, size_t n);

/* True for the backend linked into the harness (the one that runs when no
 * backend is given). */
int dcts_backend_is_embedded(const dcts_backend_handle *h);

#endif /* DCTS_LOADER_H */
