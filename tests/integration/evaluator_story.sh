#!/usr/bin/env bash
# A multi-period story end to end, for several reps and two teams: the service is moved through
# September to December 2026 with --clock-file (checkpoints, credits between them, closes), and
# its decisions on qw.decisions.v1 must be exactly those `qw-evaluator simulate` makes from the
# same story as canonical deals: quota achieved, accelerator, pacing warnings with coaching,
# final warning after two misses, the review request after three, consistent performers, and a
# late credit after the close that withdraws the review.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/evaluator_common.bash"
qw_it_init
qw_it_topics "$(qw_it_unique_prefix)"
qw_it_redis_start
D="$QW_IT_DIR"
P="$QW_IT_TOPIC_PREFIX"

# "--calendar false" (a boolean with its value as a separate word) is refused with exit 2 and a
# message; it used to leave the calendar on and drop the word.
rc=0
timeout 20 "$QW_BIN/qw-evaluator" --calendar false --brokers 127.0.0.1:1 2>"$D/arg.err" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'unexpected argument "false"' "$D/arg.err" ||
    qw_it_fail "qw-evaluator --calendar false: exit $rc, $(cat "$D/arg.err")"

cat >"$D/roster.csv" <<'CSV'
rep_id,name,manager_id,team_id,hire_date,cohort
r1,Ann,m1,east,2025-01-10,a
r2,Bob,m1,east,2025-01-10,b
r3,Cid,m1,east,2025-01-10,a
r4,Dee,m2,west,2025-01-10,b
CSV
python3 - "$D" "$QW_SRC/tests/integration" <<'PY'
import json, sys
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from evaluator_story import write_sale
q = open(d + "/quotas.csv", "w")
q.write("rep_id,period,amount,currency,version\n")
for r in ("r1", "r2", "r3", "r4"):
    for p in ("2026-09", "2026-10", "2026-11"):
        q.write("%s,%s,1000.00,USD,v1\n" % (r, p))
deals = open(d + "/deals.jsonl", "w")
n = 0
for m in (9, 10, 11):
    cr = open("%s/credits_%d.jsonl" % (d, m), "w")
    for r, amt in (("r1", 10000), ("r2", 110000), ("r3", 100000), ("r4", 50000 if m < 11 else 130000)):
        n += 1
        write_sale(deals, cr, n, r, amt, "2026-%02d-20" % m)
# After the close, a late credit turns r1's November miss into a hit: the review it caused
# must be withdrawn (a correction), never left standing.
deals.write(json.dumps({"deal_id": "D99", "version": 1, "event_time": "2026-12-11T09:00:00Z",
    "status": "won", "amount": "900.00", "currency": "USD", "owner_id": "r1",
    "close_date": "2026-11-28"}) + "\n")
open(d + "/credits_late.jsonl", "w").write(json.dumps({"id": "canonical:D99:1:r1",
    "deal_id": "canonical:D99", "deal_version": 1, "rep_id": "r1", "kind": "credit",
    "amount_minor": 90000, "currency": "USD", "close_date": "2026-11-28", "reason": "won",
    "event_time_ms": 0}) + "\n")
PY

"$QW_BIN/qw-evaluator" simulate --roster "$D/roster.csv" --quotas "$D/quotas.csv" \
    --deals "$D/deals.jsonl" --until 2026-12-12 >"$D/simulate.jsonl" ||
    qw_it_fail "simulate failed"
"$QW_BIN/qw-test-credits" --topic "${P}qw.roster.v1" roster "$D/roster.csv"
"$QW_BIN/qw-test-credits" --topic "${P}qw.quotas.v1" quotas "$D/quotas.csv"

CLOCK="$D/clock"
echo 2026-09-01T00:00:00Z >"$CLOCK"
ev_start ev1 --clock-file "$CLOCK" --calendar-interval-ms 300 --batch-size 3 --log-level debug
ev_ingest_start ingest # its completeness marks let the calendar judge (docs/completeness.md)

done_bits() { redis-cli -u "$QW_REDIS_URL" HGET "${P}qw:ev:calendar:done" "$1"; }
credited() { # credited() REP PERIOD AMOUNT: the rep's state shows that credit
    # (no `| grep -q`: under pipefail its early exit would fail the writer with SIGPIPE)
    local s
    s="$("$QW_BIN/qw-test-state" --redis "$QW_REDIS_URL" --prefix "$P")" || return 1
    grep -q "\"credited_minor\":$3,.*\"period\":\"$2\",\"quota_minor\":[0-9]*,\"quota_version\":\"[^\"]*\",\"rep_id\":\"$1\"" <<<"$s"
}

for m in 09 10 11; do
    echo "2026-$m-20T10:00:00Z" >"$CLOCK"
    qw_it_wait_for "[[ \$(done_bits 2026-$m) == 1 ]]" 60 || qw_it_fail "50% checkpoint of 2026-$m not run"
    if [[ $m != 09 ]]; then
        prev=$(printf '2026-%02d' $((10#$m - 1)))
        qw_it_wait_for "[[ \$(done_bits $prev) == 131 ]]" 60 || qw_it_fail "$prev not closed"
    fi
    "$QW_BIN/qw-test-credits" --topic "${P}qw.credits.v1" credits "$D/credits_$((10#$m)).jsonl"
    r4=50000
    [[ $m == 11 ]] && r4=130000
    qw_it_wait_for "credited r1 2026-$m 10000 && credited r2 2026-$m 110000 &&
        credited r3 2026-$m 100000 && credited r4 2026-$m $r4" 60 ||
        qw_it_fail "credits of 2026-$m not applied"
    echo "2026-$m-25T00:00:00Z" >"$CLOCK"
    qw_it_wait_for "[[ \$(done_bits 2026-$m) == 3 ]]" 60 || qw_it_fail "75% checkpoint of 2026-$m not run"
    qw_it_log "2026-$m done"
done
echo 2026-12-10T00:00:00Z >"$CLOCK"
qw_it_wait_for "[[ \$(done_bits 2026-11) == 131 ]]" 60 || qw_it_fail "2026-11 not closed"
echo 2026-12-11T09:00:00Z >"$CLOCK"
"$QW_BIN/qw-test-credits" --topic "${P}qw.credits.v1" credits "$D/credits_late.jsonl"
qw_it_wait_for "credited r1 2026-11 100000" 60 || qw_it_fail "the late credit was not applied"
qw_it_wait_for "ev_dump_state '$D/state.jsonl' && ! grep -q '\"outbox\":[1-9]' '$D/state.jsonl'" 60 ||
    qw_it_fail "outboxes not drained"
ev_dump_decisions "$D/decisions.jsonl"

python3 - "$QW_SRC/tests/integration" "$D/simulate.jsonl" "$D/decisions.jsonl" <<'PY' ||
import sys
sys.path.insert(0, sys.argv[1])
from evaluator_story import same_as_simulate
svc, _ = same_as_simulate([sys.argv[2]], sys.argv[3])
must = ["d:r1:2026-10:warning.final", "d:r1:2026-11:review.termination_review",
        "d:r2:2026-11:reward.consistent_performer", "d:r4:2026-11:reward.accelerator:bp12500",
        "d:r1:2026-09:support.coaching_recommended:cp7500",
        "d:r1:2026-11:review.withdrawn:review.termination_review"]
missing = [m for m in must if m not in svc]
if missing: sys.exit("story decisions missing: %s" % missing)
print("%d decisions, identical to simulate" % len(svc))
PY
    qw_it_fail "service and simulate disagree"
qw_it_kill ev1 TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "ev1 exited $QW_IT_EXIT on SIGTERM"
