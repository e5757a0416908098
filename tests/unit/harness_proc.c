/*
 * harness_proc.c: the framed result of a watched child (proc.h): what a
 * child that follows the protocol sends arrives whole; every way of not
 * following it (nothing, a cut, garbage, another nonce, a scribble after
 * the start, an unknown or repeated part, a length out of its rule, a
 * missing part, bytes after the end or beyond the bound, a replaced
 * result descriptor) is named, never trusted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { T_TEXT = 1, T_NUMBER = 2 };

static const dcts_frame_rule rules[] = {
    { T_TEXT, "text", 0, 8, 1 },
    { T_NUMBER, "number", 4, 4, 0 },
};
#define NRULES (sizeof rules / sizeof rules[0])

/* What a child does on its result pipe. */
typedef enum {
    GOOD, GOOD_NO_NUMBER, NOTHING, NO_END, CUT_HEADER, GARBAGE, FORGED,
    SCRIBBLED, UNKNOWN_TAG, REPEATED, TOO_LONG, TOO_SHORT, MISSING, AFTER_END,
    FLOOD, REPLACED
} how;

static void raw(int fd, const void *data, size_t len)
{
    if (write(fd, data, len) != (ssize_t)len)
        _exit(9);
}

static void child(void *arg, int fd)
{
    how h = *(const how *)arg;
    uint32_t n = 42;
    dcts_frame_head foreign = { DCTS_FRAME_MAGIC, 12345, T_TEXT, 0 };
    char big[4096];

    switch (h) {
    case GOOD:
        dcts_proc_send(fd, T_NUMBER, &n, sizeof n);
        dcts_proc_send(fd, T_TEXT, "hello", 5);
        break;
    case GOOD_NO_NUMBER:
        dcts_proc_send(fd, T_TEXT, "", 0);
        break;
    case NOTHING:
        return;
    case NO_END:
        dcts_proc_send(fd, T_TEXT, "hello", 5);
        return;
    case CUT_HEADER:
        raw(fd, DCTS_FRAME_MAGIC, 8);
        return;
    case GARBAGE:
        raw(fd, "garbage! garbage! garbage!", 26);
        return;
    case FORGED:
        raw(fd, &foreign, sizeof foreign);
        break;
    case SCRIBBLED:
        dcts_proc_send(fd, T_TEXT, "hello", 5);
        raw(fd, &foreign, sizeof foreign);
        break;
    case UNKNOWN_TAG:
        dcts_proc_send(fd, 7, "x", 1);
        break;
    case REPEATED:
        dcts_proc_send(fd, T_TEXT, "a", 1);
        dcts_proc_send(fd, T_TEXT, "b", 1);
        break;
    case TOO_LONG:
        dcts_proc_send(fd, T_TEXT, "123456789", 9);
        break;
    case TOO_SHORT:
        dcts_proc_send(fd, T_TEXT, "a", 1);
        dcts_proc_send(fd, T_NUMBER, "ab", 2);
        break;
    case MISSING:
        break;
    case AFTER_END:
        dcts_proc_send(fd, T_TEXT, "a", 1);
        dcts_proc_send_end(fd);
        raw(fd, "x", 1);
        return;
    case FLOOD:
        memset(big, 'x', sizeof big);
        dcts_proc_send(fd, T_TEXT, "a", 1);
        raw(fd, big, sizeof big);
        return;
    case REPLACED: {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, fd);
        _exit(dcts_proc_send(fd, T_TEXT, "a", 1) == 0 ? 0 :
              DCTS_EXIT_RESULT_LOST);
    }
    }
    dcts_proc_send_end(fd);
}

