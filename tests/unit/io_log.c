/* JSON log lines never lose their msg: bytes that are not UTF-8 become U+FFFD, and a message
 * cut at the buffer size is cut on a character boundary. Also the UTF-8 helpers themselves. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/log.h"
#include "quotawatch/utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* Run qw_log with stderr in a temp file; returns the parsed line (caller decrefs). */
static json_t *logged(const char *msg)
{
    char path[] = "/tmp/qw-test-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    qw_log_init("test", "info");
    qw_log(QW_LOG_WARN, "test.event", "%s", msg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char line[8192] = {0};
    ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
    close(fd);
    unlink(path);
    cr_assert_gt(n, 0, "a line was written");
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    cr_assert_not_null(o, "valid JSON: %s (%s)", e.text, line);
    return o;
}

static const char *msg_of(json_t *o)
{
    json_t *m = json_object_get(o, "msg");
    cr_assert(json_is_string(m), "the msg field is there");
    return json_string_value(m);
}

Test(io_log, invalid_utf8_becomes_replacement_characters)
{
    json_t *o = logged("rep \xE9ric (latin-1) and \xFF\xFE here");
    cr_assert_str_eq(msg_of(o), "rep " FFFD "ric (latin-1) and " FFFD FFFD " here");
    cr_assert_str_eq(json_string_value(json_object_get(o, "event")), "test.event");
    json_decref(o);
}

Test(io_log, a_long_message_is_cut_on_a_character_boundary)
{
    /* 1022 bytes then a two-byte character: the 1023-byte buffer holds half of it. */
    char buf[2048];
    memset(buf, 'a', 1022);
    strcpy(buf + 1022, "\xC3\xA9 and more");
    json_t *o = logged(buf);
    const char *m = msg_of(o);
    cr_assert_eq(strlen(m), 1022, "cut before the character, not inside it (%zu)", strlen(m));
    cr_assert_eq(strspn(m, "a"), 1022);
    json_decref(o);
    /* A three-byte character cut after two of its bytes. */
    memset(buf, 'b', 1021);
    strcpy(buf + 1021, "\xE2\x82\xAC tail");
    o = logged(buf);
    cr_assert_eq(strlen(msg_of(o)), 1021);
    json_decref(o);
    /* A complete character that ends exactly at the limit stays. */
    memset(buf, 'c', 1021);
    strcpy(buf + 1021, "\xC3\xA9xyz");
    o = logged(buf);
    cr_assert_eq(strlen(msg_of(o)), 1023);
    json_decref(o);
}

static void lossy_is(const char *in, size_t len, const char *want, size_t wantlen)
{
    json_t *j = qw_utf8_json_lossy(in, len);
    cr_assert_not_null(j);
    cr_assert_eq(json_string_length(j), wantlen, "length for %zu input bytes", len);
    cr_assert_eq(memcmp(json_string_value(j), want, wantlen), 0);
    json_decref(j);
}

#define LOSSY(in, want) lossy_is(in, sizeof(in) - 1, want, sizeof(want) - 1)

Test(io_log, utf8_repair_follows_the_maximal_subpart_rule)
{
    LOSSY("plain ascii", "plain ascii");
    LOSSY("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    LOSSY("a\0b", "a\0b");                          /* NUL kept: json_stringn takes it */
    LOSSY("\xC0\xAF", FFFD FFFD);                   /* overlong */
    LOSSY("\xED\xA0\x80", FFFD FFFD FFFD);          /* a surrogate */
    LOSSY("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    LOSSY("x\xE2\x82y", "x" FFFD "y");              /* a truncated sequence is one */
    LOSSY("\xF0\x9F\x98", FFFD);                    /* also at the end */
    LOSSY("\x80\xBF", FFFD FFFD);                   /* stray continuation bytes */
    cr_assert_eq(qw_utf8_cut("ab\xE2\x82", 4), 2);
    cr_assert_eq(qw_utf8_cut("ab\xE2\x82\xAC", 5), 5);
    cr_assert_eq(qw_utf8_cut("ab\xFF", 3), 3, "an invalid byte is not a cut character");
    cr_assert_eq(qw_utf8_cut("ab\xC3", 3), 2);
}
