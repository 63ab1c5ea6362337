#!/usr/bin/env bash
# THE test command (README.md "run all tests"; CI runs it through .ci/run):
#   1. deploy/local/setup.sh    install what the machine lacks (Debian packages, Kafka jars)
#   2. clang-format check       every .c/.h under lib/ services/ include/ tests/
#   3. build                    CC=clang, ASan+UBSan, fuzz targets, in build-test/; then the
#                               demo's gcc RelWithDebInfo build (whole runs only)
#   4. ctest                    unit + integration tests; the stack fixture starts and stops a
#                               real Kafka and redis-server
#   5. fuzzers                  tests/fuzz/run.sh for QW_FUZZ_SECONDS each (default 30; under CI seed 1 and 400000 inputs)
# Extra arguments go to ctest (e.g. `deploy/local/test.sh -R ingest`); then the fuzzers are left
# out, as the run is a partial one. Exits non-zero if any step failed.
#
# Environment: QW_TEST_BUILD (build dir, default build-test), QW_JOBS (build jobs, default 2),
# QW_CTEST_JOBS (default 2), QW_FUZZ_SECONDS (0 leaves the fuzzers out), QW_KAFKA_BOOTSTRAP /
# QW_REDIS_URL (test against existing servers instead of starting them).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 1

build="${QW_TEST_BUILD:-build-test}"
jobs="${QW_JOBS:-2}"
ctest_jobs="${QW_CTEST_JOBS:-2}"
fuzz_secs="${QW_FUZZ_SECONDS:-30}"
ctest_args=("$@")

declare -a summary=()
failed=0
step_start=0

say() { printf '\n=== test.sh: %s\n' "$*"; }
begin() {
    step_start=$SECONDS
    say "$1"
}
# end NAME RC: records the step's outcome and time.
end() {
    local name="$1" rc="$2" secs=$((SECONDS - step_start))
    if ((rc == 0)); then
        summary+=("$(printf '%-8s OK      %4ss' "$name" "$secs")")
    else
        summary+=("$(printf '%-8s FAILED  %4ss (exit %s)' "$name" "$secs" "$rc")")
        failed=1
    fi
}
finish() {
    say "summary"
    printf '  %s\n' "${summary[@]}"
    if ((failed)); then
        echo "test.sh: FAILED"
        exit 1
    fi
    echo "test.sh: all steps passed"
    exit 0
}

# 1. Install what is missing. Without it nothing else can run.
begin "setup (deploy/local/setup.sh)"
"$here/setup.sh"
rc=$?
end setup $rc
((rc == 0)) || finish

# 2. Formatting: report every offending file, keep going so the tests still run.
begin "format check (clang-format --dry-run -Werror)"
bad=()
while IFS= read -r -d '' f; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(find lib services include tests -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
if ((${#bad[@]})); then
    echo "not clang-formatted (fix with clang-format -i FILE):"
    printf '  %s\n' "${bad[@]}"
    end format 1
else
    echo "all files formatted"
    end format 0
fi

# 3. Build: clang so the libFuzzer targets build in the same sanitizer tree.
begin "build ($build: clang, ASan+UBSan, fuzz targets)"
rc=0
CC=clang cmake -S . -B "$build" -G Ninja -DQW_SANITIZE=ON -DQW_FUZZ=ON || rc=$?
# -k 0: one broken file should not hide how the rest of the tree builds and tests.
((rc == 0)) && { ninja -C "$build" -j "$jobs" -k 0 || rc=$?; }
end build $rc
[[ -f "$build/CTestTestfile.cmake" ]] || finish

# 3b. The demo's build (gcc, optimised, no tests) must build too: deploy/local/demo.sh uses it,
# and gcc's optimiser finds format truncations clang does not.
if ((${#ctest_args[@]} == 0)); then
    begin "demo build (build-demo-check: gcc, RelWithDebInfo)"
    rc=0
    cmake -S . -B build-demo-check -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQW_TESTS=OFF \
        >/dev/null || rc=$?
    ((rc == 0)) && { ninja -C build-demo-check -j "$jobs" qw-ingest qw-evaluator qw-notifier qwctl \
        >/dev/null || rc=$?; }
    ((rc == 0)) || ninja -C build-demo-check -j 1 -k 0 2>&1 | grep -E "error" | head -20
    end demo-bld $rc
fi

# 4. Tests (also after a partial build: the tests whose programs built still run, the others
# fail as not run). The stack's watchdog stops Kafka/redis should this script be killed mid-run.
begin "ctest ${ctest_args[*]}"
export QW_STACK_OWNER_PID=$$
(cd "$build" && ctest --output-on-failure -j "$ctest_jobs" "${ctest_args[@]}")
end ctest $?

# 5. Fuzzers, for a short while each.
if ((${#ctest_args[@]})) || [[ "$fuzz_secs" == 0 ]]; then
    say "fuzzers left out (partial run)"
elif [[ -f tests/fuzz/run.sh ]]; then
    begin "fuzzers (tests/fuzz/run.sh, at most ${fuzz_secs}s each)"
    bash tests/fuzz/run.sh "$root/$build/fuzz" "$fuzz_secs"
    end fuzz $?
else
    say "no tests/fuzz/run.sh: no fuzzers to run"
fi

finish
