#!/usr/bin/env bash
# qw-notifier on real Kafka and Redis, against local sinks that behave like Slack, an SMTP
# server (STARTTLS required) and a Standard Webhooks receiver:
#  - each decision arrives once per channel (counted at the sinks);
#  - privacy: termination reviews never reach the team channel, even when the decision names
#    the team; an opted-out rep's recognition goes to them privately; a routing file that would
#    leak is refused at start with exit code 2 and a message naming the route;
#  - Slack's payload rules hold for every message; a 429's Retry-After is honoured; Slack's
#    error bodies are counted and permanent errors go to qw.notify-dlq.v1 with the reason;
#  - with a Slack bot token, reps and managers without a DM webhook get DMs through
#    chat.postMessage to their roster Slack id (the sink checks the token and the user); a user
#    Slack does not know is dead-lettered with Slack's code, never retried; the token is never
#    logged;
#  - e-mails carry Message-ID <decision-id.channel@quotawatch>, Date, From, To, Subject, text
#    and HTML, over STARTTLS; HR webhooks are CloudEvents with valid signatures.
source "$(dirname "$0")/lib.sh"
qw_it_init
source "$QW_SRC/tests/sinks/notifier_it.sh"

SLACK_TOKEN="xoxb-it-$RANDOM$RANDOM-secret"
ntf_setup --slack-token "$SLACK_TOKEN" --slack-users U0REP3,U0MGR1
ntf_smtp_start --tls
printf '%s\n' "$SLACK_TOKEN" >"$QW_IT_DIR/slack.token"

# 1. A routing file that would send reviews to the team channel is refused before anything.
cat >"$QW_IT_DIR/leaky.yaml" <<YAML
routes:
  - {name: team-everything, audience: team, channel: slack, types: ["*"]}
YAML
set +e
"$QW_BIN/qw-notifier" --routes "$QW_IT_DIR/leaky.yaml" --brokers "$QW_KAFKA_BOOTSTRAP" \
    >"$QW_IT_DIR/leaky.out" 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || qw_it_fail "leaky routing file: exit code $rc, expected 2"
grep -q "route 'team-everything' refused" "$QW_IT_DIR/leaky.out" ||
    qw_it_fail "leaky routing file: message does not name the route: $(cat "$QW_IT_DIR/leaky.out")"

# 1b. Mail or webhooks in clear, or unsigned, are refused at start (exit 2, naming the option)
# unless asked for: AUTH over cleartext SMTP, an unsigned generic webhook, http:// off loopback.
refused() { # EXPECTED-TEXT ARGS...: qw-notifier exits 2 within seconds, the message names it
    local want="$1" rc
    shift
    set +e
    timeout 20 "$QW_BIN/qw-notifier" --brokers "$QW_KAFKA_BOOTSTRAP" --http-port 0 \
        --templates "$QW_SRC/services/notifier/templates" "$@" \
        >"$QW_IT_DIR/refused.out" 2>&1
    rc=$?
    set -e
    [[ $rc == 2 ]] || qw_it_fail "$*: exit code $rc, expected 2: $(cat "$QW_IT_DIR/refused.out")"
    grep -qF -- "$want" "$QW_IT_DIR/refused.out" ||
        qw_it_fail "$*: message does not name $want: $(cat "$QW_IT_DIR/refused.out")"
}
refused --smtp-allow-plaintext --webhook-url "$NTF_HTTP/webhook/all" \
    --webhook-secret-file "$NTF_SECRET_FILE" --smtp-url "$NTF_SMTP_URL" --smtp-allow-plaintext \
    --smtp-user quotawatch@example.com
refused --allow-insecure-webhook --webhook-url "$NTF_HTTP/webhook/all"
refused --allow-insecure-webhook --webhook-url "http://hooks.example.com/q" \
    --webhook-secret-file "$NTF_SECRET_FILE"

# 2. The real configuration.
cat >"$QW_IT_DIR/routes.yaml" <<YAML
routes:
  - {name: rep-dm, audience: rep, channel: slack, types: ["reward.*"]}
  - {name: rep-mail, audience: rep, channel: email, types: ["reward.*"]}
  - {name: manager-mail, audience: manager, channel: email, types: ["review.*"]}
  - {name: manager-dm, audience: manager, channel: slack, types: ["review.*"]}
  - {name: team, audience: team, channel: slack, types: ["reward.*"]}
  - {name: hr, audience: hr, channel: webhook, types: ["review.*"]}
  - {name: ops, audience: sales_ops, channel: slack, types: ["health.*"]}
