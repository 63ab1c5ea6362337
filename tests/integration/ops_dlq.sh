#!/usr/bin/env bash
# qwctl dlq on the real broker (issue 14): qw-ingest runs with a policy whose rate table lacks
# JPY, so two won JPY deals are dead-lettered `unknown_currency` — one small, one of ~950 KiB whose
# dead letter is cut at 900 KiB and so can only be redriven by reference to its source offset —
# next to a `not_json` line and a good EUR deal. `dlq list` filters by reason, partition and
# offset and says how each would be redriven; `show` prints one; `redrive --dry-run` sends
# nothing. After the cause is fixed (JPY added, qw-ingest restarted) a redrive by reason credits
# each deal exactly once with the right amount, leaves the not_json line alone, and a second
# redrive — a replay of what was already applied — adds no new credit (at most the same ids
# again, which the evaluator drops).
source "$(dirname "$0")/lib.sh"
qw_it_init

PREFIX="$(qw_it_unique_prefix)"
# The raw topic accepts the ~950 KiB deal (the broker's default limit is 1 MB + 12 bytes).
qw_it_topic "${PREFIX}qw.crm.canonical" 2 max.message.bytes=3145728
qw_it_topics "$PREFIX"
qw_it_redis_start
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX")

POLICY_OLD="$QW_SRC/deploy/policy.example.yaml"
POLICY_NEW="$QW_IT_DIR/policy.yaml"
grep -q '^    GBP: ' "$POLICY_OLD" || qw_it_fail "policy.example.yaml changed: no GBP rate line"
sed 's/^    GBP: .*/&\n    JPY: "0.0062"/' "$POLICY_OLD" >"$POLICY_NEW"
grep -q 'JPY: "0.0062"' "$POLICY_NEW" || qw_it_fail "could not add JPY to the policy"

python3 - "$QW_IT_DIR" <<'PY'
import json, sys
d = sys.argv[1]
def won(deal, amount, cur, **extra):
    o = {"deal_id": deal, "version": 1, "status": "won", "amount": amount, "currency": cur,
         "owner_id": "rep-jp", "close_date": "2026-11-20"}
    o.update(extra)
    return json.dumps(o)
lines = [
    won("JP-1", "1000", "JPY"),
    "this is not json",
    won("JP-2", "250000", "JPY", pad="x" * (950 * 1024)),
    won("EU-1", "100.00", "EUR"),
]
open(d + "/first.jsonl", "w").write("\n".join(lines) + "\n")
open(d + "/sentinel.jsonl", "w").write(won("EU-2", "1.00", "EUR") + "\n")
PY

start_ingest() { # POLICY
    HTTP_PORT=$(qw_it_free_port)
    qw_it_bg ingest "$QW_BIN/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" \
        --policy "$1" --topic-prefix "$PREFIX" --group "${PREFIX}ingest" \
        --transactional-id "${PREFIX}ingest" --http-port "$HTTP_PORT" --batch-size 4 --batch-ms 50
    qw_it_wait_for 'curl -fs http://127.0.0.1:$HTTP_PORT/healthz' 30 || qw_it_fail "qw-ingest not up"
}
credits() { "${CTL[@]}" --until-eof tail credits >"$QW_IT_DIR/credits.jsonl" && wc -l <"$QW_IT_DIR/credits.jsonl"; }
raw_count() { "${CTL[@]}" --until-eof tail crm.canonical | wc -l; }
has_credit() { grep -c "\"deal_id\":\"canonical:$1\"" "$QW_IT_DIR/credits.jsonl"; }

"${CTL[@]}" --key one-partition -X message.max.bytes=3000000 \
    produce qw.crm.canonical "$QW_IT_DIR/first.jsonl"
start_ingest "$POLICY_OLD"
qw_it_wait_for '(( $(credits) >= 1 )) && (( $("${CTL[@]}" --until-eof tail dlq | wc -l) >= 3 ))' 60 ||
    qw_it_fail "the first batch was not processed (credits: $(credits))"

# list: by reason, with the plan for each; the cut one goes by reference.
"${CTL[@]}" --json --reason unknown_currency dlq list >"$QW_IT_DIR/list.jsonl" ||
    qw_it_fail "dlq list failed"
python3 - "$QW_IT_DIR/list.jsonl" >"$QW_IT_DIR/where.txt" <<'PY' || qw_it_fail "dlq list --reason is wrong"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 2, "want 2 unknown_currency dead letters, got %d" % len(rows)
plans = sorted(r["redrive"]["plan"] for r in rows)
assert plans == ["by_reference", "value"], plans
for r in rows:
    h = r["headers"]
    assert h["qw.error.reason"] == "unknown_currency", h
    cut = "qw.error.truncated" in h
    assert cut == (r["redrive"]["plan"] == "by_reference"), r["redrive"]
    assert cut or json.loads(r["value"])["deal_id"] == "JP-1", r["value"][:80]
small = [r for r in rows if r["redrive"]["plan"] == "value"][0]
print(small["partition"], small["offset"])
PY
read -r DP DO <"$QW_IT_DIR/where.txt"
"${CTL[@]}" --json --reason not_json dlq list | qw_it_grep '"plan":"value"' ||
    qw_it_fail "the not_json dead letter is not listed as redrivable by value"
