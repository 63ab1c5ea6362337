/* The id rule (quotawatch/id.h): printable UTF-8, no controls, one length bound. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/id.h"

static int ok(const char *s)
{
    char err[QW_ERRSTR_MAX];
    return qw_id_valid(s, strlen(s), err, sizeof(err)) == QW_OK;
}

static int ok_n(const char *s, size_t n)
{
    char err[QW_ERRSTR_MAX];
    return qw_id_valid(s, n, err, sizeof(err)) == QW_OK;
}

Test(id, accepts_printable_utf8)
{
    cr_assert(ok("005Rep"));
    cr_assert(ok("rep-1@example.com"));
    cr_assert(ok("team a/b"));
    cr_assert(ok("M\xc3\xbcller"));            /* ü */
    cr_assert(ok("\xe6\x9d\xb1\xe4\xba\xac")); /* 東京 */
    cr_assert(ok("\xf0\x9f\x98\x80"));         /* U+1F600 */
    cr_assert(ok("\xc2\xa0"));                 /* U+00A0, first after C1 */
}

Test(id, refuses_controls)
{
    cr_assert_not(ok("rep\r\nX-Injected: yes"));
    cr_assert_not(ok("rep\n"));
    cr_assert_not(ok("a\tb"));
    cr_assert_not(ok("a\x1b[31m"));
    cr_assert_not(ok("a\x7f"));
    cr_assert_not(ok("a\xc2\x85")); /* U+0085 NEL (C1) */
    cr_assert_not(ok("a\xc2\x9f")); /* U+009F, last C1 */
    cr_assert_not(ok_n("a\0b", 3));
}

Test(id, refuses_invalid_utf8)
{
    cr_assert_not(ok("\x80"));             /* lone continuation */
    cr_assert_not(ok("\xc3"));             /* truncated */
    cr_assert_not(ok("\xc3("));            /* bad continuation */
    cr_assert_not(ok("\xc0\xaf"));         /* overlong '/' */
    cr_assert_not(ok("\xe0\x80\xaf"));     /* overlong, 3 bytes */
    cr_assert_not(ok("\xed\xa0\x80"));     /* surrogate U+D800 */
    cr_assert_not(ok("\xf4\x90\x80\x80")); /* past U+10FFFF */
    cr_assert_not(ok("\xff"));
    cr_assert_not(ok_n("\xe6\x9d\xb1", 2)); /* cut by the length */
}

Test(id, one_length_bound)
{
    char err[QW_ERRSTR_MAX], s[QW_DECISION_ID_MAX];
    memset(s, 'a', sizeof(s));
    cr_assert_eq(qw_id_valid(s, QW_ID_LEN_MAX, err, sizeof(err)), QW_OK);
    cr_assert_eq(qw_id_valid(s, QW_ID_LEN_MAX + 1, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "at most 127") != NULL, "%s", err);
    cr_assert_eq(qw_id_valid(s, 0, err, sizeof(err)), QW_ERR);
    cr_assert_eq(qw_id_valid_max(s, 200, QW_DECISION_ID_MAX - 1, err, sizeof(err)), QW_OK);
}
