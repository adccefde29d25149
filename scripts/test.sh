#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run), on a fresh Debian machine:
# installs packages, builds twice (optimized, and with AddressSanitizer +
# UndefinedBehaviorSanitizer), builds the fuzz targets with clang, starts a
# throwaway Ceph RGW, and runs every test: unit tests under the sanitizers,
# integration tests on real processes (test broker, filesystem, Ceph RGW,
# awscli, DuckDB), the model check of the round protocol, and short fuzz runs.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only tests with that ctest label (passed to ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

scripts/setup.sh
[ -x tests/node/install.sh ] && tests/node/install.sh

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; exit 1; }
}

echo "== build (optimized)"
configure build
ninja -C build -j"$jobs"
echo "== build (address + undefined sanitizers)"
configure build-asan -DSECOR_SANITIZE=ON -DSECOR_WERROR=OFF  # warnings gate the optimized build
ninja -C build-asan -j"$jobs"
echo "== build (fuzz targets, clang)"
CC=clang CXX=clang++ configure build-fuzz -DSECOR_FUZZ=ON -DSECOR_WERROR=OFF
ninja -C build-fuzz -j"$jobs" secor_fuzz_all

# One Ceph RGW for the whole run; the S3 tests read SECOR_TEST_S3_* from it.
ceph_dir=$(mktemp -d /tmp/secor-ceph-XXXXXX)
cleanup() { scripts/ceph.sh stop "$ceph_dir" >/dev/null 2>&1 || true; rm -rf "$ceph_dir"; }
trap cleanup EXIT
echo "== start Ceph RGW"
scripts/ceph.sh start "$ceph_dir"
# shellcheck disable=SC1091
source "$ceph_dir/env"
export SECOR_TEST_CEPH_DIR="$ceph_dir"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
echo "== unit tests (sanitizers)"
ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs" "$@" || status=1
echo "== fuzz (short runs)"
ctest --test-dir build-fuzz -L fuzz --output-on-failure "$@" || status=1
echo "== integration tests and model check"
ctest --test-dir build -LE unit --output-on-failure --timeout 900 "$@" || status=1
exit $status
