#!/usr/bin/env bash
# qw-gateway on the real broker, driven by a sender that signs and retries as HubSpot does:
#  - refusals produce nothing: a tampered body, a wrong secret, a 6-minute-old timestamp and a
#    missing signature get 401; a wrong path 404, GET 405, an oversized body 413, a signed body
#    of the wrong shape 400, a sender over the rate 429 with Retry-After; each counted by reason;
#  - a signed HubSpot workload (tests/sinks/hubspot_workload.py) reaches qw.crm.hubspot byte for byte, with the
#    gateway's headers, and qw-ingest credits it exactly as the generator's oracle says;
#  - Kafka stopped (the broker SIGSTOPped): not ready, 503 with Retry-After, never 2xx; every
#    request retried after it is back lands exactly as sent;
#  - the gateway SIGKILLed mid-stream and restarted: every request that got a 2xx is on the
#    topic; Pipedrive (Basic) and canonical (Standard Webhooks) land on theirs; SIGTERM exits 0.
source "$(dirname "$0")/lib.sh"
qw_it_init
# The broker is shared by the serialized integration tests: never leave it stopped.
trap 'rc=$?; kill -CONT "$QW_STACK_KAFKA_PID" 2>/dev/null; (exit $rc); qw_it__cleanup' EXIT
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"
D="$QW_IT_DIR"
SEND=(python3 "$QW_SRC/tests/sinks/webhook_sender.py")

python3 "$QW_SRC/tests/sinks/hubspot_workload.py" --deals 400 --reps 8 --seed 11 \
    --out "$D/hs.jsonl" --oracle "$D/hs.oracle" || qw_it_fail "could not generate the HubSpot workload"
LINES=$(wc -l <"$D/hs.jsonl")
split -n l/3 -d "$D/hs.jsonl" "$D/part." # part.00 calm, part.01 Kafka stopped, part.02 gateway killed
HS_SECRET="hs-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
printf '# rotation: the new secret first\n2450011 %s\nold-secret-being-retired\n' "$HS_SECRET" >"$D/hs.secret"
printf 'pd-hooks:%s\n' "$(head -c 9 /dev/urandom | base64 | tr -d '/+=')" >"$D/pd.auth"
CN_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
printf 'backfill %s\n' "$CN_SECRET" >"$D/cn.secret"

PORT="$(qw_it_free_port)"
ADMIN="$(qw_it_free_port)"
URL="http://127.0.0.1:$PORT"
GW=("$QW_BIN/qw-gateway" --port "$PORT" --http-port "$ADMIN" --public-url "$URL"
    --hubspot-secret-file "$D/hs.secret" --pipedrive-auth-file "$D/pd.auth"
    --canonical-secret-file "$D/cn.secret" --max-body 65536 --rate-limit 0
    --produce-timeout-ms 2000 --retry-after-s 1)
qw_it_bg gateway "${GW[@]}"
qw_it_wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz" 60 || qw_it_fail "the gateway never became ready"
curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" | qw_it_grep '^404$' ||
    qw_it_fail "the webhook port answers admin paths (they belong on --http-port only)"

tail_topic() { # TOPIC OUT: the committed contents of a raw topic, one JSON record per line
    "$QW_BIN/qwctl" tail "crm.$1" --until-eof >"$2"
}
code() { # METHOD PATH [curl args]: the status the gateway answers
    local m="$1" p="$2"
    shift 2
    curl -s -o /dev/null -w '%{http_code}' -X "$m" "$URL$p" "$@"
}

# 1. Refusals: 401s produce nothing.
head -5 "$D/part.00" >"$D/few.jsonl"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --no-retry --tamper \
    --file "$D/few.jsonl" >"$D/tampered.out"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "wrong-secret" --no-retry \
    --file "$D/few.jsonl" >"$D/wrong.out"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --no-retry --skew-s -360 \
    --file "$D/few.jsonl" >"$D/stale.out"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --no-auth --no-retry \
    --file "$D/few.jsonl" >"$D/noauth.out"
