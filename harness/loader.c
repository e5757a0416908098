/*
 * loader.c: probe in a child, validate the copy, attach in case
 * processes.  See loader.h.
 */
#include "loader.h"
#include "proc.h"
#include "text.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether the member of dc_backend at offset off, of size sz, lies within
 * the struct_size the backend declared. */
#define WITHIN(be, member) \
    (offsetof(dc_backend, member) + sizeof((be)->member) <= (be)->struct_size)

void dcts_backend_info_of(const dc_backend *be, dcts_backend_info *info)
{
    memset(info, 0, sizeof *info);
    if (!be)
        return;
    info->found = 1;
    info->abi_version = be->abi_version;
    info->struct_size = be->struct_size;
    /* A descriptor too small or too large is refused on those grounds
     * alone: nothing past its declared end is read. */
    if (be->abi_version != DC_ABI_VERSION ||
        be->struct_size < sizeof(dc_backend) ||
        be->struct_size > DCTS_MAX_STRUCT_SIZE)
        return;
    if (be->name) {
        info->has_name = 1;
        info->name_len = strnlen(be->name, DCTS_MAX_NAME_LEN + 1);
        memcpy(info->name, be->name, info->name_len);
    }
    const struct { unsigned bit; int set; } ops[] = {
        { DCTS_OP_CREATE, be->create != NULL },
        { DCTS_OP_DESTROY, be->destroy != NULL },
        { DCTS_OP_DISPATCH_ONCE, be->dispatch_once != NULL },
        { DCTS_OP_SET_DISPATCH_FILTER, be->set_dispatch_filter != NULL },
        { DCTS_OP_SET_POLL_DISPATCH_FILTER,
          be->set_poll_dispatch_filter != NULL },
        { DCTS_OP_SOCKET_CLOSED, be->socket_closed != NULL },
        { DCTS_OP_FLAGS_FOR, be->flags_for != NULL },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].set)
            info->ops |= ops[i].bit;
    if (WITHIN(be, caps)) {
        info->fd_limit = be->fd_limit;
        info->event_model = be->event_model;
        info->caps = be->caps;
    }
}

int dcts_validate_info(const dcts_backend_info *info, char *err,
                       size_t errlen)
{
    if (!info->found) {
        snprintf(err, errlen, "%s() returned NULL", DC_ENTRY_SYMBOL);
        return -1;
    }
    if (info->abi_version != DC_ABI_VERSION) {
        snprintf(err, errlen, "ABI version %u, but dispatch-cts speaks "
                 "version %u", info->abi_version, DC_ABI_VERSION);
        return -1;
    }
    if (info->struct_size < sizeof(dc_backend)) {
        snprintf(err, errlen, "struct_size %zu is smaller than "
                 "sizeof(dc_backend) = %zu (built against another header?)",
                 info->struct_size, sizeof(dc_backend));
        return -1;
    }
    if (info->struct_size > DCTS_MAX_STRUCT_SIZE) {
        snprintf(err, errlen, "struct_size %zu is absurdly large "
                 "(more than %u bytes)", info->struct_size,
                 DCTS_MAX_STRUCT_SIZE);
        return -1;
    }
    if (!info->has_name) {
        snprintf(err, errlen, "the descriptor's name is NULL");
        return -1;
    }
    size_t len = strnlen(info->name, DCTS_MAX_NAME_LEN + 1);
    if (len != info->name_len || len == 0 || len > DCTS_MAX_NAME_LEN) {
        snprintf(err, errlen, "the descriptor's name is %s",
                 len == 0 ? "empty" : len > DCTS_MAX_NAME_LEN
                 ? "longer than 64 bytes" : "malformed");
        return -1;
    }
    static const char *const names[] = {
        "create", "destroy", "dispatch_once", "set_dispatch_filter",
        "set_poll_dispatch_filter", "socket_closed", "flags_for",
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!(info->ops & (1u << i))) {
            snprintf(err, errlen, "operation %s is NULL", names[i]);
            return -1;
        }
    if (info->has_about &&
        strnlen(info->about, sizeof info->about) >= sizeof info->about) {
        snprintf(err, errlen, "its %s() text is malformed", DC_ABOUT_SYMBOL);
        return -1;
    }
    return 0;
}

int dcts_validate_backend(const dc_backend *be, char *err, size_t errlen)
{
    dcts_backend_info info;
    dcts_backend_info_of(be, &info);
    return dcts_validate_info(&info, err, errlen);
}

/* dlopen + dlsym, here and now.  Returns the handle and sets *entry, or
 * NULL with the problem in err. */
