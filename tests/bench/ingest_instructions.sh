#!/usr/bin/env bash
# Instructions per event of qw-ingest under callgrind, for two builds on the same topic contents
# (docs/benchmarks.md, "Instructions per event"): on a shared machine wall-clock CPU moves by
# ±30% between runs of the same binary, instruction counts by well under 1%.
#   tests/bench/ingest_instructions.sh BASE_BUILD NEW_BUILD [DEALS] [REPS] [BATCH]
#   defaults: 20000 deals, 1000 reps, batches of 1000.
# Each build's qw-ingest drains its own copy of the HubSpot workload (../shared/bench/
# gen_hubspot.py, QW_GEN_HUBSPOT=FILE elsewhere) into its own Redis namespace under
# `valgrind --tool=callgrind` (only the instructions of the process's own threads: librdkafka's
# threads included, the broker's and Redis's not). Start-up is counted too; it is the same for
# both. Needs valgrind (apt-get install valgrind) besides what deploy/local/setup.sh installs.
set -euo pipefail
base="${1:?usage: ingest_instructions.sh BASE_BUILD NEW_BUILD [DEALS] [REPS] [BATCH]}"
new="${2:?usage: ingest_instructions.sh BASE_BUILD NEW_BUILD [DEALS] [REPS] [BATCH]}"
deals="${3:-20000}"
reps="${4:-1000}"
batch="${5:-1000}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
gen="${QW_GEN_HUBSPOT:-$here/../shared/bench/gen_hubspot.py}"
[[ -f "$gen" ]] || { echo "ingest_instructions.sh: no workload generator at $gen (set QW_GEN_HUBSPOT)" >&2; exit 2; }
for b in "$base" "$new"; do
    [[ -x "$b/bin/qw-ingest" ]] || { echo "ingest_instructions.sh: no $b/bin/qw-ingest (build it first)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "ingest_instructions.sh: needs valgrind: apt-get install valgrind" >&2; exit 2; }
command -v kcat >/dev/null || { echo "ingest_instructions.sh: needs kcat (deploy/local/setup.sh)" >&2; exit 2; }
source "$here/deploy/local/common.sh"
source "$here/tests/bench/lib.sh" # metric
export QW_REDIS_ALLOW_VOLATILE=true

work="$(mktemp -d "${TMPDIR:-/tmp}/qw-instr.XXXXXX")"
envf="$work/stack.env"
cleanup() {
    pkill -P $$ 2>/dev/null || true
    "$here/deploy/local/stack.sh" stop --env-file "$envf" >/dev/null 2>&1 || true
    [[ -n "${QW_BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
"$here/deploy/local/stack.sh" start --env-file "$envf" >"$work/stack.log" 2>&1 || { cat "$work/stack.log" >&2; exit 1; }
source "$envf"
B="$QW_KAFKA_BOOTSTRAP"

python3 "$gen" --deals "$deals" --reps "$reps" --out "$work/hs.jsonl" --oracle "$work/oracle.json" >/dev/null
events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$work/oracle.json")
bodies=$(wc -l <"$work/hs.jsonl")
python3 - "$work/hs.jsonl" >"$work/hs.keyed" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    print("%d\t%s" % (json.loads(line)[0]["objectId"], line.rstrip("\n")))
PY
printf 'version: "bench-instructions"\nperiod: quarter\ntimezone: UTC\ncurrency:\n  base: USD\n' >"$work/policy.yaml"
echo "== $events events in $bodies bodies, $deals deals, batches of $batch"
declare -A ir
for which in base new; do
    build="$base"
    [[ $which == new ]] && build="$new"
    pre="$which."
    qw_stack_topics "$QW_KAFKA_LIBS" "$B" "$pre"
    kcat -P -b "$B" -t "${pre}qw.crm.hubspot" -K $'\t' -z lz4 -l "$work/hs.keyed"
    port=$(qw_stack_free_port)
    valgrind --tool=callgrind --callgrind-out-file="$work/$which.cg" --dump-instr=no \
        "$build/bin/qw-ingest" --brokers "$B" --redis "$QW_REDIS_URL" --topic-prefix "$pre" \
        --sources hubspot --policy "$work/policy.yaml" --group "${pre}ingest" \
        --transactional-id "${pre}ingest" --http-port "$port" --batch-size "$batch" \
        --log-level warn >"$work/$which.log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + 1800))
    until (($(metric "$port" qw_ingest_messages_total) >= bodies)); do
        ((SECONDS < deadline)) || { echo "qw-ingest ($which) stalled" >&2; tail "$work/$which.log" >&2; exit 1; }
        sleep 1
    done
    kill -TERM "$pid"
    wait "$pid" || true
    ir[$which]=$(awk '/^summary:|^totals:/ { print $2; exit }' "$work/$which.cg")
    # Credits only: the completeness marks (header qw.kind=watermark) follow the transactions.
    credits=$(kcat -C -b "$B" -t "${pre}qw.credits.v1" -X isolation.level=read_committed -e -q -f '%h\n' 2>/dev/null |
        grep -vc 'qw.kind=watermark' || true)
    echo "$which: $build: ${ir[$which]} instructions = $(awk -v i="${ir[$which]}" -v n="$events" 'BEGIN { printf "%.0f", i / n }') per event; $credits credit records"
done
echo "== new ÷ base = $(awk -v a="${ir[new]}" -v b="${ir[base]}" 'BEGIN { printf "%.3f", a / b }')"
