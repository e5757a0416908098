/*
 * harness_text.c: escaping, UTF-8, quoting, captured output, signal names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "proc.h"
#include "text.h"
#include "harness_check.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static char *clean(const char *s, unsigned flags)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_clean(&b, s, flags);
    return dcts_buf_take(&b);
}

static char *xml(const char *s, int attr)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_xml(&b, s, attr);
    return dcts_buf_take(&b);
}

static char *escaped(const char *s, const char *special)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_escaped(&b, s, special);
    return dcts_buf_take(&b);
}

static char *quoted(const char *s)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_quoted(&b, s);
    return dcts_buf_take(&b);
}

static char *shell(const char *s)
{
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_shell(&b, s);
    return dcts_buf_take(&b);
}

/* Every byte value but NUL, in order: the worst a string can hold. */
static const char *every_byte(void)
{
    static char all[256];
    for (int c = 1; c < 256; c++)
        all[c - 1] = (char)c;
    return all;
}

#define EXPECT(expr, want)                                                 \
    do { char *got_ = (expr); assert_string_equal(got_, want);             \
         free(got_); } while (0)

static void utf8(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(dcts_utf8_next((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(dcts_utf8_next((const unsigned char *)"\xc3\xa9", 2,
                                    &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(dcts_utf8_next((const unsigned char *)"\xe2\x82\xac", 3,
                                    &cp), 3);
    assert_int_equal(cp, 0x20ac);
    assert_int_equal(dcts_utf8_next((const unsigned char *)"\xf0\x9f\x98\x80",
                                    4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    static const char *const bad[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe",
        "\xc3", "\xe2\x82", "\xc3\x28",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (dcts_utf8_next((const unsigned char *)bad[i], strlen(bad[i]),
                           &cp) != 0)
            fail_msg("bad sequence %zu accepted", i);
}

static void cleaning(void **state)
{
    (void)state;
    EXPECT(clean("plain text", 0), "plain text");
    EXPECT(clean("a\nb\tc", 0), "a b c");
    EXPECT(clean("a\nb\tc", DCTS_KEEP_NL | DCTS_KEEP_TAB), "a\nb\tc");
    EXPECT(clean("a\r\nb\rc", DCTS_KEEP_NL), "a\nb?c");
    EXPECT(clean("\x1b[31mred\x1b[0m", 0), "?[31mred?[0m");
    EXPECT(clean("\x01\x7f", 0), "??");
    EXPECT(clean("caf\xc3\xa9 \xe2\x82\xac", 0), "caf\xc3\xa9 \xe2\x82\xac");
    EXPECT(clean("\xc2\x85\xc2\x9b", 0), "??");                 /* C1 */
    EXPECT(clean("\xe2\x80\xa8\xef\xbb\xbf\xef\xbf\xbe", 0), "???");
    EXPECT(clean("\xff\xfe" "x" "\xc0\xaf", 0), "??x??");
    EXPECT(clean("\xed\xa0\x80", 0), "???");                    /* surrogate */
}

static void backslash_escaping(void **state)
{
    (void)state;
    EXPECT(escaped("a#b\\c\x1b\n#", "#\\"), "a\\#b\\\\c? \\#");
    EXPECT(escaped("*x*", ""), "*x*");
    EXPECT(quoted("say \"hi\"\\\t\xff"), "\"say \\\"hi\\\"\\\\ ?\"");
    EXPECT(quoted(""), "\"\"");

    /* Every byte: still one valid JSON string. */
    char *all = quoted(every_byte());
    assert_null(json_problem(all));
    free(all);
}

static void xml_escaping(void **state)
{
    (void)state;
    EXPECT(xml("<a href=\"x\">&'</a>", 0),
           "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    EXPECT(xml("]]>", 0), "]]&gt;");
    EXPECT(xml("a\tb\nc\rd", 0), "a\tb\nc?d");
    EXPECT(xml("a\tb\nc\rd", 1), "a&#9;b&#10;c?d");
    EXPECT(xml("a\r\nb\xe2\x80\xa8" "c\xe2\x80\xa9" "d", 0), "a\nb?c?d");
    EXPECT(xml("\x01\x08\x0b\x0c\x1f\x7f", 0), "??????");
    EXPECT(xml("\xef\xbf\xbe\xef\xbf\xbf", 0), "??");
    EXPECT(xml("caf\xc3\xa9\xff", 1), "caf\xc3\xa9?");
    EXPECT(xml("\xc2\x85", 0), "?");

    /* Every byte value, in a document: still well-formed. */
    dcts_buf doc = DCTS_BUF_INIT;
    dcts_buf_puts(&doc, "<r a=\"");
    dcts_buf_add_xml(&doc, every_byte(), 1);
    dcts_buf_puts(&doc, "\">");
    dcts_buf_add_xml(&doc, every_byte(), 0);
    dcts_buf_puts(&doc, "</r>");
    const char *why = xml_problem(dcts_buf_str(&doc));
    if (why)
        fail_msg("not well-formed: %s", why);
    dcts_buf_free(&doc);
}

static void the_checker_catches_breakage(void **state)
{
    (void)state;
    assert_null(xml_problem("<?xml version=\"1.0\"?>\n<a b=\"1\"><c/>x&amp;y</a>\n"));
    assert_non_null(xml_problem("<a>x & y</a>"));
    assert_non_null(xml_problem("<a b=\"<\"/>"));
    assert_non_null(xml_problem("<a><b></a></b>"));
    assert_non_null(xml_problem("<a>\x01</a>"));
    assert_non_null(xml_problem("<a>\xff</a>"));
    assert_non_null(xml_problem("<a>]]></a>"));
    assert_non_null(xml_problem("<a/><b/>"));
    assert_non_null(xml_problem("<a b=\"1\" b=\"2\"/>"));
    size_t n;
    assert_null(tap_problem("TAP version 13\n1..1\nok 1 - a\n", &n));
    assert_non_null(tap_problem("TAP version 13\n1..2\nok 1 - a\n", &n));
    assert_non_null(tap_problem("TAP version 13\n1..1\nok 1 - a # b\n", &n));
    assert_non_null(tap_problem("TAP version 13\n1..1\nok 1 - a\nstray\n", &n));
    assert_null(tap_problem("TAP version 13\n1..1\nok 1 - a \\# b # SKIP x\n", &n));
}

static void shells(void **state)
{
    (void)state;
    EXPECT(shell("build/backends/poll.so"), "build/backends/poll.so");
    EXPECT(shell("my backend.so"), "'my backend.so'");
    EXPECT(shell("it's"), "'it'\\''s'");
    EXPECT(shell("$(rm -rf /)"), "'$(rm -rf /)'");
    EXPECT(shell(""), "''");
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_shell_quoted(&b, "tmo-1");
    assert_string_equal(dcts_buf_str(&b), "'tmo-1'");
    dcts_buf_free(&b);
}

static void layout(void **state)
{
    (void)state;
    dcts_buf b = DCTS_BUF_INIT;
    dcts_buf_add_indented(&b, "one\ntwo\n\nthree\n", "> ");
    assert_string_equal(dcts_buf_str(&b), "> one\n> two\n> \n> three\n");
    dcts_buf_free(&b);
    dcts_buf_add_first_line(&b, "  first line  \nsecond", 100);
    assert_string_equal(dcts_buf_str(&b), "first line");
    dcts_buf_free(&b);
    dcts_buf_add_first_line(&b, "abcdefghij", 6);
    assert_string_equal(dcts_buf_str(&b), "abc...");
    dcts_buf_free(&b);
    dcts_buf_add_first_line(&b, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6);
    assert_null(text_problem(dcts_buf_str(&b), ""));   /* cut whole chars */
    dcts_buf_free(&b);
    assert_int_equal(dcts_text_width("caf\xc3\xa9"), 4);
    dcts_buf_printf(&b, "%d-%s", 42, "x");
    assert_string_equal(dcts_buf_str(&b), "42-x");
    char *s = dcts_buf_take(&b);
    assert_string_equal(s, "42-x");
    free(s);
    s = dcts_buf_take(&b);                  /* empty: "" not NULL */
    assert_string_equal(s, "");
    free(s);
}

static void capture(void **state)
{
    (void)state;
    dcts_capture *c = calloc(1, sizeof *c);
    assert_null(dcts_capture_text(c));
    dcts_capture_add(c, "hello\n", 6);
    char *t = dcts_capture_text(c);
    assert_string_equal(t, "hello\n");
    free(t);

    /* 10000 bytes: the first and last 2048 are kept. */
    memset(c, 0, sizeof *c);
    char big[10000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof big; i += 333)
        dcts_capture_add(c, big + i, sizeof big - i < 333 ? sizeof big - i
                                                          : 333);
    t = dcts_capture_text(c);
    assert_memory_equal(t, big, DCTS_CAPTURE_HALF);
    assert_non_null(strstr(t, "[... 5904 bytes not shown ...]\n"));
    size_t len = strlen(t);
    assert_memory_equal(t + len - DCTS_CAPTURE_HALF,
                        big + sizeof big - DCTS_CAPTURE_HALF,
                        DCTS_CAPTURE_HALF);
    free(t);

    /* A NUL in the output does not cut the text. */
    memset(c, 0, sizeof *c);
    dcts_capture_add(c, "a\0b", 3);
    t = dcts_capture_text(c);
    assert_string_equal(t, "a?b");
    free(t);
    free(c);
}

static void signals(void **state)
{
    (void)state;
    char buf[32], desc[128];
    assert_string_equal(dcts_signal_name(SIGSEGV, buf, sizeof buf), "SIGSEGV");
    assert_string_equal(dcts_signal_name(SIGABRT, buf, sizeof buf), "SIGABRT");
    assert_string_equal(dcts_signal_name(SIGKILL, buf, sizeof buf), "SIGKILL");
    assert_string_equal(dcts_signal_name(SIGRTMIN + 2, buf, sizeof buf),
                        "SIGRTMIN+2");
    dcts_describe_wait_status(SIGSEGV, desc, sizeof desc);  /* WIFSIGNALED */
    assert_non_null(strstr(desc, "killed by SIGSEGV ("));
    dcts_describe_wait_status(3 << 8, desc, sizeof desc);
    assert_string_equal(desc, "exited with status 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8),
        cmocka_unit_test(cleaning),
        cmocka_unit_test(backslash_escaping),
        cmocka_unit_test(xml_escaping),
        cmocka_unit_test(the_checker_catches_breakage),
        cmocka_unit_test(shells),
        cmocka_unit_test(layout),
        cmocka_unit_test(capture),
        cmocka_unit_test(signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
