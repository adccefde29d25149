#!/bin/sh
# Installs the Node readers used by tests/integration/parquet_*_test.cc.
# Idempotent: npm skips what package.json already has in node_modules.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
if [ -d "$dir/node_modules/@duckdb/node-api" ] && [ -d "$dir/node_modules/hyparquet" ] &&
   [ -d "$dir/node_modules/avsc" ]; then
  exit 0
fi
npm install --no-audit --no-fund --prefix "$dir"
