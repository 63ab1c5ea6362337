/* services/notifier/intake.c: a decision record into dispatch input, and the id a dead
 * letter is filed under. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static uint8_t *pack(const char *id, const char *type, size_t *len)
{
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = (char *)id;
    d.type = (char *)type;
    d.rep_id = "rep-7";
    *len = quotawatch__v1__decision__get_packed_size(&d);
    uint8_t *buf = malloc(*len + 1);
    cr_assert_not_null(buf);
    quotawatch__v1__decision__pack(&d, buf);
    return buf;
}

Test(notifier_intake, a_decision_decodes)
{
    size_t len;
    uint8_t *buf = pack("dec-1", "warning.pacing", &len);
    Quotawatch__V1__Decision *d = qw_ntf_intake_decode(buf, len);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->id, "dec-1");
    cr_assert_str_eq(d->rep_id, "rep-7");
    quotawatch__v1__decision__free_unpacked(d, NULL);
    free(buf);
}

Test(notifier_intake, bytes_that_are_no_decision_are_refused)
{
    cr_assert_null(qw_ntf_intake_decode("\xff\xff\xff\xff", 4));
    /* An empty value decodes as a Decision without an id: not a usable delivery key. */
    cr_assert_null(qw_ntf_intake_decode(NULL, 0));
}

Test(notifier_intake, an_id_the_engine_could_not_have_built_is_refused_whole)
{
    size_t len;
    uint8_t *buf = pack("dec-1\r\nX-Injected: yes", "warning.pacing", &len);
    cr_assert_null(qw_ntf_intake_decode(buf, len), "control characters");
    free(buf);
    char *longid = malloc(QW_DECISION_ID_MAX + 1);
    memset(longid, 'a', QW_DECISION_ID_MAX);
    longid[QW_DECISION_ID_MAX] = '\0';
    buf = pack(longid, "warning.pacing", &len);
    cr_assert_null(qw_ntf_intake_decode(buf, len), "longer than the wire bound: never cut");
    free(buf);
    longid[QW_DECISION_ID_MAX - 1] = '\0';
    buf = pack(longid, "warning.pacing", &len);
    Quotawatch__V1__Decision *d = qw_ntf_intake_decode(buf, len);
    cr_assert_not_null(d, "exactly at the bound");
    quotawatch__v1__decision__free_unpacked(d, NULL);
    free(buf);
    free(longid);
}

Test(notifier_intake, targets_carry_batch_index_and_priority)
{
    qw_route_cfg_t routes;
    qw_route_cfg_init(&routes);
    snprintf(routes.webhook_url, sizeof(routes.webhook_url), "https://hooks.example/all");
    qw_roster_cache_t roster;
    qw_roster_cache_init(&roster);
    size_t len;
    uint8_t *buf = pack("dec-2", "review.termination_review", &len);
    Quotawatch__V1__Decision *d = qw_ntf_intake_decode(buf, len);
    cr_assert_not_null(d);
    qw_ntf_entry_t e[QW_ROUTE_MAX_TARGETS];
    size_t n = qw_ntf_intake_targets(&routes, &roster, d, 7, e, QW_ROUTE_MAX_TARGETS);
    cr_assert_eq(n, 1, "the generic webhook gets every decision");
    cr_assert_eq(e[0].msg, 7);
    cr_assert_eq(e[0].prio, qw_route_priority("review.termination_review"));
    cr_assert_eq(e[0].t.kind, QW_CHAN_WEBHOOK);
    cr_assert_eq(qw_ntf_intake_targets(&routes, &roster, d, 7, e, 0), 0, "cap is honoured");
    quotawatch__v1__decision__free_unpacked(d, NULL);
    free(buf);
    qw_roster_cache_free(&roster);
    qw_route_cfg_free(&routes);
}

Test(notifier_intake, dead_letter_id_is_the_header_or_unknown)
{
    char out[QW_DECISION_ID_MAX];
    qw_ntf_intake_dlq_id(NULL, 0, out, sizeof(out));
    cr_assert_str_eq(out, "unknown");
    qw_ntf_intake_dlq_id("abcdef", 3, out, sizeof(out));
    cr_assert_str_eq(out, "abc", "the header's bytes, not past its length");
}

Test(notifier_intake, only_channel_keeps_the_redriven_one)
{
    qw_ntf_entry_t e[4];
    memset(e, 0, sizeof(e));
    const char *ch[4] = {"rep.slack", "manager.email", "rep.slack", "webhook"};
    size_t msg[4] = {0, 1, 1, 1};
    for (int i = 0; i < 4; i++) {
        e[i].msg = msg[i];
        snprintf(e[i].t.channel, sizeof(e[i].t.channel), "%s", ch[i]);
    }
    /* Message 1 was redriven for manager.email (header bytes, not NUL-terminated). */
    size_t n = qw_ntf_intake_only_channel(e, 4, 1, "manager.emailXX", 13);
    cr_assert_eq(n, 2);
    cr_assert_eq(e[0].msg, 0, "other messages keep every target");
    cr_assert_str_eq(e[0].t.channel, "rep.slack");
    cr_assert_eq(e[1].msg, 1);
    cr_assert_str_eq(e[1].t.channel, "manager.email");
    cr_assert_eq(qw_ntf_intake_only_channel(e, n, 1, "manager.e", 9), 1, "no prefix match");
}
