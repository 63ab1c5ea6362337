#!/usr/bin/env bash
# SIGKILL of qw-notifier mid-stream, twice: after restarts every (decision, channel) arrives,
# and the only repeats are sends cut off by a kill before their success was recorded - at most
# one per kill, each with the same id as the original so the receiver drops it (webhook-id,
# Message-ID). Counted at the sinks; nothing is dead-lettered.
source "$(dirname "$0")/lib.sh"
qw_it_init
source "$QW_SRC/tests/sinks/notifier_it.sh"

N=300
ntf_setup --delay-ms 20 # every answer takes a while: kills land mid-send
ntf_smtp_start

cat >"$QW_IT_DIR/routes.yaml" <<YAML
routes:
  - {name: rep-mail, audience: rep, channel: email, types: ["reward.*"]}
YAML
for i in 0 1 2 3; do
    ntf_kafka roster --rep "rep-$i" --name "Rep $i" --email "rep$i@example.com" --team team-east
done
ntf_kafka decisions --count "$N" --id-prefix crash --reps 4 --rep rep --audience rep

args=(--routes "$QW_IT_DIR/routes.yaml" --smtp-url "$NTF_SMTP_URL" --smtp-allow-plaintext --smtp-from q@example.com
    --webhook-url "$NTF_HTTP/webhook/all" --webhook-interval-ms 1 --smtp-interval-ms 1 --batch 50)

delivered() { echo $(($(ntf_distinct --prefix /webhook/all) + $(ntf_distinct --smtp))); }

ntf_start notifier "${args[@]}"
qw_it_wait_for '(( $(delivered) >= 150 ))' 120 || qw_it_fail "first run delivered only $(delivered)"
qw_it_kill notifier KILL
qw_it_log "killed at $(delivered) of $((2 * N))"
ntf_start notifier "${args[@]}"
qw_it_wait_for '(( $(delivered) >= 350 ))' 120 || qw_it_fail "second run delivered only $(delivered)"
qw_it_kill notifier KILL
qw_it_log "killed at $(delivered) of $((2 * N))"
ntf_start notifier "${args[@]}"
qw_it_wait_for '(( $(delivered) == 2 * N ))' 180 ||
    qw_it_fail "after restarts: $(delivered) of $((2 * N)) delivered"
sleep 3

w="$(ntf_report --prefix /webhook/all)"
m="$(ntf_report --smtp)"
dups=$(($(ntf_field "$w" duplicates) + $(ntf_field "$m" duplicates)))
qw_it_log "webhook: $(ntf_field "$w" deliveries) deliveries, e-mail: $(ntf_field "$m" deliveries), repeats: $dups"
((dups <= 2)) || qw_it_fail "$dups repeats after 2 kills: more than the one cut-off send per kill"
# Every decision id arrived on both channels.
[[ "$(ntf_field "$w" distinct)" == "$N" && "$(ntf_field "$m" distinct)" == "$N" ]] ||
    qw_it_fail "missing deliveries: webhook $(ntf_field "$w" distinct), e-mail $(ntf_field "$m" distinct)"
[[ -z "$(ntf_kafka read --topic qw.notify-dlq.v1)" ]] || qw_it_fail "unexpected dead letters"
grep -q '"event":"notify.resend"' "$(qw_it_log_of notifier)" ||
    qw_it_log "(no send was cut off by the kills this time)"
qw_it_log "passed"
