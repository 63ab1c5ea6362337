#!/usr/bin/env bash
# End-to-end ingest throughput on the real stack (docs/benchmarks.md, "Ingest end to end").
#   tests/bench/bench_ingest.sh BUILD_DIR [EVENTS] [BATCH]     (defaults 20000, 1000)
# Needs a running stack: QW_STACK_ENV=<env file of `deploy/local/stack.sh start --env-file F`>.
# Build BUILD_DIR without sanitizers (targets qw-ingest, qwctl, bench_ingest).
# The same canonical events (tests/integration/ingest_model.py: ~100 bytes, 10 per deal, a mix
# of wins, amount/owner/split/close-date changes, reopen/lost) are read from one raw topic by
#   1. bench_ingest, plain copy (idempotent producer, offsets committed after a flush),
#   2. bench_ingest, copy in Kafka transactions with the offsets (qw-ingest's loop shape),
#   3. qw-ingest: adapters + ledger (one pipelined Redis load + CAS save per batch) + credits
#      and offsets in Kafka transactions, against a private redis-server.
# Each rate runs from the end of the first committed batch to the end of the last (qw-ingest:
# its committed-messages counter on /metrics, sampled every 20 ms).
set -euo pipefail
build="$(cd "${1:?usage: bench_ingest.sh BUILD_DIR [EVENTS] [BATCH]}" && pwd)"
events="${2:-20000}"
batch="${3:-1000}"
source "$(dirname "$0")/lib.sh"
# The bench's own redis-server persists nothing (it measures the pipeline, not fsync): say so.
export QW_REDIS_ALLOW_VOLATILE=true
qw_bench_init ingest

qw_stack_topics "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "$prefix"
qw_stack_create_topic "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "${prefix}copy.plain" 4
qw_stack_create_topic "$QW_KAFKA_LIBS" "$QW_KAFKA_BOOTSTRAP" "${prefix}copy.txn" 4
python3 "$here/tests/integration/ingest_model.py" gen --seed 7 --deals $((events / 10)) \
    --reps 50 --events "$events" --invalid 0 --out "$work"
"$build/bin/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$prefix" --key-field deal_id \
    produce qw.crm.canonical "$work/events.jsonl"
raw="${prefix}qw.crm.canonical"
bytes=$(wc -c <"$work/events.jsonl")
echo "== $events events, $((bytes / events)) bytes on average, batches of $batch; load $(cut -d' ' -f1-3 /proc/loadavg)"

"$build/bench/bench_ingest" "$QW_KAFKA_BOOTSTRAP" "$raw" "${prefix}copy.plain" "${prefix}g.plain" \
    "$events" "$batch" 0
"$build/bench/bench_ingest" "$QW_KAFKA_BOOTSTRAP" "$raw" "${prefix}copy.txn" "${prefix}g.txn" \
    "$events" "$batch" 1

rport=$(qw_stack_free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$work/redis.log" 2>&1 &
pids+=($!)
hport=$(qw_stack_free_port)
for _ in $(seq 50); do [[ "$(redis-cli -p "$rport" ping 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
"$build/bin/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "redis://127.0.0.1:$rport/0" \
    --policy "$here/deploy/policy.example.yaml" --topic-prefix "$prefix" --sources canonical \
    --group "${prefix}g.ingest" --transactional-id "${prefix}ingest" --http-port "$hport" \
    --batch-size "$batch" --log-level warn >"$work/ingest.log" 2>&1 &
pids+=($!)
consumed() {
    { curl -fs "http://127.0.0.1:$hport/metrics" 2>/dev/null || true; } |
        awk '$1 == "qw_ingest_messages_total" { v = $2 } END { print v + 0 }'
}
t0="" deadline=$((SECONDS + 600))
while :; do
    n=$(consumed)
    now=$(date +%s.%N)
    [[ -z "$t0" && "$n" -gt 0 ]] && { t0=$now; n0=$n; }
    ((n >= events)) && break
    ((SECONDS < deadline)) || { echo "qw-ingest: only $n of $events after 600 s" >&2; exit 1; }
    sleep 0.02
done
awk -v n="$events" -v n0="$n0" -v t0="$t0" -v t1="$now" 'BEGIN {
    printf "qw-ingest: %d messages in %.2f s = %.0f msg/s (first batch of %d not timed)\n",
        n - n0, t1 - t0, (n - n0) / (t1 - t0), n0 }'
credits=$("$build/bin/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$prefix" --until-eof \
    tail credits | wc -l)
echo "qw-ingest: $credits credit entries, $(redis-cli -p "$rport" dbsize) deals in Redis"
