#!/usr/bin/env bash
# End-to-end throughput and latency on the real local stack (docs/benchmarks.md, "Pipeline").
#   tests/bench/pipeline.sh BUILD_DIR [EVENTS] [DEALS] [REPS] [BATCH] [LIVE_EVENTS] [LIVE_RATE]
#   defaults: 50000 events, 5000 deals, 500 reps, batches of 500, then 5000 live events at
#   1000/s. BUILD_DIR: a build without sanitizers (qw-ingest, qw-evaluator, qwctl). Needs kcat.
# Starts its own stack (deploy/local/stack.sh) and stops it on exit, also on failure. Phases:
#   A. baseline: qwctl produce the events to a topic, read them back with kcat --
#      Kafka in and out, no logic;
#   B. qw-ingest alone draining the backlog (adapter, ledger in Redis, credits in transactions);
#   C. qw-ingest + qw-evaluator draining the same backlog (credits -> decisions; roster and
#      quotas published from CSV; evaluator on a private redis-server so that the Redis commands
#      of each service are counted apart);
#   D. with C's services running, LIVE_EVENTS new events produced at LIVE_RATE per second: the
#      latency from an event's produce timestamp until its credit is readable (read_committed)
#      on qw.credits.v1, observed by a kcat consumer that stamps each credit on arrival.
# Prints the load average next to every figure.
set -euo pipefail
build="$(cd "${1:?usage: pipeline.sh BUILD_DIR [EVENTS] [DEALS] [REPS] [BATCH] [LIVE] [RATE]}" && pwd)"
events="${2:-50000}"
deals="${3:-5000}"
reps="${4:-500}"
batch="${5:-500}"
live="${6:-5000}"
rate="${7:-1000}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
source "$here/deploy/local/common.sh"
source "$here/tests/bench/lib.sh" # load, metric
# The bench's own redis-server persists nothing (it measures the pipeline, not fsync): say so.
export QW_REDIS_ALLOW_VOLATILE=true
command -v kcat >/dev/null || { echo "pipeline.sh: needs kcat" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/qw-bench-pipeline.XXXXXX")"
envf="$work/stack.env"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    "$here/deploy/local/stack.sh" stop --env-file "$envf" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "pipeline.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

now() { date +%s.%N; }
rate_of() { awk -v n="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.0f", n / (t1 - t0) }'; }
secs() { awk -v t0="$1" -v t1="$2" 'BEGIN { printf "%.2f", t1 - t0 }'; }
# wait_metric PORT NAME TARGET: poll until the counter reaches TARGET; prints the time (s.ns)
# it first moved and the time it reached TARGET.
wait_metric() {
    local port="$1" name="$2" target="$3" t0="" n deadline=$((SECONDS + 900))
    while :; do
        n=$(metric "$port" "$name")
        [[ -z "$t0" && "$n" -gt 0 ]] && t0=$(now)
        ((n >= target)) && break
        ((SECONDS < deadline)) || { echo "pipeline.sh: $name only $n of $target" >&2; return 1; }
        sleep 0.05
    done
    echo "$t0 $(now)"
}
redis_calls() { # redis_calls URL: "command calls" lines of INFO commandstats
    redis-cli -u "$1" info commandstats | tr -d '\r' |
        sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\).*/\1 \2/p'
}
redis_diff() { # redis_diff BEFORE AFTER: "cmd=calls ..." and the total
    awk 'NR == FNR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) { s = s " " $1 "=" d; t += d } }
         END { printf "%d%s", t, s }' "$1" "$2"
}
# Percentiles of a histogram from /metrics (linear inside a bucket, as Prometheus does).
hist() { # hist PORT NAME
    curl -fs "http://127.0.0.1:$1/metrics" | awk -v m="$2" '
        index($0, m "_bucket{") == 1 { split($0, a, "\""); le[n] = a[2]; c[n++] = $NF }
        $1 == m "_count" { total = $2 } $1 == m "_sum" { sum = $2 }
        function q(p,   i, want, lo, prev) {
            want = p * total; prev = 0; lo = 0
            for (i = 0; i < n; i++) {
                if (c[i] >= want) {
                    if (le[i] == "+Inf") return "> " lo
                    return sprintf("%.1f", (lo + (le[i] - lo) * (want - prev) / (c[i] - prev)) * 1000)
                }
                prev = c[i]; lo = le[i]
            }
        }
        END { if (total) printf "%d batches, mean %.1f ms, p50 %s ms, p99 %s ms", total,
                  sum / total * 1000, q(0.5), q(0.99) }'
}

echo "== starting the stack (load $(load))"
"$here/deploy/local/stack.sh" start --env-file "$envf" >"$work/stack.log" 2>&1 ||
    { cat "$work/stack.log" >&2; exit 1; }
