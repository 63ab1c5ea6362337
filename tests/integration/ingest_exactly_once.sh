#!/usr/bin/env bash
# Exactly-once through qw-ingest on the real broker and a real redis-server (DESIGN.md
# guarantee 1). 3000 canonical events over 200 deals and 20 reps (wins, amount and currency
# changes, owner and split changes, close dates moved across months, reopen, lost) with 28
# unusable ones mixed in, generated with a fixed seed by ingest_model.py, which also computes
# the expected per-(rep, close month) totals on its own.
#   A: qw-ingest is SIGKILLed mid-stream and restarted, 4 times and until a kill has landed
#      inside an open transaction with records on the broker (at most 12; batches of 7).
#   B: the same stream on fresh topics while its redis-server is SIGKILLed and restarted twice
#      under a running qw-ingest.
#   C: the same stream on fresh topics through two instances in one consumer group (each with
#      its own --transactional-id), one of them SIGKILLed or stopped and restarted in turn, so
#      partitions move between them while the other has transactions in flight.
# Each time, once the consumer group has no lag, qw.credits.v1 read with read_committed must sum
# to the expected totals per (rep, month) with no credit id twice, and qw.dlq.v1 must hold
# exactly the unusable events, byte for byte, with their reasons.
source "$(dirname "$0")/lib.sh"
qw_it_init

python3 "$QW_SRC/tests/integration/ingest_model.py" gen --seed 20261127 --deals 200 --reps 20 \
    --events 3000 --invalid 28 --out "$QW_IT_DIR"
NEVENTS=$(wc -l <"$QW_IT_DIR/events.jsonl")

# metric NAME: the value of an unlabelled counter of the running qw-ingest (0 if not up yet).
metric() {
    curl -fs "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null |
        awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }'
}

# lag GROUP: total lag of the group on the raw topic, or "?" while any partition has no
# committed offset (Kafka's own tool: the service's view is not evidence).
lag() {
    java -Xmx128m -Dlog4j2.level=error -cp "$QW_KAFKA_LIBS/*" \
        org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "$QW_KAFKA_BOOTSTRAP" --describe --group "$1" 2>/dev/null |
        awk -v t="${PREFIX}qw.crm.canonical" '$2 == t { n++; if ($6 == "-") bad = 1; else s += $6 }
            END { if (bad || n == 0) print "?"; else print s }'
}

# start_ingest [NAME PORT]: an instance in the group ${PREFIX}ingest, its transactional id
# after NAME (default: the one instance, "ingest", on $HTTP_PORT).
start_ingest() {
    local name="${1:-ingest}" port="${2:-$HTTP_PORT}"
    qw_it_bg "$name" "$QW_BIN/qw-ingest" --brokers "$QW_KAFKA_BOOTSTRAP" --redis "$QW_REDIS_URL" \
        --policy "$QW_SRC/deploy/policy.example.yaml" --topic-prefix "$PREFIX" \
        --sources canonical --group "${PREFIX}ingest" --transactional-id "${PREFIX}$name" \
        --http-port "$port" --batch-size 7 --batch-ms 50 \
        -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000
    qw_it_wait_for "curl -fs http://127.0.0.1:$port/healthz" 30 ||
        qw_it_fail "qw-ingest ($name) did not come up"
}

# wait_consumed N: until the running instance consumed N more raw messages.
wait_consumed() {
    local target=$(($(metric qw_ingest_messages_total) + $1))
    qw_it_wait_for '(( $(metric qw_ingest_messages_total) >= target ))' 90 ||
        qw_it_fail "qw-ingest stalled at $(metric qw_ingest_messages_total) messages"
}

# setup NAME: fresh topics, a fresh private redis and the whole stream produced.
setup() {
    PREFIX="$(qw_it_unique_prefix)$1."
    qw_it_topics "$PREFIX"
    qw_it_redis_start "redis-$1"
    HTTP_PORT=$(qw_it_free_port)
    "$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX" \
        --key-field deal_id produce qw.crm.canonical "$QW_IT_DIR/events.jsonl"
}

# verify NAME: wait until the group caught up, then compare committed output with the model.
verify() {
    local name="$1" l="?" i
    for ((i = 0; i < 60; i++)); do
        l=$(lag "${PREFIX}ingest")
        [[ "$l" == 0 ]] && break
        for n in ${INSTANCES:-ingest}; do
            qw_it_alive "$n" || qw_it_fail "$name: qw-ingest ($n) died (lag $l)"
        done
        sleep 1
    done
    [[ "$l" == 0 ]] || qw_it_fail "$name: consumer group still lags ($l) after the stream"
    local ctl=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX")
    "${ctl[@]}" --until-eof tail credits >"$QW_IT_DIR/$name.credits.jsonl"
    "${ctl[@]}" --until-eof tail dlq >"$QW_IT_DIR/$name.dlq.jsonl"
    "${ctl[@]}" --until-eof --uncommitted tail credits >"$QW_IT_DIR/$name.all.jsonl"
    python3 "$QW_SRC/tests/integration/ingest_model.py" check --expected "$QW_IT_DIR/expected.json" \
        --credits "$QW_IT_DIR/$name.credits.jsonl" --dlq "$QW_IT_DIR/$name.dlq.jsonl" ||
        qw_it_fail "$name: committed credits or dead letters differ from the model"
    local committed aborted
    committed=$(wc -l <"$QW_IT_DIR/$name.credits.jsonl")
    aborted=$(($(wc -l <"$QW_IT_DIR/$name.all.jsonl") - committed))
    qw_it_log "$name: $committed committed credits; $aborted records of aborted transactions hidden"
    ABORTED=$aborted
}

