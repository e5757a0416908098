/*
 * epoll.c: a backend built on epoll(7), level-triggered.
 *
 * The kernel keeps the interest list, so a pass costs in proportion to the
 * fds that are ready, not to those registered: epoll_wait hands back only
 * the ready ones, and every filter call is at most one epoll_ctl.  The
 * registry (backends/common) stays the authority on who holds which fd;
 * the kernel's list is kept in step with it.
 *
 * Each kernel entry carries a tag in epoll_event.data.u64: the fd in the
 * low 32 bits, the registration's generation in the high 32.  That matters
 * because epoll registers a *file*, not an fd number.  When the caller
 * closes an fd before socket_closed (legal, CLS-1) while a dup of the file
 * lives on (a forked child, a dup2), EPOLL_CTL_DEL can no longer name the
 * entry, and the kernel keeps reporting it.  Its tag then matches no
 * registration: the pass skips it (CLS-2, DSP-7), and since nothing but
 * closing the epoll fd removes such an entry, the backend rebuilds its
 * epoll fd from the registry so the orphan cannot make every wait return
 * at once (LIM-3: no spin).  Rebuilding costs O(registered), but only
 * happens after that sequence (close first, with a dup alive, then an
 * event on the orphan).  Orphans are only looked for while they can
 * exist: from an EPOLL_CTL_DEL the kernel refused, or a renewed
 * generation, until the next rebuild.
 *
 * One dispatch_once goes:
 *
 *   1. refuse nesting, check the timeout         (DSP-9, TMO-7; frame.h)
 *   2. epoll_wait, retrying after signals        (TMO-1..10; frame.h)
 *   3. if orphans can exist, look for them and rebuild   (LIM-3, DSP-3)
 *   4. walk the events, re-checking before each call     (deliver.h)
 *
 * The event buffer itself is the pass's snapshot: each event's tag names
 * the registration that was waited on (fd and generation), which is all
 * the re-check before each call needs (DSP-5..7).  The buffer belongs to
 * the context but cannot change under the pass: it is grown only before
 * the wait, and a nested dispatch_once is refused before it touches it
 * (DSP-9).
 *
 * Each rule of spec/CONTRACT.md is named beside the code that keeps it.
 */
#include "dispatch_context.h"
#include "array.h"
#include "deliver.h"
#include "frame.h"
#include "registry.h"
#include "timeout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

/* The native flags of each field, as in CONTRACT.md's model table (EVT-2,
 * EVT-9).  EPOLLRDHUP is part of R: it comes with the EPOLLIN of a peer's
 * shutdown and tells it apart from data. */
#define EPL_READ    ((unsigned long)(EPOLLIN | EPOLLPRI | EPOLLRDHUP))
#define EPL_WRITE   ((unsigned long)EPOLLOUT)
#define EPL_EXCEPT  ((unsigned long)(EPOLLERR | EPOLLHUP))
#define EPL_KNOWN   (EPL_READ | EPL_WRITE | EPL_EXCEPT)

/* The most events one epoll_wait may be asked for (the kernel refuses
 * more with EINVAL). */
#define EPL_MAX_EVENTS ((size_t)INT_MAX / sizeof(struct epoll_event))

struct dc_context {
    dcb_registry reg;               /* fd -> {target, flags, generation} */
    int epfd;                       /* ours: the one fd we close (CLS-7) */
    struct epoll_event *events;     /* epoll_wait's output, reused per wait */
    size_t nevents;                 /* its size: >= registrations at a wait */
    int may_hold_orphans;           /* the kernel may hold entries no
                                     * registration owns (see the top) */
    int in_dispatch;                /* DSP-9: a dispatch_once is running */
};

/* ---- tags ---------------------------------------------------------------- */

static uint64_t make_tag(int fd, unsigned generation)
{
    return (uint64_t)generation << 32 | (uint32_t)fd;
}

static int tag_fd(uint64_t tag)
{
    return (int)(uint32_t)tag;
}

static unsigned tag_generation(uint64_t tag)
{
    return (unsigned)(tag >> 32);
}

/* ---- the kernel's interest list ------------------------------------------ */

/* What reaches the kernel: the request bits only.  EPOLLERR and EPOLLHUP
 * are reported whatever the mask, so an E-only interest is added with
 * events 0 and still hears them (FLT-7).  No EPOLLET, no EPOLLONESHOT: the
 * contract is level-triggered (DSP-2). */
static uint32_t kernel_events(unsigned long flags)
{
    return (uint32_t)(flags & (EPL_READ | EPL_WRITE));
}

