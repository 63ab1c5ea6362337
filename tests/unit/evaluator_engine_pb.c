/* Decisions to protobuf and back (credit entries: wire_credit_entry.c; roster and quotas:
 * wire_roster_pb.c). */
#include "evaluator_engine_fixture.h"

#include "decision_pb.h"

TestSuite(evaluator_engine_pb, .init = fx_setup, .fini = fx_teardown);

Test(evaluator_engine_pb, decision_round_trip)
{
    qw_rep_profile_t rep;
    qw_quota_t q;
    qw_rep_state_t st;
    fx_rep(&rep, "ana", "east");
    fx_quota(&q, "ana", "2026-11", 100000);
    qw_rep_state_init(&st, "ana");
    qw_credit_t c = fx_credit("d1", 130000, "2026-11-05");
    cr_assert_eq(qw_engine_apply_credit(&eng, &rep, &q, &st, &c, 77), QW_OK);
    const qw_decision_t *d = fx_find(QW_DT_QUOTA_ACHIEVED);
    uint8_t buf[16384];
    size_t n = qw_decision_pb_pack(d, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(qw_decision_pb_pack(d, buf, 10), 0);
    Quotawatch__V1__Decision *m = quotawatch__v1__decision__unpack(NULL, n, buf);
    cr_assert_not_null(m);
    cr_assert_str_eq(m->id, "d:ana:2026-11:reward.quota_achieved");
    cr_assert_eq(m->n_audience, 3);
    cr_assert_str_eq(m->audience[2], "team");
    cr_assert_str_eq(m->policy_version, "test-7");
    cr_assert_eq(m->attainment_bp, 13000);
    cr_assert_eq(m->time_ms, 77);
    qw_decision_t *back = calloc(1, sizeof(*back));
    char err[QW_ERRSTR_MAX];
    cr_assert_eq(qw_decision_from_pb(m, back, err, sizeof(err)), QW_OK, "%s", err);
    quotawatch__v1__decision__free_unpacked(m, NULL);
    cr_assert_str_eq(back->id, d->id);
    cr_assert_str_eq(back->type, d->type);
    cr_assert_str_eq(back->rep_id, d->rep_id);
    cr_assert_str_eq(back->team_id, d->team_id);
    cr_assert_str_eq(back->period, d->period);
    cr_assert_str_eq(back->quota_version, d->quota_version);
    cr_assert_str_eq(back->currency, d->currency);
    cr_assert_str_eq(back->summary, d->summary);
    cr_assert_eq(back->audience, d->audience);
    cr_assert_eq(back->credited_minor, d->credited_minor);
    cr_assert_eq(back->quota_minor, d->quota_minor);
    cr_assert_eq(back->nevidence, d->nevidence);
    for (int i = 0; i < d->nevidence; i++) {
        cr_assert_str_eq(back->evidence[i].key, d->evidence[i].key);
        cr_assert_eq(back->evidence[i].value, d->evidence[i].value);
        cr_assert_str_eq(back->evidence[i].text, d->evidence[i].text);
    }
    free(back);
}
