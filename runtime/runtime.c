/*
 * runtime.c: runs one case in the current process.
 *
 * dcts_execute creates a fresh context, runs the case, destroys the
 * context and releases everything the case asked for (fds, threads,
 * probes, timers, peer processes, a temporary directory), whichever way
 * the case ended.  A failure or skip jumps back here with longjmp, so
 * the case's own code never has to unwind.
 *
 * One case runs at a time in a process (the harness forks one child per
 * case), so the runtime's state is a single static instance.
 */
#include "runtime.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dcts_runtime dcts_rt;

static jmp_buf case_exit;

/* Ends the running case with status; the reason is already written. */
__attribute__((noreturn))
static void end_case(dcts_status status)
{
    dcts_rt.outcome = status;
    longjmp(case_exit, 1);
}

#define END_CASE(status, fmt)                                              \
    do {                                                                   \
        va_list ap;                                                        \
        va_start(ap, fmt);                                                 \
        vsnprintf(dcts_rt.reason, sizeof dcts_rt.reason, fmt, ap);           \
        va_end(ap);                                                        \
        (void)t;                                                           \
        end_case(status);                                                  \
    } while (0)

void dcts_fail(dcts_t *t, const char *fmt, ...)
{
    END_CASE(DCTS_FAIL, fmt);
}

void dcts_skip(dcts_t *t, const char *fmt, ...)
{
    END_CASE(DCTS_SKIP, fmt);
}

/* A SKIP too; a name of its own so that a case says whose fault it is
 * (dcts.h). */
void dcts_harness_skip(dcts_t *t, const char *fmt, ...)
{
    END_CASE(DCTS_SKIP, fmt);
}

static int skip_declared;

void dcts_skip_declared(dcts_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dcts_rt.reason, sizeof dcts_rt.reason, fmt, ap);
    va_end(ap);
    dcts_rt.outcome = DCTS_SKIP;
    skip_declared = 1;
    (void)t;
    longjmp(case_exit, 1);
}

/* True when the case just run ended with SKIP_DECLARED. */
static int skip_is_declared(void)
{
    return skip_declared && dcts_rt.outcome == DCTS_SKIP;
}

