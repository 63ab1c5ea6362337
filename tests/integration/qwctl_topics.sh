#!/usr/bin/env bash
# qwctl topics check on the real broker: the local stack's topic set passes (its warnings are a
# one-broker stack's: replication 1, 7-day retention), --strict fails on them, a prefix whose
# topics were never created names each missing topic (exit 1), an unreachable cluster exits 3.
source "$(dirname "$0")/lib.sh"
qw_it_init

PREFIX="$(qw_it_unique_prefix)"
qw_it_topics "$PREFIX"
Q=("$QW_BIN/qwctl" --topic-prefix "$PREFIX")

rc=0
"${Q[@]}" topics check >"$QW_IT_DIR/ok.out" 2>&1 || rc=$?
[[ "$rc" == 0 ]] || qw_it_fail "a complete topic set exits $rc: $(cat "$QW_IT_DIR/ok.out")"
qw_it_grep -e '^0 error(s)' "$QW_IT_DIR/ok.out" || qw_it_fail "no summary: $(tail -2 "$QW_IT_DIR/ok.out")"
qw_it_grep -e "${PREFIX}qw.roster.v1 .*4 partitions" "$QW_IT_DIR/ok.out" ||
    qw_it_fail "the roster topic is not listed with its partitions"
qw_it_grep -e 'replication factor 1' "$QW_IT_DIR/ok.out" || qw_it_fail "replication 1 is not warned about"

rc=0
"${Q[@]}" --strict topics check >/dev/null 2>&1 || rc=$?
[[ "$rc" == 1 ]] || qw_it_fail "--strict with warnings exits $rc, want 1"

rc=0
"${Q[@]}" --json topics check >"$QW_IT_DIR/ok.json" || rc=$?
python3 - "$QW_IT_DIR/ok.json" <<'PY' || qw_it_fail "--json output is wrong"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["errors"] == 0 and len(o["topics"]) == 10, o
roster = [t for t in o["topics"] if t["topic"].endswith("qw.roster.v1")][0]
assert roster["exists"] and roster["partitions"] == 4, roster
assert not [f for f in roster["findings"] if "compact" in f["text"]], roster
PY

rc=0
"$QW_BIN/qwctl" --topic-prefix "never.$PREFIX" topics check >"$QW_IT_DIR/missing.out" 2>&1 || rc=$?
[[ "$rc" == 1 ]] || qw_it_fail "missing topics exit $rc, want 1"
[[ "$(grep -c 'does not exist' "$QW_IT_DIR/missing.out")" == 10 ]] ||
    qw_it_fail "each of the 10 missing topics must be named: $(cat "$QW_IT_DIR/missing.out")"

rc=0
"$QW_BIN/qwctl" --brokers "127.0.0.1:$(qw_it_free_port)" topics check >"$QW_IT_DIR/down.out" 2>&1 || rc=$?
[[ "$rc" == 3 ]] || qw_it_fail "an unreachable cluster exits $rc, want 3: $(cat "$QW_IT_DIR/down.out")"
qw_it_grep -e 'did not answer' "$QW_IT_DIR/down.out" || qw_it_fail "the message must say Kafka did not answer"
qw_it_log passed
