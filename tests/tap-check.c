/*
 * tap-check.c: tap-check FILE...: the unit tests' TAP checker
 * (tests/unit/harness_check.h, tap_problem) as a command, so that the
 * shell tests (tests/bad-backends.sh) hold dispatch-cts's reports on
 * disk to the same rule: one validator, written once.
 *
 * Prints "FILE: what is wrong" for the first file that is not TAP
 * version 13 as the writer promises, and exits 1; 2 when a file cannot
 * be read; 0 when every file is well-formed.
 */
#include "harness_check.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tap-check FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "re");
        if (f == NULL) {
            perror(argv[i]);
            return 2;
        }
        dcts_buf doc = DCTS_BUF_INIT;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            dcts_buf_add(&doc, chunk, n);
        int bad_read = ferror(f);
        fclose(f);
        if (bad_read) {
            fprintf(stderr, "%s: cannot be read\n", argv[i]);
            dcts_buf_free(&doc);
            return 2;
        }
        size_t points;
        /* A NUL byte would end the text early: not TAP either. */
        const char *why = memchr(doc.data ? doc.data : "", '\0', doc.len)
                          ? "a NUL byte" : tap_problem(dcts_buf_str(&doc),
                                                       &points);
        if (why) {
            printf("%s: %s\n", argv[i], why);
            dcts_buf_free(&doc);
            return 1;
        }
        dcts_buf_free(&doc);
    }
    return 0;
}
