/*
 * clock.c: the runtime's clocks and sleeps, the lowest part of the
 * runtime (the kernel objects, the peers and the timing helpers use it).
 */
#include "dcts.h"

#include <errno.h>
#include <sys/resource.h>
#include <time.h>

double dcts_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double dcts_ms_since(double since)
{
    return (dcts_now() - since) * 1000.0;
}

double dcts_thread_cpu_ms(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

void dcts_sleep_ms(double ms)
{
    double s = ms > 0 ? ms / 1000.0 : 0;
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
