#!/usr/bin/env bash
# qw-salesforce's start: bad options exit 2 naming the option, before anything connects; with no
# broker at the bootstrap address it waits (not ready, Salesforce not contacted: no event is
# taken that could not be stored) and SIGTERM still stops it at once with exit 0; given the
# broker it starts, subscribes and becomes ready; a restart resumes after the committed id, and
# a subscriber of another channel on the same topic ignores this channel's replay ids.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
sf_emulator_start --poll-timeout 2

refuse() { # WHAT ARGS...: exit 2 and a message naming WHAT
    local what="$1" rc
    shift
    set +e
    "$QW_BIN/qw-salesforce" "$@" >"$QW_IT_DIR/refused.out" 2>&1
    rc=$?
    set -e
    [[ $rc == 2 ]] || qw_it_fail "$*: exit $rc, expected 2"
    qw_it_grep -- "$what" "$QW_IT_DIR/refused.out" ||
        qw_it_fail "$*: the message does not name $what: $(cat "$QW_IT_DIR/refused.out")"
}
ok=(--login-url "$SF_URL" --client-id "$SF_CLIENT_ID" --client-secret-file "$QW_IT_DIR/client.secret")
refuse --client-id --login-url "$SF_URL" --client-secret-file "$QW_IT_DIR/client.secret"
refuse --client-secret-file --login-url "$SF_URL" --client-id x
refuse --client-secret-file "${ok[@]}" --client-secret-file "$QW_IT_DIR/none"
refuse --login-url "${ok[@]}" --login-url http://login.example.com
refuse --channel "${ok[@]}" --channel 'data/x y'
refuse --on-expired-replay "${ok[@]}" --on-expired-replay never
refuse --auth "${ok[@]}" --auth password
refuse --jwt-key-file "${ok[@]}" --auth jwt --username u --jwt-key-file "$QW_IT_DIR/client.secret"
refuse --username "${ok[@]}" --auth jwt
refuse --poll-timeout-s "${ok[@]}" --poll-timeout-s 1
refuse --http-bind "${ok[@]}" --http-bind nowhere
if grep -q -e "$SF_SECRET" "$QW_IT_DIR/refused.out"; then qw_it_fail "a secret in a refusal"; fi
"$QW_BIN/qw-salesforce" --help | qw_it_grep -- '--on-expired-replay' || qw_it_fail "--help"

# Nobody listens at the bootstrap address.
dead="127.0.0.1:$(qw_it_free_port)"
sf_start sub --brokers "$dead"
qw_it_wait_for "grep -q '\"salesforce.waiting\"' \"\$(qw_it_log_of sub)\"" 60 ||
    qw_it_fail "no waiting log line"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SF_HTTP_PORT_sub/readyz")"
[[ "$code" == 503 ]] || qw_it_fail "readyz answered $code without Kafka"
(($(sf_stat logins) == 0)) || qw_it_fail "Salesforce was contacted before Kafka could store anything"
t0=$SECONDS
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "exit $QW_IT_EXIT on SIGTERM while waiting for Kafka"
((SECONDS - t0 <= 10)) || qw_it_fail "SIGTERM took $((SECONDS - t0)) s"

sf_start sub
qw_it_wait_for "curl -fs http://127.0.0.1:$SF_HTTP_PORT_sub/readyz" 60 || qw_it_fail "never ready"
sf_gen 0 2 1794700000000 >"$QW_IT_DIR/ev.jsonl"
sf_publish "$QW_IT_DIR/ev.jsonl"
qw_it_wait_for "(( \$(sf_count_replays) >= 4 ))" 60 || qw_it_fail "events not produced"
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "exit $QW_IT_EXIT on SIGTERM"
grep '"salesforce.started"' "$(qw_it_log_of sub)" | tail -1 | qw_it_grep 'no committed event yet' ||
    qw_it_fail "the first start should find no committed event"

# Restarted it resumes after 1003; another channel on the same topic finds nothing of its own.
sf_start sub
qw_it_wait_for "(( \$(grep -c '\"salesforce.started\"' \"\$(qw_it_log_of sub)\") >= 2 ))" 60 ||
    qw_it_fail "not restarted"
grep '"salesforce.started"' "$(qw_it_log_of sub)" | tail -1 | qw_it_grep 'committed replay id 1003' ||
    qw_it_fail "the restart did not resume after 1003"
qw_it_kill sub TERM
qw_it_bg other "$QW_BIN/qw-salesforce" "${ok[@]}" --channel /data/OtherChangeEvent \
    --transactional-id "sf-other-$PREFIX" --http-port 0
qw_it_wait_for "grep -q '\"salesforce.started\"' \"\$(qw_it_log_of other)\"" 60 ||
    qw_it_fail "the other channel's subscriber did not start"
grep '"salesforce.started"' "$(qw_it_log_of other)" | qw_it_grep 'no committed event yet' ||
    qw_it_fail "another channel's replay ids were taken for this one's"
qw_it_kill other TERM
