/*
 * alloc.c: the allocator the case runtime controls, for fault injection.
 *
 * dispatch-cts defines malloc, calloc, realloc, free and the aligned
 * allocators itself.  Each forwards to glibc's own (__libc_malloc, ...),
 * after counting the call and, when a case armed it, failing one call
 * with ENOMEM.  The executable's definitions come first in the global
 * symbol scope (the linker exports them because libc.so defines the same
 * names), so a backend's malloc calls, dlopened or embedded, land here
 * too: a case can make "the Nth allocation from now" fail inside create
 * or a registration and see what the backend does about it.
 *
 * Where another allocator replaces malloc, nothing armed here would
 * happen, and a case must say so instead of passing:
 *   - sanitizer builds (ASan, MSan, TSan): the runtime's malloc must stay
 *     the only one, so these definitions are left out at compile time;
 *   - valgrind redirects malloc in the executable as well: then a probe
 *     allocation does not reach the counter, which is checked at run time.
 * dcts_alloc_injection_unavailable() says which, and the cases SKIP.
 *
 * The counters are atomics: a helper thread of a case may allocate while
 * the case thread reads them.
 */
#include "runtime.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- is a sanitizer's allocator in charge? --------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define SANITIZER_ALLOCATOR 1
#endif
#endif

static long calls;          /* allocations seen so far */
static long fail_at;        /* the value of calls that fails; 0: none */
static int fired;           /* the armed failure happened */
static long live;           /* usable bytes allocated and not yet freed */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST)

#ifndef SANITIZER_ALLOCATOR

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* Counts one allocation; true when it is the one armed to fail. */
static int injected_failure(void)
{
    long n = ADD(calls, 1);
    long at = LOAD(fail_at);

    if (at == 0 || n != at ||
        !__atomic_compare_exchange_n(&fail_at, &at, 0, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return 0;
    STORE(fired, 1);
    errno = ENOMEM;
    return 1;
}

static void *counted(void *p)
{
    if (p)
        ADD(live, (long)malloc_usable_size(p));
    return p;
}

void *malloc(size_t n)
{
    return injected_failure() ? NULL : counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
    return injected_failure() ? NULL : counted(__libc_calloc(n, size));
}

void *realloc(void *p, size_t n)
{
    if (p == NULL)
        return malloc(n);
    if (n == 0) {                       /* glibc: frees p */
        free(p);
        return NULL;
    }
    if (injected_failure())
        return NULL;                    /* p is untouched, as on real ENOMEM */
    long before = (long)malloc_usable_size(p);
    void *q = __libc_realloc(p, n);
    if (q)
        ADD(live, (long)malloc_usable_size(q) - before);
    return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

void free(void *p)
{
    if (p == NULL)
        return;
    ADD(live, -(long)malloc_usable_size(p));
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    return injected_failure() ? NULL : counted(__libc_memalign(align, n));
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = memalign(align, n);
    errno = saved;
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

#endif /* !SANITIZER_ALLOCATOR */

/* ---- what cases use ------------------------------------------------------- */

const char *dcts_alloc_injection_unavailable(void)
{
#ifdef SANITIZER_ALLOCATOR
    return "allocation failures cannot be injected in a sanitizer build "
           "(the sanitizer's allocator replaces malloc)";
#else
    /* Through a volatile pointer, so the compiler cannot drop the pair. */
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    long before = LOAD(calls);

    release(alloc(16));
    if (LOAD(calls) == before)
        return "allocation failures cannot be injected here: malloc does "
               "not reach the harness's allocator (a tool such as valgrind "
               "replaced it)";
    return NULL;
#endif
}

void dcts_need_alloc_injection(dcts_t *t)
{
    if (t->be->caps & DC_CAP_OWN_ALLOCATOR)
        dcts_skip(t, "allocation failures cannot be injected: the backend "
                  "allocates through its runtime's own allocator "
                  "(DC_CAP_OWN_ALLOCATOR, e.g. pymalloc)");
    const char *why = dcts_alloc_injection_unavailable();
    if (why)
        dcts_skip(t, "%s", why);
}

int dcts_alloc_disarm(void)
{
    STORE(fail_at, 0);
    return __atomic_exchange_n(&fired, 0, __ATOMIC_SEQ_CST);
}

/* A case that fails while armed must not leave the failure armed. */
static void disarm(void)
{
    dcts_alloc_disarm();
}

void dcts_alloc_fail_nth(long n)
{
    STORE(fired, 0);
    /* Registered before arming: the registration allocates nothing, but
     * nothing may come between the arming and the case's own call. */
    if (n > 0)
        dcts_add_cleanup(DCTS_CLEANUP_TIMERS, disarm);
    STORE(fail_at, n > 0 ? LOAD(calls) + n : 0);
}

long dcts_alloc_count(void)
{
    return LOAD(calls);
}

long dcts_alloc_live_bytes(void)
{
    return LOAD(live);
}
