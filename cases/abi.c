/*
 * abi.c: cases for the ABI clauses (ABI-1 .. ABI-4).
 */
#include "dcts.h"

#include <errno.h>
#include <string.h>

/* ABI-1: the loader already refused a bad descriptor; this re-reads what a
 * case can see, so the clause also shows in every report. */
static void descriptor_is_complete(dcts_t *t)
{
    const dc_backend *be = t->be;
    CHECK(be->abi_version == DC_ABI_VERSION,
          "expected: abi_version %u; observed: %u", DC_ABI_VERSION,
          be->abi_version);
    CHECK(be->struct_size >= sizeof(dc_backend),
          "expected: struct_size >= %zu; observed: %zu", sizeof(dc_backend),
          be->struct_size);
    CHECK(be->name && be->name[0], "expected: a non-empty name");
    CHECK(be->create && be->destroy && be->dispatch_once &&
          be->set_dispatch_filter && be->set_poll_dispatch_filter &&
          be->socket_closed && be->flags_for,
          "expected: no NULL operation in the descriptor");
    CHECK(be->event_model <= DC_MODEL_EPOLL,
          "expected: a known event_model; observed: %u", be->event_model);
    CHECK(be->fd_limit >= 0, "expected: fd_limit >= 0; observed: %d",
          be->fd_limit);
}

/* ABI-2: flags_for is how every generic case speaks native flags. */
static void flags_for_is_a_clean_mapping(dcts_t *t)
{
    unsigned long (*f)(int, int, int) = t->be->flags_for;
    unsigned long r = f(1, 0, 0), w = f(0, 1, 0), e = f(0, 0, 1);

    CHECK(f(0, 0, 0) == 0, "expected: flags_for(0,0,0) == 0; observed: %#lx",
          f(0, 0, 0));
    CHECK(r && w && e, "expected: non-zero flags for R, W and E alone; "
          "observed: R=%#lx W=%#lx E=%#lx", r, w, e);
    CHECK(!(r & w) && !(r & e) && !(w & e),
          "expected: disjoint flags per field; observed: R=%#lx W=%#lx E=%#lx",
          r, w, e);
    for (int i = 1; i < 8; i++) {
        int ri = i & 1, wi = !!(i & 2), ei = !!(i & 4);
        unsigned long want = (ri ? r : 0) | (wi ? w : 0) | (ei ? e : 0);
        CHECK(f(ri, wi, ei) == want,
              "expected: flags_for(%d,%d,%d) == %#lx (the fields' union); "
              "observed: %#lx", ri, wi, ei, want, f(ri, wi, ei));
    }
    CHECK(f(5, 7, 9) == f(1, 1, 1),
          "expected: any non-zero argument counts as true");
}

/* ABI-3: two contexts, one readable target in the second only. */
static void contexts_are_independent(dcts_t *t)
{
    dc_context *other = NULL;
    int sv[2], rc;
    double zero = 0;

    dcts_socketpair(t, sv);
    dcts_probe *a = dcts_probe_new(t, "A", sv[0]);
    OK(t->be->create(&other));
    CHECK(other && other != t->ctx, "expected: a second, distinct context");
    rc = t->be->set_dispatch_filter(other, &a->target, 1, 0, 0);
    if (rc != 0) {
        t->be->destroy(other);
        dcts_fail(t, "expected: registration in the second context returns 0;"
                  " observed: %s", dcts_code_name(rc));
    }
    dcts_write_byte(t, sv[1]);
    OK(dcts_dispatch(t, 0));
    int calls_from_first = a->calls;
    rc = t->be->dispatch_once(other, &zero, NULL, NULL);
    t->be->destroy(other);
    CHECK(calls_from_first == 0,
          "expected: A (registered in another context) not called by this one");
    CHECK(rc == 0 && a->calls == 1,
          "expected: A called once by its own context; observed: rc %s, "
          "%d call(s)", dcts_code_name(rc), a->calls);
}

/* ABI-4: the sign of a return says who is speaking. */
static void return_codes_have_their_meaning(dcts_t *t)
{
    int sv[2];
    dcts_socketpair(t, sv);
    dcts_probe *a = dcts_probe_new(t, "A", sv[0]);
    dcts_probe *bad = dcts_probe_new(t, "BAD", -1);

    OK(dcts_filter(t, a, 1, 1, 0));
    OK(dcts_poll_filter(t, a, t->be->flags_for(1, 0, 0)));
    OK(dcts_dispatch(t, 0));
    int rc = dcts_filter(t, bad, 1, 0, 0);
    CHECK(rc < 0, "expected: a refused registration returns a negative errno; "
          "observed: %s", dcts_code_name(rc));
    OK(dcts_closed(t, sv[0], a));
    OK(dcts_dispatch(t, 0));
}

const dcts_case dcts_cases_abi[] = {
    { .id = "abi-descriptor", CLAUSES(ABI_1),
      .summary = "the descriptor has a known version and size and no NULL operation",
      .run = descriptor_is_complete },
    { .id = "abi-flags-for", CLAUSES(ABI_2),
      .summary = "flags_for(0,0,0) is 0; the three fields map to disjoint non-zero flags",
      .run = flags_for_is_a_clean_mapping },
    { .id = "abi-independent-contexts", CLAUSES(ABI_3),
      .summary = "a target registered in one context is never called by another",
      .run = contexts_are_independent },
    { .id = "abi-return-codes", CLAUSES(ABI_4),
      .summary = "success is 0, refusals are negative errno values",
      .run = return_codes_have_their_meaning },
    { 0 }
};