"${SEND[@]}" --source pipedrive --url "$URL/v1/pipedrive" --user-pass "pd-hooks:guess" --no-retry \
    --file "$QW_SRC/tests/fixtures/pipedrive/valid.jsonl" >"$D/pdwrong.out"
for f in tampered wrong stale noauth pdwrong; do
    python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert r and all(x["statuses"]==[401] for x in r), r' \
        "$D/$f.out" || qw_it_fail "$f requests were not all answered 401: $(head -3 "$D/$f.out")"
done
printf '{"objectId":1}\n' >"$D/object.jsonl"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --no-retry \
    --file "$D/object.jsonl" | qw_it_grep '"statuses": \[400\]' || qw_it_fail "a signed non-array body was not 400"
[[ "$(code POST /v1/salesforce -d '[]')" == 404 ]] || qw_it_fail "an unknown source is not 404"
[[ "$(code POST /hubspot -d '[]')" == 404 ]] || qw_it_fail "a path outside /v1 is not 404"
[[ "$(code GET /v1/hubspot)" == 405 ]] || qw_it_fail "GET is not 405"
head -c 70000 /dev/zero | tr '\0' ' ' >"$D/big.body"
[[ "$(code POST /v1/hubspot --data-binary "@$D/big.body")" == 413 ]] || qw_it_fail "an oversized body is not 413"
[[ "$(code POST /v1/hubspot -H 'Transfer-Encoding: chunked' --data-binary "@$D/big.body")" == 413 ]] ||
    qw_it_fail "an oversized chunked body is not 413"
curl -s "http://127.0.0.1:$ADMIN/metrics" >"$D/metrics.1"
for want in 'source="hubspot",reason="bad_signature"} 10' 'source="hubspot",reason="stale"} 5' \
    'source="hubspot",reason="missing"} 5' 'source="pipedrive",reason="bad_signature"} ' \
    'source="hubspot",reason="bad_shape"} 1' 'source="hubspot",reason="method"} 1' \
    'source="hubspot",reason="too_large"} 2' 'source="none",reason="not_found"} 3' \
    'source="hubspot",reason="accepted"} 0' 'source="canonical",reason="rate_limited"} 0'; do
    qw_it_grep -F "qw_gateway_requests_total{$want" "$D/metrics.1" ||
        qw_it_fail "metrics lack qw_gateway_requests_total{$want: $(grep qw_gateway_requests "$D/metrics.1")"
done
tail_topic hubspot "$D/topic.0"
[[ ! -s "$D/topic.0" ]] || qw_it_fail "refused requests reached qw.crm.hubspot: $(head -c 300 "$D/topic.0")"
qw_it_log "refusals: 401 x25, 400, 404 x3, 405, 413 x2, counted by reason; nothing produced"

# 2. Calm: the first third, four senders at once, all 2xx.
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --concurrency 4 \
    --file "$D/part.00" >"$D/calm.out"
"${SEND[@]}" --source pipedrive --url "$URL/v1/pipedrive" --user-pass "$(cat "$D/pd.auth")" \
    --file "$QW_SRC/tests/fixtures/pipedrive/valid.jsonl" >"$D/pd.out"
"${SEND[@]}" --source canonical --url "$URL/v1/canonical" --secret "$CN_SECRET" \
    --file "$QW_SRC/tests/fixtures/canonical/valid.jsonl" >"$D/cn.out"
for f in calm pd cn; do
    python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert r and all(x["statuses"]==[200] for x in r), [x for x in r if x["statuses"]!=[200]][:3]' \
        "$D/$f.out" || qw_it_fail "$f: not every request got one 200"
done

# 3. Kafka stopped while the second third is sent: 503 + Retry-After, then all land.
kill -STOP "$QW_STACK_KAFKA_PID"
qw_it_wait_for "! curl -fs http://127.0.0.1:$ADMIN/readyz" 15 || qw_it_fail "still ready with the broker stopped"
head -1 "$D/part.01" >"$D/one.jsonl"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --no-retry \
    --file "$D/one.jsonl" | qw_it_grep '"statuses": \[503\]' || qw_it_fail "not 503 while Kafka is stopped"
