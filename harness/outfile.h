/*
 * outfile.h: the -o report file, which no one can rewrite.
 *
 * dcts_outfile_open, called before any backend is probed, creates a
 * temporary file beside PATH (same directory, so the final rename is
 * atomic) and keeps the directory open, so that whatever happens to the
 * working directory later the report lands where the user asked.  The
 * report is written to it in full at the end and dcts_outfile_commit
 * renames it into place: until then PATH is untouched, and a reader never
 * sees a half-written or empty report.  dcts_outfile_discard removes the
 * temporary file (a failed run that writes no report).  Every descriptor
 * is close-on-exec and case processes close everything they inherit, so
 * no case process ever holds it.
 */
#ifndef DCTS_OUTFILE_H
#define DCTS_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct dcts_outfile {
    FILE *f;            /* the temporary file, open for writing */
    int dirfd;          /* the directory of PATH */
    char *name;         /* PATH's last component */
    char *tmpname;      /* the temporary file's name in that directory */
    const char *path;   /* PATH as given, for messages */
} dcts_outfile;

#define DCTS_OUTFILE_INIT { NULL, -1, NULL, NULL, NULL }

/* Returns 0, or -1 with "cannot write the report to PATH: why" in err. */
int dcts_outfile_open(dcts_outfile *o, const char *path, char *err,
                      size_t errlen);
/* Closes the file and renames it to PATH.  Returns 0, or -1 with the
 * problem in err (the temporary file is then removed). */
int dcts_outfile_commit(dcts_outfile *o, char *err, size_t errlen);
/* Closes and removes the temporary file; safe on an unopened o. */
void dcts_outfile_discard(dcts_outfile *o);

#endif /* DCTS_OUTFILE_H */