source "$envf"
B="$QW_KAFKA_BOOTSTRAP"
python3 "$here/tests/bench/gen_pipeline.py" --events "$events" --deals "$deals" --reps "$reps" \
    --out "$work"
mkdir -p "$work/live"
python3 "$here/tests/bench/gen_pipeline.py" --events "$live" --deals $((live / 10 > 0 ? live / 10 : 1)) \
    --reps "$reps" --prefix L --seed 12 --out "$work/live"
bytes=$(wc -c <"$work/events.jsonl")
qwctl() { "$build/bin/qwctl" --brokers "$B" "$@"; }
echo "== $events events ($((bytes / events)) bytes on average), $deals deals, $reps reps, batches of $batch"

# --- A. baseline: Kafka in and out -----------------------------------------------------------
t0=$(now)
qwctl --key-field deal_id produce qw.crm.canonical "$work/events.jsonl"
t1=$(now)
t2=$t1
k=$(kcat -C -b "$B" -t qw.crm.canonical -o beginning -e -q -f '%o\n' | wc -l)
t3=$(now)
echo "A. qwctl produce: $events events in $(secs "$t0" "$t1") s = $(rate_of "$events" "$t0" "$t1") ev/s (load $(load))"
echo "A. kcat -e: $k records in $(secs "$t2" "$t3") s = $(rate_of "$k" "$t2" "$t3") ev/s (load $(load))"

# --- B. qw-ingest alone --------------------------------------------------------------------------
qw_stack_topics "$QW_KAFKA_LIBS" "$B" b.
qwctl --topic-prefix b. --key-field deal_id produce qw.crm.canonical "$work/events.jsonl"
redis_calls "$QW_REDIS_URL" >"$work/rb0"
hp=$(qw_stack_free_port)
"$build/bin/qw-ingest" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix b. \
    --policy "$here/deploy/policy.example.yaml" --sources canonical --group b.ingest \
    --transactional-id b.ingest --http-port "$hp" --batch-size "$batch" --log-level warn \
    >"$work/ingest-b.log" 2>&1 &
pids+=($!)
ts=$(now)
read -r t0 t1 < <(wait_metric "$hp" qw_ingest_messages_total "$events")
sleep 1 # the last transaction commits after the counter moves
credits=$(qwctl --topic-prefix b. --until-eof tail credits | wc -l)
txns=$(metric "$hp" 'qw_ingest_transactions_total{outcome="commit"}')
redis_calls "$QW_REDIS_URL" >"$work/rb1"
read -r rtotal rcmds <<<"$(redis_diff "$work/rb0" "$work/rb1")"
echo "B. qw-ingest: $events events in $(secs "$t0" "$t1") s from its first message = $(rate_of "$events" "$t0" "$t1") ev/s ($(secs "$ts" "$t1") s from process start; load $(load))"
echo "B. $credits credits, $(metric "$hp" qw_ingest_dlq_total) dead letters, $txns transactions; batch time: $(hist "$hp" qw_ingest_batch_seconds)"
echo "B. Redis: $rtotal commands ($rcmds) = $(awk -v a="$rtotal" -v b="$txns" 'BEGIN { printf "%.1f", a / b }') per transaction, $(awk -v a="$rtotal" -v b="$events" 'BEGIN { printf "%.2f", a / b }') per event"
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
unset 'pids[-1]'

