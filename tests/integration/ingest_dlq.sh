#!/usr/bin/env bash
# Dead letters through the running qw-ingest on the real broker: every kind of unusable
# canonical event (not JSON, unknown shape, no deal id, negative and non-numeric amounts, a
# currency that is no ISO code and one missing from the rate table, bad splits, over 1 MiB,
# ids with CR/LF or C1 controls)
# lands on qw.dlq.v1 with its original bytes and the error headers (reason, message, source
# topic/partition/offset); /metrics counts qw_ingest_dlq_total per reason; and each poison
# message is followed on the SAME partition by a valid won deal that must still be credited.
# Then one event of each vendor fixture (tests/fixtures/<source>/) goes through the service:
# Salesforce, HubSpot, Pipedrive and canonical deals are credited with the exact amounts. And
# gaps (a Salesforce GAP_OVERFLOW for every deal, a HubSpot merge) are resync requests: dead
# letters with reason gap_resync_needed naming the deals, counted in qw_ingest_gaps_total.
source "$(dirname "$0")/lib.sh"
qw_it_init

PREFIX="$(qw_it_unique_prefix)"
# The raw topic accepts the 1 MiB+ message (the broker's default limit is 1 MB + 12 bytes).
qw_it_topic "${PREFIX}qw.crm.canonical" 4 max.message.bytes=3145728
qw_it_topics "$PREFIX"
qw_it_redis_start
HTTP_PORT=$(qw_it_free_port)
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX")

# poison.jsonl: line i is produced at offset i of one partition (one fixed key). Odd lines are
# poison, each followed by a valid won deal. poison.expect: "<line> <reason>" per poison line.
python3 - "$QW_IT_DIR" <<'PY'
import json, sys
out = sys.argv[1]
won = lambda i: json.dumps({"deal_id": "OK-%d" % i, "version": 1, "status": "won",
    "amount": "100.00", "currency": "EUR", "owner_id": "rep-ok", "close_date": "2026-11-20"})
poison = [
    ("this is not json", "not_json"),
    ("[]", "unknown_shape"),
    ('"a string"', "unknown_shape"),
    ('{"version": 1, "status": "won"}', "no_deal_id"),
    ('{"deal_id": "P-1", "version": 1, "amount": "-10.00", "currency": "EUR"}', "negative_amount"),
    ('{"deal_id": "P-2", "version": 1, "amount": "ten", "currency": "EUR"}', "bad_amount"),
    ('{"deal_id": "P-3", "version": 1, "amount": "10.00", "currency": "EURO"}', "unknown_currency"),
    # ISO 4217 but not in the policy's rate table: refused by the ledger, not the adapter
    ('{"deal_id": "P-4", "version": 1, "status": "won", "amount": "1000", "currency": "JPY",'
     ' "owner_id": "rep-x", "close_date": "2026-11-02"}', "unknown_currency"),
    ('{"deal_id": "P-5", "version": 1, "splits": [{"rep_id": "a", "percent": 50},'
     ' {"rep_id": "b", "percent": 40}]}', "bad_splits"),
    ('{"deal_id": "P-6", "version": 1, "pad": "%s"}' % ("x" * (1024 * 1024)), "too_large"),
    # ids are data: CR/LF in an owner id would become a header line in the notifier
    ('{"deal_id": "P-7", "version": 1, "status": "won", "amount": "10", "currency": "EUR",'
     ' "owner_id": "rep\\r\\nX-Injected: yes", "close_date": "2026-11-20"}', "bad_id"),
    ('{"deal_id": "P-8\\u0085", "version": 1}', "bad_id"),
]
with open(out + "/poison.jsonl", "w") as f, open(out + "/poison.expect", "w") as e:
    n = 0
    for i, (line, reason) in enumerate(poison):
        f.write(line + "\n"); e.write("%d %s\n" % (n, reason)); n += 1
        f.write(won(i) + "\n"); n += 1
PY

"${CTL[@]}" --key one-partition -X message.max.bytes=3000000 \
    produce qw.crm.canonical "$QW_IT_DIR/poison.jsonl"
