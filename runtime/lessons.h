/*
 * lessons.h: which step of docs/TUTORIAL.md teaches a clause.
 *
 * A failure names the clauses it broke; the lesson line tells a learner
 * where the tutorial explains them ("learn: docs/TUTORIAL.md step 4
 * (timeouts)"), and 'dispatch-cts explain ID' shows the same line.
 * examples/tutorial/PROMISES says the same in its TAUGHT column, and
 * tests/tutorial.sh checks that the two agree.
 */
#ifndef DCTS_LESSONS_H
#define DCTS_LESSONS_H

#include "dcts.h"

#include <stddef.h>

/* The file the lines point into. */
#define DCTS_TUTORIAL "docs/TUTORIAL.md"

/* The step (1..8) that teaches clause_id, or 0 for none. */
int dcts_lesson_step(const char *clause_id);

/* The step's title, e.g. "timeouts"; "" for an unknown step. */
const char *dcts_lesson_title(int step);

/* Writes to out (n bytes, always NUL-terminated) the line
 *     "  learn: docs/TUTORIAL.md step 4 (timeouts), step 8 (...)\n"
 * for the distinct steps of clauses (a NULL-terminated list, as a case's:
 * may be NULL), in step order, or "" when none has a lesson.  Returns the
 * length written. */
size_t dcts_lesson_line(const dcts_clause *const *clauses, char *out,
                        size_t n);

#endif /* DCTS_LESSONS_H */
