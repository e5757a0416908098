/*
 * expect.h: expected results, the known gaps of a backend (--expect FILE).
 *
 * A conformance suite keeps the failures it knows a driver to have in a
 * list, so that a run shows the known ones as known and everything else
 * stands out.  An expectations file holds one line per known result:
 *
 *     # a comment; blank lines are ignored
 *     BACKEND  CASE-ID  RESULT  reason, to the end of the line
 *
 * BACKEND is a backend's name as reports show it (its descriptor's name),
 * CASE-ID a case of the table (--list), RESULT what that case gives on
 * that backend: FAIL, WARN, TIMEOUT or CRASH (a known gap), or PASS (a
 * note: the case passes, and the reason says what qualifies the pass).
 * SKIP is refused: a case already says why it skips.  The reason is
 * required: a gap is never recorded without one.  Fields are separated by
 * blanks (spaces or tabs).
 *
 * Against a result, an expectation gives a verdict (dcts_verdict, stored
 * in the result by dcts_expect_attach):
 *
 *   MET       the result is the expected one; a FAIL, TIMEOUT or CRASH
 *             met is an XFAIL, which does not fail the run
 *   XPASS     a gap was expected and the case passed: the run fails, so
 *             the file is tightened and a published table never claims a
 *             gap the backend no longer has
 *   MISMATCH  another non-passing result than the one expected (expected
 *             FAIL, got CRASH): the run fails
 *   AS_IS     no expectation, a PASS note that did not hold, or a SKIP
 *             (a case that did not run claims nothing either way, e.g.
 *             the fault cases under valgrind): the status alone decides,
 *             as without --expect
 */
#ifndef DCTS_EXPECT_H
#define DCTS_EXPECT_H

#include "case.h"
#include "result.h"

#include <stddef.h>

/* The reason --write-expect writes for a gap it cannot explain; a line
 * whose reason starts with it is refused, so that a generated file cannot
 * be used before a person has said why each gap is known. */
#define DCTS_EXPECT_PLACEHOLDER "TODO(reason):"

/* A file larger than this is refused (it is a list of gaps, not data). */
#define DCTS_EXPECT_MAX_BYTES (1024u * 1024u)

typedef struct dcts_expectation {
    char *backend;
    char *case_id;
    dcts_status result;         /* PASS, FAIL, WARN, TIMEOUT or CRASH */
    char *reason;
    char *file;                 /* where it was written */
    unsigned line;
} dcts_expectation;

typedef struct dcts_expectations {
    dcts_expectation *v;
    size_t n;
} dcts_expectations;

#define DCTS_EXPECTATIONS_INIT { NULL, 0 }

/* Parses text (len bytes, named name in messages) and appends its lines
 * to x.  Case ids are checked against the case table.  Returns 0, or -1
 * with "NAME:LINE: problem" in err and x unchanged. */
int dcts_expect_parse(dcts_expectations *x, const char *name,
                      const char *text, size_t len, char *err, size_t errlen);

/* Reads path and parses it as above; -1 also when it cannot be read. */
int dcts_expect_load(dcts_expectations *x, const char *path, char *err,
                     size_t errlen);

/* Every line must name one of the backends being checked (names[0..n)):
 * a misspelt name would silently expect nothing.  0, or -1 with
 * "FILE:LINE: backend 'x' is not ..." in err. */
int dcts_expect_check_backends(const dcts_expectations *x,
                               const char *const *names, size_t n,
                               char *err, size_t errlen);

/* The expectation for (backend, case_id), or NULL. */
const dcts_expectation *dcts_expect_find(const dcts_expectations *x,
                                         const char *backend,
                                         const char *case_id);

void dcts_expect_free(dcts_expectations *x);

/* The verdict (result.h) on status given e (NULL: none), as above. */
dcts_verdict dcts_expect_verdict(dcts_status status,
                                 const dcts_expectation *e);

/* Attaches e (NULL: none) to r and judges r against it, once: the
 * verdict every count and every writer reads.  Called when r's status is
 * final (after an interrupted run's NOTRUN marks). */
void dcts_expect_attach(dcts_result *r, const dcts_expectation *e);

#endif /* DCTS_EXPECT_H */
