/*
 * bench_child.c: measuring in a forked child (see bench_child.h).
 */
#include "bench_child.h"
#include "proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long dcts_bench_status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kib = -1;
    size_t len = strlen(name);

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0) {
            kib = strtol(line + len, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

int dcts_bench_reset_peak_rss(void)
{
    /* "5" resets the high-water mark (Linux 4.0, proc(5)). */
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && write(fd, "5", 1) == 1;

    if (fd >= 0)
        close(fd);
    return ok;
}

/* The child sends out back in one frame (proc.h). */
enum { BENCH_RESULT = 1 };

struct child_job {
    dcts_bench_child_fn fn;
    void *arg;
    void *out;
    size_t size;
};

static void measure_in_child(void *arg, int res_fd)
{
    const struct child_job *job = arg;

    job->fn(job->arg, job->out);
    _exit(dcts_proc_send(res_fd, BENCH_RESULT, job->out, job->size) == 0 &&
          dcts_proc_send_end(res_fd) == 0 ? 0 : DCTS_EXIT_RESULT_LOST);
}

int dcts_bench_in_child(dcts_bench_child_fn fn, void *arg, void *out,
                        size_t size, int in_process, double watchdog_s,
                        char *err, size_t errlen)
{
    memset(out, 0, size);
    if (in_process) {
        fn(arg, out);
        return 0;
    }

    /* The child keeps the benchmark's descriptors: it measures on them. */
    struct child_job job = { fn, arg, out, size };
    const dcts_frame_rule rules[] = {
        { BENCH_RESULT, "result", size, size, 1 },
    };
    dcts_proc p;
    char why[160];
    if (dcts_proc_spawn(&p, DCTS_PROC_SHARE_FDS, dcts_frames_max(rules, 1),
                        NULL, 0, measure_in_child, &job, why,
                        sizeof why) != 0) {
        snprintf(err, errlen, "cannot start its process: %s", why);
        return -1;
    }
    p.deadline = p.start + watchdog_s;
    dcts_proc *const list[1] = { &p };
    while (!dcts_proc_done(&p))
        if (dcts_proc_step(list, 1, -1) != 0) {
            dcts_proc_abort(&p);    /* interrupted (proc.h): it goes too */
            break;
        }

    dcts_frame got;
    dcts_frames_status sent = dcts_proc_frames(&p, rules, 1, &got,
                                               "result", why, sizeof why);
    int rc = -1;
    if (sent == DCTS_FRAMES_OK) {
        memcpy(out, got.data, size);
        rc = 0;
    } else if (p.timed_out) {
        snprintf(err, errlen, "no result within %.0f s (a pass that blocks, "
                 "or one that never ends)", watchdog_s);
    } else if (sent == DCTS_FRAMES_NONE || sent == DCTS_FRAMES_TRUNCATED) {
        char how[128];
        dcts_describe_wait_status(p.wstatus, how, sizeof how);
        snprintf(err, errlen, "its process ended before its result: %s",
                 how);
    } else {
        snprintf(err, errlen, "its process sent %s", why);
    }
    dcts_proc_release(&p);
    return rc;
}
