#!/usr/bin/env bash
# Style gates that need no build: every C and C++ file the repository tracks
# must be clang-formatted with the checked-in .clang-format.
#   scripts/lint.sh          check (exit 1 and list the files when not)
#   scripts/lint.sh --fix    format them in place
#   scripts/lint.sh --tidy   also run clang-tidy (.clang-tidy) over src/,
#                            from build/compile_commands.json (slow: minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.c')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "not clang-formatted (scripts/lint.sh --fix): ${bad[*]}"
  exit 1
fi
echo "lint: ${#files[@]} files clang-formatted"
if [ "${1:-}" = "--tidy" ]; then
  [ -f build/compile_commands.json ] || { echo "lint: configure build/ first"; exit 1; }
  mapfile -t sources < <(git ls-files 'src/*.cc' | grep -v -E '_(test|fuzz|bench)\.cc$')
  clang-tidy -p build --quiet "${sources[@]}"
fi
