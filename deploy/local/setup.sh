#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test quotawatch: the Debian packages
# below and the Kafka broker jars (Maven Central, cached). Idempotent: when everything is there it
# only checks and returns. Needs root (uses sudo when not root).
#
# Exit codes: 0 ready; 1 apt failed; 2 Kafka jars could not be fetched; 3 not root and no sudo;
# 4 not a Debian-like system; 5 the browser tests' npm packages or schemathesis could not be
# installed.
set -euo pipefail
QW_STACK_PROG=setup
# shellcheck source=deploy/local/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PACKAGES=(
    # build
    build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
    # libraries
    librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libhiredis-dev libcriterion-dev
    libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libssl-dev libfyaml-dev libyajl-dev
    # the local stack and the tests
    redis-server redis-tools kafkacat jq curl openssl stunnel4 python3 python3-aiosmtpd
    openjdk-17-jre-headless maven tzdata
    # the install tests: systemd-analyze verify, cpack -G DEB (dpkg-shlibdeps), file
    systemd dpkg-dev file
    # the alert rules' checks and unit tests (promtool); the API's responses checked against
    # docs/api/openapi.yaml (Debian's python3 with its jsonschema and yaml)
    prometheus python3-jsonschema python3-yaml
    # OIDC tokens signed in the web API test
    python3-cryptography
    # the browser tests (tests/browser): Debian's chromium, driven by playwright-core from npm
    chromium fonts-liberation
)
# Node.js for the browser tests: Debian's nodejs and npm unless a Node.js (with its npm) is
# already there — a NodeSource nodejs ships npm itself and conflicts with Debian's npm package.
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)

command -v dpkg-query >/dev/null && command -v apt-get >/dev/null ||
    { qw_stack_log "error: this needs Debian 12 (apt-get, dpkg-query); install the packages by hand: ${PACKAGES[*]}"; exit 4; }

missing=()
for p in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    qw_stack_log "all ${#PACKAGES[@]} Debian packages are installed"
else
    qw_stack_log "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
    SUDO=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null ||
            { qw_stack_log "error: not root and no sudo: as root run apt-get install ${missing[*]}"; exit 3; }
        SUDO=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    # policy-rc.d stops the redis-server package from starting its own systemd/init service:
    # the local stack runs its own redis-server on a free port instead.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod +x "$policy"
        made_policy=1
    fi
    apt_ok=1
    "${SUDO[@]}" apt-get update -q || apt_ok=0
    if ((apt_ok)); then
        "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" || apt_ok=0
    fi
    ((made_policy)) && "${SUDO[@]}" rm -f "$policy"
    ((apt_ok)) || { qw_stack_log "error: apt-get failed (see above); fix apt and run setup.sh again"; exit 1; }
    qw_stack_log "Debian packages installed"
fi

# If a system redis-server service is running anyway (installed before, or by hand), leave it be:
# the stack never uses port 6379; say so, so nobody mistakes it for the stack's.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    qw_stack_log "note: the system redis-server service is running; the local stack does not use it"
fi

# playwright-core, pinned by tests/browser/package-lock.json (no browser download: the tests
# drive /usr/bin/chromium). Again only when the lock file changed since the last install.
browser_dir="$QW_STACK_HOME/../../tests/browser"
if [[ -f "$browser_dir/package-lock.json" ]]; then
    stamp="$browser_dir/node_modules/.qw-lock"
    if ! cmp -s "$browser_dir/package-lock.json" "$stamp" 2>/dev/null; then
        qw_stack_log "installing the browser tests' npm packages (npm ci in tests/browser)"
        (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
            { qw_stack_log "error: npm ci failed in tests/browser (is the npm registry reachable?)"; exit 5; }
        cp "$browser_dir/package-lock.json" "$stamp"
    else
        qw_stack_log "browser test packages are installed"
    fi
fi

# schemathesis (PyPI, pinned) for the API test against docs/api/openapi.yaml, in a venv of
# Debian's python3 so the system's packages stay as Debian ships them.
st_venv=/opt/quotawatch-test/venv
st_version=4.32.5
if [[ "$("$st_venv/bin/schemathesis" --version 2>/dev/null)" != *"$st_version"* ]]; then
    qw_stack_log "installing schemathesis $st_version into $st_venv (PyPI)"
    { /usr/bin/python3 -m venv "$st_venv" &&
        "$st_venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$st_version"; } ||
        { qw_stack_log "error: could not install schemathesis (is PyPI reachable?)"; exit 5; }
else
    qw_stack_log "schemathesis $st_version is installed"
fi

if ! libs="$("$QW_STACK_HOME/kafka-fetch.sh")"; then
    qw_stack_log "error: could not get the Kafka jars (see above); Maven Central must be reachable, or set KAFKA_HOME to a Kafka install"
    exit 2
fi
qw_stack_log "ready: Kafka $(qw_stack_kafka_version) jars in $libs"