for src in salesforce hubspot pipedrive canonical; do
    case $src in
    salesforce) files=(cometd_create.json cometd_update_won.json cometd_gap_overflow.json) ;;
    hubspot) files=(batch_creation.json stage_closedwon.json merge.json) ;;
    pipedrive) files=(create.json change_won.json) ;;
    canonical) files=(won_with_splits.json) ;;
    esac
    for f in "${files[@]}"; do
        python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))))' \
            "$QW_SRC/tests/fixtures/$src/$f"
    done >"$QW_IT_DIR/$src.jsonl"
    mkdir -p "$QW_IT_DIR/fixtures" && ln -sfn "$QW_SRC/tests/fixtures/$src" "$QW_IT_DIR/fixtures/$src"
    "${CTL[@]}" --key "$src" produce "qw.crm.$src" "$QW_IT_DIR/$src.jsonl"
done

qw_it_bg ingest "$QW_BIN/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" \
    --policy "$QW_SRC/deploy/policy.example.yaml" --topic-prefix "$PREFIX" \
    --group "${PREFIX}ingest" --transactional-id "${PREFIX}ingest" --http-port "$HTTP_PORT" \
    --batch-size 4 --batch-ms 50
qw_it_wait_for 'curl -fs http://127.0.0.1:$HTTP_PORT/healthz' 30 || qw_it_fail "qw-ingest not up"

NPOISON=$(wc -l <"$QW_IT_DIR/poison.expect")
credits() { "${CTL[@]}" --until-eof tail credits >"$QW_IT_DIR/credits.jsonl" && wc -l <"$QW_IT_DIR/credits.jsonl"; }
dlq() { "${CTL[@]}" --until-eof tail dlq >"$QW_IT_DIR/dlq.jsonl" && wc -l <"$QW_IT_DIR/dlq.jsonl"; }
# One OK deal per poison line + Salesforce 1 + HubSpot 1 + Pipedrive 1 + canonical 2 (a 60/40
# split).
qw_it_wait_for '(( $(credits) >= NPOISON + 5 && $(dlq) >= NPOISON + 2 ))' 90 ||
    qw_it_fail "after 90 s: $(credits) credits (want $((NPOISON + 5))), $(dlq) dead letters (want $NPOISON + 2)"
sleep 2 # anything extra (a duplicate, a stray dead letter) would show now
credits >/dev/null
dlq >/dev/null
curl -fs "http://127.0.0.1:$HTTP_PORT/metrics" >"$QW_IT_DIR/metrics.txt"

python3 - "$QW_IT_DIR" "${PREFIX}qw.crm.canonical" <<'PY' || qw_it_fail "dead letters or credits differ"
import collections, json, sys
d, topic = sys.argv[1], sys.argv[2]
bad = []
raw = open(d + "/poison.jsonl").read().split("\n")
expect = {int(l.split()[0]): l.split()[1] for l in open(d + "/poison.expect")}
dlq = [json.loads(l) for l in open(d + "/dlq.jsonl")]
gaps = [r for r in dlq if r["headers"].get("qw.source.topic") != topic]
dlq = [r for r in dlq if r["headers"].get("qw.source.topic") == topic]
want_gaps = {topic.replace("canonical", "salesforce"): ("salesforce:*", "cometd_gap_overflow"),
             topic.replace("canonical", "hubspot"): ("hubspot:18251100305", "merge")}
for r in gaps:
    h = r["headers"]
    deal, fixture = want_gaps.pop(h["qw.source.topic"], (None, None))
    src = h["qw.source.topic"].rsplit(".", 1)[1]
    orig = json.dumps(json.load(open("%s/%s.json" % (d + "/fixtures/" + src, fixture)))) if fixture else None
    if deal is None or h.get("qw.error.reason") != "gap_resync_needed" or deal not in h.get(
            "qw.error.message", "") or r["value"] != orig:
        bad.append("unexpected gap dead letter %s: %s" % (h, r["value"][:100]))
if want_gaps:
    bad.append("no gap dead letter from %s" % sorted(want_gaps))
if len(dlq) != len(expect):
    bad.append("%d dead letters, expected %d" % (len(dlq), len(expect)))
