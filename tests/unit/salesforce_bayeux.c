/* qw-salesforce's Bayeux core: the requests as CometD/Salesforce expect them, and replies
 * classified the way the subscriber must act on them. The payloads it extracts are checked
 * through qw-ingest's own Salesforce adapter: the subscriber must produce what it parses. */
#include "sf_bayeux.h"

#include <criterion/criterion.h>
#include <string.h>

#include "ingest_adapter_util.h"

#define CH "/data/OpportunityChangeEvent"

static qw_sf_reply_t parse(const char *meta, const char *json)
{
    qw_sf_reply_t r;
    char err[256];
    cr_assert_eq(qw_sf_reply_parse(json, strlen(json), meta, CH, &r, err, sizeof(err)), QW_OK, "%s",
                 err);
    return r;
}

Test(salesforce_bayeux, requests)
{
    char *s = qw_sf_handshake_msg();
    cr_assert_str_eq(s, "[{\"channel\":\"/meta/handshake\",\"version\":\"1.0\",\"minimumVersion\":"
                        "\"1.0\",\"supportedConnectionTypes\":[\"long-polling\"],\"ext\":{"
                        "\"replay\":true}}]");
    free(s);
    s = qw_sf_subscribe_msg("abc123", CH, 41007);
    cr_assert_str_eq(s, "[{\"channel\":\"/meta/subscribe\",\"clientId\":\"abc123\","
                        "\"subscription\":\"" CH "\",\"ext\":{\"replay\":{\"" CH "\":41007}}}]");
    free(s);
    s = qw_sf_subscribe_msg("abc123", CH, -2);
    cr_assert(strstr(s, "{\"" CH "\":-2}"), "%s", s);
    free(s);
    s = qw_sf_connect_msg("abc123");
    cr_assert_str_eq(s, "[{\"channel\":\"/meta/connect\",\"clientId\":\"abc123\","
                        "\"connectionType\":\"long-polling\"}]");
    free(s);
    s = qw_sf_disconnect_msg("abc123");
    cr_assert_str_eq(s, "[{\"channel\":\"/meta/disconnect\",\"clientId\":\"abc123\"}]");
    free(s);
}

Test(salesforce_bayeux, refuses_what_is_not_syntax_safe)
{
    cr_assert_null(qw_sf_connect_msg(""));
    cr_assert_null(qw_sf_connect_msg("a b"));
    cr_assert_null(qw_sf_connect_msg("a\"b\n"));
    cr_assert_null(qw_sf_subscribe_msg("id", "data/NoSlash", -1));
    cr_assert_null(qw_sf_subscribe_msg("id", "/data/Opp\"ortunity", -1));
    cr_assert(qw_sf_channel_valid("/data/Custom__ChangeEvent"));
    cr_assert(!qw_sf_channel_valid("/"));
    cr_assert(!qw_sf_channel_valid("/data/Opp Event"));
}

Test(salesforce_bayeux, handshake_reply)
{
    qw_sf_reply_t r = parse("/meta/handshake",
                            "[{\"channel\":\"/meta/handshake\",\"clientId\":\"21w1cv5nvsul\","
                            "\"version\":\"1.0\",\"successful\":true,\"advice\":{\"reconnect\":"
                            "\"retry\",\"interval\":0,\"timeout\":110000}}]");
    cr_assert_eq(r.next, QW_SF_NEXT_OK);
    cr_assert_str_eq(r.client_id, "21w1cv5nvsul");
    cr_assert(r.advice.present);
    cr_assert_str_eq(r.advice.reconnect, "retry");
    cr_assert_eq(r.advice.timeout_ms, 110000);
    cr_assert_eq(r.advice.interval_ms, 0);
    qw_sf_reply_free(&r);
}

Test(salesforce_bayeux, advice_out_of_range_is_bounded)
{
    /* A hostile or broken server: 1e48 ms (no cast of an unrepresentable double), and more
     * than a day in whole numbers, both mean at most a day. */
    qw_sf_reply_t r =
        parse("/meta/handshake", "[{\"channel\":\"/meta/handshake\",\"clientId\":\"c1\","
                                 "\"successful\":true,\"advice\":{\"interval\":1.1e48,"
                                 "\"timeout\":99999999999999}}]");
    cr_assert_eq(r.advice.interval_ms, 24LL * 3600 * 1000);
    cr_assert_eq(r.advice.timeout_ms, 24LL * 3600 * 1000);
    qw_sf_reply_free(&r);
}

