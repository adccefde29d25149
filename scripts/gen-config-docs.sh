#!/usr/bin/env bash
# Regenerates the key table of docs/configuration.md from the key table in
# src/config/keys_*.cc (through `secor keys --markdown`). Run after adding a key.
set -euo pipefail
cd "$(dirname "$0")/.."
doc=docs/configuration.md
marker='<!-- generated: scripts/gen-config-docs.sh -->'
{
  awk -v m="$marker" '{ print } $0 == m { exit }' "$doc"
  echo
  build/secor keys --markdown
} >"$doc.tmp"
mv "$doc.tmp" "$doc"
