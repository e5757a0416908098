/*
 * tmpdir.c: a private temporary directory per case (for a UNIX socket's
 * path, files a peer reads or writes), removed with its contents when the
 * case ends.
 *
 * Its name carries the case process's pid, "dcts-case-PID-XXXXXX", so
 * that a directory left by a case process that was killed (a TIMEOUT
 * kills the process group before it can clean up) is recognised as stale
 * and removed the next time any case makes a directory.
 */
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Short enough that a socket path inside still fits sun_path (108). */
#define MAX_BASE_LEN 64

static const char *base_dir(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] != '/' || strlen(dir) > MAX_BASE_LEN)
        return "/tmp";
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;                   /* go on whatever failed */
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes the directories of case processes that no longer exist. */
static void sweep_stale(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *de;
    char path[MAX_BASE_LEN + 300];

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        long pid;
        char rest[8];
        if (sscanf(de->d_name, "dcts-case-%ld-%7s", &pid, rest) != 2 ||
            strlen(rest) != 6 || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;           /* alive, or not ours to judge */
        snprintf(path, sizeof path, "%s/%s", base, de->d_name);
        remove_tree(path);
    }
    closedir(d);
}

/* The case's directory, removed with everything in it when it ends. */
static char *case_dir;

static void remove_case_dir(void)
{
    if (case_dir) {
        remove_tree(case_dir);
        free(case_dir);
        case_dir = NULL;
    }
}

const char *dcts_tmpdir(dcts_t *t)
{
    if (case_dir)
        return case_dir;
    const char *base = base_dir();
    char templ[MAX_BASE_LEN + 32];

    sweep_stale(base);
    snprintf(templ, sizeof templ, "%s/dcts-case-%ld-XXXXXX", base,
             (long)getpid());
    if (mkdtemp(templ) == NULL)
        dcts_harness_skip(t, "harness: mkdtemp(%s): %s", templ, strerror(errno));
    case_dir = strdup(templ);
    if (case_dir == NULL) {
        rmdir(templ);
        dcts_harness_skip(t, "harness: out of memory");
    }
    dcts_add_cleanup(DCTS_CLEANUP_FILES, remove_case_dir);
    return case_dir;
}
