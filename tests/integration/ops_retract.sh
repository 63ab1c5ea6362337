#!/usr/bin/env bash
# qwctl retract on the real stack (issue 14): a warning.at_risk reached the rep (Slack DM) and
# the manager (e-mail); sales ops judge it wrong. `qwctl retract ID --reason … --by …` publishes
# warning.withdrawn on qw.decisions.v1, which qw-notifier routes to the same rep and manager,
# each exactly once, carrying who and why. A second retract, a retract of the withdrawal and of
# an unknown id are refused (exit 1); bad text is a usage error (exit 2) and sends nothing.
source "$(dirname "$0")/lib.sh"
qw_it_init
source "$QW_SRC/tests/sinks/notifier_it.sh"

ntf_setup
ntf_smtp_start
CTL=("$QW_BIN/qwctl" --brokers "$QW_KAFKA_BOOTSTRAP" --topic-prefix "$NTF_PREFIX")

cat >"$QW_IT_DIR/routes.yaml" <<YAML
routes:
  - {name: rep-dm, audience: rep, channel: slack, types: ["warning.*"]}
  - {name: manager-mail, audience: manager, channel: email, types: ["warning.*"]}
addresses:
  reps:
    rep-1: {slack_webhook: "$NTF_HTTP/slack/dm/rep-1"}
YAML
ntf_kafka roster --rep rep-1 --name "Ada Rep" --email rep1@example.com --manager mgr-1 --team team-east
ntf_kafka roster --rep mgr-1 --name "The Manager" --email mgr1@example.com --team team-east
ntf_kafka decisions --count 1 --id-prefix wa --type warning.at_risk --rep rep-1 --audience rep,manager
ntf_start notifier --routes "$QW_IT_DIR/routes.yaml" --smtp-url "$NTF_SMTP_URL" \
    --smtp-allow-plaintext --smtp-from quotawatch@example.com

ID=wa-00000
dm() { grep -c "\"path\": *\"/slack/dm/rep-1\"" "$NTF_HTTP_LOG" 2>/dev/null || true; }
mails() { grep -c 'mgr1@example.com' "$NTF_SMTP_LOG" 2>/dev/null || true; }
qw_it_wait_for '(( $(dm) == 1 && $(mails) == 1 ))' 60 ||
    qw_it_fail "the warning did not reach the rep and the manager (dm $(dm), mail $(mails))"

# Usage errors: nothing is read or sent.
for bad in "" $'wrong\r\nBcc: x@evil.example'; do
    rc=0
    "${CTL[@]}" --reason "$bad" --by ops@example.com retract "$ID" 2>"$QW_IT_DIR/err.txt" || rc=$?
    ((rc == 2)) || qw_it_fail "retract with reason '${bad//$'\r'/\\r}' exited $rc, want 2"
done
rc=0
"${CTL[@]}" --reason "x" --by ops@example.com retract no-such-decision 2>"$QW_IT_DIR/err.txt" || rc=$?
((rc == 1)) && grep -q 'no decision no-such-decision' "$QW_IT_DIR/err.txt" ||
    qw_it_fail "retract of an unknown id: exit $rc, $(cat "$QW_IT_DIR/err.txt")"

# A dry run shows the withdrawal and sends nothing.
"${CTL[@]}" --reason "quota file had the wrong month" --by ops@example.com --dry-run --json \
    retract "$ID" >"$QW_IT_DIR/dry.json" || qw_it_fail "dry run failed"
python3 - "$QW_IT_DIR/dry.json" <<'PY' || qw_it_fail "the dry run's withdrawal is wrong"
import json, sys
o = json.load(open(sys.argv[1]))
d = o["decision"]
assert o["published"] is False, o
assert d["type"] == "warning.withdrawn" and d["withdraws"] == "wa-00000", d
assert d["id"] == "wa-00000:retracted", d
assert sorted(d["audience"]) == ["manager", "rep"], d["audience"]
ev = {e["key"]: e.get("text") for e in d["evidence"]}
assert ev["retracted_by"] == "ops@example.com" and ev["retract_reason"] == "quota file had the wrong month", ev
PY
[[ $("${CTL[@]}" --until-eof tail decisions | wc -l) == 1 ]] || qw_it_fail "the dry run published"

"${CTL[@]}" --reason "quota file had the wrong month" --by ops@example.com retract "$ID" \
    >"$QW_IT_DIR/retract.txt" || qw_it_fail "retract failed: $(cat "$QW_IT_DIR/retract.txt")"
grep -q "published $ID:retracted withdrawing $ID" "$QW_IT_DIR/retract.txt" ||
    qw_it_fail "retract said: $(cat "$QW_IT_DIR/retract.txt")"
qw_it_wait_for '(( $(dm) == 2 && $(mails) == 2 ))' 60 ||
    qw_it_fail "the withdrawal did not reach the rep and the manager (dm $(dm), mail $(mails))"

# Refused now: a second retract, and a retract of the withdrawal.
rc=0
"${CTL[@]}" --reason "again" --by ops@example.com retract "$ID" 2>"$QW_IT_DIR/err.txt" || rc=$?
((rc == 1)) && grep -q "already withdrawn by $ID:retracted" "$QW_IT_DIR/err.txt" ||
    qw_it_fail "second retract: exit $rc, $(cat "$QW_IT_DIR/err.txt")"
rc=0
"${CTL[@]}" --reason "x" --by ops@example.com retract "$ID:retracted" 2>"$QW_IT_DIR/err.txt" || rc=$?
((rc == 1)) && grep -q 'never withdrawn' "$QW_IT_DIR/err.txt" ||
    qw_it_fail "retract of the withdrawal: exit $rc, $(cat "$QW_IT_DIR/err.txt")"
sleep 2
python3 - "$NTF_HTTP_LOG" "$NTF_SMTP_LOG" <<'PY' || qw_it_fail "deliveries are wrong"
import json, sys
dms = [json.loads(l) for l in open(sys.argv[1]) if '"/slack/dm/rep-1"' in l]
mails = [json.loads(l) for l in open(sys.argv[2]) if "mgr1@example.com" in l]
assert len(dms) == 2 and len(mails) == 2, (len(dms), len(mails))
assert all(r["status"] == 200 for r in dms), [r["status"] for r in dms]
last_dm, last_mail = dms[-1]["body"], json.dumps(mails[-1])
for text in ("ops@example.com", "quota file had the wrong month"):
    assert text in last_dm, "the rep's DM lacks %r: %s" % (text, last_dm[:300])
    assert text in last_mail, "the manager's mail lacks %r" % text
print("withdrawal delivered once to the rep's DM and once to the manager's mail")
PY
# The record on qw.decisions.v1 carries the relay's CloudEvents headers and key.
"${CTL[@]}" --until-eof tail decisions | grep ':retracted' >"$QW_IT_DIR/rec.json"
python3 - "$QW_IT_DIR/rec.json" <<'PY' || qw_it_fail "the withdrawal record is not headed as the relay heads one"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
h = r["headers"]
assert r["key"] == "rep-1", r["key"]
assert h["ce_id"] == "wa-00000:retracted" and h["ce_type"] == "warning.withdrawn", h
assert h["ce_specversion"] == "1.0" and h["ce_subject"] == "rep-1" and h["ce_time"], h
PY
qw_it_kill notifier TERM
qw_it_log "ok: the retraction reached the rep and the manager once each, with who and why"
