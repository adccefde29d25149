#!/usr/bin/env bash
# Installs pyarrow, the Parquet reader of tests/integration/java_readers_test.cc
# (tests/python/pyarrow_dump.py), into a virtual environment in a cache outside
# the repository, and prints the path of its python:
#
#   py=$(tests/python/install.sh) && "$py" tests/python/pyarrow_dump.py FILE...
#
# Idempotent: when the venv already has the pinned version nothing is fetched,
# so runs after the first are offline. The venv is
# ${XDG_CACHE_HOME:-$HOME/.cache}/secor/pyarrow-venv-VERSION.
set -euo pipefail
version=26.0.1  # pip index versions pyarrow: the newest PyPI served on 2026-12-06
venv=${SECOR_PYARROW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/secor/pyarrow-venv-$version}
py="$venv/bin/python"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9  # concurrent test runs install once

installed() {
  [ -x "$py" ] && "$py" -c "import sys, pyarrow; sys.exit(pyarrow.__version__ != '$version')" 2>/dev/null
}
if ! installed; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "pyarrow==$version" >&2
  installed || { echo "tests/python/install.sh: pyarrow $version did not import from $venv" >&2; exit 1; }
fi
echo "$py"
