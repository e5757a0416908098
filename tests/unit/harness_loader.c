/*
 * harness_loader.c: every way a backend can fail to load, with the fixture
 * backends of tests/fixtures (built into $(BUILD)/fixtures).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "loader.h"
#include "proc.h"
#include "harness_check.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const dc_backend *dc_embedded_backend(void);

static char err[1024];

/* Loading path fails, with a message that starts with the path and holds
 * want, on one line. */
static void refused(const char *path, double scale, const char *want)
{
    dcts_backend_handle h;
    err[0] = '\0';
    int rc = dcts_load_backend(path, scale, &h, err, sizeof err);
    if (rc != -1 || !strstr(err, want) || strncmp(err, path, strlen(path)) ||
        strchr(err, '\n'))
        fail_msg("%s: rc %d, message \"%s\", wanted \"%s\"", path, rc, err,
                 want);
    assert_null(h.be);
    assert_null(h.dl);
}

static void broken_descriptors(void **state)
{
    (void)state;
    refused(fixture("no_symbol"), 1, "does not export the entry function "
            "dc_backend_v1()");
    refused(fixture("null_entry"), 1, "dc_backend_v1() returned NULL");
    refused(fixture("bad_abi"), 1, "ABI version 2, but dispatch-cts speaks "
            "version 1");
    refused(fixture("small_struct"), 1, "struct_size 8 is smaller than "
            "sizeof(dc_backend)");
    refused(fixture("huge_struct"), 1, "struct_size 1048576 is absurdly "
            "large");
    refused(fixture("null_name"), 1, "name is NULL");
    refused(fixture("null_op"), 1, "operation set_poll_dispatch_filter is "
            "NULL");
}

static void broken_entry_functions(void **state)
{
    (void)state;
    double t0 = dcts_clock();
    refused(fixture("crash_entry"), 1, "crashed: the probing process was "
            "killed by SIGSEGV");
    refused(fixture("exit_entry"), 1, "exited with status 7 without "
            "reporting");
    refused(fixture("hang_entry"), 0.1, "did not finish within 0.5 s "
            "(timeout scale 0.1)");
    assert_true(dcts_clock() - t0 < 5.0);
}

static void not_backends(void **state)
{
    (void)state;
    char dir[] = "/tmp/dcts-loader-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];

    snprintf(path, sizeof path, "%s/missing.so", dir);
    refused(path, 1, "no such file");
    refused(dir, 1, "is a directory");
    snprintf(path, sizeof path, "%s/text.so", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 20; i++)            /* longer than an ELF header */
        fputs("this is not an ELF file\n", f);
    fclose(f);
    refused(path, 1, "cannot be loaded as a shared object: ");
    refused(path, 1, "invalid ELF header");
    unlink(path);

    /* No slash and not here: not looked up in the library path. */
    refused("libc.so.6", 1, "no such file");
    rmdir(dir);
}

static void good_backend(void **state)
{
    (void)state;
    dcts_backend_handle h;
    assert_int_equal(dcts_load_backend(fixture("valid/good"), 1, &h, err,
                                       sizeof err), 0);
    /* Probed in a child: nothing of it is loaded here. */
    assert_null(h.be);
    assert_null(h.dl);
    assert_string_equal(h.info.name, "good");
    assert_string_equal(h.label, "good");
    assert_string_equal(h.path, fixture("valid/good"));
    assert_false(dcts_backend_is_embedded(&h));
    /* Attached (as a case process does): the descriptor is the probed one. */
    assert_int_equal(dcts_backend_attach(&h, err, sizeof err), 0);
    assert_non_null(h.be);
    assert_non_null(h.dl);
    assert_string_equal(h.be->name, "good");
    dcts_unload_backend(&h);
    assert_null(h.be);
}

static void path_without_slash(void **state)
{
    (void)state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(valid_dir()), 0);
    dcts_backend_handle h;
    int rc = dcts_load_backend("good.so", 1, &h, err, sizeof err);
    assert_int_equal(chdir(cwd), 0);
    if (rc != 0)
        fail_msg("good.so: %s", err);
    assert_string_equal(h.path, "./good.so");
    dcts_unload_backend(&h);
}

/* What the backend prints while loading must not reach stdout. */
static void noisy_backend_keeps_stdout_clean(void **state)
{
    (void)state;
    char path[] = "/tmp/dcts-stdout-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int saved_err = dup(2);
    int nul = open("/dev/null", O_WRONLY);
    dup2(nul, 2);                       /* keep the test's own log tidy */
    close(nul);

    dcts_backend_handle h;
    int rc = dcts_load_backend(fixture("valid/noisy"), 1, &h, err, sizeof err);

    fflush(stdout);
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(saved);
    close(saved_err);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    unlink(path);
    if (rc != 0)
        fail_msg("noisy: %s", err);
    assert_int_equal(st.st_size, 0);
    dcts_unload_backend(&h);
}

