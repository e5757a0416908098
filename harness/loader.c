/*
 * loader.c: dlopen, probe in a child, validate.  See loader.h.
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

int dcts_validate_backend(const dc_backend *be, char *err, size_t errlen)
{
    if (!be) {
        snprintf(err, errlen, "%s() returned NULL", DC_ENTRY_SYMBOL);
        return -1;
    }
    if (be->abi_version != DC_ABI_VERSION) {
        snprintf(err, errlen, "ABI version %u, but dispatch-cts speaks "
                 "version %u", be->abi_version, DC_ABI_VERSION);
        return -1;
    }
    if (be->struct_size < sizeof(dc_backend)) {
        snprintf(err, errlen, "struct_size %zu is smaller than "
                 "sizeof(dc_backend) = %zu (built against another header?)",
                 be->struct_size, sizeof(dc_backend));
        return -1;
    }
    if (be->struct_size > DCTS_MAX_STRUCT_SIZE) {
        snprintf(err, errlen, "struct_size %zu is absurdly large "
                 "(more than %u bytes)", be->struct_size,
                 DCTS_MAX_STRUCT_SIZE);
        return -1;
    }
    if (!be->name) {
        snprintf(err, errlen, "the descriptor's name is NULL");
        return -1;
    }
    size_t len = strnlen(be->name, DCTS_MAX_NAME_LEN + 1);
    if (len == 0 || len > DCTS_MAX_NAME_LEN) {
        snprintf(err, errlen, "the descriptor's name is %s",
                 len ? "longer than 64 bytes" : "empty");
        return -1;
    }
    const struct { const char *name; int null; } ops[] = {
        { "create", !be->create },
        { "destroy", !be->destroy },
        { "dispatch_once", !be->dispatch_once },
        { "set_dispatch_filter", !be->set_dispatch_filter },
        { "set_poll_dispatch_filter", !be->set_poll_dispatch_filter },
        { "socket_closed", !be->socket_closed },
        { "flags_for", !be->flags_for },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].null) {
            snprintf(err, errlen, "operation %s is NULL", ops[i].name);
            return -1;
        }
    return 0;
}

/* The backend's optional description (DC_ABOUT_SYMBOL), called here and
 * now: NULL when it has none, else malloc'd, one line, cleaned. */
static char *call_about(void *dl)
{
    typedef const char *(*about_fn)(void);
    void *sym = dlsym(dl, DC_ABOUT_SYMBOL);
    about_fn about;

    if (!sym)
        return NULL;
    memcpy(&about, &sym, sizeof about);     /* object to function pointer */
    const char *text = about();
    if (!text || !*text)
        return NULL;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_first_line(&b, text, DCTS_MAX_ABOUT_LEN);
    return dcts_buf_take(&b);
}

/* dlopen + dlsym + entry + validate, here and now, and the description
 * when about is not NULL.  On success *be and *dl are set; otherwise err
 * says what went wrong (no path). */
static int open_and_check(const char *path, void **dl, const dc_backend **be,
                          char **about, char *err, size_t errlen)
{
    typedef const dc_backend *(*entry_fn)(void);

    *dl = NULL;
    *be = NULL;
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, errlen, "cannot be loaded as a shared object: %s",
                 e ? e : "unknown dlopen error");
        return -1;
    }
    dlerror();
    void *sym = dlsym(h, DC_ENTRY_SYMBOL);
    if (!sym) {
        snprintf(err, errlen, "does not export the entry function %s()",
                 DC_ENTRY_SYMBOL);
        dlclose(h);
        return -1;
    }
    entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);     /* object to function pointer */
    const dc_backend *d = entry();
    if (dcts_validate_backend(d, err, errlen) != 0) {
        dlclose(h);
        return -1;
    }
    *dl = h;
    *be = d;
    if (about)
        *about = call_about(h);
    return 0;
}

/* What the probing child sends back. */
struct probe_report {
    char magic[8];                  /* "DCTSPRB" */
    int ok;
    char msg[480];
};