static int ctl(int epfd, int op, int fd, unsigned long flags, unsigned gen)
{
    struct epoll_event ev = { .events = kernel_events(flags) };

    ev.data.u64 = make_tag(fd, gen);
    return epoll_ctl(epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

/* Files fd's registration with the kernel by op (ADD or MOD).  One call,
 * except when the kernel's list disagrees with ours because an fd was
 * closed behind our back (LIM-3): MOD then finds no entry for the file now
 * on the fd (ENOENT: the number was reused) and ADD is right, under a new
 * generation; ADD finds one (EEXIST: the same file came back on the same
 * number while an old entry survived) and MOD is right. */
static int kernel_file(dc_context *ctx, int op, int fd)
{
    const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, fd);
    int rc = ctl(ctx->epfd, op, fd, reg->flags, reg->generation);

    if (rc == -ENOENT && op == EPOLL_CTL_MOD) {
        /* The old file may live on (a dup) under an entry tagged with this
         * generation: its events must not reach the target (CLS-2), nor
         * reach it twice in one pass beside the new file's (DSP-1). */
        unsigned gen = dcb_registry_renew(&ctx->reg, fd);
        ctx->may_hold_orphans = 1;
        rc = ctl(ctx->epfd, EPOLL_CTL_ADD, fd, reg->flags, gen);
    } else if (rc == -EEXIST && op == EPOLL_CTL_ADD) {
        rc = ctl(ctx->epfd, EPOLL_CTL_MOD, fd, reg->flags, reg->generation);
    }
    return rc;
}

/* FLT-1, CLS-1: drops fd's kernel entry.  EBADF (closed already) and ENOENT
 * (closed, number reused) are expected: if a dup still holds the old file,
 * its entry survives, and its stale tag is handled in the pass (see the
 * top of this file), which from now on looks for orphans. */
static void kernel_forget(dc_context *ctx, int fd)
{
    struct epoll_event unused = { 0 };  /* pre-2.6.9 kernels read it */

    if (epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, fd, &unused) != 0)
        ctx->may_hold_orphans = 1;
}

/* ---- interest ------------------------------------------------------------ */

static unsigned long epl_flags_for(int r, int w, int e)
{
    return (r ? EPL_READ : 0) | (w ? EPL_WRITE : 0) | (e ? EPL_EXCEPT : 0);
}

/* CLS-1..5: removal from the registry decides; the kernel follows.  Always
 * 0: an unknown fd, a second call, or an fd now held by another target are
 * "nothing to do" (CLS-4, CLS-5).  CLS-7: nothing is closed here. */
static int epl_socket_closed(dc_context *ctx, int fd, dc_target *o)
{
    if (dcb_registry_remove(&ctx->reg, fd, o))     /* o NULL: CLS-3 */
        kernel_forget(ctx, fd);
    return 0;
}

/* Registers, replaces (FLT-4) or changes (FLT-3) o's interest, then makes
 * the kernel agree with one epoll_ctl, or none when the kernel's part of
 * the interest is unchanged.  A new registration (ADDED, REPLACED) always
 * needs one, as its tag carries the new generation.  If the kernel refuses
 * (EBADF: fd closed; EPERM: a regular file; ENOMEM, ENOSPC), the registry
 * gets back exactly what it held, and the error is returned. */
static int epl_register(dc_context *ctx, dc_target *o, unsigned long flags)
{
    const dcb_reg *held = dcb_registry_lookup(&ctx->reg, o->fd);
    dcb_reg before = { 0 };

    if (held != NULL)
        before = *held;
    int rc = dcb_registry_set(&ctx->reg, o, flags);
    if (rc < 0)
        return rc;                  /* LIM-2, -ENOMEM: nothing changed */
    if (rc == DCB_REG_CHANGED &&
        kernel_events(flags) == kernel_events(before.flags))
        return 0;                   /* the kernel already has this */

    int err = kernel_file(ctx, rc == DCB_REG_ADDED ? EPOLL_CTL_ADD
                                                   : EPOLL_CTL_MOD, o->fd);
    if (err < 0)
        dcb_registry_restore(&ctx->reg, o->fd, &before);
    return err;
}

static const dcb_filter_ops epl_filter = {
    .known = EPL_KNOWN,
    .apply = epl_register,
    .remove = epl_socket_closed,
};

/* LIM-4, FLT-6 checked, then FLT-1's removal or the registration
 * (frame.h). */
