#!/usr/bin/env bash
# Regenerates the key table of docs/configuration.md from the key table in
# src/config/keys_*.cc (through `secor keys --markdown`), and the table of the
# Java Secor's keys in docs/compatibility.md from src/config/keys_java.cc
# (`secor keys --java-markdown`). Run after adding a key.
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

# compatibility.md: the table sits between the marker and an end marker.
doc=docs/compatibility.md
end='<!-- end of generated table -->'
{
  awk -v m="$marker" '{ print } $0 == m { exit }' "$doc"
  echo
  build/secor keys --java-markdown
  echo
  awk -v e="$end" 'found { print } $0 == e { found = 1; print }' "$doc"
} >"$doc.tmp"
mv "$doc.tmp" "$doc"
