#!/usr/bin/env bash
# Repair of gaps on the real broker: a GAP_UPDATE reaches qw-salesforce, which re-reads the
# Opportunity through REST and publishes a snapshot behind the gap in the same transaction;
# qw-ingest dead-letters the gap (gap_resync_needed) and credits the snapshot, so the deal's
# credit is what Salesforce holds. Then `qwctl resync` repairs by hand: a Salesforce deal
# changed since, and a HubSpot deal (CRM v3 objects API) — each credited as the CRM says.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
qw_it_redis_start
HS_TOKEN="pat-na1-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$HS_TOKEN" >"$QW_IT_DIR/hubspot.token"
sf_emulator_start --hubspot-token "$HS_TOKEN" --poll-timeout 2
POLICY="$QW_SRC/deploy/policy.example.yaml"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX" --sources salesforce,hubspot --http-port 0

OPP=006Qw0000000000AAA
T0=1794700000000
# What Salesforce holds after the change it could not send: won at 7000.00 EUR.
rec() { # AMOUNT MODSTAMP_MS
    python3 - "$OPP" "$1" "$2" <<'PY'
import datetime, json, sys
opp, amount, ms = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
stamp = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
print(json.dumps({"action": "record", "id": opp, "record": {
    "attributes": {"type": "Opportunity", "url": "/services/data/v61.0/sobjects/Opportunity/" + opp},
    "Id": opp, "IsDeleted": False, "Name": "Gap deal", "StageName": "Closed Won", "Amount": amount,
    "CurrencyIsoCode": "EUR", "CloseDate": "2026-11-20", "OwnerId": "rep-ada", "IsClosed": True,
    "IsWon": True, "SystemModstamp": stamp, "LastModifiedDate": stamp}}))
PY
}
sf_control "$(rec 7000 $((T0 + 1000)))"
python3 - "$OPP" "$T0" >"$QW_IT_DIR/events.jsonl" <<'PY'
import json, sys
opp, t0 = sys.argv[1], int(sys.argv[2])
def h(kind, t):
    return {"entityName": "Opportunity", "recordIds": [opp], "changeType": kind,
            "changeOrigin": "", "transactionKey": "tk-" + kind, "sequenceNumber": 1,
            "commitTimestamp": t, "commitNumber": t, "commitUser": "005Qw0000000001AAA"}
print(json.dumps({"ChangeEventHeader": h("CREATE", t0), "Name": "Gap deal",
                  "StageName": "Prospecting", "Amount": 5000.0, "CurrencyIsoCode": "EUR",
                  "CloseDate": "2026-11-20", "OwnerId": "rep-ada", "IsClosed": False, "IsWon": False}))
print(json.dumps({"ChangeEventHeader": h("GAP_UPDATE", t0 + 1000)}))
PY
sf_start sub
sf_publish "$QW_IT_DIR/events.jsonl"

credits() { # REP: the rep's credited total (minor units), each credit id counted once
    "$QW_BIN/qwctl" tail credits --until-eof | python3 -c '
import json, sys
by_id = {}
for l in sys.stdin:
    c = json.loads(l)["value"]
    by_id[c["id"]] = c
print(sum(c["amount_minor"] for c in by_id.values() if c["rep_id"] == sys.argv[1]))' "$1"
}
qw_it_wait_for '[[ "$(credits rep-ada)" == 700000 ]]' 60 ||
    qw_it_fail "the gap's snapshot did not credit 7000.00 EUR to rep-ada (got $(credits rep-ada))"

