#!/bin/bash
# Run every fuzzer built in FUZZ_BIN_DIR for a while over a copy of its seed corpus:
# tests/fixtures/<source>/ for fuzz_adapter_<source>, the notifier's templates for
# fuzz_notifier_render, tests/fixtures/<name>/ for any other fuzz_<name>.
# QW_FUZZ_SEED fixes libFuzzer's random seed and QW_FUZZ_RUNS caps the inputs per target.
# Under CI both are fixed (seed 1, 400000 inputs): a fixed budget, so a faster CI machine does
# not go deeper than the runs that passed before a change was pushed (libFuzzer runs are not
# bit-for-bit repeatable even with a fixed seed — comparison operands include addresses — so
# this bounds the depth, not the exact inputs). Deep exploration with fresh seeds is
# tests/chaos/run.sh's job (and anyone's: run this script without CI set).
# Builds nothing. Usage: tests/fuzz/run.sh FUZZ_BIN_DIR [SECONDS]   (default 20 s per target);
# QW_FUZZ_JOBS targets run at once (default: the cores, at most 4).
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
seed_opt=()
if [ -n "${QW_FUZZ_SEED:-}" ]; then seed_opt=(-seed="$QW_FUZZ_SEED");
elif [ -n "${CI:-}" ]; then seed_opt=(-seed=1); fi
if [ -n "${QW_FUZZ_RUNS:-}" ]; then seed_opt+=(-runs="$QW_FUZZ_RUNS");
elif [ -n "${CI:-}" ]; then seed_opt+=(-runs=400000); fi
budget="${secs}s"
for o in "${seed_opt[@]}"; do budget="$budget, ${o#-}"; done
targets=$(cd "$bin" && ls fuzz_* 2>/dev/null | sed 's/^fuzz_//')
[ -n "$targets" ] || { echo "run.sh: no fuzz_* programs in $bin" >&2; exit 2; }
# One target: seeds, then the run; its outcome in $work/<src>/status, its report in .../report.
run_one() {
    local target="$1" src="${1#adapter_}" exe="$bin/fuzz_$1" f
    mkdir -p "$work/$src/corpus" "$work/$src/artifacts"
    case "$target" in
    notifier_render) find "$here/../../services/notifier/templates" -name '*.tmpl' \
        -exec cp --backup=numbered {} "$work/$src/corpus/" \; ;;
    *) cp "$fixtures/$src"/* "$work/$src/corpus/" ;;
    esac
    # Fixture .jsonl files hold one document per line: each line is a seed of its own too.
    for f in "$fixtures/$src"/*.jsonl; do
        [ -e "$f" ] || continue
        split -l 1 -d -a 3 "$f" "$work/$src/corpus/$(basename "$f" .jsonl)-line-"
    done
    {
        echo "== fuzz_$target for $budget ($(ls "$work/$src/corpus" | wc -l) seeds)"
        if "$exe" "${seed_opt[@]}" -max_total_time="$secs" -max_len=65536 -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$src/artifacts/" \
            "$work/$src/corpus" >"$work/$src/log" 2>&1; then
            grep -E "stat::number_of_executed_units|cov:" "$work/$src/log" | tail -2
            echo 0 >"$work/$src/status"
        else
            echo "FAIL: fuzz_$target; artifacts in $work/$src/artifacts"
            tail -40 "$work/$src/log"
            echo 1 >"$work/$src/status"
        fi
    } >"$work/$src.report" 2>&1
}

# QW_FUZZ_JOBS targets at once (default: the machine's cores, at most 4): the fuzz step runs
# alone, after the tests, so the cores are free; each report is printed whole, in order.
jobs="${QW_FUZZ_JOBS:-$(nproc)}"
((jobs >= 1)) || jobs=1
((jobs <= 4)) || jobs=4
running=0
for target in $targets; do
    run_one "$target" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
done
wait
for target in $targets; do
    src="${target#adapter_}"
    cat "$work/$src.report"
    [ "$(cat "$work/$src/status" 2>/dev/null)" == 0 ] || {
        [ -f "$work/$src/status" ] || echo "FAIL: fuzz_$target did not finish"
        status=1
    }
done
[ $status -eq 0 ] && rm -rf "$work"
exit $status
