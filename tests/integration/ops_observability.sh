#!/usr/bin/env bash
# Observability (issue 14): the alert rules pass `promtool check rules` and their unit tests; the
# Grafana dashboard and every rule query only metrics and labels that the running services
# really export (scraped here from qw-gateway, qw-ingest, qw-evaluator and qw-notifier on the
# real stack); per-partition consumer lag is exported by each consumer, shows a backlog while
# qw-ingest drains one and falls to 0 once it has.
source "$(dirname "$0")/lib.sh"
qw_it_init

OBS="$QW_SRC/deploy/observability"
command -v promtool >/dev/null || qw_it_fail "promtool missing: run deploy/local/setup.sh (Debian package prometheus)"
promtool check rules "$OBS/alerts.yml" >"$QW_IT_DIR/check.out" 2>&1 ||
    qw_it_fail "promtool check rules: $(cat "$QW_IT_DIR/check.out")"
(cd "$OBS" && promtool test rules alerts_test.yml) >"$QW_IT_DIR/test.out" 2>&1 ||
    qw_it_fail "promtool test rules: $(cat "$QW_IT_DIR/test.out")"
promtool check config "$OBS/prometheus.example.yml" >/dev/null 2>&1 ||
    qw_it_fail "promtool check config prometheus.example.yml failed"
qw_it_log "alert rules: checked, and every unit test passes"

PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"
POLICY="$QW_SRC/deploy/policy.example.yaml"
FIX="$QW_SRC/tests/fixtures/e2e"

# A backlog before qw-ingest starts, drained 10 messages per transaction: lag must be visible.
python3 - "$QW_IT_DIR/events.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        f.write(json.dumps({"deal_id": f"OBS-{i}", "version": 1, "status": "won",
                            "amount": "10.00", "currency": "EUR", "owner_id": f"rep-{i % 7}",
                            "close_date": "2026-11-02"}) + "\n")
PY
"$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/events.jsonl"

IN_PORT="$(qw_it_free_port)" EV_PORT="$(qw_it_free_port)" NT_PORT="$(qw_it_free_port)"
GW_PORT="$(qw_it_free_port)" GW_ADMIN="$(qw_it_free_port)"
qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX" --http-port "$IN_PORT" --batch-size 10
qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$POLICY" --roster "$FIX/roster.csv" \
    --quotas "$FIX/quotas.csv" --group "evaluator-$PREFIX" \
    --fake-now 2026-11-20T12:00:00Z --http-port "$EV_PORT" --calendar-interval-ms 1000
SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
printf '%s\n' "$SECRET" >"$QW_IT_DIR/webhook.secret"
qw_it_bg notifier "$QW_BIN/qw-notifier" --webhook-url "http://127.0.0.1:9/unused" \
    --webhook-secret-file "$QW_IT_DIR/webhook.secret" --allow-insecure-webhook \
    --group "notifier-$PREFIX" --http-port "$NT_PORT"
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" >"$QW_IT_DIR/cn.secret"
qw_it_bg gateway "$QW_BIN/qw-gateway" --port "$GW_PORT" --http-port "$GW_ADMIN" \
    --public-url "http://127.0.0.1:$GW_PORT" --canonical-secret-file "$QW_IT_DIR/cn.secret"

metrics() { curl -fs "http://127.0.0.1:$1/metrics"; }
lag_sum() { # PORT TOPIC-SUFFIX: the summed qw_consumer_lag_records of that topic, or "none"
    metrics "$1" | awk -v t="$2" '$1 ~ /^qw_consumer_lag_records\{/ && index($1, t "\"") { s += $2; n++ }
        END { if (n) print s; else print "none" }'
}
saw_backlog=0
for _ in $(seq 1 120); do
    l="$(lag_sum "$IN_PORT" qw.crm.canonical 2>/dev/null)" || l=none # not answering yet
    if [[ "$l" =~ ^[0-9]+$ ]] && ((l > 0)); then saw_backlog=1; break; fi
    sleep 0.5
done
((saw_backlog)) || qw_it_fail "qw-ingest never showed a backlog on qw.crm.canonical (last: $l)"
qw_it_log "qw-ingest lag while draining: $l records"
qw_it_wait_for '[[ "$(lag_sum '"$IN_PORT"' qw.crm.canonical)" == 0 ]]' 180 ||
    qw_it_fail "qw-ingest's lag did not fall to 0 (now $(lag_sum "$IN_PORT" qw.crm.canonical))"
qw_it_wait_for '[[ "$(lag_sum '"$EV_PORT"' qw.credits.v1)" == 0 ]]' 120 ||
    qw_it_fail "qw-evaluator exports no lag of 0 on qw.credits.v1 (now $(lag_sum "$EV_PORT" qw.credits.v1))"
# One scrape says both: where its records say caught up, its seconds say 0 (a scrape taken
# between two gauges of one measurement, or a gauge exported before the first, would not).
metrics "$IN_PORT" >"$QW_IT_DIR/ingest-caught-up.prom"
awk -v t="${PREFIX}qw.crm.canonical" '
    $1 ~ /^qw_consumer_lag_(records|seconds)\{/ && index($1, "topic=\"" t "\"") {
        split($1, a, "{"); k = substr($1, length(a[1]) + 1); v[a[1], k] = $2; keys[k] = 1 }
    END { for (k in keys) { n++
              if (v["qw_consumer_lag_records", k] == 0 && v["qw_consumer_lag_seconds", k] != 0) bad++ }
          exit !(n && !bad) }' "$QW_IT_DIR/ingest-caught-up.prom" ||
    qw_it_fail "qw-ingest's lag in seconds is not 0 where its records are (see ingest-caught-up.prom)"
metrics "$IN_PORT" | qw_it_grep '^qw_consumer_lag_seconds{topic="'"${PREFIX}"'qw.crm.canonical",partition="0"} 0$' ||
    qw_it_fail "qw-ingest's lag in seconds is not 0 once caught up"
qw_it_wait_for '[[ "$(lag_sum '"$NT_PORT"' qw.decisions.v1)" != none ]]' 60 ||
    qw_it_fail "qw-notifier exports no lag for qw.decisions.v1"
metrics "$EV_PORT" | qw_it_grep '^qw_component_ready{component="redis"} 1$' ||
    qw_it_fail "qw-evaluator does not export qw_component_ready for redis"

for s in ingest:$IN_PORT evaluator:$EV_PORT notifier:$NT_PORT gateway:$GW_ADMIN; do
    metrics "${s#*:}" >"$QW_IT_DIR/${s%%:*}.prom" || qw_it_fail "no /metrics from ${s%%:*}"
done
python3 "$QW_SRC/tests/integration/ops_observability_check.py" "$OBS/alerts.yml" \
    "$OBS/grafana-dashboard.json" "$QW_SRC/docs/operations.md" "$QW_IT_DIR"/*.prom || qw_it_fail "rules or dashboard query what no service exports"
for p in ingest evaluator notifier gateway; do qw_it_kill "$p" TERM; done
qw_it_log passed