addresses:
  teams:
    team-east: {slack_webhook: "$NTF_HTTP/slack/team/team-east"}
  reps:
    rep-1: {slack_webhook: "$NTF_HTTP/slack/dm/rep-1"}
  hr: {webhook: "$NTF_HTTP/hr/reviews"}
  sales_ops: {slack_webhook: "$NTF_HTTP/slack/ops"}
YAML

# A hostile, overlong name: escaped for each target, and cut to Slack's 150-character header.
long_name="Ada <Lovelace> & Co $(printf 'é%.0s' {1..200})"
ntf_kafka roster --rep rep-1 --name "$long_name" --email rep1@example.com --manager mgr-1 --team team-east
ntf_kafka roster --rep rep-2 --name "Opted Out" --email rep2@example.com --manager mgr-1 --team team-east --opt-out
ntf_kafka roster --rep mgr-1 --name "The Manager" --email mgr1@example.com --team team-east --slack U0MGR1
# No DM webhooks: Slack DMs by user id through the Web API; U0GONE is unknown to Slack.
ntf_kafka roster --rep rep-3 --name "Api Rep" --email rep3@example.com --manager mgr-9 --team team-west --slack U0REP3
ntf_kafka roster --rep rep-4 --name "Gone Rep" --email rep4@example.com --manager mgr-9 --team team-west --slack U0GONE

# The team channel answers the first message with 429 Retry-After: 2.
ntf_sink '{"action":"fail","prefix":"/slack/team/","status":429,"count":1,"retry_after":2,"body":"rate_limited"}'
# The HR endpoint fails twice with 503 (transient): retried, then delivered once.
ntf_sink '{"action":"fail","prefix":"/hr/","status":503,"count":2,"body":"busy"}'
# The sales-ops channel is gone: Slack answers 404 channel_not_found (permanent).
ntf_sink '{"action":"fail","prefix":"/slack/ops","status":404,"count":100,"body":"channel_not_found"}'

ntf_kafka decisions --count 12 --id-prefix rw1 --type reward.quota_achieved --rep rep-1 --audience rep,manager,team
ntf_kafka decisions --count 3 --id-prefix rw2 --type reward.quota_achieved --rep rep-2 --audience team
ntf_kafka decisions --count 4 --id-prefix rv --type review.termination_review --rep rep-1 --audience hr,manager
# An evaluator bug naming the team on a review must not leak it.
ntf_kafka decisions --count 1 --id-prefix rvteam --type review.termination_review --rep rep-1 --audience hr,manager,team
ntf_kafka decisions --count 1 --id-prefix hl --type health.quota_pressure --rep rep-1 --audience sales_ops
ntf_kafka decisions --count 2 --id-prefix rw3 --type reward.quota_achieved --rep rep-3 --audience rep
ntf_kafka decisions --count 1 --id-prefix rw4 --type reward.quota_achieved --rep rep-4 --audience rep

ntf_start notifier --routes "$QW_IT_DIR/routes.yaml" --smtp-url "$NTF_SMTP_URL" \
    --smtp-from quotawatch@example.com --smtp-starttls --smtp-cacert "$QW_IT_DIR/smtp.crt" \
    --webhook-url "$NTF_HTTP/webhook/all" --backoff-base-ms 500 \
    --slack-token-file "$QW_IT_DIR/slack.token" --slack-api-url "$NTF_HTTP/api"

all_arrived() {
    [[ "$(ntf_distinct --prefix /slack/team/)" == 12 ]] &&
        [[ "$(ntf_distinct --prefix /slack/dm/rep-1)" == 12 ]] &&
        [[ "$(ntf_distinct --prefix /hr/reviews)" == 5 ]] &&
        [[ "$(ntf_distinct --prefix /webhook/all)" == 24 ]] &&
        [[ "$(ntf_distinct --prefix /api/chat.postMessage)" == 7 ]] &&
        [[ "$(ntf_distinct --smtp --rcpt rep3@example.com)" == 2 ]] &&
        [[ "$(ntf_distinct --smtp --rcpt rep1@example.com)" == 12 ]] &&
        [[ "$(ntf_distinct --smtp --rcpt rep2@example.com)" == 3 ]] &&
        [[ "$(ntf_distinct --smtp --rcpt mgr1@example.com)" == 5 ]]
}
qw_it_wait_for all_arrived 120 || qw_it_fail "not everything arrived: team $(ntf_report --prefix /slack/team/) hr $(ntf_report --prefix /hr/) all $(ntf_distinct --prefix /webhook/all) smtp $(ntf_report --smtp)"
sleep 3 # anything extra (a duplicate) would arrive now