n=$("${CTL[@]}" --json --partition "$DP" --offsets "$DO" dlq list | wc -l)
((n == 1)) || qw_it_fail "--partition $DP --offsets $DO selected $n dead letters, want 1"
n=$("${CTL[@]}" --json --since 1h --source canonical dlq list | wc -l)
((n == 3)) || qw_it_fail "--since 1h --source canonical selected $n dead letters, want 3"
n=$("${CTL[@]}" --json --until 2020-01-01T00:00:00Z dlq list | wc -l)
((n == 0)) || qw_it_fail "--until 2020 selected $n dead letters, want 0"
"${CTL[@]}" dlq list >"$QW_IT_DIR/table.txt" 2>&1 || qw_it_fail "dlq list (table) failed"
grep -q 'unknown_currency' "$QW_IT_DIR/table.txt" && grep -q 'REASON' "$QW_IT_DIR/table.txt" ||
    qw_it_fail "the table lacks its header or reasons: $(head -3 "$QW_IT_DIR/table.txt")"
"${CTL[@]}" dlq show "$DP:$DO" | qw_it_grep 'JP-1' || qw_it_fail "dlq show $DP:$DO lacks the deal"
"${CTL[@]}" dlq show "$DP:999999" >/dev/null 2>&1 && qw_it_fail "dlq show of a missing offset exited 0"
rc=0
"${CTL[@]}" --offsets 3 dlq list >/dev/null 2>&1 || rc=$?
((rc == 2)) || qw_it_fail "--offsets without --partition exited $rc, want 2"

# A dry run sends nothing.
before=$(raw_count)
"${CTL[@]}" --dry-run --reason unknown_currency dlq redrive >"$QW_IT_DIR/dry.txt" 2>&1 ||
    qw_it_fail "dry-run redrive failed: $(cat "$QW_IT_DIR/dry.txt")"
[[ $(grep -c 'would redrive' "$QW_IT_DIR/dry.txt") == 2 ]] ||
    qw_it_fail "dry run: $(cat "$QW_IT_DIR/dry.txt")"
sleep 1
[[ $(raw_count) == "$before" ]] || qw_it_fail "the dry run produced records"

# Fix the cause, then redrive by reason.
qw_it_kill ingest TERM
start_ingest "$POLICY_NEW"
"${CTL[@]}" --reason unknown_currency dlq redrive >"$QW_IT_DIR/redrive1.txt" 2>&1 ||
    qw_it_fail "redrive failed: $(cat "$QW_IT_DIR/redrive1.txt")"
grep -q '2 redriven, 0 skipped, 0 failed' "$QW_IT_DIR/redrive1.txt" ||
    qw_it_fail "redrive: $(cat "$QW_IT_DIR/redrive1.txt")"
qw_it_wait_for '(( $(credits) >= 3 ))' 60 || qw_it_fail "the redriven deals were not credited"
# The redriven records carry where they came from.
"${CTL[@]}" --until-eof tail crm.canonical | qw_it_grep '"qw.redrive.from"' ||
    qw_it_fail "redriven records lack the qw.redrive.from header"

# Redrive again: the same originals reach qw-ingest a second time and add nothing. The
# sentinel, produced after them on the same partition, shows they were consumed.
"${CTL[@]}" --reason unknown_currency dlq redrive >"$QW_IT_DIR/redrive2.txt" 2>&1 ||
    qw_it_fail "second redrive failed: $(cat "$QW_IT_DIR/redrive2.txt")"
"${CTL[@]}" --key one-partition produce qw.crm.canonical "$QW_IT_DIR/sentinel.jsonl"
qw_it_wait_for '(( $(credits) >= 4 ))' 60 || qw_it_fail "the sentinel was not credited"
sleep 2
credits >/dev/null
# A replayed record yields the same credit again, with the same id (the ledger's replay
# contract: the evaluator keeps the first of each id at any age, evaluator_dedup_any_age.sh). So:
# one distinct credit per deal, every copy identical, the right amount.
python3 - "$QW_IT_DIR/credits.jsonl" <<'PY' || qw_it_fail "credits after redrive are wrong"
import collections, json, sys
by_id = collections.defaultdict(list)
for l in open(sys.argv[1]):
    v = json.loads(l)["value"]
    by_id[v["id"]].append(v)
got = collections.Counter()
n = collections.Counter()
bad = []
for cid, vs in by_id.items():
    if any(v != vs[0] for v in vs):
        bad.append("copies of credit %s differ" % cid)
    got[vs[0]["deal_id"]] += int(vs[0]["amount_minor"])
    n[vs[0]["deal_id"]] += 1
# 1000 JPY and 250000 JPY at 0.0062 EUR each: 6.20 and 1550.00 EUR.
want = {"canonical:JP-1": 620, "canonical:JP-2": 155000, "canonical:EU-1": 10000,
        "canonical:EU-2": 100}
for k in set(got) | set(want):
    if got.get(k) != want.get(k) or n[k] != 1:
        bad.append("%s: %s minor in %d distinct credits, want %s" % (k, got.get(k), n[k], want.get(k)))
for b in bad:
    print("MISMATCH " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# The not_json line was not redriven and stays in the dead-letter topic; nothing new was
# dead-lettered by the redrives.
n=$("${CTL[@]}" --until-eof tail dlq | wc -l)
((n == 3)) || qw_it_fail "$n dead letters after the redrives, want the original 3"
qw_it_kill ingest TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-ingest did not stop cleanly ($QW_IT_EXIT)"
qw_it_log "ok: redrive by reason credited each deal once, by value and by reference; a replay changed nothing"
