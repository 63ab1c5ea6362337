# shellcheck shell=bash
# The stack the qw-web integration tests share (sourced after lib.sh and qw_it_init; .bash so
# that ctest, which runs every *.sh here, does not take it for a test).

# web_it_pipeline: topics with a fresh prefix, a private Redis, the web fixtures' roster and
# quotas published, CRM events through qw-ingest and qw-evaluator (processes "ingest" and
# "evaluator") until the reward is made. Sets FIX, PREFIX, POLICY and NOW.
web_it_pipeline() {
    FIX="$QW_SRC/tests/fixtures/web"
    PREFIX="$(qw_it_unique_prefix)"
    qw_it_topics "$PREFIX"
    qw_it_redis_start
    export QW_TOPIC_PREFIX="$PREFIX"
    POLICY="$QW_SRC/deploy/policy.example.yaml"
    NOW=2026-11-20T12:00:00Z
    "$QW_BIN/qwctl" publish roster --policy "$POLICY" "$FIX/roster.csv" || qw_it_fail "roster refused"
    "$QW_BIN/qwctl" publish quotas --policy "$POLICY" "$FIX/quotas.csv" || qw_it_fail "quotas refused"
    qw_it_bg ingest "$QW_BIN/qw-ingest" --policy "$POLICY" --transactional-id "ingest-$PREFIX" \
        --group "ingest-$PREFIX"
    qw_it_bg evaluator "$QW_BIN/qw-evaluator" --policy "$POLICY" --group "evaluator-$PREFIX" \
        --calendar=false --fake-now "$NOW" --http-port 0
    "$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$FIX/events.jsonl"
    qw_it_wait_for '"$QW_BIN/qwctl" tail decisions --until-eof | grep -q reward.quota_achieved' 90 ||
        qw_it_fail "the evaluator made no reward.quota_achieved"
}
