#!/bin/bash
# Run each fuzzer for a while over a copy of its seed corpus: tests/fixtures/<source>/ for
# fuzz_adapter_<source>, tests/fixtures/<name>/ for any other fuzz_<name> listed below.
# Builds nothing. Usage: tests/fuzz/run.sh FUZZ_BIN_DIR [SECONDS]   (default 20 s per target)
# Build the targets first, e.g.:
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DQW_SANITIZE=ON -DQW_FUZZ=ON -DQW_TESTS=ON
#   ninja -C build-fuzz fuzz_adapter_salesforce fuzz_adapter_hubspot fuzz_adapter_pipedrive fuzz_adapter_canonical fuzz_ledger_state
# Exits non-zero on the first crash, leak, sanitizer report or invariant violation; the
# reproducer is kept in the printed artifact directory.
set -euo pipefail
bin=${1:?usage: run.sh FUZZ_BIN_DIR [SECONDS]}
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
work=$(mktemp -d "${TMPDIR:-/tmp}/qw-fuzz.XXXXXX")
status=0
for target in adapter_salesforce adapter_hubspot adapter_pipedrive adapter_canonical ledger_state; do
    src="${target#adapter_}"
    exe="$bin/fuzz_$target"
    [ -x "$exe" ] || { echo "run.sh: missing $exe" >&2; exit 2; }
    mkdir -p "$work/$src/corpus" "$work/$src/artifacts"
    cp "$fixtures/$src"/* "$work/$src/corpus/"
    # Fixture .jsonl files hold one document per line: each line is a seed of its own too.
    for f in "$fixtures/$src"/*.jsonl; do
        [ -e "$f" ] || continue
        split -l 1 -d -a 3 "$f" "$work/$src/corpus/$(basename "$f" .jsonl)-line-"
    done
    echo "== fuzz_$target for ${secs}s ($(ls "$work/$src/corpus" | wc -l) seeds)"
    if ! "$exe" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/$src/artifacts/" "$work/$src/corpus" \
        >"$work/$src/log" 2>&1; then
        echo "FAIL: fuzz_$target; artifacts in $work/$src/artifacts" >&2
        tail -40 "$work/$src/log" >&2
        status=1
        continue
    fi
    grep -E "stat::number_of_executed_units|cov:" "$work/$src/log" | tail -2
done
[ $status -eq 0 ] && rm -rf "$work"
exit $status