static int epl_set_poll_dispatch_filter(dc_context *ctx, dc_target *o,
                                        unsigned long flags)
{
    return dcb_filter(ctx, o, flags, &epl_filter);
}

/* FLT-5: literally the native call with flags_for. */
static int epl_set_dispatch_filter(dc_context *ctx, dc_target *o,
                                   int r, int w, int e)
{
    return epl_set_poll_dispatch_filter(ctx, o, epl_flags_for(r, w, e));
}

/* ---- life ---------------------------------------------------------------- */

static int epl_create(dc_context **out)
{
    dc_context *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        return -ENOMEM;             /* *out left untouched */
    /* CLOEXEC: a program that execs must not leak our fd to its child. */
    ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ctx->epfd < 0) {
        int err = errno;
        free(ctx);
        return -err;                /* e.g. -EMFILE */
    }
    dcb_registry_init(&ctx->reg, 0);    /* LIM-1: epoll has no fd limit */
    *out = ctx;
    return 0;
}

/* CLS-6: our memory and our epoll fd; no target is called, and no caller fd
 * is closed (CLS-7).  Closing the epoll fd drops every kernel entry. */
static void epl_destroy(dc_context *ctx)
{
    if (ctx == NULL)
        return;
    close(ctx->epfd);
    dcb_registry_destroy(&ctx->reg);
    free(ctx->events);
    free(ctx);
}

/* ---- orphaned kernel entries --------------------------------------------- */

/* A fresh epoll fd holding exactly the registry: the only way to be rid of
 * an entry whose fd was closed while a dup keeps its file open.  An fd that
 * cannot be added again (closed behind our back, LIM-3) stays registered,
 * as it was in effect before, until its target calls socket_closed.
 * Returns 1 when the new epoll replaced the old one; 0 when it could not be
 * had (no fd or memory), and the old one is kept. */
static int rebuild_epoll(dc_context *ctx)
{
    int fresh = epoll_create1(EPOLL_CLOEXEC);

    if (fresh < 0)
        return 0;
    for (int fd = 0; fd < dcb_registry_end(&ctx->reg); fd++) {
        const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, fd);
        if (reg == NULL)
            continue;
        int rc = ctl(fresh, EPOLL_CTL_ADD, fd, reg->flags, reg->generation);
        if (rc == -ENOMEM || rc == -ENOSPC) {
            close(fresh);
            return 0;
        }
    }
    /* The new epoll takes the old one's number, which closes the old one
     * and the orphans with it.  Our fd number never changes, and the
     * number fresh borrowed (the lowest free one, often an fd the caller
     * just closed and means to reuse) is given back at once. */
    int rc = dup3(fresh, ctx->epfd, O_CLOEXEC);
    close(fresh);
    if (rc < 0)
        return 0;
    ctx->may_hold_orphans = 0;      /* every entry is a registration's now */
    return 1;
}

/* ---- the pass ------------------------------------------------------------ */

static int wait_epoll(void *arg, int timeout_ms)
{
    dc_context *ctx = arg;
    size_t max = ctx->nevents < EPL_MAX_EVENTS ? ctx->nevents : EPL_MAX_EVENTS;

    /* TMO-1: the timeout is >= 0 (frame.c), never -1. */
    return epoll_wait(ctx->epfd, ctx->events, (int)max, timeout_ms);
}

/* DSP-3: one wait must be able to return every registration at once, or
 * ready targets beyond the buffer would miss this pass.  So the buffer
 * holds as many events as there are registrations (doubling, so O(1)
 * amortised per registration).  A big buffer costs no time: epoll_wait
 * writes only the ready events. */
static int fit_events(dc_context *ctx)
{
    void *events = ctx->events;
    size_t count = dcb_registry_count(&ctx->reg);
    int rc = dcb_array_reserve(&events, &ctx->nevents,
                               count > 0 ? count : 1,   /* epoll_wait: >= 1 */
                               sizeof *ctx->events);

    ctx->events = events;
    return rc;                      /* -ENOMEM: nothing lost, nothing done */
}

/* One kernel event in the contract's form, as the wait reported it: the
 * fd and generation of its tag, so that the re-check skips it when the
 * registration it was made for is gone or replaced (DSP-6, DSP-7), and
 * always for an orphan (CLS-2).  EVT-9: exactly the kernel's bits, split
 * by field; EVT-1: a field is 0 when none of its bits is set; EVT-4: ERR
 * and HUP reach the target even without E interest. */