static void *open_entry(const char *path, const dc_backend *(**entry)(void),
                        char *err, size_t errlen)
{
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, errlen, "cannot be loaded as a shared object: %s",
                 e ? e : "unknown dlopen error");
        return NULL;
    }
    dlerror();
    void *sym = dlsym(h, DC_ENTRY_SYMBOL);
    if (!sym) {
        snprintf(err, errlen, "does not export the entry function %s()",
                 DC_ENTRY_SYMBOL);
        dlclose(h);
        return NULL;
    }
    memcpy(entry, &sym, sizeof *entry);     /* object to function pointer */
    return h;
}

/* Gives up privileges (when the harness drops them, proc.h), then
 * dlopens path: through a descriptor opened before, so that a file the
 * unprivileged user could not reach is still loaded. */
static void *open_unprivileged(const char *path,
                               const dc_backend *(**entry)(void),
                               char *err, size_t errlen)
{
    char byfd[64];
    int fd = -1;

    if (dcts_proc_dropping()) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "cannot be opened: %s", strerror(errno));
            return NULL;
        }
        snprintf(byfd, sizeof byfd, "/proc/self/fd/%d", fd);
        path = byfd;
    }
    void *dl = NULL;
    if (dcts_proc_drop_privileges(err, errlen) == 0)
        dl = open_entry(path, entry, err, errlen);
    if (fd >= 0)
        close(fd);
    return dl;
}

/* The backend's optional description (DC_ABOUT_SYMBOL), copied raw. */
static void copy_about(void *dl, dcts_backend_info *info)
{
    typedef const char *(*about_fn)(void);
    void *sym = dlsym(dl, DC_ABOUT_SYMBOL);
    about_fn about;

    if (!sym)
        return;
    memcpy(&about, &sym, sizeof about);     /* object to function pointer */
    const char *text = about();
    if (!text || !*text)
        return;
    info->has_about = 1;
    memcpy(info->about, text, strnlen(text, DCTS_ABOUT_COPY));
}

/* What the probing child sends back, in one frame (proc.h): a copy,
 * never a pointer. */
enum { PROBE_REPORT = 1 };
struct probe_report {
    int loaded;                     /* dlopen and dlsym worked */
    char msg[480];                  /* else why not */
    dcts_backend_info info;
};
static const dcts_frame_rule probe_rules[] = {
    { PROBE_REPORT, "report", sizeof(struct probe_report),
      sizeof(struct probe_report), 1 },
};

static void probe_child(void *arg, int res_fd)
{
    static struct probe_report rep;
    const dc_backend *(*entry)(void);

    memset(&rep, 0, sizeof rep);
    void *dl = open_unprivileged(arg, &entry, rep.msg, sizeof rep.msg);
    if (dl) {
        rep.loaded = 1;
        dcts_backend_info_of(entry(), &rep.info);
        copy_about(dl, &rep.info);  /* here too: a crash in it is caught */
    }
    if (dcts_proc_send(res_fd, PROBE_REPORT, &rep, sizeof rep) != 0 ||
        dcts_proc_send_end(res_fd) != 0)
        _exit(DCTS_EXIT_RESULT_LOST);
    close(res_fd);
    _exit(0);                       /* no destructors, no atexit */
}

/* Runs the probe; 0 with *info filled when the child could report, else
 * -1 with the problem in err. */
