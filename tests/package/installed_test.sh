#!/usr/bin/env bash
# The Debian package as a user gets it: scripts/test.sh builds it with CPack
# and installs it (apt-get install ./secor_*.deb) before this test runs. Checks
# what the package promises: the binary on PATH, the man page, bash
# completion, the systemd unit (systemd-analyze verify), the example
# configurations, the docs and the service user.
set -uo pipefail
failures=0
check() {  # description, command...
  local what=$1
  shift
  if out=$("$@" 2>&1); then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    printf '%s\n' "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
equals() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }

if ! dpkg-query -W -f='${Status}' secor 2>/dev/null | grep -q "install ok installed"; then
  echo "FAILED: the secor package is not installed (scripts/test.sh builds and installs it)"
  exit 1
fi

check "secor on PATH is the packaged binary" equals "$(command -v secor)" /usr/bin/secor
check "secor --version" equals "$(secor --version)" "secor 0.1.0"
man_sections=$(zcat /usr/share/man/man1/secor.1.gz | sed -n 's/^\.SS //p')
for sub in $(secor --help | awk '/^Subcommands:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF { print $1 }'); do
  check "the man page has a section for secor $sub" grep -qx "$sub" <<<"$man_sections"
done
check "man finds the page" bash -c 'command -v man >/dev/null || exit 0; man -w secor | grep -q /usr/share/man/man1/secor.1'
check "bash completes subcommands" equals "$(bash -c 'source /usr/share/bash-completion/completions/secor
  COMP_WORDS=(secor con); COMP_CWORD=1; _secor; echo "${COMPREPLY[*]}"')" consume
check "bash completes a subcommand's options" equals "$(bash -c 'source /usr/share/bash-completion/completions/secor
  COMP_WORDS=(secor print --off); COMP_CWORD=2; _secor; echo "${COMPREPLY[*]}"')" --offsets-only
unit=/lib/systemd/system/secor-consume@.service
check "the unit runs the installed binary" grep -q "exec /usr/bin/secor consume --config \"/etc/secor/" "$unit"
check "the unit's stop timeout exceeds secor.shutdown.timeout.seconds" bash -c "
  stop=\$(sed -n 's/^TimeoutStopSec=//p' $unit)
  bound=\$(secor keys | sed -n 's/^secor.shutdown.timeout.seconds=//p')
  [ -n \"\$bound\" ] && [ \"\$stop\" -gt \"\$bound\" ] || { echo \"TimeoutStopSec=\$stop, bound \$bound\"; exit 1; }"
check "systemd-analyze verify the unit" bash -c "
  out=\$(systemd-analyze verify secor-consume@backup-1.service 2>&1); rc=\$?
  echo \"\$out\"; [ \$rc -eq 0 ] && ! grep -q secor-consume <<<\"\$out\""
for f in backup.properties partition.properties; do
  check "example /etc/secor/examples/$f" test -s /etc/secor/examples/$f
done
check "docs in /usr/share/doc/secor" test -s /usr/share/doc/secor/operations.md
check "the service user exists" getent passwd secor

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