curl -s -D - -o /dev/null -X POST "$URL/v1/hubspot" -d '[]' | qw_it_grep -i '^HTTP/1.1 401' ||
    qw_it_fail "an unsigned request was not refused first while Kafka is stopped"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --concurrency 4 \
    --max-attempts 40 --file "$D/part.01" >"$D/outage.out" &
SENDER=$!
sleep 6
kill -CONT "$QW_STACK_KAFKA_PID"
wait "$SENDER" || qw_it_fail "the outage sender failed"
qw_it_wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz" 60 || qw_it_fail "not ready again after Kafka came back"
python3 - "$D/outage.out" <<'PY' || qw_it_fail "the outage was not answered 503-then-200"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert all(x["ok"] for x in r), [x for x in r if not x["ok"]][:3]
refused = [x for x in r if 503 in x["statuses"]]
assert refused, "no request saw a 503 during the outage"
assert all(x["retry_after"] for x in refused), "a 503 without Retry-After"
assert all(set(x["statuses"]) <= {503, 200} for x in r), [x for x in r if set(x["statuses"]) - {503, 200}][:3]
print(f"outage: {len(refused)} of {len(r)} requests got 503 and landed on a retry")
PY
curl -s "http://127.0.0.1:$ADMIN/metrics" | qw_it_grep -E '^qw_gateway_requests_total\{source="hubspot",reason="kafka"\} [1-9]' ||
    qw_it_fail "the 503s are not counted as reason=kafka"

# 4. The gateway SIGKILLed mid-stream, restarted on the same port; the sender retries.
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --concurrency 3 \
    --interval-s 0.02 --max-attempts 60 --max-wait-s 1 --file "$D/part.02" >"$D/killed.out" &
SENDER=$!
qw_it_wait_for "[[ \$(grep -c '\"ok\": true' '$D/killed.out') -ge 20 ]]" 60 || qw_it_fail "the sender did not get going"
qw_it_kill gateway KILL
sleep 1
qw_it_bg gateway "${GW[@]}"
wait "$SENDER" || qw_it_fail "the sender failed across the gateway's restart"
python3 - "$D/killed.out" "$(wc -l <"$D/part.02")" <<'PY' || qw_it_fail "requests were lost across the kill"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == int(sys.argv[2]) and all(x["ok"] for x in r), [x for x in r if not x["ok"]][:3]
hit = [x for x in r if len(x["statuses"]) > 1]
assert hit, "no request met the killed gateway (the kill came too late)"
print(f"kill: {len(hit)} of {len(r)} requests met the dead gateway and were retried")
PY

# Every body sent is on the topic byte for byte (at least once: a 503'd request may have been
# stored too), every body that got a 2xx is, with the gateway's headers; nothing else is.
tail_topic hubspot "$D/topic.hs"
tail_topic pipedrive "$D/topic.pd"
tail_topic canonical "$D/topic.cn"
python3 - "$D" "$QW_SRC/tests/fixtures" <<'PY' || qw_it_fail "the raw topics are not what was sent"
import json, sys
d, fx = sys.argv[1], sys.argv[2]
def sent(path):
    return [l.rstrip("\n") for l in open(path) if l.strip()]
def check(topic, bodies, source, principal, key_of):
    recs = [json.loads(l) for l in open(topic)]
    vals = [r["value"] for r in recs]
    missing = set(bodies) - set(vals)
    assert not missing, f"{source}: {len(missing)} bodies never reached the topic"
    extra = set(vals) - set(bodies)
    assert not extra, f"{source}: bytes on the topic nobody sent: {list(extra)[:1]}"
    for r in recs:
        h = r["headers"]
        assert h.get("qw.gateway.source") == source, h
        assert h.get("qw.gateway.principal") == principal, h
        assert int(h["qw.gateway.received_ms"]) > 1.7e12, h
        # keyed by the deal, so one deal's requests stay in order in one partition
        assert r["key"] == key_of(json.loads(r["value"])), (r["key"], r["value"][:120])
    return len(recs) - len(bodies)