# Once per channel: no duplicates anywhere.
for p in /slack/team/ /slack/dm/rep-1 /hr/reviews /webhook/all /api/chat.postMessage; do
    dup="$(ntf_field "$(ntf_report --prefix "$p")" duplicates)"
    [[ "$dup" == 0 ]] || qw_it_fail "$p received $dup duplicate(s)"
done
dup="$(ntf_field "$(ntf_report --smtp)" duplicates)"
[[ "$dup" == 0 ]] || qw_it_fail "SMTP received $dup duplicate(s)"

"$NTF_PY" - "$NTF_HTTP_LOG" "$NTF_SMTP_LOG" "$SLACK_TOKEN" <<'PY' || qw_it_fail "sink content checks failed"
import json, re, sys
http = [json.loads(l) for l in open(sys.argv[1])]
smtp = [json.loads(l) for l in open(sys.argv[2])]
def fail(msg):
    print("FAIL:", msg); sys.exit(1)
team = [e for e in http if e["path"].startswith("/slack/team/")]
# Privacy: only rep-1's rewards in the team channel; no review, no opted-out rep.
for e in team:
    if e["status"] != 200: continue
    ids = re.findall(r"decision ([A-Za-z0-9_.-]+)", e["body"])
    if not ids or not ids[0].startswith("rw1-"): fail("team channel got " + e["body"][:200])
    if "review" in e["body"].lower() or "Opted Out" in e["body"]: fail("team leak: " + e["body"][:200])
    msg = json.loads(e["body"])
    if msg["blocks"][0]["type"] != "header" or not msg.get("text"): fail("bad Block Kit")
# Slack rules: every Slack request but the injected ones was accepted (the sink checks the rules).
for e in http:
    if e["path"].startswith("/slack/") and e["why"] not in ("", "injected"):
        fail("Slack rules broken: %s %s" % (e["why"], e["body"][:200]))
# Slack Web API DMs: the bot token on every call, to the right person, within Slack's rules;
# the user Slack does not know asked once (a permanent error), never again.
api = [e for e in http if e["path"].startswith("/api/")]
for e in api:
    if e["headers"].get("authorization") != "Bearer " + sys.argv[3]: fail("API call without the token")
    msg = json.loads(e["body"])
    ids = re.findall(r"decision ([A-Za-z0-9_.-]+)", e["body"])
    want = {"U0REP3": "rw3-", "U0MGR1": "rv", "U0GONE": "rw4-"}[msg["channel"]]
    if not ids or not ids[0].startswith(want): fail("DM to %s carried %s" % (msg["channel"], ids))
    if e["slack_ok"] != (msg["channel"] != "U0GONE") or (not e["slack_ok"] and e["why"] != "slack api: channel_not_found"):
        fail("API answer %s for %s" % (e["why"], msg["channel"]))
if len([e for e in api if json.loads(e["body"])["channel"] == "U0GONE"]) != 1: fail("channel_not_found retried")
# Retry-After honoured: the retry after the 429 came at least 2 s later.
t429 = [e["t"] for e in team if e["status"] == 429]
if len(t429) != 1: fail("expected one 429, got %d" % len(t429))
after = [e["t"] for e in team if e["t"] > t429[0]]
if not after or min(after) - t429[0] < 1.9: fail("retry %.2f s after the 429" % (min(after) - t429[0]))
# About one message per second per Slack webhook.
ok = sorted(e["t"] for e in team if e["status"] == 200)
gaps = [b - a for a, b in zip(ok, ok[1:])]
if min(gaps) < 0.8: fail("team webhook got two messages %.2f s apart" % min(gaps))
# Escaping: the rep's name reaches Slack escaped for mrkdwn.
dm = [e for e in http if e["path"].startswith("/slack/dm/") and e["status"] == 200]
if "Ada &lt;Lovelace&gt; &amp; Co" not in dm[0]["body"]: fail("mrkdwn escaping: " + dm[0]["body"][:300])
hdr = json.loads(dm[0]["body"])["blocks"][0]["text"]["text"]
if len(hdr) != 150 or not hdr.endswith("\u2026"): fail("header not cut to 150: %d %r" % (len(hdr), hdr[-5:]))
# HR: CloudEvents, signed (the sink verified: status 200), the evidence carried.
hr = [e for e in http if e["path"].startswith("/hr/") and e["status"] == 200]
for e in hr:
    ce = json.loads(e["body"])
    if ce["specversion"] != "1.0" or ce["type"] != "review.termination_review": fail("not a CloudEvent")
    if not ce["data"]["evidence"] or "webhook-signature" not in e["headers"]: fail("no evidence/signature")
    if e["headers"]["webhook-id"] != ce["id"] + ".hr.webhook": fail("webhook-id " + e["headers"]["webhook-id"])
