/*
 * harness_outfile.c: the -o report file: nothing at PATH until the
 * report is complete, then exactly the report; nothing left when it is
 * discarded; a clear error for a directory that is not there or a PATH
 * that is one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "outfile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/dcts-outfile-XXXXXX";
static char path[128];
static char err[512];

static size_t entries(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static void renamed_when_complete(void **state)
{
    (void)state;
    dcts_outfile o = DCTS_OUTFILE_INIT;
    struct stat st;

    /* An older report, longer than the new one: replaced whole. */
    FILE *old = fopen(path, "w");
    assert_non_null(old);
    fputs("an old report, longer than the new one\n", old);
    fclose(old);
    assert_int_equal(dcts_outfile_open(&o, path, err, sizeof err), 0);
    assert_int_equal(entries(), 2);         /* the old one, the temporary */
    fputs("new\n", o.f);
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "an old report, longer than the new one\n");
    assert_int_equal(dcts_outfile_commit(&o, err, sizeof err), 0);
    assert_int_equal(entries(), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 4);
    unlink(path);
}

static void discarded(void **state)
{
    (void)state;
    dcts_outfile o = DCTS_OUTFILE_INIT;
    dcts_outfile_discard(&o);               /* never opened: harmless */
    assert_int_equal(dcts_outfile_open(&o, path, err, sizeof err), 0);
    fputs("half a report", o.f);
    dcts_outfile_discard(&o);
    assert_int_equal(entries(), 0);
}

static void refused(void **state)
{
    (void)state;
    dcts_outfile o = DCTS_OUTFILE_INIT;
    assert_int_equal(dcts_outfile_open(&o, "/no/such/dir/report", err,
                                       sizeof err), -1);
    assert_string_equal(err, "cannot write the report to /no/such/dir/report: "
                        "No such file or directory");
    assert_int_equal(dcts_outfile_open(&o, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "Is a directory"));
    assert_int_equal(dcts_outfile_open(&o, "/tmp/", err, sizeof err), -1);
    assert_int_equal(o.dirfd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(renamed_when_complete),
        cmocka_unit_test(discarded),
        cmocka_unit_test(refused),
    };
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/report.xml", dir);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return rc;
}
