#!/usr/bin/env bash
# Proves librdkafka (Debian 2.0.2) works with the stack's Kafka: produce, consumer groups and
# transactions (commit, abort, read_committed, send_offsets_to_transaction). See kafka_compat.c.
source "$(dirname "$0")/lib.sh"
qw_it_init

compat="${QW_BIN:?QW_BIN not set (run through ctest)}/qw-kafka-compat"
[[ -x "$compat" ]] || qw_it_fail "$compat not built"

prefix="$(qw_it_unique_prefix)"
qw_it_topic "${prefix}plain" 3
qw_it_topic "${prefix}txn" 1
qw_it_topic "${prefix}txout" 1

qw_it_bg compat "$compat" "$QW_KAFKA_BOOTSTRAP" "$prefix"
qw_it_wait_exit compat 240 || qw_it_fail "qw-kafka-compat did not finish in 240 s"
cat "$(qw_it_log_of compat)"
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-kafka-compat exited with $QW_IT_EXIT"
grep -q '^kafka compat: all checks passed$' "$(qw_it_log_of compat)" ||
    qw_it_fail "qw-kafka-compat did not report that all checks passed"
