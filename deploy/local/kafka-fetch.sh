#!/usr/bin/env bash
# Fetches the Kafka broker's runtime class path (version pinned in kafka/pom.xml) from Maven
# Central into ${QW_CACHE:-$HOME/.cache/quotawatch}/kafka-<version>/libs, once; later runs reuse it.
# With KAFKA_HOME set, checks $KAFKA_HOME/libs instead and fetches nothing.
# Prints the libs folder on stdout.
set -euo pipefail
QW_STACK_PROG=kafka-fetch
# shellcheck source=deploy/local/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

libs="$(qw_stack_kafka_libs)"
if [[ -n "${KAFKA_HOME:-}" ]]; then
    compgen -G "$libs/kafka_2.13-*.jar" >/dev/null ||
        qw_stack_die "KAFKA_HOME=$KAFKA_HOME has no libs/kafka_2.13-*.jar: point it at a Kafka install or unset it"
    qw_stack_log "using Kafka jars of KAFKA_HOME: $libs"
    printf '%s\n' "$libs"
    exit 0
fi

version="$(qw_stack_kafka_version)"
[[ -n "$version" ]] || qw_stack_die "no <kafka.version> in $QW_STACK_HOME/kafka/pom.xml"
# The marker is written last, so a half-finished fetch is never taken for a complete one.
if [[ -f "$libs/.complete" ]]; then
    qw_stack_log "Kafka $version jars already in $libs"
    printf '%s\n' "$libs"
    exit 0
fi

command -v mvn >/dev/null || qw_stack_die "mvn not found: run deploy/local/setup.sh (installs maven)"
command -v java >/dev/null || qw_stack_die "java not found: run deploy/local/setup.sh (installs openjdk-17-jre-headless)"

qw_stack_log "fetching Kafka $version jars with Maven into $libs"
parent="$(dirname "$libs")"
mkdir -p "$parent"
work="$(mktemp -d "$parent/fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Maven runs on a copy of the pom so that nothing (target/) is written into the repository.
cp "$QW_STACK_HOME/kafka/pom.xml" "$work/pom.xml"
if ! (cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$work/libs" \
    -DincludeScope=runtime) >"$work/mvn.log" 2>&1; then
    tail -n 40 "$work/mvn.log" >&2
    qw_stack_die "Maven could not fetch Kafka $version (network to Maven Central? see above)"
fi
# Kafka's own reload4j binding would fight the log4j2 one for slf4j.
rm -f "$work"/libs/slf4j-reload4j-*.jar "$work"/libs/reload4j-*.jar
compgen -G "$work/libs/kafka_2.13-$version.jar" >/dev/null ||
    qw_stack_die "Maven finished but kafka_2.13-$version.jar is missing"
touch "$work/libs/.complete"
rm -rf "$libs"
mv "$work/libs" "$libs"
qw_stack_log "fetched $(find "$libs" -name '*.jar' | wc -l) jars"
printf '%s\n' "$libs"