static dcts_frames_status run(how h, dcts_frame *out, char *why, size_t len,
                              int *wstatus)
{
    dcts_proc p;
    char err[256];
    assert_int_equal(dcts_proc_spawn(&p, 0, dcts_frames_max(rules, NRULES),
                                     NULL, 0, child, &h, err, sizeof err), 0);
    p.deadline = p.start + 10;
    dcts_proc *const list[1] = { &p };
    while (!dcts_proc_done(&p))
        assert_int_equal(dcts_proc_step(list, 1, -1), 0);
    dcts_frames_status st = dcts_proc_frames(&p, rules, NRULES, out,
                                             "test record", why, len);
    /* The frames point into p->result: copied before it is freed. */
    static char text[16];
    if (st == DCTS_FRAMES_OK && out[0].data) {
        memcpy(text, out[0].data, out[0].len);
        out[0].data = text;
    }
    static uint32_t number;
    if (st == DCTS_FRAMES_OK && out[1].data) {
        memcpy(&number, out[1].data, sizeof number);
        out[1].data = (const char *)&number;
    }
    *wstatus = p.wstatus;
    dcts_proc_release(&p);
    return st;
}

static void received(void **state)
{
    (void)state;
    dcts_frame f[NRULES];
    char why[256];
    int ws;

    assert_int_equal(run(GOOD, f, why, sizeof why, &ws), DCTS_FRAMES_OK);
    assert_int_equal(f[0].len, 5);
    assert_memory_equal(f[0].data, "hello", 5);
    assert_int_equal(f[1].len, 4);
    uint32_t n;
    memcpy(&n, f[1].data, sizeof n);
    assert_int_equal(n, 42);

    assert_int_equal(run(GOOD_NO_NUMBER, f, why, sizeof why, &ws),
                     DCTS_FRAMES_OK);
    assert_non_null(f[0].data);
    assert_int_equal(f[0].len, 0);
    assert_null(f[1].data);             /* optional, not sent */
}

static void refused(void **state)
{
    (void)state;
    static const struct { how h; dcts_frames_status st; const char *want; }
    bad[] = {
        { NOTHING, DCTS_FRAMES_NONE, "no test record" },
        { NO_END, DCTS_FRAMES_TRUNCATED, "a truncated test record (29 bytes)" },
        { CUT_HEADER, DCTS_FRAMES_TRUNCATED, "a truncated test record (8 " },
        { GARBAGE, DCTS_FRAMES_GARBAGE, "garbage on its result pipe (26 " },
        { FORGED, DCTS_FRAMES_FORGED, "with the wrong nonce" },
        { SCRIBBLED, DCTS_FRAMES_CORRUPT, "with a corrupt end" },
        { UNKNOWN_TAG, DCTS_FRAMES_MALFORMED, "an unknown part 7" },
        { REPEATED, DCTS_FRAMES_MALFORMED, "another text length 1" },
        { TOO_LONG, DCTS_FRAMES_MALFORMED, "text length 9" },
        { TOO_SHORT, DCTS_FRAMES_MALFORMED, "number length 2" },
        { MISSING, DCTS_FRAMES_MALFORMED, "no text" },
        { AFTER_END, DCTS_FRAMES_MALFORMED, "1 after its end" },
        { FLOOD, DCTS_FRAMES_MALFORMED, "more than the" },
        { REPLACED, DCTS_FRAMES_NONE, "no test record" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dcts_frame f[NRULES];
        char why[256] = "";
        int ws;
        dcts_frames_status st = run(bad[i].h, f, why, sizeof why, &ws);
        if (st != bad[i].st || !strstr(why, bad[i].want))
            fail_msg("case %zu: status %d, wanted %d; \"%s\", wanted \"%s\"",
                     i, (int)st, (int)bad[i].st, why, bad[i].want);
        if (bad[i].h == REPLACED)
            assert_true(WIFEXITED(ws) &&
                        WEXITSTATUS(ws) == DCTS_EXIT_RESULT_LOST);
    }
}

/* Only a child spawn started can send: elsewhere there is no result pipe
 * (and no nonce) to send with. */
static void not_a_child(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(dcts_proc_send(p[1], T_TEXT, "a", 1), -1);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(received),
        cmocka_unit_test(refused),
        cmocka_unit_test(not_a_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