hs = sent(f"{d}/hs.jsonl")
dup = check(f"{d}/topic.hs", hs, "hubspot", "2450011", lambda b: str(b[0]["objectId"]))
check(f"{d}/topic.pd", sent(f"{fx}/pipedrive/valid.jsonl"), "pipedrive", "pd-hooks",
      lambda b: str(b["meta"].get("entity_id") or (b.get("data") or b.get("current") or {})["id"]))
check(f"{d}/topic.cn", sent(f"{fx}/canonical/valid.jsonl"), "canonical", "backfill",
      lambda b: str((b[0] if isinstance(b, list) else b)["deal_id"]))
print(f"topics: {len(hs)} HubSpot bodies byte for byte ({dup} stored twice by retries), "
      "Pipedrive and canonical with their principals")
PY

# qw-ingest credits the HubSpot topic exactly as the oracle says, retries and all.
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$QW_SRC/deploy/policy.example.yaml" \
    --sources hubspot --transactional-id "ingest-$PREFIX" --group "ingest-$PREFIX" --http-port 0
python3 - "$D/hs.oracle" >"$D/oracle.total" <<'PY'
import json, sys
print(sum(json.load(open(sys.argv[1]))["credited"].values()))
PY
# Credit ids are deterministic (deal:version:rep): the same change seen twice (a HubSpot retry,
# a body stored twice) repeats its id, and the evaluator counts an id once.
credited_total() {
    "$QW_BIN/qwctl" tail credits --until-eof >"$D/credits.jsonl" &&
        python3 -c 'import json,sys; c={json.loads(l)["value"]["id"]: json.loads(l)["value"] for l in open(sys.argv[1])}; print(sum(v["original"]["amount_minor"] for v in c.values()))' "$D/credits.jsonl"
}
qw_it_wait_for "[[ \$(credited_total) == $(cat "$D/oracle.total") ]]" 120 ||
    qw_it_fail "credited total $(credited_total) never reached the oracle's $(cat "$D/oracle.total")"
sleep 3 # anything counted twice would show now
python3 - "$D/hs.oracle" <<'PY' || qw_it_fail "credits per rep and quarter differ from the oracle"
import collections, json, os, sys
oracle = json.load(open(sys.argv[1]))["credited"]
got = collections.Counter()
by_id = {}
for l in open(os.path.join(os.environ["QW_IT_DIR"], "credits.jsonl")):
    c = json.loads(l)["value"]
    assert by_id.setdefault(c["id"], c) == c, f"one id, two different entries: {c['id']}"
for c in by_id.values():
    y, m = int(c["close_date"][:4]), int(c["close_date"][5:7])
    got[f'{c["rep_id"]}:{y}-Q{(m - 1) // 3 + 1}'] += c["original"]["amount_minor"]
got = {k: v for k, v in got.items() if v}
assert got == oracle, {k: (got.get(k), oracle.get(k)) for k in set(got) | set(oracle) if got.get(k) != oracle.get(k)}
print(f"credits: {len(oracle)} rep-quarters equal to the cent")
PY
"$QW_BIN/qwctl" tail dlq --until-eof >"$D/dlq.jsonl"
[[ ! -s "$D/dlq.jsonl" ]] || qw_it_fail "HubSpot bodies went to the DLQ: $(head -c 400 "$D/dlq.jsonl")"

