#!/usr/bin/env bash
# An endpoint down for a minute, then back, receives everything, exactly once; meanwhile the
# other channel is served (one failing endpoint never blocks the others), and the circuit
# breaker keeps the notifier from hammering the dead endpoint. Redis going away makes the
# notifier unready (never exit), and it carries on when Redis returns.
source "$(dirname "$0")/lib.sh"
qw_it_init
source "$QW_SRC/tests/sinks/notifier_it.sh"

N=30
DOWN=60
ntf_setup
ntf_smtp_start

cat >"$QW_IT_DIR/routes.yaml" <<YAML
routes:
  - {name: rep-mail, audience: rep, channel: email, types: ["reward.*"]}
  - {name: hr, audience: hr, channel: webhook, types: ["review.*"]}
addresses:
  hr: {webhook: "$NTF_HTTP/hr/reviews"}
YAML
ntf_kafka roster --rep rep-1 --name "Rep One" --email rep1@example.com --team team-east
ntf_kafka decisions --count "$N" --id-prefix out --rep rep-1 --audience rep
ntf_kafka decisions --count 3 --id-prefix outrv --type review.termination_review --rep rep-1 --audience hr

ntf_sink "{\"action\":\"down\",\"seconds\":$DOWN}"
down_at=$SECONDS
ntf_start notifier --routes "$QW_IT_DIR/routes.yaml" --smtp-url "$NTF_SMTP_URL" --smtp-allow-plaintext \
    --smtp-from q@example.com --webhook-url "$NTF_HTTP/webhook/all" --max-attempts 30 \
    --backoff-base-ms 500 --backoff-cap-ms 8000 --breaker-failures 3 --breaker-cooldown-ms 5000

# The e-mails go out while the webhook endpoint is down.
qw_it_wait_for "[[ \$(ntf_distinct --smtp) == $N ]]" 40 ||
    qw_it_fail "e-mail blocked by the dead endpoint: $(ntf_distinct --smtp) of $N"
((SECONDS - down_at < DOWN)) || qw_it_fail "e-mails took longer than the outage"
[[ "$(ntf_distinct --prefix /webhook/all)" == 0 ]] || qw_it_fail "the sink was supposed to be down"

# Redis away for a moment: not ready, still running; ready again afterwards.
qw_it_kill redis TERM
qw_it_wait_for "! curl -fs http://127.0.0.1:$NTF_METRICS_PORT/readyz" 20 ||
    qw_it_fail "/readyz stayed ready without Redis"
qw_it_alive notifier || qw_it_fail "qw-notifier exited when Redis went away"
qw_it_redis_start
qw_it_wait_for "curl -fs http://127.0.0.1:$NTF_METRICS_PORT/readyz" 30 ||
    qw_it_fail "/readyz not ready after Redis returned"

# After the outage: everything, once.
qw_it_wait_for "[[ \$(ntf_distinct --prefix /webhook/all) == $((N + 3)) && \$(ntf_distinct --prefix /hr/reviews) == 3 ]]" $((DOWN + 90)) ||
    qw_it_fail "after the outage: $(ntf_report --prefix /webhook/all)"
sleep 3
for p in /webhook/all /hr/reviews; do
    d="$(ntf_field "$(ntf_report --prefix "$p")" duplicates)"
    [[ "$d" == 0 ]] || qw_it_fail "$p: $d duplicates"
done
[[ "$(ntf_field "$(ntf_report --smtp)" duplicates)" == 0 ]] || qw_it_fail "e-mail duplicates"
[[ -z "$(ntf_kafka read --topic qw.notify-dlq.v1)" ]] || qw_it_fail "unexpected dead letters"

# Reviews went before rewards once the endpoint was back (backlog order by priority).
"$NTF_PY" - "$NTF_HTTP_LOG" <<'PY' || qw_it_fail "reviews did not go first"
import json, sys
ok = [json.loads(l) for l in open(sys.argv[1])]
ok = [json.loads(e["body"])["type"] for e in ok if e["path"] == "/webhook/all" and e["status"] == 200]
first_reward = ok.index("reward.quota_achieved")
last_review = max(i for i, t in enumerate(ok) if t.startswith("review."))
print("order:", ok[:6], "...")
sys.exit(0 if last_review < first_reward else 1)
PY

# The breaker: a handful of probes during the minute, not every job retried in a loop.
tries="$(ntf_metric 'qw_notifier_retried_total{channel="webhook",reason="connect"}')"
qw_it_log "connection attempts that failed during the outage: $tries"
((tries >= 1 && tries < 60)) || qw_it_fail "retried_total{webhook,connect} = $tries"
qw_it_log "passed"