static void embedded_and_labels(void **state)
{
    (void)state;
    dcts_backend_handle hs[3];
    assert_int_equal(dcts_use_embedded(dc_embedded_backend, &hs[0], err,
                                       sizeof err), 0);
    assert_true(dcts_backend_is_embedded(&hs[0]));
    assert_null(hs[0].path);
    assert_int_equal(dcts_load_backend(fixture("valid/good"), 1, &hs[1], err,
                                       sizeof err), 0);
    assert_int_equal(dcts_load_backend(fixture("valid/good"), 1, &hs[2], err,
                                       sizeof err), 0);
    dcts_label_backends(hs, 3);
    assert_string_equal(hs[0].label, hs[0].be->name);
    assert_string_equal(hs[1].label, "good");
    assert_string_equal(hs[2].label, "good#2");
    for (int i = 0; i < 3; i++)
        dcts_unload_backend(&hs[i]);
    assert_int_equal(dcts_use_embedded(NULL, &hs[0], err, sizeof err), -1);
}

static int op_create(dc_context **o) { (void)o; return 0; }
static void op_destroy(dc_context *c) { (void)c; }
static int op_dispatch(dc_context *c, const double *t, dc_error_handler h,
                       void *a) { (void)c, (void)t, (void)h, (void)a; return 0; }
static int op_filter(dc_context *c, dc_target *o, int r, int w, int e)
{ (void)c, (void)o, (void)r, (void)w, (void)e; return 0; }
static int op_poll(dc_context *c, dc_target *o, unsigned long f)
{ (void)c, (void)o, (void)f; return 0; }
static int op_closed(dc_context *c, int fd, dc_target *o)
{ (void)c, (void)fd, (void)o; return 0; }
static unsigned long op_flags(int r, int w, int e)
{ return (unsigned long)(r | w << 1 | e << 2); }

static void validation(void **state)
{
    (void)state;
    const dc_backend good = {
        DC_ABI_VERSION, sizeof(dc_backend), "t", op_create, op_destroy,
        op_dispatch, op_filter, op_poll, op_closed, op_flags, 0, 0, 0
    };
    assert_int_equal(dcts_validate_backend(&good, err, sizeof err), 0);

    static const char *const names[] = {
        "create", "destroy", "dispatch_once", "set_dispatch_filter",
        "set_poll_dispatch_filter", "socket_closed", "flags_for",
    };
    for (int i = 0; i < 7; i++) {
        dc_backend d = good;
        switch (i) {
        case 0: d.create = NULL; break;
        case 1: d.destroy = NULL; break;
        case 2: d.dispatch_once = NULL; break;
        case 3: d.set_dispatch_filter = NULL; break;
        case 4: d.set_poll_dispatch_filter = NULL; break;
        case 5: d.socket_closed = NULL; break;
        case 6: d.flags_for = NULL; break;
        }
        assert_int_equal(dcts_validate_backend(&d, err, sizeof err), -1);
        char want[80];
        snprintf(want, sizeof want, "operation %s is NULL", names[i]);
        assert_string_equal(err, want);
    }
    dc_backend d = good;
    d.name = "";
    assert_int_equal(dcts_validate_backend(&d, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    d.name = "a-name-that-is-far-too-long-to-be-a-column-heading-in-any-"
             "report-at-all";
    assert_int_equal(dcts_validate_backend(&d, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 64"));
    d = good;
    d.struct_size = sizeof(dc_backend) + 100;   /* a newer, larger header */
    assert_int_equal(dcts_validate_backend(&d, err, sizeof err), 0);
    d.struct_size = DCTS_MAX_STRUCT_SIZE + 1;
    assert_int_equal(dcts_validate_backend(&d, err, sizeof err), -1);
    assert_int_equal(dcts_validate_backend(NULL, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broken_descriptors),
        cmocka_unit_test(broken_entry_functions),
        cmocka_unit_test(not_backends),
        cmocka_unit_test(good_backend),
        cmocka_unit_test(path_without_slash),
        cmocka_unit_test(noisy_backend_keeps_stdout_clean),
        cmocka_unit_test(embedded_and_labels),
        cmocka_unit_test(validation),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    dcts_signals_restore();             /* closes the wake-up pipe */
    return rc;
}
