# shellcheck shell=bash
# Shared by tests/integration/salesforce_*.sh: the CometD/OAuth/REST emulator
# (tests/sinks/cometd_server.py), qw-salesforce started against it, change events generated
# per deal, and the committed contents of the raw topic.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SF_CLIENT_ID="3MVG9qwTestConsumerKey"
SF_ENV_READY=0

# sf_init: topics with a unique prefix, the secret file; sets SF_TOPIC, PREFIX.
sf_init() {
    qw_it_init
    PREFIX="$(qw_it_unique_prefix)"
    qw_it_topics "$PREFIX"
    export QW_TOPIC_PREFIX="$PREFIX"
    SF_TOPIC="${PREFIX}qw.crm.salesforce"
    SF_SECRET="sec-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    printf '%s\n' "$SF_SECRET" >"$QW_IT_DIR/client.secret"
}

# sf_emulator_start [ARGS...]: the emulator on a free port (SF_PORT, SF_URL).
sf_emulator_start() {
    SF_PORT="$(qw_it_free_port)"
    SF_URL="http://127.0.0.1:$SF_PORT"
    qw_it_bg emulator python3 "$QW_SRC/tests/sinks/cometd_server.py" --port "$SF_PORT" \
        --client-id "$SF_CLIENT_ID" --client-secret "$SF_SECRET" "$@"
    qw_it_wait_for "curl -fs $SF_URL/_stats" 20 || qw_it_fail "the CometD emulator did not start"
}

# sf_start NAME [ARGS...]: qw-salesforce against the emulator; SF_HTTP_PORT_<NAME> its port.
sf_start() {
    local name="$1" port
    shift
    port="$(qw_it_free_port)"
    printf -v "SF_HTTP_PORT_$name" '%s' "$port"
    qw_it_bg "$name" "$QW_BIN/qw-salesforce" --login-url "$SF_URL" --client-id "$SF_CLIENT_ID" \
        --client-secret-file "$QW_IT_DIR/client.secret" --transactional-id "sf-$PREFIX" \
        --http-port "$port" --poll-timeout-s 10 --backoff-max-ms 1000 "$@"
}

sf_stats() { curl -fs "$SF_URL/_stats"; }
sf_stat() { sf_stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# sf_control JSON: one control action.
sf_control() {
    curl -fs -X POST -H 'Content-Type: application/json' --data-binary "$1" "$SF_URL/_control" \
        >/dev/null || qw_it_fail "emulator control $1 failed"
}

# sf_publish FILE: publish the payloads of FILE (one JSON object per line).
sf_publish() {
    python3 -c '
import json, sys
print(json.dumps({"action": "publish", "events": [json.loads(l) for l in open(sys.argv[1]) if l.strip()]}))' \
        "$1" >"$QW_IT_DIR/publish.json"
    curl -fs -X POST -H 'Content-Type: application/json' --data-binary "@$QW_IT_DIR/publish.json" \
        "$SF_URL/_control" >/dev/null || qw_it_fail "publishing $1 failed"
}

# sf_gen FIRST_DEAL NDEALS TS0 > FILE: per deal a CREATE (open), then an UPDATE to Closed Won;
# deal i has amount (i+1) x 1000.00 EUR and owner rep-ada (even i) or rep-bob (odd i).
sf_gen() {
    python3 - "$@" <<'PY'
import json, sys
first, n, ts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def ev(i, kind, fields, changed, t):
    h = {"entityName": "Opportunity", "recordIds": ["006Qw0000%09dAAA" % i], "changeType": kind,
         "changeOrigin": "com/salesforce/api/rest/61.0", "transactionKey": "tk-%d-%s" % (i, kind),
         "sequenceNumber": 1, "commitTimestamp": t, "commitNumber": t, "commitUser": "005Qw0000000001AAA"}
    if changed: h["changedFields"] = changed
    return dict({"ChangeEventHeader": h}, **fields)
for k in range(n):
    i = first + k
    owner = "rep-ada" if i % 2 == 0 else "rep-bob"
    print(json.dumps(ev(i, "CREATE", {"Name": "Deal %d" % i, "StageName": "Prospecting",
        "Amount": (i + 1) * 1000.0, "CurrencyIsoCode": "EUR", "CloseDate": "2026-11-20",
        "OwnerId": owner, "IsClosed": False, "IsWon": False}, None, ts + 2 * k * 1000)))
    print(json.dumps(ev(i, "UPDATE", {"StageName": "Closed Won", "IsClosed": True, "IsWon": True},
        ["StageName", "IsClosed", "IsWon"], ts + (2 * k + 1) * 1000)))
PY
}

# sf_dump OUT: the committed records of the raw topic as JSON lines.
sf_dump() { "$QW_BIN/qw-test-salesforce-tail" "$SF_TOPIC" >"$1"; }

# sf_count_replays: how many records with a replay id the topic holds (committed).
sf_count_replays() {
    sf_dump "$QW_IT_DIR/count.jsonl" && grep -c '"qw.salesforce.replay_id"' "$QW_IT_DIR/count.jsonl" || true
}

# sf_check_exactly_once DUMP FIRST LAST [EVENTS]: every replay id FIRST..LAST on the topic exactly once,
# each with the payload the emulator published under it (line N of EVENTS = replay id FIRST+N).
sf_check_exactly_once() {
    python3 - "$@" <<'PY' || qw_it_fail "the topic does not hold every replay id exactly once"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
first, last = int(sys.argv[2]), int(sys.argv[3])
ids = [int(r["headers"]["qw.salesforce.replay_id"]) for r in recs if "qw.salesforce.replay_id" in r["headers"]]
c = collections.Counter(ids)
dups = sorted(i for i, n in c.items() if n > 1)
missing = sorted(set(range(first, last + 1)) - set(c))
extra = sorted(set(c) - set(range(first, last + 1)))
assert not dups, f"replay ids twice: {dups}"
assert not missing, f"replay ids skipped: {missing}"
assert not extra, f"unexpected replay ids: {extra}"
pub = [json.loads(l) for l in open(sys.argv[4])] if len(sys.argv) > 4 else None
for r in recs:
    v = json.loads(r["value"])
    if pub is not None:
        rid = int(r["headers"]["qw.salesforce.replay_id"])
        assert v == pub[rid - first], f"replay id {rid}: payload differs from the published one"
    assert v["ChangeEventHeader"]["entityName"] == "Opportunity", r
    assert r["headers"]["qw.salesforce.channel"] == "/data/OpportunityChangeEvent", r
    assert int(r["headers"]["qw.salesforce.received_ms"]) > 1.7e12, r
print(f"exactly once: {len(ids)} records, replay ids {first}..{last}, none twice, none skipped")
PY
}