static int probe(const char *path, double scale, dcts_backend_info *info,
                 char *err, size_t errlen)
{
    dcts_proc p;
    char why[160];
    double budget = DCTS_ENTRY_BUDGET_S * scale;

    if (dcts_proc_spawn(&p, 0, dcts_frames_max(probe_rules, 1), NULL, 0,
                        probe_child, (void *)path, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot start a process to probe it: %s", why);
        return -1;
    }
    p.deadline = p.start + budget;
    dcts_proc *const list[1] = { &p };
    while (!dcts_proc_done(&p))
        if (dcts_proc_step(list, 1, -1) != 0) {
            dcts_proc_release(&p);
            snprintf(err, errlen, "interrupted while probing it");
            return -1;
        }

    int rc = -1;
    struct probe_report *rep = dcts_xmalloc(sizeof *rep);
    dcts_frame got;
    dcts_frames_status sent = dcts_proc_frames(&p, probe_rules, 1, &got,
                                               "probe report", why,
                                               sizeof why);
    if (p.timed_out) {
        snprintf(err, errlen, "loading it and calling %s() did not finish "
                 "within %.1f s (timeout scale %g); a hanging constructor or "
                 "entry function?", DC_ENTRY_SYMBOL, budget, scale);
    } else if (WIFSIGNALED(p.wstatus)) {
        dcts_describe_wait_status(p.wstatus, why, sizeof why);
        snprintf(err, errlen, "loading it and calling %s() crashed: the "
                 "probing process was %s", DC_ENTRY_SYMBOL, why);
    } else if (WIFEXITED(p.wstatus) &&
               WEXITSTATUS(p.wstatus) == DCTS_EXIT_RESULT_LOST &&
               sent != DCTS_FRAMES_OK) {
        snprintf(err, errlen, "the process probing it could not send its "
                 "report: its result descriptor, fd %d or above, was closed "
                 "or replaced (by a constructor?)", DCTS_RESULT_FD_MIN);
    } else if (!WIFEXITED(p.wstatus) || WEXITSTATUS(p.wstatus) != 0 ||
               sent == DCTS_FRAMES_NONE || sent == DCTS_FRAMES_TRUNCATED) {
        dcts_describe_wait_status(p.wstatus, why, sizeof why);
        snprintf(err, errlen, "the process probing it %s without reporting "
                 "(did a constructor or %s() call exit()?)", why,
                 DC_ENTRY_SYMBOL);
    } else if (sent != DCTS_FRAMES_OK) {
        snprintf(err, errlen, "the process probing it sent garbage");
    } else {
        memcpy(rep, got.data, sizeof *rep);
        rep->msg[sizeof rep->msg - 1] = '\0';
        rep->info.name[sizeof rep->info.name - 1] = '\0';
        if (!rep->loaded) {
            snprintf(err, errlen, "%s", rep->msg);
        } else {
            *info = rep->info;
            rc = 0;
        }
    }
    free(rep);
    dcts_proc_release(&p);
    dcts_proc_sweep();      /* what a constructor started: gone with it */
    return rc;
}

/* A name without a slash: "x.so" -> "./x.so" when it is a file here (so
 * dlopen does not search the library path); otherwise the backend of that
 * name installed beside this program, as it or as NAME.so: in
 * BINDIR/../lib/dispatch-cts/backends (make install, pkg-config's
 * backenddir) or, in a build tree, BINDIR/backends.  Found relative to
 * the program itself, so an installed tree can move.  Not found: "./x",
 * whose load error names it.  (No backend code runs in the harness, so
 * the working directory the case processes inherit is the one the path
 * was given in.) */
static char *resolve(const char *path)
{
    if (strchr(path, '/'))
        return dcts_xstrdup(path);
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_puts(&b, "./");
    dcts_buf_puts(&b, path);
    if (access(dcts_buf_str(&b), F_OK) == 0)
        return dcts_buf_take(&b);

    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const dirs[] = {
            "/../lib/dispatch-cts/backends/", "/backends/"
        };
        static const char *const suffixes[] = { "", ".so" };
        for (size_t d = 0; d < 2; d++)
            for (size_t x = 0; x < 2; x++) {
                dcts_buf c = DCTS_BUF_INIT;
                dcts_buf_printf(&c, "%s%s%s%s", exe, dirs[d], path,
                                suffixes[x]);
                if (access(dcts_buf_str(&c), F_OK) == 0) {
                    dcts_buf_free(&b);
                    return dcts_buf_take(&c);
                }
                dcts_buf_free(&c);
            }
    }
    return dcts_buf_take(&b);
}

static int refuse(char *err, size_t errlen, const char *path,
                  const char *problem)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_clean(&b, path, 0);
    dcts_buf_puts(&b, ": ");
    dcts_buf_add_clean(&b, problem, 0);
    snprintf(err, errlen, "%s", dcts_buf_str(&b));
    dcts_buf_free(&b);
    return -1;
}

/* The about text of a validated copy, as reports show it. */
static char *clean_about(const dcts_backend_info *info)
{
    if (!info->has_about)
        return NULL;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_first_line(&b, info->about, DCTS_MAX_ABOUT_LEN);
    return dcts_buf_take(&b);
}

