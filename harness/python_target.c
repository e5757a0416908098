/*
 * python_target.c: the python:SPEC spelling (python_target.h).
 */
#include "python_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "python:"

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
    setenv("DCTS_PYTHON_TARGET", spec, 1);
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