Test(salesforce_bayeux, unknown_client_means_handshake)
{
    qw_sf_reply_t r = parse("/meta/connect", "[{\"channel\":\"/meta/connect\",\"clientId\":\"x\","
                                             "\"successful\":false,\"error\":\"403::Unknown "
                                             "client\",\"advice\":{\"reconnect\":\"handshake\"}}]");
    cr_assert_eq(r.next, QW_SF_NEXT_HANDSHAKE);
    qw_sf_reply_free(&r);
    /* The advice alone also asks for a new session, even on a successful reply. */
    r = parse("/meta/connect", "[{\"channel\":\"/meta/connect\",\"successful\":true,"
                               "\"advice\":{\"reconnect\":\"handshake\"}}]");
    cr_assert_eq(r.next, QW_SF_NEXT_HANDSHAKE);
    qw_sf_reply_free(&r);
}

Test(salesforce_bayeux, expired_replay_id_auth_and_other_refusals)
{
    qw_sf_reply_t r = parse(
        "/meta/subscribe",
        "[{\"clientId\":\"x\",\"channel\":\"/meta/subscribe\",\"subscription\":\"" CH "\","
        "\"successful\":false,\"error\":\"400::The replayId {5} you provided was invalid.  "
        "Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.\"}]");
    cr_assert_eq(r.next, QW_SF_NEXT_REPLAY_EXPIRED);
    cr_assert(strstr(r.error, "replayId {5}"));
    qw_sf_reply_free(&r);
    r = parse("/meta/handshake", "[{\"channel\":\"/meta/handshake\",\"successful\":false,"
                                 "\"error\":\"401::Authentication invalid\"}]");
    cr_assert_eq(r.next, QW_SF_NEXT_LOGIN);
    qw_sf_reply_free(&r);
    r = parse("/meta/subscribe", "[{\"channel\":\"/meta/subscribe\",\"successful\":false,"
                                 "\"error\":\"403::Unknown channel\"}]");
    cr_assert_eq(r.next, QW_SF_NEXT_RETRY);
    qw_sf_reply_free(&r);
    /* Refused without saying why: retried, never taken for success. */
    r = parse("/meta/connect", "[{\"channel\":\"/meta/connect\",\"successful\":false}]");
    cr_assert_eq(r.next, QW_SF_NEXT_RETRY);
    qw_sf_reply_free(&r);
    r = parse("/meta/connect", "[{\"channel\":\"/meta/connect\",\"successful\":false,"
                               "\"advice\":{\"reconnect\":\"none\"}}]");
    cr_assert_eq(r.next, QW_SF_NEXT_STOP);
    qw_sf_reply_free(&r);
    /* A replay-id text on another channel is not an expired subscription. */
    cr_assert_eq(qw_sf_classify("/meta/connect", "400::replayId invalid", ""), QW_SF_NEXT_RETRY);
}

Test(salesforce_bayeux, connect_reply_events_are_what_the_adapter_reads)
{
    size_t n;
    char *fixture = t_slurp(QW_FIXTURES "/salesforce/cometd_update_won.json", &n);
    char *reply = malloc(n + 256);
    snprintf(reply, n + 256,
             "[%s,{\"channel\":\"/meta/connect\",\"clientId\":\"c1\",\"successful\":true}]",
             fixture);
    qw_sf_reply_t r = parse("/meta/connect", reply);
    cr_assert_eq(r.next, QW_SF_NEXT_OK);
    cr_assert_eq(r.nevents, 1);
    cr_assert_str_eq(r.events[0].change_type, "UPDATE");
    cr_assert(!r.events[0].gap);
    /* The payload alone gives the patches the whole CometD message gives. */
    t_patches_t a, b;
    qw_adapter_err_t err;
    cr_assert_gt(t_parse(QW_SRC_SALESFORCE, fixture, &a, &err), 0, "%s", err.errstr);
    cr_assert_gt(t_parse(QW_SRC_SALESFORCE, r.events[0].payload, &b, &err), 0, "%s", err.errstr);
    cr_assert_eq(a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        cr_assert_str_eq(a.dc[i].deal_id, b.dc[i].deal_id);
        cr_assert_eq(a.dc[i].version, b.dc[i].version);
        cr_assert_eq(a.dc[i].present, b.dc[i].present);
        cr_assert_eq(a.dc[i].status, b.dc[i].status);
        cr_assert_eq(a.dc[i].amount_minor, b.dc[i].amount_minor);
    }
    cr_assert_gt(r.events[0].replay_id, 0);
    qw_sf_reply_free(&r);
    free(reply);
    free(fixture);
}

