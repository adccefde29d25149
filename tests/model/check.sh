#!/usr/bin/env bash
# Checks the round protocol model (model/round_protocol.pml) with spin:
# the protocol must hold (no assertion violated in an exhaustive search), and
# every mutant, a copy of the protocol with one safeguard removed, must be
# caught with the assertion that names what it breaks. Exit 0 only when every
# expectation is met.
#
#   tests/model/check.sh          the standard check (2-3 minutes, 1 core)
#   tests/model/check.sh --deep   adds the larger sizes (about 5 minutes more)
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
model="${ROUND_MODEL:-$here/../../model/round_protocol.pml}"
deep=0
[ "${1:-}" = "--deep" ] && deep=1

for tool in spin gcc; do
  if ! command -v "$tool" >/dev/null; then
    echo "check.sh: $tool not found (Debian package $tool)" >&2
    exit 2
  fi
done
if [ ! -f "$model" ]; then
  echo "check.sh: model not found: $model" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
summary=()

# run NAME EXPECT WANT DEFINES...
#   EXPECT pass: exhaustive search, errors: 0.
#   EXPECT fail: errors > 0 and the first violated assertion matches WANT.
run() {
  local name="$1" expect="$2" want="$3"
  shift 3
  local dir="$work/$name"
  mkdir -p "$dir"
  cp "$model" "$dir/model.pml"
  local start=$SECONDS
  if ! (cd "$dir" && spin "$@" -a model.pml >spin.out 2>&1); then
    echo "[$name] spin failed:"; cat "$dir/spin.out"
    failures=$((failures + 1)); summary+=("FAIL  $name: spin failed"); return
  fi
  # A mutant's counterexample is found in a few thousand states: compile it
  # fast and give it a small hash table. -w: pan.c trips a false stringop
  # warning in its undo code.
  local opt=-O2 hash=-w25
  [ "$expect" = fail ] && opt=-O0 hash=-w20
  if ! (cd "$dir" && gcc $opt -w -DSAFETY -DCOLLAPSE -DMEMLIM=3500 -o pan pan.c 2>gcc.out); then
    echo "[$name] gcc failed:"; cat "$dir/gcc.out"
    failures=$((failures + 1)); summary+=("FAIL  $name: gcc failed"); return
  fi
  (cd "$dir" && ./pan -m100000 $hash >pan.out 2>&1)
  local out="$dir/pan.out"
  local errors states violated secs
  errors="$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)"
  states="$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$out" | head -1)"
  violated="$(sed -n 's/^pan:1: assertion violated \(.*\) (at depth.*/\1/p' "$out" | head -1)"
  secs=$((SECONDS - start))
  local line verdict=ok
  if [ -z "$errors" ]; then
    verdict=bad; line="no result"
  elif [ "$expect" = pass ]; then
    line="errors: $errors, $states states, ${secs}s"
    if [ "$errors" != 0 ] || grep -q -e "Search not completed" -e "max search depth too small" \
        -e "out of memory" "$out"; then
      verdict=bad
      [ -n "$violated" ] && line="$line, violated: $violated"
    fi
  else
    line="errors: $errors, violated: ${violated:-<not an assertion>}, ${secs}s"
    if [ "$errors" = 0 ] || ! printf '%s' "$violated" | grep -Eq -- "$want"; then
      verdict=bad
      line="$line (wanted $want)"
    fi
  fi
  if [ "$verdict" = ok ]; then
    summary+=("ok    $name ($expect): $line")
  else
    summary+=("FAIL  $name ($expect): $line")
    failures=$((failures + 1))
    echo "[$name] pan output:"; sed -n '1,40p' "$out"
  fi
  echo "[$name] $expect: $line"
}

dup_or_loss='^(copies_ok|offset_below_C_stored)$'

# The protocol, with the store's marker retention rule active.
run protocol_n4 pass "" -DLIFECYCLE -DN=4 -DMAXREB=2 -DMAXCRASH=1
run protocol_reb3 pass "" -DLIFECYCLE -DN=3 -DMAXREB=3 -DMAXCRASH=1
# A changed parser is caught by the replay check (the writer stops).
run parser_change_caught pass "" -DLIFECYCLE -DMUTANT_PARSER_CHANGE
# Without an age rule on markers, a stale commit only moves C back: replay
# makes that harmless. Fencing matters once markers expire (see below).
run no_fencing_markers_forever pass "" -DMUTANT_NO_FENCING -DOUTCOME_ONLY
# Not vacuous: some run commits the whole log.
run reaches_end fail '^\(\(E\+1\)<3\)$' -DLIFECYCLE -DREACH_END

# Mutants: an actual duplicate or loss (only those two assertions enabled)...
run a_writer_keys fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_WRITER_KEYS
run b_no_marker fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_NO_MARKER
run c_no_fencing fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_NO_FENCING
run d_no_root fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_NO_ROOT
run e_delete_markers fail "$dup_or_loss" -DOUTCOME_ONLY -DMUTANT_DELETE_MARKERS
run f_list_only_check fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_PARSER_CHANGE -DLIST_ONLY
run g_skip_unchecked fail "$dup_or_loss" -DLIFECYCLE -DOUTCOME_ONLY -DMUTANT_SKIP_UNCHECKED
# ...and the earlier property each one breaks first, all assertions on.
run a_writer_keys_first fail '^copies_ok$' -DLIFECYCLE -DMUTANT_WRITER_KEYS
run b_no_marker_first fail '^existing_file_same_content$' -DLIFECYCLE -DMUTANT_NO_MARKER
run c_no_fencing_first fail '^\(\(C==255\)\|\|\(\(E\+1\)>=C\)\)$' -DMUTANT_NO_FENCING
run d_no_root_first fail '^marker_extends_chain$' -DLIFECYCLE -DMUTANT_NO_ROOT
run e_delete_markers_first fail '^marker_extends_chain$' -DMUTANT_DELETE_MARKERS
run f_list_only_check_first fail '^existing_file_same_content$' -DLIFECYCLE -DMUTANT_PARSER_CHANGE -DLIST_ONLY

if [ "$deep" = 1 ]; then
  run protocol_n4_reb3 pass "" -DLIFECYCLE -DN=4 -DMAXREB=3 -DMAXCRASH=1
  run protocol_crash2 pass "" -DLIFECYCLE -DN=3 -DMAXREB=3 -DMAXCRASH=2
fi

echo
echo "round protocol model: summary"
for s in "${summary[@]}"; do echo "  $s"; done
if [ "$failures" -ne 0 ]; then
  echo "FAILED: $failures expectation(s) not met"
  exit 1
fi
echo "PASSED: the protocol holds and every mutant is caught"