# --- C. the whole pipeline ----------------------------------------------------------------------
# qw-ingest's deal keys carry no topic prefix: without this, C would replay B's deals (the cheap
# path: loads only, no saves) instead of doing the same work again.
redis-cli -u "$QW_REDIS_URL" flushall >/dev/null
qw_stack_topics "$QW_KAFKA_LIBS" "$B" c.
qwctl --topic-prefix c. --key-field deal_id produce qw.crm.canonical "$work/events.jsonl"
qwctl --topic-prefix c. publish roster "$work/roster.csv"
qwctl --topic-prefix c. publish quotas "$work/quotas.csv"
rport=$(qw_stack_free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$work/redis-ev.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ "$(redis-cli -p "$rport" ping 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
rurl="redis://127.0.0.1:$rport/0"
ep=$(qw_stack_free_port)
"$build/bin/qw-evaluator" --brokers "$B" --redis "$rurl" --topic-prefix c. --group c.evaluator \
    --policy "$here/deploy/policy.example.yaml" --fake-now 2026-11-20T12:00:00Z --calendar=false \
    --http-port "$ep" --batch-size "$batch" --log-level warn >"$work/evaluator.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$ep/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
redis_calls "$QW_REDIS_URL" >"$work/rc0"
redis_calls "$rurl" >"$work/re0"
ip=$(qw_stack_free_port)
"$build/bin/qw-ingest" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix c. \
    --policy "$here/deploy/policy.example.yaml" --sources canonical --group c.ingest \
    --transactional-id c.ingest --http-port "$ip" --batch-size "$batch" --log-level warn \
    >"$work/ingest-c.log" 2>&1 &
pids+=($!)
read -r t0 t1 < <(wait_metric "$ip" qw_ingest_messages_total "$events")
read -r _ t2 < <(wait_metric "$ep" qw_evaluator_credits_applied_total "$credits")
etx=$(metric "$ip" 'qw_ingest_transactions_total{outcome="commit"}')
redis_calls "$QW_REDIS_URL" >"$work/rc1"
redis_calls "$rurl" >"$work/re1"
read -r itotal _ <<<"$(redis_diff "$work/rc0" "$work/rc1")"
read -r etotal ecmds <<<"$(redis_diff "$work/re0" "$work/re1")"
ebatches=$(curl -fs "http://127.0.0.1:$ep/metrics" | awk '$1 == "qw_evaluator_batch_seconds_count" { print $2 + 0 }')
echo "C. pipeline: $events events -> $credits credits applied in $(secs "$t0" "$t2") s = $(rate_of "$events" "$t0" "$t2") ev/s, $(rate_of "$credits" "$t0" "$t2") credits/s (ingest alone finished after $(secs "$t0" "$t1") s; load $(load))"
sleep 1
echo "C. decisions: $(metric "$ep" qw_evaluator_decisions_emitted_total) emitted, $(metric "$ep" qw_evaluator_decisions_published_total) published; $(metric "$ep" qw_evaluator_credits_rejected_total) rejected, $(metric "$ep" qw_evaluator_duplicates_dropped_total) duplicates"
echo "C. ingest batch time: $(hist "$ip" qw_ingest_batch_seconds); evaluator batch time: $(hist "$ep" qw_evaluator_batch_seconds)"
echo "C. Redis: ingest $itotal commands over $etx transactions; evaluator $etotal commands ($ecmds) over ${ebatches:-0} batches = $(awk -v a="$etotal" -v b="${ebatches:-0}" 'BEGIN { printf "%.1f", b ? a / b : 0 }') per batch"

# --- D. live latency: event produced -> credit readable --------------------------------------------
# kcat is the background process (so cleanup can stop it); the stamper ends at its EOF.
kcat -u -C -b "$B" -t c.qw.credits.v1 -o end -X isolation.level=read_committed -q \
    -f '\n@@%T@@%s' 2>/dev/null > >(python3 -c '
import re, sys, time
out = open(sys.argv[1], "w")
pat = re.compile(rb"canonical:(L[0-9]+):([0-9]+):")
buf = b""
while True:
    chunk = sys.stdin.buffer.read1(65536)
    if not chunk:
        break
    t = time.time() * 1000
    buf += chunk
    parts = buf.split(b"\n@@")
    buf = parts.pop()
    for p in parts:
        m = pat.search(p)
        if m:
            out.write("%s:%s %.1f\n" % (m.group(1).decode(), m.group(2).decode(), t))
    out.flush()
' "$work/arrivals") &
pids+=($!)
sleep 3 # let the consumer get its assignment
split -l "$((rate / 10 > 0 ? rate / 10 : 1))" "$work/live/events.jsonl" "$work/live/chunk."
tl0=$(now)
i=0
for f in "$work/live/chunk."*; do
    qwctl --topic-prefix c. --key-field deal_id produce qw.crm.canonical "$f"
    i=$((i + 1))
    # one chunk every 0.1 s of the schedule; qwctl start-up is part of the budget
    d=$(awk -v t0="$tl0" -v i="$i" -v t="$(now)" 'BEGIN { d = t0 + i * 0.1 - t; printf "%.3f", (d > 0 ? d : 0) }')
    sleep "$d"
done
tl1=$(now)
read -r _ _ < <(wait_metric "$ip" qw_ingest_messages_total $((events + live)))
sleep 3
kcat -C -b "$B" -t c.qw.crm.canonical -o beginning -e -q -f '%T %s\n' 2>/dev/null >"$work/raw.ts"
echo "D. live: $live events offered in $(secs "$tl0" "$tl1") s = $(rate_of "$live" "$tl0" "$tl1") ev/s (load $(load))"
python3 - "$work/raw.ts" "$work/arrivals" <<'PY'
import json, sys
sent = {}
for line in open(sys.argv[1]):
    ts, _, js = line.partition(" ")
    try:
        e = json.loads(js)
    except ValueError:
        continue
    if str(e.get("deal_id", "")).startswith("L"):
        sent["%s:%s" % (e["deal_id"], e["version"])] = int(ts)
lat = []
for line in open(sys.argv[2]):
    k, t = line.split()
    if k in sent:
        lat.append(float(t) - sent[k])
lat.sort()
if not lat:
    print("D. no live credit observed")
    sys.exit(0)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("D. event produced -> credit readable: %d credits, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
      % (len(lat), q(0.5), q(0.9), q(0.99), lat[-1]))
PY
echo "== done (load $(load))"
