#!/usr/bin/env bash
# SIGHUP reloads (issue 14): qw-evaluator re-reads its policy and qw-notifier its routing file and
# templates, each validated in full first. A broken file is refused (logged with the reason) and
# the running configuration stays — the service keeps deciding and delivering; a good one
# changes what comes next: the next decision carries the new policy version, the next webhook
# the new template. qw-ingest ignores SIGHUP (logged) instead of dying of it.
source "$(dirname "$0")/lib.sh"
qw_it_init

FIX="$QW_SRC/tests/fixtures/e2e"
PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
qw_it_redis_start
export QW_TOPIC_PREFIX="$PREFIX"

POLICY="$QW_IT_DIR/policy.yaml"
sed 's/^version: .*/version: "reload-v1"/' "$QW_SRC/deploy/policy.example.yaml" >"$POLICY"
TMPL="$QW_IT_DIR/templates"
cp -r "$QW_SRC/services/notifier/templates" "$TMPL"

qw_it_webhook_sink

qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
    --group "ingest-$PREFIX"
qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$POLICY" --roster "$FIX/roster.csv" \
    --quotas "$FIX/quotas.csv" --group "evaluator-$PREFIX" --calendar=false \
    --fake-now 2026-11-20T12:00:00Z --http-port 0
qw_it_bg notifier "$QW_BIN/qw-notifier" --webhook-url "http://127.0.0.1:$SINK_PORT/webhook/r" \
    --webhook-secret-file "$QW_IT_DIR/webhook.secret" --group "notifier-$PREFIX" --http-port 0 \
    --templates "$TMPL"

deal() { # ID AMOUNT_EUR
    printf '{"deal_id":"%s","version":1,"event_time":"2026-11-1%sT09:00:00Z","status":"won","amount":"%s","currency":"EUR","owner_id":"rep-ada","close_date":"2026-11-12"}\n' \
        "$1" "${1: -1}" "$2" >"$QW_IT_DIR/$1.jsonl"
    "$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/$1.jsonl"
}
delivered() { grep -c "$1" "$SINK_LOG" 2>/dev/null || true; }

# 1. 55000 EUR of 50000: reward.quota_achieved under reload-v1, with the installed template.
deal R-1 55000.00
qw_it_wait_for '[[ "$(delivered reward.quota_achieved)" -ge 1 ]]' 90 ||
    qw_it_fail "no reward.quota_achieved delivered"

# 2. Broken files: refused, the old ones stay, both services keep running.
printf 'version: "reload-bad"\npacing:\n  threshold: [not a number\n' >"$POLICY.new"
mv "$POLICY.new" "$POLICY"
printf '{"broken": "{{#evidence}}"}\n' >"$TMPL/webhook/default.json.tmpl"
kill -HUP "$(qw_it_pid evaluator)" "$(qw_it_pid notifier)" "$(qw_it_pid ingest)"
qw_it_wait_for 'grep -q "config.reload_refused" "$(qw_it_log_of evaluator)"' 20 ||
    qw_it_fail "qw-evaluator did not refuse the broken policy"
qw_it_wait_for 'grep -q "config.reload_refused" "$(qw_it_log_of notifier)"' 20 ||
    qw_it_fail "qw-notifier did not refuse the broken template"
qw_it_wait_for 'grep -q "config.reload_ignored" "$(qw_it_log_of ingest)"' 20 ||
    qw_it_fail "qw-ingest did not log that it ignores SIGHUP"
for p in evaluator notifier ingest; do qw_it_alive "$p" || qw_it_fail "$p died of SIGHUP"; done
grep "config.reload_refused" "$(qw_it_log_of evaluator)" | qw_it_grep 'reload-v1 stays' ||
    qw_it_fail "the evaluator's refusal must say which version stays"

# 3. Good files: reloaded; the next decision and webhook use them.
sed 's/^version: .*/version: "reload-v2"/' "$QW_SRC/deploy/policy.example.yaml" >"$POLICY"
sed 's|  "datacontenttype": "application/json",|  "datacontenttype": "application/json",\n  "qwtemplate": "v2",|' \
    "$QW_SRC/services/notifier/templates/webhook/default.json.tmpl" >"$TMPL/webhook/default.json.tmpl"
kill -HUP "$(qw_it_pid evaluator)" "$(qw_it_pid notifier)"
qw_it_wait_for 'grep -q "config.reloaded" "$(qw_it_log_of evaluator)"' 20 ||
    qw_it_fail "qw-evaluator did not reload the good policy"
qw_it_wait_for 'grep -q "config.reloaded" "$(qw_it_log_of notifier)"' 20 ||
    qw_it_fail "qw-notifier did not reload the good template"
# 10000 EUR more: 130% crosses the 125% accelerator.
deal R-2 10000.00
qw_it_wait_for '[[ "$(delivered reward.accelerator)" -ge 1 ]]' 90 ||
    qw_it_fail "no reward.accelerator delivered after the reload"

python3 - "$SINK_LOG" <<'PY' || qw_it_fail "decisions or webhooks do not follow the reloads"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in recs if r["status"] != 200]
assert not bad, f"the sink refused deliveries: {bad}"
ev = [json.loads(r["body"]) for r in recs]
qa = [e for e in ev if e["type"] == "reward.quota_achieved"]
acc = [e for e in ev if e["type"] == "reward.accelerator"]
assert len({e["id"] for e in qa}) == 1 and len({e["id"] for e in acc}) == 1, (qa, acc)
assert all(e["data"]["policy_version"] == "reload-v1" for e in qa), qa
assert all("qwtemplate" not in e for e in qa), "the first webhook used the old template"
assert all(e["data"]["policy_version"] == "reload-v2" for e in acc), acc
assert all(e.get("qwtemplate") == "v2" for e in acc), "the webhook after the reload must use the new template"
print("reload: quota_achieved under reload-v1 with the old template, accelerator under reload-v2 with the new one")
PY
for p in ingest evaluator notifier; do qw_it_kill "$p" TERM; done
qw_it_log passed
