/*
 * python_target.c: the python:SPEC spelling (python_target.h).
 */
#include "python_target.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "python:"

/* As root the case processes run as a uid of their own (proc.h), and the
 * bridge imports the implementation there, after the drop: a file under
 * a directory only root may enter (a clone in /root) could not be read.
 * So its directory's *.py files (the file and its sibling imports) are
 * copied, as root, to a directory anyone may read, removed at exit. */
static char copy_dir[64];

static void remove_copy(void)
{
    DIR *d = opendir(copy_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", copy_dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(copy_dir);
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), rc = -1;
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    char buf[65536];
    ssize_t n;
    if (out >= 0) {
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                break;
        rc = n == 0 ? 0 : -1;
        if (close(out) != 0)
            rc = -1;
    }
    if (in >= 0)
        close(in);
    return rc;
}

/* FILE.py:FACTORY -> the same in a readable copy of FILE's directory, in
 * a new string; NULL (and the original is used) when not root or not a
 * file spec. */
static char *readable_copy(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    if (geteuid() != 0 || colon - spec < 4 || strncmp(colon - 3, ".py", 3) != 0)
        return NULL;
    char file[4096];
    snprintf(file, sizeof file, "%.*s", (int)(colon - spec), spec);
    char *slash = strrchr(file, '/');
    const char *dir = slash ? (*slash = '\0', file) : ".";
    const char *base = slash ? slash + 1 : file;
    snprintf(copy_dir, sizeof copy_dir, "/tmp/dispatch-cts-python.XXXXXX");
    if (!mkdtemp(copy_dir) || chmod(copy_dir, 0755) != 0)
        return NULL;
    atexit(remove_copy);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 3, ".py") != 0)
            continue;
        char from[8192], to[4096];
        snprintf(from, sizeof from, "%s/%s", dir, e->d_name);
        snprintf(to, sizeof to, "%s/%s", copy_dir, e->d_name);
        copy_file(from, to);
    }
    if (d)
        closedir(d);
    size_t len = strlen(copy_dir) + strlen(base) + strlen(colon) + 2;
    char *copied = malloc(len);
    if (copied)
        snprintf(copied, len, "%s/%s%s", copy_dir, base, colon);
    return copied;
}

int dcts_python_target(const char *arg, char **so_path)
{
    static const char *const beside[] = {
        "/backends/python.so", "/../lib/dispatch-cts/backends/python.so",
    };
    static int used;
    char exe[4096];

    *so_path = NULL;
    if (strncmp(arg, PREFIX, strlen(PREFIX)) != 0)
        return 0;
    const char *spec = arg + strlen(PREFIX);
    if (!*spec || !strchr(spec, ':')) {
        fprintf(stderr, "dispatch-cts: %s: expected python:MODULE:FACTORY "
                "or python:FILE.py:FACTORY\n", arg);
        return -1;
    }
    if (used++) {
        fprintf(stderr, "dispatch-cts: %s: one python: implementation per "
                "run (the bridge embeds one interpreter)\n", arg);
        return -1;
    }
    char *copied = readable_copy(spec);
    setenv("DCTS_PYTHON_TARGET", copied ? copied : spec, 1);
    free(copied);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
            size_t len = strlen(exe) + strlen(beside[i]) + 1;
            char *path = malloc(len);
            if (!path)
                break;
            snprintf(path, len, "%s%s", exe, beside[i]);
            if (access(path, F_OK) == 0) {
                *so_path = path;
                return 1;
            }
            free(path);
        }
    }
    fprintf(stderr, "dispatch-cts: %s: the Python bridge (backends/python.so) "
            "is not beside this program: build it with libpython3.11-dev "
            "installed (tools/deps.sh)\n", arg);
    return -1;
}