int dcts_load_backend(const char *path, double timeout_scale,
                      dcts_backend_handle *h, char *err, size_t errlen)
{
    struct stat st;
    char problem[512];

    memset(h, 0, sizeof *h);
    char *full = resolve(path);
    if (stat(full, &st) != 0) {
        snprintf(problem, sizeof problem, "%s", errno == ENOENT
                 ? (strchr(path, '/') ? "no such file"
                    : "no such file here, nor an installed backend of "
                      "that name")
                 : strerror(errno));
        free(full);
        return refuse(err, errlen, path, problem);
    }
    if (S_ISDIR(st.st_mode)) {
        free(full);
        return refuse(err, errlen, path, "is a directory, not a shared "
                      "object");
    }
    dcts_backend_info *info = dcts_xmalloc(sizeof *info);
    if (probe(full, timeout_scale, info, problem, sizeof problem) != 0 ||
        dcts_validate_info(info, problem, sizeof problem) != 0) {
        free(info);
        free(full);
        memset(h, 0, sizeof *h);
        return refuse(err, errlen, path, problem);
    }
    h->info = *info;
    free(info);
    h->path = full;
    h->label = dcts_xstrdup(h->info.name);
    h->about = clean_about(&h->info);
    return 0;
}

int dcts_use_embedded(const dc_backend *(*entry)(void),
                      dcts_backend_handle *h, char *err, size_t errlen)
{
    char problem[512];
    memset(h, 0, sizeof *h);
    const dc_backend *be = entry ? entry() : NULL;
    dcts_backend_info_of(be, &h->info);
    if (dcts_validate_info(&h->info, problem, sizeof problem) != 0) {
        memset(h, 0, sizeof *h);
        return refuse(err, errlen, "(embedded backend)", problem);
    }
    h->be = be;
    h->embedded = entry;
    h->label = dcts_xstrdup(h->info.name);
    return 0;
}

/* What differs between the probed copy and a descriptor got later, or
 * NULL when they agree. */
static const char *differs(const dcts_backend_info *a,
                           const dcts_backend_info *b)
{
    if (a->found != b->found || a->abi_version != b->abi_version ||
        a->struct_size != b->struct_size)
        return "its ABI version or struct_size";
    if (a->has_name != b->has_name || a->name_len != b->name_len ||
        memcmp(a->name, b->name, a->name_len) != 0)
        return "its name";
    if (a->ops != b->ops)
        return "which operations it has";
    if (a->fd_limit != b->fd_limit)
        return "its fd_limit";
    if (a->event_model != b->event_model)
        return "its event model";
    if (a->caps != b->caps)
        return "its caps";
    return NULL;
}

/* Checks the descriptor entry() returns against the probed copy. */
static int attach_checked(dcts_backend_handle *h, void *dl,
                          const dc_backend *(*entry)(void), char *err,
                          size_t errlen)
{
    const dc_backend *be = entry();
    dcts_backend_info now;
    dcts_backend_info_of(be, &now);
    const char *what = differs(&h->info, &now);
    if (what) {
        snprintf(err, errlen, "loaded again, %s() returned a descriptor "
                 "that differs from the one probed and validated in %s "
                 "(ABI-1)", DC_ENTRY_SYMBOL, what);
        dlclose(dl);
        return -1;
    }
    h->dl = dl;
    h->be = be;
    return 0;
}

int dcts_backend_attach(dcts_backend_handle *h, char *err, size_t errlen)
{
    const dc_backend *(*entry)(void);

    if (h->be)
        return 0;
    if (!h->path) {
        snprintf(err, errlen, "no backend to load");
        return -1;
    }
    void *dl = open_entry(h->path, &entry, err, errlen);
    return dl ? attach_checked(h, dl, entry, err, errlen) : -1;
}

int dcts_backend_attach_unprivileged(dcts_backend_handle *h, char *err,
                                     size_t errlen)
{
    const dc_backend *(*entry)(void);

    if (h->be)          /* the embedded backend: ours, only drop */
        return dcts_proc_drop_privileges(err, errlen);
    if (!h->path) {
        snprintf(err, errlen, "no backend to load");
        return -1;
    }
    void *dl = open_unprivileged(h->path, &entry, err, errlen);
    return dl ? attach_checked(h, dl, entry, err, errlen) : -1;
}

void dcts_unload_backend(dcts_backend_handle *h)
{
    if (h->dl)
        dlclose(h->dl);
    free(h->path);
    free(h->named);
    free(h->label);
    free(h->about);
    memset(h, 0, sizeof *h);
}

int dcts_backend_is_embedded(const dcts_backend_handle *h)
{
    return h->path == NULL;
}

void dcts_label_backends(dcts_backend_handle *hs, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        unsigned dup = 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(hs[j].info.name, hs[i].info.name) == 0)
                dup++;
        if (dup > 1) {
            dcts_buf b = DCTS_BUF_INIT;
            dcts_buf_printf(&b, "%s#%u", hs[i].info.name, dup);
            free(hs[i].label);
            hs[i].label = dcts_buf_take(&b);
        }
    }
}