# 429: a gateway with a tight rate.
qw_it_kill gateway TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "the gateway exited $QW_IT_EXIT on SIGTERM (expected 0)"
qw_it_bg gateway "${GW[@]}" --rate-limit 1 --rate-burst 2
qw_it_wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz" 60 || qw_it_fail "the rate-limited gateway never became ready"
head -6 "$D/part.00" >"$D/six.jsonl"
"${SEND[@]}" --source hubspot --url "$URL/v1/hubspot" --secret "$HS_SECRET" --no-retry \
    --file "$D/six.jsonl" >"$D/rate.out"
python3 - "$D/rate.out" <<'PY' || qw_it_fail "over the rate is not 429 with Retry-After: $(cat "$D/rate.out")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
limited = [x for x in r if x["statuses"] == [429]]
assert limited and all(x["retry_after"] and int(x["retry_after"][0]) >= 1 for x in limited), r
assert [x for x in r if x["statuses"] == [200]], "the burst was not let through"
print(f"rate: {len(limited)} of {len(r)} back-to-back requests got 429 with Retry-After")
PY
qw_it_kill gateway TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "the gateway exited $QW_IT_EXIT on SIGTERM (expected 0)"

# HTTPS served by the gateway itself (--tls-cert-file), secrets from the environment; a
# HubSpot v1 signature is refused unless --hubspot-legacy-signatures.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$D/tls.key" -out "$D/tls.crt" 2>/dev/null
TLS_PORT="$(qw_it_free_port)"
QW_GATEWAY_HUBSPOT_SECRET="$HS_SECRET" qw_it_bg tlsgw "$QW_BIN/qw-gateway" --port "$TLS_PORT" \
    --http-port "$ADMIN" --public-url "https://127.0.0.1:$TLS_PORT" \
    --tls-cert-file "$D/tls.crt" --tls-key-file "$D/tls.key"
qw_it_wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz" 60 || qw_it_fail "the TLS gateway never became ready"
tail -3 "$D/part.02" >"$D/tls.jsonl"
"${SEND[@]}" --source hubspot --url "https://127.0.0.1:$TLS_PORT/v1/hubspot" --secret "$HS_SECRET" \
    --cafile "$D/tls.crt" --no-retry --file "$D/tls.jsonl" >"$D/tls.out"
[[ "$(grep -c '"statuses": \[200\]' "$D/tls.out")" == 3 ]] || qw_it_fail "HTTPS requests not accepted: $(cat "$D/tls.out")"
! grep -q "$HS_SECRET" "$(qw_it_log_of tlsgw)" "$(qw_it_log_of gateway)" || qw_it_fail "a secret was logged"
V1="$(python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()+b"[]").hexdigest())' "$HS_SECRET")"
[[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$D/tls.crt" -X POST -d '[]' \
    -H "X-HubSpot-Signature: $V1" -H 'X-HubSpot-Signature-Version: v1' \
    "https://127.0.0.1:$TLS_PORT/v1/hubspot")" == 401 ]] || qw_it_fail "a v1 signature was accepted by default"
qw_it_kill tlsgw TERM
QW_GATEWAY_HUBSPOT_SECRET="$HS_SECRET" qw_it_bg tlsgw "$QW_BIN/qw-gateway" --port "$TLS_PORT" \
    --http-port "$ADMIN" --public-url "https://127.0.0.1:$TLS_PORT" --hubspot-legacy-signatures \
    --tls-cert-file "$D/tls.crt" --tls-key-file "$D/tls.key"
qw_it_wait_for "curl -fs http://127.0.0.1:$ADMIN/readyz" 60 || qw_it_fail "the TLS gateway never became ready"
[[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$D/tls.crt" -X POST -d '[]' \
    -H "X-HubSpot-Signature: $V1" -H 'X-HubSpot-Signature-Version: v1' \
    "https://127.0.0.1:$TLS_PORT/v1/hubspot")" == 200 ]] || qw_it_fail "a v1 signature was refused with --hubspot-legacy-signatures"
qw_it_kill tlsgw TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "the TLS gateway exited $QW_IT_EXIT on SIGTERM (expected 0)"
qw_it_kill ingest TERM
qw_it_log "passed ($LINES HubSpot bodies)"
