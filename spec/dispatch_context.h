/*
 * dispatch_context.h: the C ABI of a dispatch context (dispatch-cts ABI v1).
 *
 * Every backend compiles against this header and exports one entry
 * function, dc_backend_v1(), returning a descriptor.  The clause ids in the
 * comments (ABI-1, ERR-2, ...) refer to spec/CONTRACT.md.
 *
 * Return-code space (ABI-4), chosen so the three sources never collide:
 *
 *     0            success
 *     < 0          the backend itself failed: a negated errno value
 *                  (-EINVAL, -EBADF, -ENOMEM, -ERANGE, -EBUSY, ...)
 *     > 0          a code raised by a target (returned by dispatch_event)
 *                  or by the error handler, propagated out of
 *                  dispatch_once unchanged
 *
 * Targets and handlers therefore return 0 or a positive code; a negative
 * return from them is a caller bug and its meaning is undefined.
 */
#ifndef DISPATCH_CONTEXT_H
#define DISPATCH_CONTEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DC_ABI_VERSION 1u

/* Name of the entry function a backend shared object exports (ABI-1). */
#define DC_ENTRY_SYMBOL "dc_backend_v1"

/* The two codes that are never given to the error handler and always
 * propagate (ERR-2): the C spelling of KeyboardInterrupt and SystemExit.
 * They are large so that ordinary application codes (1, 2, 3, ...) cannot
 * be mistaken for them. */
#define DC_INTERRUPT 0x40000001
#define DC_EXIT      0x40000002

/* A dispatch target.  Applications embed it (usually as the first member)
 * in their own connection or server structure.  fd is the key the backend
 * files the target under. */
typedef struct dc_target dc_target;
struct dc_target {
    int fd;
    /* Called at most once per dispatch_once (DSP-1) with the pending events
     * in the backend's native bits (EVT-1, EVT-2).  Returns 0, or a positive
     * code to "raise" (ERR-1). */
    int (*dispatch_event)(dc_target *self,
                          unsigned long r, unsigned long w, unsigned long e);
};

/* The error handler: called with a raised code that is neither DC_INTERRUPT
 * nor DC_EXIT (ERR-3).  Returns 0 when it handled the error, so the pass
 * goes on (ERR-6); any other value propagates out of dispatch_once at once,
 * like a further exception raised in the handler (ERR-5). */
typedef int (*dc_error_handler)(void *arg, dc_target *o, int code);

/* A backend's private state; opaque to callers. */
typedef struct dc_context dc_context;

/* Event models: which native bits a backend reports, so that cases accept
 * the documented form of each condition (spec/CONTRACT.md, "Event forms"). */
enum dc_event_model {
    DC_MODEL_OTHER  = 0,  /* none of the below: cases accept any field */
    DC_MODEL_SELECT = 1,  /* three sets; urgent data in E, hangups in R/W */
    DC_MODEL_POLL   = 2,  /* poll(2) revents bits */
    DC_MODEL_EPOLL  = 3   /* epoll_wait(2) event bits */
};

/* Optional capabilities (see "Optional capabilities" in CONTRACT.md). */
#define DC_CAP_REENTRANT 0x1u /* dispatch_once may be nested in a callback */
/* The mechanism drops an fd closed behind the backend's back without
 * reporting it (epoll, and engines on it), so its target may never be told
 * (LIM-3); implied by DC_MODEL_EPOLL and DC_MODEL_OTHER. */
#define DC_CAP_CLOSED_FD_SILENT 0x2u
/* The backend allocates through a runtime's own allocator (an embedded
 * interpreter's arenas), which the harness cannot make fail one call at a
 * time: the allocation-failure cases of ABI-5 SKIP and say so. */
#define DC_CAP_OWN_ALLOCATOR 0x4u

typedef struct dc_backend {
    unsigned abi_version;   /* DC_ABI_VERSION */
    size_t struct_size;     /* sizeof(dc_backend) as the backend saw it */
    const char *name;       /* short, e.g. "select" */

    /* Makes a new, empty context in *out.  Returns 0 or a negative errno. */
    int (*create)(dc_context **out);
    /* Frees everything; calls no target and closes no caller fd (CLS-6). */
    void (*destroy)(dc_context *ctx);

    /* One wait and one pass of calls (TMO-*, EVT-*, DSP-*, ERR-*).
     * timeout_seconds: NULL means None (never block, TMO-1); otherwise the
     * longest wait in seconds.  handler may be NULL. */
    int (*dispatch_once)(dc_context *ctx, const double *timeout_seconds,
                         dc_error_handler handler, void *handler_arg);
    /* Interest of o (FLT-*); all three zero removes o (FLT-1). */
    int (*set_dispatch_filter)(dc_context *ctx, dc_target *o,
                               int r, int w, int e);
    /* Interest in native flags; 0 removes o (FLT-5, FLT-6). */
    int (*set_poll_dispatch_filter)(dc_context *ctx, dc_target *o,
                                    unsigned long flags);
    /* o's socket is (being) closed; o may be NULL (CLS-*). */
    int (*socket_closed)(dc_context *ctx, int fd, dc_target *o);

    /* The native flags that express an (r, w, e) interest (FLT-5, ABI-2). */
    unsigned long (*flags_for)(int r, int w, int e);

    /* Declarations the harness reads (optional capabilities). */
    int fd_limit;           /* registrations of fd >= fd_limit are refused
                             * (LIM-1); 0 when the backend declares none */
    unsigned event_model;   /* enum dc_event_model */
    unsigned caps;          /* DC_CAP_* bits */
} dc_backend;

/* The entry function every backend exports (ABI-1). */
const dc_backend *dc_backend_v1(void);

/* Convenience for backend authors: DC_EXPORT_BACKEND(my_descriptor) defines
 * the entry function.  Building with -DDC_ENTRY_NAME=other_name renames it,
 * which is how the harness embeds its default backend. */
#ifndef DC_ENTRY_NAME
#define DC_ENTRY_NAME dc_backend_v1
#endif
#define DC_EXPORT_BACKEND(descriptor)                                      \
    __attribute__((visibility("default"))) const dc_backend *DC_ENTRY_NAME(void); \
    __attribute__((visibility("default"))) const dc_backend *DC_ENTRY_NAME(void) \
    { return &(descriptor); }

/* Optional: a second entry function describing what the backend runs on,
 * for reports only (it changes no behaviour and no case reads it).  An
 * adapter over an event library returns one line read from the library
 * at run time, e.g. "libevent 2.1.12-stable, method epoll".  The string
 * stays valid for the life of the process.  DC_EXPORT_ABOUT(fn) defines it
 * as a call of fn, a `const char *fn(void)`. */
#define DC_ABOUT_SYMBOL "dc_backend_about_v1"
#define DC_EXPORT_ABOUT(fn)                                                \
    __attribute__((visibility("default"))) const char *dc_backend_about_v1(void); \
    __attribute__((visibility("default"))) const char *dc_backend_about_v1(void) \
    { return (fn)(); }

#ifdef __cplusplus
}
#endif

#endif /* DISPATCH_CONTEXT_H */