# The generic webhook: the right rep and numbers.
allw = [json.loads(e["body"]) for e in http if e["path"] == "/webhook/all" and e["status"] == 200]
r = [c for c in allw if c["id"] == "rw1-00003"][0]
if r["data"]["rep_id"] != "rep-1" or r["data"]["attainment_bp"] != 10003 or r["data"]["quota_minor"] != 5000000:
    fail("generic webhook numbers: %r" % r["data"])
# E-mail: headers, parts, STARTTLS.
for m in smtp:
    if not m["tls"]: fail("mail sent without TLS")
    if not re.fullmatch(r"<[^<>@\s]+\.(rep|manager)\.email@quotawatch>", m["message_id"] or ""): fail("Message-ID " + str(m["message_id"]))
    if not (m["date"] and m["from"] == "quotawatch@example.com" and m["to"] and m["subject"]): fail("headers %r" % m)
    if not (m["text"] and m["html"]): fail("parts")
    if m["content_type"] != "multipart/alternative": fail(m["content_type"])
rw = [m for m in smtp if m["message_id"] == "<rw1-00000.rep.email@quotawatch>"]
if not rw or "50000.00 USD" not in rw[0]["text"] or "100.0%" not in rw[0]["text"]: fail("e-mail numbers")
if "Ada &lt;Lovelace&gt; &amp; Co" not in rw[0]["html"]: fail("HTML escaping")
# The opted-out rep got the recognition privately.
if len([m for m in smtp if "rep2@example.com" in m["rcpt_tos"]]) != 3: fail("opt-out")
print("content checks passed")
PY

# The HR sink really checks signatures: a forged one and a stale timestamp are refused.
now="$(date +%s)"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$NTF_HTTP/hr/reviews" -H "webhook-id: x" \
    -H "webhook-timestamp: $now" -H "webhook-signature: v1,AAAA" --data '{}')"
[[ "$code" == 401 ]] || qw_it_fail "HR sink accepted a forged signature ($code)"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$NTF_HTTP/hr/reviews" -H "webhook-id: x" \
    -H "webhook-timestamp: $((now - 3600))" -H "webhook-signature: v1,AAAA" --data '{}')"
[[ "$code" == 401 ]] || qw_it_fail "HR sink accepted a stale timestamp ($code)"

# The dead sales-ops channel: dead-lettered with Slack's reason, counted, never retried.
# So is the DM to a Slack user the workspace does not know (Slack's 200 "ok": false).
qw_it_wait_for '[[ "$(ntf_kafka read --topic qw.notify-dlq.v1 | grep -c "qw.error.reason=channel_not_found")" == 2 ]]' 30 ||
    qw_it_fail "no DLQ record for the dead channel or the unknown Slack user: $(ntf_kafka read --topic qw.notify-dlq.v1)"
ops="$(ntf_field "$(ntf_report --prefix /slack/ops)" statuses)"
[[ "$ops" == "{'404': 1}" ]] || qw_it_fail "sales-ops channel: $ops (a permanent error must not be retried)"

m='qw_notifier_sent_total{channel="team.slack"}'
[[ "$(ntf_metric "$m")" == 12 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
m='qw_notifier_retried_total{channel="team.slack",reason="rate_limited"}'
[[ "$(ntf_metric "$m")" == 1 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
m='qw_notifier_retried_total{channel="hr.webhook",reason="http_503"}'
[[ "$(ntf_metric "$m")" == 2 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
m='qw_notifier_failed_total{channel="sales_ops.slack",reason="channel_not_found"}'
[[ "$(ntf_metric "$m")" == 1 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
m='qw_notifier_failed_total{channel="rep.slack",reason="channel_not_found"}'
[[ "$(ntf_metric "$m")" == 1 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
m='qw_notifier_sent_total{channel="manager.slack"}'
[[ "$(ntf_metric "$m")" == 5 ]] || qw_it_fail "$m = $(ntf_metric "$m")"
! grep -qF "${SLACK_TOKEN#xoxb-}" "$(qw_it_log_of notifier)" || qw_it_fail "the Slack token is in the log"
curl -fs "http://127.0.0.1:$NTF_METRICS_PORT/metrics" | qw_it_grep '^qw_notifier_delivery_latency_seconds_count' ||
    qw_it_fail "no latency histogram"

# Graceful stop.
qw_it_kill notifier TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-notifier exited $QW_IT_EXIT on SIGTERM"
qw_it_log "passed"