parts = set()
for r in dlq:
    h = r.get("headers", {})
    off = int(h.get("qw.source.offset", -1))
    parts.add(h.get("qw.source.partition"))
    if off not in expect:
        bad.append("dead letter for offset %d, which is not poison" % off)
        continue
    if h.get("qw.error.reason") != expect[off]:
        bad.append("offset %d: reason %s, expected %s" % (off, h.get("qw.error.reason"), expect[off]))
    if not h.get("qw.error.message"):
        bad.append("offset %d: no qw.error.message" % off)
    if h.get("qw.source.topic") != topic:
        bad.append("offset %d: source topic %s" % (off, h.get("qw.source.topic")))
    if expect[off] == "too_large":
        # Over the producer's and the DLQ topic's 1 MB limits: a prefix, and the full length.
        if not raw[off].startswith(r["value"]) or int(h.get("qw.error.truncated", -1)) != len(raw[off]):
            bad.append("too_large: not a marked prefix of the original (%d bytes, header %s)"
                       % (len(r["value"]), h.get("qw.error.truncated")))
    elif r["value"] != raw[off]:
        bad.append("offset %d: dead letter bytes differ from the original" % off)
if len(parts) != 1 or None in parts:
    bad.append("poison spread over partitions %s (or no partition header)" % parts)
counts = collections.Counter(expect.values())
counts["gap_resync_needed"] = 2
gap_metric = {"salesforce": 1, "hubspot": 1, "pipedrive": 0, "canonical": 0}
for line in open(d + "/metrics.txt"):
    if line.startswith("qw_ingest_gaps_total{"):
        src = line.split('source="')[1].split('"')[0]
        if float(line.split()[-1]) != gap_metric.pop(src, -1):
            bad.append("metric " + line.strip())
    if line.startswith("qw_ingest_dlq_total{"):
        reason = line.split('reason="')[1].split('"')[0]
        n = float(line.split()[-1])
        if n != counts.get(reason, 0):
            bad.append("metric qw_ingest_dlq_total{reason=%s} = %g, expected %d"
                       % (reason, n, counts.get(reason, 0)))
        counts.pop(reason, None)
if counts:
    bad.append("no qw_ingest_dlq_total for %s" % sorted(counts))
if gap_metric:
    bad.append("no qw_ingest_gaps_total for %s" % sorted(gap_metric))
got = collections.Counter()
ids = collections.Counter()
for l in open(d + "/credits.jsonl"):
    v = json.loads(l)["value"]
    got[(v["deal_id"], v["rep_id"], v["close_date"], v["currency"])] += int(v["amount_minor"])
    ids[v["id"]] += 1
want = {("canonical:OK-%d" % i, "rep-ok", "2026-11-20", "EUR"): 10000 for i in range(len(expect))}
want.update({
    ("salesforce:006Hs00001AbCdEIAZ", "005Hs00000RepAnnaA", "2026-12-15", "EUR"): 5125050,
    ("hubspot:18251100301", "81920001", "2026-12-01", "EUR"): 4800000,
    ("pipedrive:77", "20230001", "2026-11-15", "EUR"): 1500000,
    ("canonical:D-1", "rep-1", "2026-11-03", "EUR"): 750000,
    ("canonical:D-1", "rep-2", "2026-11-03", "EUR"): 500000,
})
for k in sorted(set(got) | set(want)):
    if got.get(k) != want.get(k):
        bad.append("credit %s: got %s, expected %s" % (k, got.get(k), want.get(k)))
if any(n > 1 for n in ids.values()):
    bad.append("repeated credit ids")
for b in bad:
    print("MISMATCH: " + b, file=sys.stderr)
print("%d dead letters, %d credits checked" % (len(dlq), sum(ids.values())), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
for deal in 'salesforce:\*' hubspot:18251100305; do
    grep '"event":"ingest.gap"' "$(qw_it_log_of ingest)" | qw_it_grep "\"deal_id\":\"$deal\"" ||
        qw_it_fail "no ingest.gap warning naming $deal"
done
qw_it_kill ingest TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-ingest did not stop cleanly ($QW_IT_EXIT)"
