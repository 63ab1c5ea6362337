/* The shared YAML loader (quotawatch/yaml.h): the byte screen that keeps libfyaml 0.7.12 from
 * looping, positions of syntax errors, duplicate keys with their key path, aliases, documents. */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "quotawatch/yaml.h"

static char err[QW_ERRSTR_MAX];

static int parse_n(const char *text, size_t len)
{
    qw_yaml_t y;
    err[0] = '\0';
    int rc = qw_yaml_parse(&y, "t.yaml", text, len, err, sizeof(err));
    if (rc == QW_OK) qw_yaml_free(&y);
    return rc;
}

#define REFUSED(text, msg)                                                                         \
    do {                                                                                           \
        cr_assert_eq(parse_n(text, sizeof(text) - 1), QW_ERR, "accepted: %s", text);               \
        cr_assert_str_eq(err, msg);                                                                \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The trigger class, found by experiment against libfyaml 0.7.12: a directive line (`%` at the
 * start of a line) holding a byte that is not valid UTF-8 -- `%` + any byte 0x80-0xff, `%a `
 * + one, `%YAML` + one, after a BOM or after other lines -- never returns. Every such input is
 * refused before the parser runs, each well within a second. */
Test(base_yaml, every_directive_hang_trigger_is_refused_fast, .timeout = 2.0)
{
    const char *prefixes[] = {"%", "%a ", "%YAML", "a: 1\n%", "\xef\xbb\xbf%", "%%", "% "};
    for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++)
        for (int b = 0x80; b <= 0xff; b++) {
            char buf[32];
            size_t n = strlen(prefixes[p]);
            memcpy(buf, prefixes[p], n);
            buf[n] = (char)b;
            double t0 = now_s();
            cr_assert_eq(parse_n(buf, n + 1), QW_ERR, "prefix %zu byte %02x accepted", p, b);
            cr_assert_lt(now_s() - t0, 1.0);
            cr_assert(strstr(err, "invalid UTF-8"), "%s", err);
        }
}

