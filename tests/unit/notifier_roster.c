/* The in-memory roster: insert, replace, tombstone, growth, and a record that does not decode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/channel.h"
#include "quotawatch/common.h"
#include "quotawatch/v1/roster.pb-c.h"
#include "roster_cache.h"

static size_t pack(const char *id, const char *email, int opt_out, uint8_t *buf)
{
    Quotawatch__V1__RepProfile p = QUOTAWATCH__V1__REP_PROFILE__INIT;
    p.rep_id = (char *)id;
    p.email = (char *)email;
    p.recognition_opt_out = opt_out;
    return quotawatch__v1__rep_profile__pack(&p, buf);
}

Test(notifier_roster, apply_replace_delete)
{
    qw_roster_cache_t c;
    qw_roster_cache_init(&c);
    uint8_t buf[256];
    char id[32], email[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof(id), "rep-%d", i);
        snprintf(email, sizeof(email), "r%d@example.com", i);
        size_t n = pack(id, email, 0, buf);
        cr_assert_eq(qw_roster_cache_apply(&c, id, strlen(id), buf, n), 0);
    }
    cr_assert_eq(c.map.n, 1000);
    cr_assert_str_eq(qw_roster_cache_get(&c, "rep-500")->email, "r500@example.com");
    size_t n = pack("rep-500", "new@example.com", 1, buf);
    qw_roster_cache_apply(&c, "rep-500", 7, buf, n);
    cr_assert_str_eq(qw_roster_cache_get(&c, "rep-500")->email, "new@example.com");
    cr_assert(qw_roster_cache_get(&c, "rep-500")->recognition_opt_out);
    /* Tombstones remove; every other rep stays findable (probe chains repaired). */
    for (int i = 0; i < 1000; i += 3) {
        snprintf(id, sizeof(id), "rep-%d", i);
        cr_assert_eq(qw_roster_cache_apply(&c, id, strlen(id), NULL, 0), 0);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof(id), "rep-%d", i);
        if (i % 3 == 0)
            cr_assert_null(qw_roster_cache_get(&c, id), "%s", id);
        else
            cr_assert_not_null(qw_roster_cache_get(&c, id), "%s", id);
    }
    cr_assert_null(qw_roster_cache_get(&c, "nobody"));
    /* A record that does not decode changes nothing. */
    cr_assert_neq(qw_roster_cache_apply(&c, "rep-1", 5, "\xff\xff\xff", 3), 0);
    cr_assert_not_null(qw_roster_cache_get(&c, "rep-1"));
    qw_roster_cache_free(&c);
}

Test(notifier_roster, retry_after_forms)
{
    /* Not roster, but the other small parser of the shell: Retry-After. */
    cr_assert_eq(qw_chan_retry_after("2", 0), 2000);
    cr_assert_eq(qw_chan_retry_after("0", 0), 0);
    cr_assert_eq(qw_chan_retry_after("999999", 0), 86400000);
    cr_assert_eq(qw_chan_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470000LL), 10000);
    cr_assert_eq(qw_chan_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490000LL), 0);
    cr_assert_eq(
        qw_chan_retry_after("Oct0000000522680363\x90"
                            "20;",
                            1445412470000LL),
        86400000,
        "a date far in the future (found by fuzz_notifier_answers) is capped, no overflow");
    cr_assert_eq(qw_chan_retry_after("soon", 0), -1);
    cr_assert_eq(qw_chan_retry_after("", 0), -1);
}

/* Roster ids reach headers and Redis keys: a record whose key, rep, manager or team id breaks
 * the id rule is refused whole and the cache is unchanged. */
Test(notifier_roster, invalid_ids_are_refused)
{
    qw_roster_cache_t c;
    qw_roster_cache_init(&c);
    uint8_t buf[256];
    size_t n = pack("r\r\nX: y", "a@example.com", 0, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r\r\nX: y", 8, buf, n), QW_ERR);
    Quotawatch__V1__RepProfile p = QUOTAWATCH__V1__REP_PROFILE__INIT;
    p.rep_id = "r1";
    p.manager_id = "m\nX-Injected: yes";
    n = quotawatch__v1__rep_profile__pack(&p, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r1", 2, buf, n), QW_ERR);
    p.manager_id = "m1";
    p.team_id = "t\xc2\x85";
    n = quotawatch__v1__rep_profile__pack(&p, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r1", 2, buf, n), QW_ERR);
    cr_assert_eq(c.map.n, 0);
    p.team_id = "t1";
    n = quotawatch__v1__rep_profile__pack(&p, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r1", 2, buf, n), QW_OK);
    cr_assert_eq(c.map.n, 1);
    qw_roster_cache_free(&c);
}

/* A hostile CRM's display name: too long is cut at a character, never a reason to drop the
 * rep (tests/integration/notifier_delivery.sh sends a 420-byte one, which fits whole). */
Test(notifier_roster, long_display_names_are_cut_not_refused)
{
    qw_roster_cache_t c;
    qw_roster_cache_init(&c);
    static char name[2000];
    size_t k = 0;
    while (k + 2 < sizeof(name))
        name[k++] = (char)0xc3, name[k++] = (char)0xa9; /* é */
    static uint8_t buf[4096];
    Quotawatch__V1__RepProfile p = QUOTAWATCH__V1__REP_PROFILE__INIT;
    p.rep_id = "r1";
    p.name = name;
    size_t n = quotawatch__v1__rep_profile__pack(&p, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r1", 2, buf, n), QW_OK);
    const qw_rep_profile_t *got = qw_roster_cache_get(&c, "r1");
    cr_assert_not_null(got);
    size_t len = strlen(got->name);
    cr_assert_eq(len, sizeof(got->name) - 2, "cut before the character that does not fit");
    cr_assert_eq(memcmp(got->name, name, len), 0);
    name[420] = '\0';
    n = quotawatch__v1__rep_profile__pack(&p, buf);
    cr_assert_eq(qw_roster_cache_apply(&c, "r1", 2, buf, n), QW_OK);
    cr_assert_str_eq(qw_roster_cache_get(&c, "r1")->name, name, "420 bytes fit whole");
    qw_roster_cache_free(&c);
}