const char *dcts_status_name(dcts_status s)
{
    static const char *const names[] = {
        [DCTS_PASS] = "PASS", [DCTS_FAIL] = "FAIL", [DCTS_WARN] = "WARN",
        [DCTS_SKIP] = "SKIP", [DCTS_TIMEOUT] = "TIMEOUT", [DCTS_CRASH] = "CRASH",
        [DCTS_NOTRUN] = "NOTRUN",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int dcts_status_is_failure(dcts_status s)
{
    /* NOTRUN too: a case that never ran proves nothing. */
    return s == DCTS_FAIL || s == DCTS_TIMEOUT || s == DCTS_CRASH ||
           s == DCTS_NOTRUN;
}

const char *dcts_code_name(long code)
{
    static char ring[4][48];
    static unsigned next;
    char *buf = ring[next++ % 4];

    if (code == DC_INTERRUPT)
        return "DC_INTERRUPT";
    if (code == DC_EXIT)
        return "DC_EXIT";
    if (code < 0 && code > -4096) {
        const char *name = strerrorname_np((int)-code);
        if (name) {
            snprintf(buf, 48, "-%s", name);
            return buf;
        }
    }
    snprintf(buf, 48, "%ld", code);
    return buf;
}

/* ---- the checks every case gets for free ---------------------------------- */

/* A call on a freed probe, or two calls to one probe in one pass, breaks
 * the contract whatever the case was about, so any case reports it. */
static void universal_checks(dcts_t *t)
{
    if (dcts_rt.use_after_free)
        dcts_fail(t, "expected: no dispatch_event on a target after it was "
                  "removed and freed (DSP-6); observed: %d such call(s)",
                  dcts_rt.use_after_free);
    if (dcts_rt.double_calls)
        dcts_fail(t, "expected: at most one dispatch_event per target per "
                  "dispatch_once (DSP-1); observed: %d extra call(s)",
                  dcts_rt.double_calls);
    if (dcts_rt.calls_in_destroy)
        dcts_fail(t, "expected: destroy calls no target (CLS-6); "
                  "observed: %d call(s) during destroy",
                  dcts_rt.calls_in_destroy);
}

/* ---- state ------------------------------------------------------------- */

/* The clean-ups the modules registered for the running case, by stage.
 * A fixed table: registering must not allocate (runtime.h). */
#define MAX_CLEANUPS 8
static struct {
    void (*fn[MAX_CLEANUPS])(void);
    size_t n;
} cleanups[DCTS_CLEANUP_STAGES];

void dcts_add_cleanup(dcts_cleanup_stage stage, void (*fn)(void))
{
    if (!dcts_rt.current || stage >= DCTS_CLEANUP_STAGES)
        return;
    for (size_t i = 0; i < cleanups[stage].n; i++)
        if (cleanups[stage].fn[i] == fn)
            return;
    if (cleanups[stage].n == MAX_CLEANUPS)
        abort();                /* a runtime bug: a new module, a small table */
    cleanups[stage].fn[cleanups[stage].n++] = fn;
}

void *dcts_grow(void *items, size_t *cap, size_t count, size_t elem,
                size_t first)
{
    if (count < *cap)
        return items;
    size_t n = *cap ? *cap * 2 : first;
    void *grown = realloc(items, n * elem);
    if (grown)
        *cap = n;
    return grown;
}

static void runtime_reset(dcts_t *t)
{
    memset(&dcts_rt, 0, sizeof dcts_rt);
    memset(cleanups, 0, sizeof cleanups);
    dcts_trace_clear(t);
    dcts_rt.current = t;
}

/* Every clean-up, stage by stage, the last registered first. */
static void runtime_release(void)
{
    for (int s = 0; s < DCTS_CLEANUP_STAGES; s++)
        while (cleanups[s].n > 0)
            cleanups[s].fn[--cleanups[s].n]();
}

/* ---- running ------------------------------------------------------------- */

static void release_context(dcts_t *t)
{
    if (t->ctx) {
        dc_context *ctx = t->ctx;
        t->ctx = NULL;          /* a crash in destroy must not destroy twice */
        dcts_rt.destroying = 1;
        t->be->destroy(ctx);
        dcts_rt.destroying = 0;
    }
}

dcts_status dcts_execute(const dcts_case *c, const dc_backend *be,
                         double timeout_scale, dcts_outcome *out)
{
    static dcts_t t;            /* static: it must survive the longjmp */

    memset(&t, 0, sizeof t);
    skip_declared = 0;
    t.c = c;
    t.be = be;
    t.scale = timeout_scale > 0 ? timeout_scale : 1.0;
    runtime_reset(&t);
    dcts_rt.outcome = DCTS_PASS;

    if (setjmp(case_exit) == 0) {
        int rc = be->create(&t.ctx);
        if (rc != 0 || t.ctx == NULL) {
            const char *made = t.ctx ? "set" : "NULL";
            t.ctx = NULL;
            dcts_fail(&t, "expected: create returns 0 and a context; "
                      "observed: %s, context %s", dcts_code_name(rc), made);
        }
        c->run(&t);
        universal_checks(&t);
        release_context(&t);
        universal_checks(&t);   /* CLS-6: destroy calls no target */
    }
    /* A failure may have jumped out of the middle of anything. */
    if (dcts_rt.outcome != DCTS_PASS && setjmp(case_exit) == 0)
        release_context(&t);
    runtime_release();

    dcts_status s = dcts_rt.outcome;
    if (s == DCTS_FAIL && dcts_case_level(c) == DCTS_SHOULD)
        s = DCTS_WARN;
    /* The parts only: the harness composes the message (runner.c). */
    out->status = s;
    out->skip_declared = skip_is_declared();
    out->reason = s == DCTS_PASS ? "" : dcts_rt.reason;
    out->calls = s == DCTS_FAIL || s == DCTS_WARN ? dcts_trace_text(NULL) : "";
    return s;
}