# cut_open: records of a transaction the dead instance left open, or of aborted ones, on the
# credits topic now (nothing produces while it is down: read_committed stops where the open
# transaction starts, read_uncommitted reads on through it).
cut_open() {
    local ctl=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$PREFIX" --until-eof)
    echo $(($("${ctl[@]}" --uncommitted tail credits | wc -l) - $("${ctl[@]}" tail credits | wc -l)))
}

# --- A: SIGKILL of qw-ingest, 4 times or more ----------------------------------------------------
# A kill lands inside a transaction whose records reached the broker only part of the time
# (they go out after the partitions are registered, late in each ~60 ms cycle): kill again,
# up to 12 times, until one did - else this part would prove nothing about aborts.
setup kill
start_ingest
cut=0
for ((k = 1; k <= 12; k++)); do
    wait_consumed $((100 + RANDOM % 150))
    qw_it_kill ingest KILL
    [[ "$QW_IT_EXIT" == 137 ]] || qw_it_fail "qw-ingest had exited before the kill ($QW_IT_EXIT)"
    c=$(cut_open)
    qw_it_log "kill $k: SIGKILL (exit $QW_IT_EXIT); $c records open or aborted on the credits topic"
    ((c > 0)) && cut=1
    start_ingest
    ((k >= 4 && cut)) && break
done
((cut)) || qw_it_fail "12 kills, none inside a transaction with records on the broker"

verify kill
# The kills must have cut transactions: otherwise this test proved nothing about aborts.
((ABORTED > 0)) || qw_it_fail "no kill landed inside a transaction (no aborted records)"
grep -q '"event":"ingest.started"' "$(qw_it_log_of ingest)" || qw_it_fail "no start logged"
qw_it_kill ingest TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-ingest did not stop cleanly on SIGTERM ($QW_IT_EXIT)"

# --- B: Redis SIGKILLed and restarted under a running qw-ingest, twice ----------------------------
setup crash
start_ingest
for k in 1 2; do
    wait_consumed $((300 + RANDOM % 300))
    qw_it_redis_restart redis-crash KILL
    qw_it_log "redis restart $k"
done
verify crash
grep -q '"event":"ingest.batch_retry"' "$(qw_it_log_of ingest)" ||
    qw_it_fail "qw-ingest never retried a batch: the Redis restarts were not noticed"
[[ "$(redis-cli -p "$QW_IT_REDIS_PORT" --scan --pattern "${PREFIX}qw:deal:*" | wc -l)" -ge 200 ]] ||
    qw_it_fail "fewer deals in Redis than in the stream"

# --- C: two instances, one of them killed or stopped and restarted in turn ----------------------
setup pair
PORT_A=$HTTP_PORT PORT_B=$(qw_it_free_port)
start_ingest ingest_a "$PORT_A"
start_ingest ingest_b "$PORT_B"
INSTANCES="ingest_a ingest_b"
HTTP_PORT=$PORT_A wait_consumed 100
for k in 1 2 3 4; do
    if ((k % 2)); then victim=ingest_b port=$PORT_B; else victim=ingest_a port=$PORT_A; fi
    # Stop one while the other consumes: a kill leaves its transactions open (the restart
    # fences them), a SIGTERM commits what it holds as its partitions are revoked.
    sig=KILL
    ((k == 2)) && sig=TERM
    qw_it_kill "$victim" "$sig"
    qw_it_log "pair $k: $victim stopped with SIG$sig (exit $QW_IT_EXIT)"
    survivor_port=$PORT_A
    [[ $victim == ingest_a ]] && survivor_port=$PORT_B
    HTTP_PORT=$survivor_port wait_consumed $((40 + RANDOM % 40))
    start_ingest "$victim" "$port"
    HTTP_PORT=$survivor_port wait_consumed $((40 + RANDOM % 40))
done
verify pair
total=$(($(HTTP_PORT=$PORT_A metric qw_ingest_messages_total) + $(HTTP_PORT=$PORT_B metric qw_ingest_messages_total)))
((total > 0)) || qw_it_fail "the two instances consumed nothing"
qw_it_log "$NEVENTS events, exactly once through 4 kills, 2 Redis crashes and 4 stops of one of two instances"