static void probe_child(void *arg, int res_fd)
{
    struct probe_report rep;
    void *dl;
    const dc_backend *be;

    memset(&rep, 0, sizeof rep);
    memcpy(rep.magic, "DCTSPRB", 8);
    char *about = NULL;     /* called here too: a crash in it is caught */

    rep.ok = open_and_check(arg, &dl, &be, &about, rep.msg,
                            sizeof rep.msg) == 0;
    const char *p = (const char *)&rep;
    size_t left = sizeof rep;
    while (left) {
        ssize_t n = write(res_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(125);
        p += n, left -= (size_t)n;
    }
    close(res_fd);
    _exit(0);                       /* no destructors, no atexit */
}

/* Runs the probe; 0 when the child found a valid descriptor, else -1 with
 * the problem in err. */
static int probe(const char *path, double scale, char *err, size_t errlen)
{
    dcts_proc p;
    char why[160];
    double budget = DCTS_ENTRY_BUDGET_S * scale;

    if (dcts_proc_spawn(&p, 0, sizeof(struct probe_report), NULL, 0,
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
    struct probe_report rep;
    if (p.timed_out) {
        snprintf(err, errlen, "loading it and calling %s() did not finish "
                 "within %.1f s (timeout scale %g); a hanging constructor or "
                 "entry function?", DC_ENTRY_SYMBOL, budget, scale);
    } else if (WIFSIGNALED(p.wstatus)) {
        dcts_describe_wait_status(p.wstatus, why, sizeof why);
        snprintf(err, errlen, "loading it and calling %s() crashed: the "
                 "probing process was %s", DC_ENTRY_SYMBOL, why);
    } else if (!WIFEXITED(p.wstatus) || WEXITSTATUS(p.wstatus) != 0 ||
               p.result_len != sizeof rep || p.result_extra) {
        dcts_describe_wait_status(p.wstatus, why, sizeof why);
        snprintf(err, errlen, "the process probing it %s without reporting "
                 "(did a constructor or %s() call exit()?)", why,
                 DC_ENTRY_SYMBOL);
    } else {
        memcpy(&rep, p.result, sizeof rep);
        rep.msg[sizeof rep.msg - 1] = '\0';
        if (memcmp(rep.magic, "DCTSPRB", 8) != 0)
            snprintf(err, errlen, "the process probing it sent garbage");
        else if (!rep.ok)
            snprintf(err, errlen, "%s", rep.msg);
        else
            rc = 0;
    }
    dcts_proc_release(&p);
    return rc;
}

/* A name without a slash: "x.so" -> "./x.so" when it is a file here (so
 * dlopen does not search the library path); otherwise the backend of that
 * name installed beside this program, as it or as NAME.so: in
 * BINDIR/../lib/dispatch-cts/backends (make install, pkg-config's
 * backenddir) or, in a build tree, BINDIR/backends.  Found relative to
 * the program itself, so an installed tree can move.  Not found: "./x",
 * whose load error names it. */
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

/* Runs open_and_check with stdout pointing at stderr, so whatever a
 * constructor prints cannot get into the report. */
static int open_quietly(const char *path, void **dl, const dc_backend **be,
                        char **about, char *err, size_t errlen)
{
    fflush(stdout);
    int saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (saved >= 0)
        dup2(2, 1);
    int rc = open_and_check(path, dl, be, about, err, errlen);
    if (saved >= 0) {
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
    }
    return rc;
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
    if (probe(full, timeout_scale, problem, sizeof problem) != 0 ||
        open_quietly(full, &h->dl, &h->be, &h->about, problem,
                     sizeof problem) != 0) {
        free(full);
        return refuse(err, errlen, path, problem);
    }
    h->path = full;
    h->label = dcts_xstrdup(h->be->name);
    return 0;
}

int dcts_use_embedded(const dc_backend *(*entry)(void),
                      dcts_backend_handle *h, char *err, size_t errlen)
{
    char problem[512];
    memset(h, 0, sizeof *h);
    const dc_backend *be = entry ? entry() : NULL;
    if (dcts_validate_backend(be, problem, sizeof problem) != 0)
        return refuse(err, errlen, "(embedded backend)", problem);
    h->be = be;
    h->label = dcts_xstrdup(be->name);
    return 0;
}

void dcts_unload_backend(dcts_backend_handle *h)
{
    if (h->dl)
        dlclose(h->dl);
    free(h->path);
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
            if (strcmp(hs[j].be->name, hs[i].be->name) == 0)
                dup++;
        if (dup > 1) {
            dcts_buf b = DCTS_BUF_INIT;
            dcts_buf_printf(&b, "%s#%u", hs[i].be->name, dup);
            free(hs[i].label);
            hs[i].label = dcts_buf_take(&b);
        }
    }
}
