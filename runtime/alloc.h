/*
 * alloc.h: the allocator interposition (alloc.c): the harness's own
 * malloc, calloc, realloc and free, through which a case makes one
 * allocation fail.
 */
#ifndef DCTS_ALLOC_H
#define DCTS_ALLOC_H

typedef struct dcts dcts_t;

/* dispatch-cts defines malloc, calloc, realloc and free itself, and a
 * backend's allocations reach them too, so a case can make one fail.
 * NULL when that works; otherwise why not (valgrind or a sanitizer
 * replaced the allocator): a case must then SKIP, never pass. */
const char *dcts_alloc_injection_unavailable(void);
/* SKIPs the case, with the reason above, unless injection works. */
void dcts_need_alloc_injection(dcts_t *t);
/* Arms one failure: the nth allocation from now (1: the next one, on any
 * thread) returns NULL with errno ENOMEM; the others succeed. */
void dcts_alloc_fail_nth(long n);
/* Disarms (the runtime also does at the end of a case); returns 1 when
 * the armed failure happened, 0 when fewer than n allocations were made. */
int dcts_alloc_disarm(void);
/* Allocations made so far, and the usable bytes allocated and not freed:
 * their differences across a call say what it allocated and kept. */
long dcts_alloc_count(void);
long dcts_alloc_live_bytes(void);

#endif /* DCTS_ALLOC_H */
