/*
 * outfile.c: a temporary file beside the report, renamed into place.
 * See outfile.h.
 */
#include "outfile.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *err, size_t errlen, const char *path, int e)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_puts(&b, "cannot write the report to ");
    dcts_buf_add_clean(&b, path, 0);
    dcts_buf_printf(&b, ": %s", strerror(e));
    snprintf(err, errlen, "%s", dcts_buf_str(&b));
    dcts_buf_free(&b);
}

static void clear(dcts_outfile *o)
{
    free(o->name);
    free(o->tmpname);
    if (o->dirfd >= 0)
        close(o->dirfd);
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
}

int dcts_outfile_open(dcts_outfile *o, const char *path, char *err,
                      size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
    o->path = path;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0') {
        say(err, errlen, path, EISDIR);
        return -1;
    }
    char *dir = slash ? dcts_xstrdup(path) : dcts_xstrdup(".");
    if (slash)
        dir[slash - path + (slash == path)] = '\0';     /* "/x" -> "/" */
    o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    struct stat st;
    if (o->dirfd < 0 ||
        (fstatat(o->dirfd, base, &st, 0) == 0 && S_ISDIR(st.st_mode))) {
        say(err, errlen, path, o->dirfd < 0 ? errno : EISDIR);
        clear(o);
        return -1;
    }
    o->name = dcts_xstrdup(base);
    for (int tries = 0; tries < 100; tries++) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = (uint32_t)getpid() * 2654435761u + (uint32_t)tries;
        dcts_buf b = DCTS_BUF_INIT;
        dcts_buf_printf(&b, ".%s.%08x.tmp", base, (unsigned)r);
        free(o->tmpname);
        o->tmpname = dcts_buf_take(&b);
        int fd = openat(o->dirfd, o->tmpname,
                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
            say(err, errlen, path, errno);
            if (fd >= 0) {
                close(fd);
                unlinkat(o->dirfd, o->tmpname, 0);
            }
            clear(o);
            return -1;
        }
        return 0;
    }
    say(err, errlen, path, EEXIST);
    clear(o);
    return -1;
}

int dcts_outfile_commit(dcts_outfile *o, char *err, size_t errlen)
{
    /* Exactly what the harness wrote: nothing before or after it. */
    int bad = fflush(o->f) != 0 ||
              ftruncate(fileno(o->f), ftello(o->f)) != 0;
    bad |= fclose(o->f) != 0;
    int e = errno;
    o->f = NULL;
    if (!bad && renameat(o->dirfd, o->tmpname, o->dirfd, o->name) != 0)
        bad = 1, e = errno;
    if (bad) {
        say(err, errlen, o->path, e);
        unlinkat(o->dirfd, o->tmpname, 0);
    }
    clear(o);
    return bad ? -1 : 0;
}

void dcts_outfile_discard(dcts_outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        unlinkat(o->dirfd, o->tmpname, 0);
    }
    if (o->name || o->dirfd >= 0)
        clear(o);
}