sf_dump "$QW_IT_DIR/topic.jsonl"
python3 - "$QW_IT_DIR/topic.jsonl" "$OPP" <<'PY' || qw_it_fail "the snapshot is not behind the gap"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
snaps = [r for r in recs if "qw.resync.of" in r["headers"]]
assert len(snaps) == 1, recs
s = snaps[0]
assert s["headers"]["qw.resync.of"] == "1001", s["headers"]
assert "qw.salesforce.replay_id" not in s["headers"], "a snapshot is not a Salesforce event"
v = json.loads(s["value"])
h = v["ChangeEventHeader"]
assert h["changeType"] == "UPDATE" and h["recordIds"] == [sys.argv[2]], h
# After the gap's own version (commit 1794700001000, sequence 1).
assert h["commitTimestamp"] * 100000 + h["sequenceNumber"] > 1794700001000 * 100000 + 1, h
assert v["IsWon"] is True and v["Amount"] == 7000.0, v
print("snapshot behind replay id 1001:", h["commitTimestamp"], h["sequenceNumber"])
PY
"$QW_BIN/qwctl" tail dlq --until-eof >"$QW_IT_DIR/dlq.jsonl"
python3 - "$QW_IT_DIR/dlq.jsonl" <<'PY' || qw_it_fail "the gap is not on the DLQ as a resync request"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["headers"]["qw.error.reason"] for r in recs] == ["gap_resync_needed"], recs
PY
curl -fs "http://127.0.0.1:$SF_HTTP_PORT_sub/metrics" | qw_it_grep '^qw_salesforce_resyncs_total{outcome="ok"} 1$' ||
    qw_it_fail "the resync is not counted"

# By hand: the amount changed to 9000.00 since (its event lost, say); qwctl resync repairs it.
sf_control "$(rec 9000 $((T0 + 60000)))"
export QW_SALESFORCE_LOGIN_URL="$SF_URL" QW_SALESFORCE_CLIENT_ID="$SF_CLIENT_ID" \
    QW_SALESFORCE_CLIENT_SECRET_FILE="$QW_IT_DIR/client.secret"
"$QW_BIN/qwctl" resync salesforce "salesforce:$OPP" >"$QW_IT_DIR/resync.out" ||
    qw_it_fail "qwctl resync salesforce failed"
qw_it_grep "\"deal_id\":\"salesforce:$OPP\",\"version\":$(((T0 + 60000) * 100000 + 99999))," "$QW_IT_DIR/resync.out" ||
    qw_it_fail "qwctl resync printed $(cat "$QW_IT_DIR/resync.out")"
qw_it_wait_for '[[ "$(credits rep-ada)" == 900000 ]]' 60 ||
    qw_it_fail "qwctl resync did not bring rep-ada to 9000.00 EUR (got $(credits rep-ada))"

# HubSpot: a deal won at 1000.00 EUR for rep-bob that no webhook ever brought.
sf_control '{"action": "hubspot_record", "id": "9001", "record": {"id": "9001", "properties": {"amount": "1000.00", "deal_currency_code": "EUR", "dealstage": "closedwon", "pipeline": "default", "closedate": "2026-11-20T00:00:00Z", "hubspot_owner_id": "rep-bob", "hs_lastmodifieddate": "2026-11-15T08:00:00Z"}, "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-15T08:00:00.000Z", "archived": false}}'
QW_HUBSPOT_API_URL="$SF_URL" QW_HUBSPOT_TOKEN_FILE="$QW_IT_DIR/hubspot.token" \
    "$QW_BIN/qwctl" resync hubspot 9001 || qw_it_fail "qwctl resync hubspot failed"
qw_it_wait_for '[[ "$(credits rep-bob)" == 100000 ]]' 60 ||
    qw_it_fail "qwctl resync hubspot did not credit rep-bob (got $(credits rep-bob))"

# Refusals: an id that is not one, a wrong token; nothing published, exit 1 / 2.
set +e
"$QW_BIN/qwctl" resync salesforce "006/../../x" 2>"$QW_IT_DIR/bad.err"
rc=$?
QW_HUBSPOT_API_URL="$SF_URL" QW_HUBSPOT_TOKEN_FILE="$QW_IT_DIR/client.secret" \
    "$QW_BIN/qwctl" resync hubspot 9001 2>>"$QW_IT_DIR/bad.err"
rc2=$?
set -e
[[ $rc == 1 && $rc2 == 1 ]] || qw_it_fail "refused resyncs exited $rc and $rc2: $(cat "$QW_IT_DIR/bad.err")"
qw_it_grep "401" "$QW_IT_DIR/bad.err" || qw_it_fail "the HubSpot 401 is not reported"
if grep -q -e "$HS_TOKEN" -e "$SF_SECRET" "$QW_IT_DIR/bad.err" "$(qw_it_log_of sub)"; then
    qw_it_fail "a secret was printed"
fi
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"
qw_it_kill ingest TERM
