#!/usr/bin/env bash
# qw-salesforce's session handling against the emulator: a JWT bearer login (RS256, checked by
# the emulator with openssl); the server dropping the client (403::Unknown client → a new
# handshake, subscribed from the committed replay id); revoked tokens (401 → a new login);
# refused credentials (not ready, nothing produced, the secret never logged); SIGTERM during a
# long poll. Across all of it every event is on the topic exactly once.
source "$(dirname "$0")/salesforce_common.bash"
sf_init
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$QW_IT_DIR/jwt.key" 2>/dev/null
openssl pkey -in "$QW_IT_DIR/jwt.key" -pubout -out "$QW_IT_DIR/jwt.pub"
# Long polls held 30 s, as Salesforce holds them (110 s): the changes below must wake them.
sf_emulator_start --username "ops@acme.example" --jwt-public-key "$QW_IT_DIR/jwt.pub" \
    --poll-timeout 30
sf_gen 0 10 1794700000000 >"$QW_IT_DIR/all.jsonl"
head -n 6 "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p1.jsonl"
sed -n 7,12p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p2.jsonl"
sed -n 13,20p "$QW_IT_DIR/all.jsonl" >"$QW_IT_DIR/p3.jsonl"

sf_start sub --auth jwt --jwt-key-file "$QW_IT_DIR/jwt.key" --username "ops@acme.example"
sf_publish "$QW_IT_DIR/p1.jsonl"
qw_it_wait_for "(( \$(sf_count_replays) >= 6 ))" 60 || qw_it_fail "JWT login: events not produced"
qw_it_wait_for "curl -fs http://127.0.0.1:$SF_HTTP_PORT_sub/readyz" 20 || qw_it_fail "not ready"

# The server forgets the client: the long poll in flight and the next one get 403.
sf_control '{"action": "drop_clients"}'
sf_publish "$QW_IT_DIR/p2.jsonl"
qw_it_wait_for "(( \$(sf_count_replays) >= 12 ))" 60 || qw_it_fail "no events after the 403"
(($(sf_stat unknown_client) >= 1)) || qw_it_fail "the emulator never answered 403"
(($(sf_stat handshakes) >= 2)) || qw_it_fail "no new handshake after 403::Unknown client"
curl -fs "http://127.0.0.1:$SF_HTTP_PORT_sub/metrics" |
    qw_it_grep -E '^qw_salesforce_rehandshakes_total [1-9]' || qw_it_fail "rehandshake not counted"

# Every token is revoked: the next request gets 401 and the subscriber logs in again.
sf_control '{"action": "revoke_tokens"}'
sf_control '{"action": "drop_clients"}' # wake the poll in flight
sf_publish "$QW_IT_DIR/p3.jsonl"
qw_it_wait_for "(( \$(sf_count_replays) >= 20 ))" 60 || qw_it_fail "no events after the 401"
(($(sf_stat logins) >= 2)) || qw_it_fail "no second login after 401"
(($(sf_stat unauthorized) >= 1)) || qw_it_fail "the emulator never answered 401"
sleep 2
sf_dump "$QW_IT_DIR/topic.jsonl"
sf_check_exactly_once "$QW_IT_DIR/topic.jsonl" 1000 1019 "$QW_IT_DIR/all.jsonl"
sf_stats >"$QW_IT_DIR/stats.json"
python3 - "$QW_IT_DIR/stats.json" <<'PY' || qw_it_fail "subscriptions did not resume from committed ids"
import json, sys
s = json.load(open(sys.argv[1]))
subs = s["subscribes"]
assert subs[0] == -2 and len(subs) >= 3 and all(r >= 1005 for r in subs[1:]), subs
assert s["connect_before_subscribe"] == 0 and s["cookie_missing"] == 0, s
assert s["login_refused"] == 0, s
print("subscriptions", subs, "logins", s["logins"], "handshakes", s["handshakes"])
PY

# Refused credentials: the emulator says invalid_client, the subscriber stays not ready.
printf 'wrong-%s\n' "$SF_SECRET" >"$QW_IT_DIR/wrong.secret"
port="$(qw_it_free_port)"
qw_it_bg bad "$QW_BIN/qw-salesforce" --login-url "$SF_URL" --client-id "$SF_CLIENT_ID" \
    --client-secret-file "$QW_IT_DIR/wrong.secret" --transactional-id "sf-bad-$PREFIX" \
    --http-port "$port" --backoff-max-ms 500
qw_it_wait_for "grep -q '\"salesforce.login_failed\"' \"\$(qw_it_log_of bad)\"" 60 ||
    qw_it_fail "the refused login was not logged"
grep '"salesforce.login_failed"' "$(qw_it_log_of bad)" | head -1 | qw_it_grep invalid_client ||
    qw_it_fail "the login failure does not name the OAuth error"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
[[ "$code" == 503 ]] || qw_it_fail "readyz answered $code with refused credentials"
for f in "$(qw_it_log_of bad)" "$(qw_it_log_of sub)"; do
    if grep -q -e "$SF_SECRET" "$f"; then qw_it_fail "a client secret is in $f"; fi
done
# A JWT signed with another key than the app's certificate is refused (invalid_grant).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$QW_IT_DIR/other.key" 2>/dev/null
qw_it_bg badjwt "$QW_BIN/qw-salesforce" --login-url "$SF_URL" --client-id "$SF_CLIENT_ID" \
    --auth jwt --jwt-key-file "$QW_IT_DIR/other.key" --username "ops@acme.example" \
    --transactional-id "sf-badjwt-$PREFIX" --http-port 0 --backoff-max-ms 500
qw_it_wait_for "grep -q '\"salesforce.login_failed\"' \"\$(qw_it_log_of badjwt)\"" 60 ||
    qw_it_fail "the JWT signed with the wrong key was not refused"
grep '"salesforce.login_failed"' "$(qw_it_log_of badjwt)" | head -1 | qw_it_grep 'invalid_grant' ||
    qw_it_fail "the refused JWT does not name invalid_grant"
qw_it_kill badjwt TERM
(($(sf_count_replays) == 20)) || qw_it_fail "something was produced without a login"
qw_it_kill bad TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM while logging in"
# SIGTERM ends the long poll in flight at once (not after the server's 30 s) and exits 0.
t0=$SECONDS
qw_it_kill sub TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-salesforce exited $QW_IT_EXIT on SIGTERM"
((SECONDS - t0 <= 5)) || qw_it_fail "SIGTERM took $((SECONDS - t0)) s: the long poll was waited out"