Test(salesforce_bayeux, gap_events_and_order)
{
    qw_sf_reply_t r = parse(
        "/meta/connect",
        "[{\"channel\":\"" CH "\",\"data\":{\"payload\":{\"ChangeEventHeader\":{\"entityName\":"
        "\"Opportunity\",\"changeType\":\"GAP_UPDATE\",\"recordIds\":[\"006Qw0000000001AAA\","
        "\"006Qw0000000002AAA\"],\"commitTimestamp\":1794729600000,\"sequenceNumber\":3}},"
        "\"event\":{\"replayId\":7}}},"
        "{\"channel\":\"/meta/connect\",\"successful\":true},"
        "{\"channel\":\"/data/"
        "OtherChangeEvent\",\"data\":{\"payload\":{},\"event\":{\"replayId\":9}}},"
        "{\"channel\":\"" CH "\",\"data\":{\"payload\":{\"a\":1},\"event\":{\"replayId\":8}}}]");
    cr_assert_eq(r.nevents, 2, "other channels are not kept");
    cr_assert(r.events[0].gap);
    cr_assert_str_eq(r.events[0].change_type, "GAP_UPDATE");
    cr_assert_eq(r.events[0].nrecord_ids, 2);
    cr_assert_str_eq(r.events[0].record_ids[1], "006Qw0000000002AAA");
    cr_assert_eq(r.events[0].commit_ms, 1794729600000LL);
    cr_assert_eq(r.events[0].sequence, 3);
    cr_assert_eq(r.events[0].replay_id, 7);
    cr_assert_eq(r.events[1].replay_id, 8);
    cr_assert(!r.events[1].gap, "no changeType: not a gap (the adapter refuses it)");
    cr_assert_str_eq(r.events[1].payload, "{\"a\":1}");
    qw_sf_reply_free(&r);
}

Test(salesforce_bayeux, gap_types_are_the_adapters)
{
    cr_assert(qw_sf_change_is_gap("GAP_UPDATE"));
    cr_assert(qw_sf_change_is_gap("GAP_OVERFLOW"));
    cr_assert(qw_sf_change_is_gap("MERGE"), "unknown types are gaps, as qw-ingest reads them");
    cr_assert(!qw_sf_change_is_gap("CREATE"));
    cr_assert(!qw_sf_change_is_gap("UPDATE"));
    cr_assert(!qw_sf_change_is_gap("DELETE"));
    cr_assert(!qw_sf_change_is_gap("UNDELETE"));
}

static void refuse(const char *meta, const char *json, const char *why)
{
    qw_sf_reply_t r;
    char err[256] = "";
    cr_assert_eq(qw_sf_reply_parse(json, strlen(json), meta, CH, &r, err, sizeof(err)), QW_ERR,
                 "accepted %s", json);
    cr_assert(strstr(err, why), "error \"%s\" does not say \"%s\"", err, why);
    cr_assert_eq(r.nevents, 0);
    cr_assert_null(r.events);
}

Test(salesforce_bayeux, unreadable_replies)
{
    refuse("/meta/connect", "<html>", "not JSON");
    refuse("/meta/connect", "{\"channel\":\"/meta/connect\"}", "not a JSON array");
    refuse("/meta/connect", "[]", "no /meta/connect");
    refuse("/meta/connect", "[{\"channel\":\"/meta/handshake\",\"successful\":true}]",
           "no /meta/connect");
    refuse("/meta/connect", "[1]", "no channel");
    refuse("/meta/connect",
           "[{\"channel\":\"" CH "\",\"data\":{\"payload\":{}}},{\"channel\":\"/meta/connect\"}]",
           "replayId");
    refuse("/meta/connect",
           "[{\"channel\":\"" CH "\",\"data\":{\"event\":{\"replayId\":1}}},{\"channel\":\"/meta/"
           "connect\"}]",
           "payload");
    refuse("/meta/connect",
           "[{\"channel\":\"" CH "\",\"data\":{\"payload\":{},\"event\":{\"replayId\":-4}}},"
           "{\"channel\":\"/meta/connect\"}]",
           "negative");
    refuse("/meta/connect",
           "[{\"channel\":\"" CH "\",\"data\":{\"payload\":{},\"event\":{\"replayId\":1.5}}},"
           "{\"channel\":\"/meta/connect\"}]",
           "integer");
    /* Two values for one key: which one counts would be a guess. */
    refuse("/meta/connect", "[{\"channel\":\"/meta/connect\",\"channel\":\"x\"}]", "not JSON");
}
