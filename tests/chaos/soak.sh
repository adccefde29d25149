#!/usr/bin/env bash
# Long chaos runs on demand (docs/chaos.md). Runs the chaos test of
# tests/integration/chaos_test.cc for SECOR_CHAOS_SECONDS (default 1800) per
# run, on the local store and, when SECOR_TEST_S3_ENDPOINT is set (or --ceph
# starts a throwaway Ceph RGW), on S3 through `secor-faultproxy`, against real
# Apache Kafka (the one in SECOR_TEST_KAFKA_*, or one that scripts/kafka.sh
# starts with --brokers N nodes), or with --mock the mock cluster with
# injected request errors. Every run prints its seed; the first failing run
# stops the loop and keeps its logs.
#
#   tests/chaos/soak.sh [--build DIR] [--runs N] [--ceph] [--local-only|--s3-only]
#                       [--brokers N | --mock]
#   (the two stores can soak side by side: one --local-only, one --s3-only)
#   SECOR_CHAOS_SEED=123 SECOR_CHAOS_SECONDS=120 tests/chaos/soak.sh --runs 1
#
# The mock cluster keeps at most 5 MiB per partition, so a long run spreads a
# slower producer over more partitions (SECOR_CHAOS_PARTITIONS=48,
# SECOR_CHAOS_PRODUCE_PAUSE_MS=400: about 2 MiB per partition in 30 minutes).
# The binaries are copied first, so the tree can be rebuilt during a soak.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=build
runs=1
ceph=0
local_only=0
s3_only=0
brokers=1
mock=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --ceph) ceph=1; shift ;;
    --local-only) local_only=1; shift ;;
    --s3-only) s3_only=1; shift ;;
    --brokers) brokers=$2; shift 2 ;;
    --mock) mock=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--runs N] [--ceph] [--local-only|--s3-only] [--brokers N|--mock]" >&2; exit 2 ;;
  esac
done
ninja -C "$build" secor secor-testbroker secor-faultproxy secor_integration_test
bin=$(mktemp -d /tmp/secor-soak-bin-XXXXXX)
cp "$build/secor" "$build/secor-testbroker" "$build/secor-faultproxy" "$build/tests/secor_integration_test" "$bin/"
export SECOR_TEST_BINARY_DIR=$bin

ceph_dir=""
kafka_dir=""
cleanup() {
  [ -z "$ceph_dir" ] || scripts/ceph.sh stop "$ceph_dir" >/dev/null 2>&1 || true
  [ -z "$kafka_dir" ] || scripts/kafka.sh stop "$kafka_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ "$ceph" = 1 ] && [ -z "${SECOR_TEST_S3_ENDPOINT:-}" ]; then
  ceph_dir=$(mktemp -d /tmp/secor-soak-ceph-XXXXXX)
  scripts/ceph.sh start "$ceph_dir"
  # shellcheck disable=SC1091
  source "$ceph_dir/env"
fi
if [ "$mock" = 0 ] && [ -z "${SECOR_TEST_KAFKA_BOOTSTRAP:-}" ]; then
  kafka_dir=$(mktemp -d /tmp/secor-soak-kafka-XXXXXX)
  scripts/kafka.sh start "$kafka_dir" --brokers "$brokers"
  # shellcheck disable=SC1091
  source "$kafka_dir/env"
fi

filter='ChaosTest.LocalStore*'
if [ "$local_only" = 0 ] && [ -n "${SECOR_TEST_S3_ENDPOINT:-}" ]; then filter='ChaosTest.LocalStore*:ChaosTest.S3*'; fi
if [ "$mock" = 1 ]; then filter='ChaosTest.Mock*'; fi
if [ "$s3_only" = 1 ]; then
  [ -n "${SECOR_TEST_S3_ENDPOINT:-}" ] || { echo "--s3-only needs SECOR_TEST_S3_* or --ceph" >&2; exit 2; }
  filter='ChaosTest.S3*'
fi
export SECOR_CHAOS_SECONDS="${SECOR_CHAOS_SECONDS:-1800}"
export SECOR_CHAOS_PARTITIONS="${SECOR_CHAOS_PARTITIONS:-48}"
export SECOR_CHAOS_PRODUCE_PAUSE_MS="${SECOR_CHAOS_PRODUCE_PAUSE_MS:-400}"
export SECOR_CHAOS_FILE_AGE_SECONDS="${SECOR_CHAOS_FILE_AGE_SECONDS:-2}"
export SECOR_KEEP_TEST_DIRS=1
fixed_seed="${SECOR_CHAOS_SEED:-}"
for run in $(seq 1 "$runs"); do
  seed="${fixed_seed:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}"
  echo "== soak run $run/$runs: SECOR_CHAOS_SEED=$seed SECOR_CHAOS_SECONDS=$SECOR_CHAOS_SECONDS ($filter)"
  log="$root/$build/chaos-soak-$seed.log"
  if ! SECOR_CHAOS_SEED=$seed "$bin/secor_integration_test" --gtest_filter="$filter" \
      2>&1 | tee "$log"; then
    echo "== FAILED: repeat with SECOR_CHAOS_SEED=$seed SECOR_CHAOS_SECONDS=$SECOR_CHAOS_SECONDS; log $log"
    exit 1
  fi
  # A passing run does not need its process logs and store.
  sed -n 's/^\[chaos\] work directory //p' "$log" | while read -r d; do rm -rf "$d"; done
done
echo "== soak passed: $runs run(s)"
