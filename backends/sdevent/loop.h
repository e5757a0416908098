/*
 * loop.h: how the sd-event adapter sets up its loop's sources, in one
 * place so that sd-event driven directly (bench/engines/sdevent.c), the adapter's
 * baseline in the benchmark, does the same and the two differ only by the
 * adapter.
 *
 * A loop of its own (sd_event_new, never sd_event_default); every I/O
 * source at one priority, above the adapter's timer (sdevent.c says why).
 */
#ifndef SDE_LOOP_H
#define SDE_LOOP_H

#include <systemd/sd-event.h>

#define SDE_IO_PRIORITY    SD_EVENT_PRIORITY_NORMAL
#define SDE_TIMER_PRIORITY SD_EVENT_PRIORITY_IDLE

#endif /* SDE_LOOP_H */
