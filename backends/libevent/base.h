/*
 * base.h: the event_base the libevent adapter runs on, made in one place
 * so that libevent driven directly (bench/engines/libevent.c), the adapter's
 * baseline in the benchmark, runs on the same configuration and the two
 * differ only by the adapter.
 */
#ifndef LEV_BASE_H
#define LEV_BASE_H

#include <event2/event.h>
#include <stddef.h>

/* EV_CLOSED is E, so the method must support it; no locks (one thread
 * uses a context at a time); no environment variables (EVENT_NOEPOLL...),
 * so a run measures the method this table was made for.  NULL when no
 * method has EV_CLOSED, or out of memory. */
static inline struct event_base *lev_base_new(void)
{
    struct event_config *cfg = event_config_new();
    struct event_base *base = NULL;

    if (cfg == NULL)
        return NULL;
    if (event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE) == 0 &&
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK) == 0 &&
        event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV) == 0)
        base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

#endif /* LEV_BASE_H */
