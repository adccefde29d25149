#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run), on a fresh Debian machine:
# installs packages, checks formatting, builds twice (optimized with g++ and
# -Werror; clang with AddressSanitizer + UndefinedBehaviorSanitizer, which
# also builds the libFuzzer targets; clang with ThreadSanitizer for the unit
# tests and secor), starts a throwaway Ceph RGW, and runs every test: unit
# tests under the sanitizers, short fuzz runs, integration tests on real
# processes (Apache Kafka, filesystem, Ceph RGW; the mock
# cluster only where a test injects request-level faults; results read back
# with kcat, Kafka's own tools, awscli, DuckDB), and the model check of the
# round protocol, and end-to-end runs of the sanitizer builds' secor (a chaos
# variant and the backup-group tests under ASan, a consumer with all its
# threads under TSan). SECOR_TEST_KAFKA_VERSION_WANTED=4.4.0 runs it on another
# Kafka version.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only tests with that ctest label (passed to ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

scripts/setup.sh
[ -x tests/node/install.sh ] && tests/node/install.sh

# Independent readers of tests/integration/java_readers_test.cc, cached
# outside the repository (offline after the first run): Hadoop's
# SequenceFile.Reader, parquet-mr and Avro (tests/java), and pyarrow.
SECOR_TEST_JAVA_READERS_CP=$(tests/java/build.sh)
SECOR_TEST_PYARROW_PYTHON=$(tests/python/install.sh)
export SECOR_TEST_JAVA_READERS_CP SECOR_TEST_PYARROW_PYTHON

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; exit 1; }
}

echo "== format (clang-format, .clang-format)"
scripts/lint.sh

SECONDS=0
echo "== build (optimized, g++ -Werror)"
configure build -DCMAKE_INSTALL_PREFIX=/usr
ninja -C build -j"$jobs"
echo "   ${SECONDS}s"
echo "== Debian package (CPack), installed as a user would"
(cd build && cpack -G DEB >cpack.log 2>&1) || { cat build/cpack.log; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --reinstall "$root"/build/secor_*.deb >/dev/null
echo "   ${SECONDS}s"
echo "== build (clang, address + undefined sanitizers, fuzz targets)"
# One clang build serves the unit tests and the fuzzers: the libraries carry
# the sanitizers and the fuzzer's coverage instrumentation alike.
# The sanitizer builds carry line tables only (file and line in every report)
# instead of full debug info: a third less compile time on 2 cores.
san_flags=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG"
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG")
CC=clang CXX=clang++ configure build-asan -DSECOR_SANITIZE=ON -DSECOR_FUZZ=ON -DSECOR_WERROR=OFF \
  "${san_flags[@]}"
ninja -C build-asan -j"$jobs" secor_unit_tests secor_fuzz_all
echo "   ${SECONDS}s"
echo "== build (clang, thread sanitizer: secor and the threaded domains' unit tests)"
CC=clang CXX=clang++ configure build-tsan -DSECOR_TSAN=ON -DSECOR_WERROR=OFF "${san_flags[@]}"
ninja -C build-tsan -j"$jobs" secor_tsan_tests
echo "   ${SECONDS}s"

# One Ceph RGW and one Apache Kafka for the whole run; the S3 tests read
# SECOR_TEST_S3_* and the Kafka tests SECOR_TEST_KAFKA_* from their env files.
ceph_dir=$(mktemp -d /tmp/secor-ceph-XXXXXX)
kafka_dir=$(mktemp -d /tmp/secor-kafka-XXXXXX)
cleanup() {
  scripts/ceph.sh stop "$ceph_dir" >/dev/null 2>&1 || true
  scripts/kafka.sh stop "$kafka_dir" >/dev/null 2>&1 || true
  rm -rf "$ceph_dir" "$kafka_dir"
}
trap cleanup EXIT
echo "== start Ceph RGW"
scripts/ceph.sh start "$ceph_dir"
# shellcheck disable=SC1091
source "$ceph_dir/env"
export SECOR_TEST_CEPH_DIR="$ceph_dir"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
tsan_options="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"
status=0
echo "== unit tests (sanitizers)"
ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs" "$@" || status=1
echo "== unit tests (thread sanitizer)"
# (The unit tests not built there show as <target>_NOT_BUILT.)
TSAN_OPTIONS=$tsan_options ctest --test-dir build-tsan -L unit -E '_NOT_BUILT$' --output-on-failure \
  -j"$jobs" "$@" || status=1
echo "== fuzz (short runs)"
ctest --test-dir build-asan -L fuzz --output-on-failure "$@" || status=1
echo "== start Apache Kafka (${SECOR_TEST_KAFKA_VERSION_WANTED:-the pinned version})"
scripts/kafka.sh start "$kafka_dir" ${SECOR_TEST_KAFKA_VERSION_WANTED:+--version "$SECOR_TEST_KAFKA_VERSION_WANTED"}
# shellcheck disable=SC1091
source "$kafka_dir/env"
echo "== integration tests and model check"
ctest --test-dir build -LE unit --output-on-failure --timeout 900 "$@" || status=1

# The same tests' programs, with the secor they run from a sanitizer build
# (SECOR_TEST_BINARY_DIR) on the same Kafka. Each sanitizer writes its
# reports to log_path.<pid>; a report that appears fails the test that ran
# the process (tests/integration/sanitizer_reports_test.cc), even when the
# process was one the test SIGKILLs and restarts anyway.
san_logs=$(mktemp -d /tmp/secor-sanitizer-logs-XXXXXX)
echo "== end to end under AddressSanitizer (build-asan/secor; reports in $san_logs)"
SECOR_TEST_BINARY_DIR=$root/build-asan SECOR_CHAOS_SECONDS=30 \
  ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$san_logs/asan \
  UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$san_logs/ubsan \
  ctest --test-dir build \
  -R '^(BackupGroupTest\.TwoConsumers|ChaosTest\.LocalStore|SanitizerReportsTest\.)' \
  --output-on-failure --timeout 900 "$@" || status=1
echo "== end to end under ThreadSanitizer (build-tsan/secor)"
SECOR_TEST_BINARY_DIR=$root/build-tsan TSAN_OPTIONS=$tsan_options:log_path=$san_logs/tsan \
  ctest --test-dir build -R '^ConsumerThreadsTest\.' --output-on-failure --timeout 900 "$@" ||
  status=1
exit $status
