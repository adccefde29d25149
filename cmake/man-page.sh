#!/bin/sh
# Writes the man page secor.1 from the binary's own help texts (help2man), with
# a section for each subcommand, so that it says what the binary says.
#   cmake/man-page.sh BIN_DIR OUT
set -eu
PATH="$1:$PATH"  # run as "secor", so that usage lines name no build path
out=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[SUBCOMMANDS]"
  for sub in $(secor --help | awk '/^Subcommands:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF { print $1 }'); do
    echo ".SS $sub"
    echo ".nf"
    secor "$sub" --help | sed -e 's/\\/\\e/g' -e 's/^[.'"'"']/\\\&&/'
    echo ".fi"
  done
  echo "[FILES]"
  echo "/etc/secor/*.properties: configurations, one per consumer group; examples in /etc/secor/examples."
  echo "[SEE ALSO]"
  echo "The configuration reference, operations guide and design: /usr/share/doc/secor."
} >"$include"
help2man --no-info --name="persist Kafka topics to S3 or a filesystem, exactly once" \
  --include="$include" --output="$out" secor