static dcb_ready kernel_ready(const struct epoll_event *k)
{
    dcb_ready ev = {
        .fd = tag_fd(k->data.u64),
        .generation = tag_generation(k->data.u64),
        .r = k->events & EPL_READ,
        .w = k->events & EPL_WRITE,
        .e = k->events & EPL_EXCEPT,
        .unasked = EPL_EXCEPT,
    };
    return ev;
}

/* The events among the first nready whose tag matches no registration:
 * orphans (see the top of this file).  Asked right after the wait, before
 * any callback can change the registry. */
static int count_orphans(const dc_context *ctx, int nready)
{
    int orphans = 0;

    for (int i = 0; i < nready; i++) {
        uint64_t tag = ctx->events[i].data.u64;
        const dcb_reg *reg = dcb_registry_lookup(&ctx->reg, tag_fd(tag));
        if (reg == NULL || reg->generation != tag_generation(tag))
            orphans++;
    }
    return orphans;
}

/* Waits until something registered is ready or the deadline passes.
 * Returns the number of events in ctx->events, 0 when nothing is ready,
 * or a negative errno (TMO-10: then the buffer is not read). */
static int wait_for_events(dc_context *ctx, const dcb_deadline *deadline)
{
    for (int rebuilt = 0;; rebuilt = 1) {
        int nready = fit_events(ctx);
        if (nready == 0)
            nready = dcb_wait_ms(deadline, wait_epoll, ctx);
        if (nready <= 0 || !ctx->may_hold_orphans)
            return nready;
        /* LIM-3: orphans would end every wait at once; be rid of them,
         * once per call, and wait again on the clean epoll fd.  What was
         * ready is still ready (level-triggered), so nothing is lost, and
         * orphans may have crowded ready events out of the buffer (DSP-3). */
        if (rebuilt || count_orphans(ctx, nready) == 0 || !rebuild_epoll(ctx))
            return nready;
    }
}

/* The pass over the events of the wait, in the order the kernel gave them:
 * re-check, call, stop at the first code to propagate (as dcb_run_pass
 * does over a snapshot).  DSP-1: one live tag per fd (kernel_file), so one
 * call per target with its fields combined. */
static int run_pass(const dc_context *ctx, int nready,
                    dc_error_handler handler, void *handler_arg)
{
    const struct epoll_event *events = ctx->events;    /* fixed in a pass */

    for (int i = 0; i < nready; i++) {
        dcb_ready ev = kernel_ready(&events[i]);
        dc_target *o = dcb_recheck(&ctx->reg, &ev);     /* DSP-5..7 */
        if (o == NULL)
            continue;
        int rc = dcb_deliver(o, &ev, handler, handler_arg);
        if (rc != 0)
            return rc;                  /* ERR-2/4/5: at once; ERR-7 */
    }
    return 0;
}

static int wait_and_dispatch(dc_context *ctx, double timeout,
                             dc_error_handler handler, void *handler_arg)
{
    dcb_deadline deadline = dcb_deadline_after(timeout);
    int n = wait_for_events(ctx, &deadline);

    if (n <= 0)
        return n;
    return run_pass(ctx, n, handler, handler_arg);
}

/* ABI-4: 0, a propagated positive code, or a negative errno. */
static int epl_dispatch_once(dc_context *ctx, const double *timeout_s,
                             dc_error_handler handler, void *handler_arg)
{
    /* DSP-9, TMO-7 first, then the wait and the pass (frame.h). */
    return dcb_dispatch_framed(ctx, &ctx->in_dispatch, timeout_s,
                               wait_and_dispatch, handler, handler_arg);
}

/* ---- the descriptor ------------------------------------------------------ */

static const dc_backend descriptor = {
    .abi_version = DC_ABI_VERSION,
    .struct_size = sizeof(dc_backend),
    .name = "epoll",
    .create = epl_create,
    .destroy = epl_destroy,
    .dispatch_once = epl_dispatch_once,
    .set_dispatch_filter = epl_set_dispatch_filter,
    .set_poll_dispatch_filter = epl_set_poll_dispatch_filter,
    .socket_closed = epl_socket_closed,
    .flags_for = epl_flags_for,
    .fd_limit = 0,                  /* LIM-1: any fd the process can open */
    .event_model = DC_MODEL_EPOLL,
    /* DSP-9: nesting is refused (no DC_CAP_REENTRANT).  LIM-3: epoll drops
     * an fd closed behind our back without a word, and this backend does
     * not look for one (DC_MODEL_EPOLL implies it; declared all the same). */
    .caps = DC_CAP_CLOSED_FD_SILENT,
};

DC_EXPORT_BACKEND(descriptor)