Test(base_yaml, screen_is_exact_utf8)
{
    qw_yaml_pos_t pos;
    char e[QW_ERRSTR_MAX];
    cr_assert_eq(qw_yaml_screen("a: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", 13, &pos, e, 256),
                 QW_OK, "%s", e);
    const char *bad[] = {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "\xc3",     "\xe2\x82",     "\x80",         "\xf8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(qw_yaml_screen(bad[i], strlen(bad[i]), &pos, e, sizeof(e)), QW_ERR, "%zu", i);
    cr_assert_eq(qw_yaml_screen("ab\n\xc3\xa9x\xff", 8, &pos, e, sizeof(e)), QW_ERR);
    cr_assert_eq(pos.line, 2);
    cr_assert_eq(pos.col, 3, "columns count characters, not bytes");
}

Test(base_yaml, syntax_errors_have_a_position)
{
    REFUSED("a: [1, 2\n", "t.yaml:2:1: invalid YAML: flow sequence without a closing bracket");
    REFUSED("a: \"x\n", "t.yaml:1:5: invalid YAML: double-quoted scalar without closing quote");
    REFUSED("\ta: 1\n", "t.yaml:1:1: a tab character: indent and separate with spaces");
    REFUSED("a: 1 \t# c\n", "t.yaml:1:6: a tab character: indent and separate with spaces");
}

/* Found by fuzz_policy: a diagnostic quoting a long run of digits and ": error:" overflowed the
 * position parse (UBSan). The input is kept here. */
Test(base_yaml, diagnostics_quoting_the_input_do_not_confuse_the_position)
{
    static const char in[] = "%%versio3333333333333333333333333333333333333333333: error:\t\t\t\t"
                             "\r\t\t\t\t\t\t\t\t\t\t\t\nrs";
    cr_assert_eq(parse_n(in, sizeof(in) - 1), QW_ERR);
    cr_assert_str_eq(err, "t.yaml:1:60: a tab character: indent and separate with spaces");
    /* The same digits without the tabs still reach the position parse. */
    static const char in2[] = "%%versio3333333333333333333333333333333333333333333: error:\nrs";
    cr_assert_eq(parse_n(in2, sizeof(in2) - 1), QW_ERR);
}

/* Found by fuzz_routes: libfyaml 0.7.12 dies rendering the diagnostic of a line of tabs. The
 * input is kept here; it is refused before libfyaml sees it. */
Test(base_yaml, tab_runs_never_reach_libfyaml)
{
    static const char in[] = "routes:\n  - n\x02\x02ame: rep-det\ncridien\t\t\t\t\t\t\t\t\t\t\t\t"
                             "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\te\t\t\t\t\t\t"
                             "*\"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
                             "ce: re# qw-notp\n   \n# ifL";
    cr_assert_eq(parse_n(in, sizeof(in) - 1), QW_ERR);
    cr_assert_str_eq(err, "t.yaml:3:8: a tab character: indent and separate with spaces");
}

Test(base_yaml, duplicate_keys_name_the_path)
{
    REFUSED("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: a: duplicate key (first at line 1)");
    REFUSED("x:\n  - {k: 1}\n  - {k: 1, k: 2}\n",
            "t.yaml:3:12: x[1].k: duplicate key (first at line 3)");
    REFUSED("a: 1\nb: 1\nb: 2\na: 2\n", "t.yaml:3:1: b: duplicate key (first at line 2)");
}

Test(base_yaml, one_plain_document)
{
    REFUSED("a: 1\n---\nb: 2\n",
            "t.yaml:2:1: a second YAML document: one document per file (remove the ---)");
    REFUSED("", "t.yaml: empty: no YAML document");
    REFUSED("# only a comment\n", "t.yaml: empty: no YAML document");
    REFUSED("- 1\n", "t.yaml: the document must be a mapping of keys");
    REFUSED("a: &x 1\nb: *x\n",
            "t.yaml:2:5: b: aliases (*x) are not supported: write the value out");
    REFUSED("? [a]\n: 1\n", "t.yaml:1:1: keys must be plain names, not lists");
    REFUSED("a: 1\n\0", "t.yaml:2:1: a NUL byte: the file is not text");
    cr_assert_eq(parse_n("%YAML 1.2\n---\na: 1\n...\n", 23), QW_OK, "%s", err);
}

Test(base_yaml, positions_and_messages)
{
    qw_yaml_t y;
    const char *t = "a:\n  b: hello\n";
    cr_assert_eq(qw_yaml_parse(&y, "f.yaml", t, strlen(t), err, sizeof(err)), QW_OK, "%s", err);
    struct fy_node *a = fy_node_mapping_lookup_by_string(qw_yaml_root(&y), "a", FY_NT);
    struct fy_node *b = fy_node_mapping_lookup_by_string(a, "b", FY_NT);
    qw_yaml_pos_t p = qw_yaml_pos(b);
    cr_assert(p.line == 2 && p.col == 6);
    p = qw_yaml_first_pos(a);
    cr_assert(p.line == 2 && p.col == 3, "a mapping starts at its first key");
    qw_yaml_err(err, sizeof(err), &y, p, "a.b", "bad value %s", "x\ny");
    cr_assert_str_eq(err, "f.yaml:2:3: a.b: bad value x?y", "no line breaks from the file");
    qw_yaml_err(err, sizeof(err), &y, (qw_yaml_pos_t){0, 0}, "", "whole file");
    cr_assert_str_eq(err, "f.yaml: whole file");
    qw_yaml_free(&y);
}

Test(base_yaml, empty_keys_are_refused)
{
    REFUSED(": 1\n", "t.yaml:1:3: an empty key");
    REFUSED("a:\n  '': 1\n", "t.yaml:2:4: a: an empty key");
}
