/*
 * bench_engines.c: DIR/backends/NAME.so -> DIR/bench/NAME.so (see
 * bench_engines.h).
 */
#include "bench_engines.h"
#include "text.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* DIR/bench/NAME.so for DIR/backends/NAME.so, or NULL (malloc'd). */
static char *driver_path(const char *backend_path)
{
    const char *base = strrchr(backend_path, '/');
    dcts_buf path = DCTS_BUF_INIT;

    if (base == NULL)
        return NULL;
    size_t dir_len = (size_t)(base - backend_path);
    static const char backends[] = "backends";
    size_t blen = sizeof backends - 1;
    if (dir_len < blen ||
        strncmp(backend_path + dir_len - blen, backends, blen) != 0 ||
        (dir_len > blen && backend_path[dir_len - blen - 1] != '/'))
        return NULL;
    dcts_buf_add(&path, backend_path, dir_len - blen);
    dcts_buf_printf(&path, "bench%s", base);
    return dcts_buf_take(&path);
}

int dcts_bench_find_engine(const char *backend_path,
                           dcts_bench_engine_handle *h, char *err,
                           size_t errlen)
{
    char *path = backend_path ? driver_path(backend_path) : NULL;

    memset(h, 0, sizeof *h);
    if (path == NULL || access(path, F_OK) != 0) {
        free(path);
        return 0;
    }
    h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h->dl == NULL) {
        snprintf(err, errlen, "%s: %s", path, dlerror());
        free(path);
        return -1;
    }
    const dcts_bench_engine *(*entry)(void);
    *(void **)&entry = dlsym(h->dl, DCTS_BENCH_ENGINE_SYMBOL);
    h->engine = entry ? entry() : NULL;
    if (h->engine == NULL ||
        h->engine->version != DCTS_BENCH_ENGINE_VERSION ||
        h->engine->name == NULL || h->engine->ops == NULL) {
        snprintf(err, errlen, "%s: not an engine driver (no valid %s)",
                 path, DCTS_BENCH_ENGINE_SYMBOL);
        dcts_bench_engine_release(h);
        free(path);
        return -1;
    }
    free(path);
    return 1;
}

void dcts_bench_engine_release(dcts_bench_engine_handle *h)
{
    if (h->dl)
        dlclose(h->dl);
    memset(h, 0, sizeof *h);
}
