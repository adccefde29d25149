#!/usr/bin/env bash
# The demo: installs what is needed, builds, starts the test broker with a few
# topics, produces JSON traffic, runs the backup group into ./demo-output for a
# short while, then shows what landed and what `secor verify` says of it.
#
#   scripts/demo.sh [SECONDS]      (default 25)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-25}
out="$root/demo-output"

scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || cmake -S . -B build
ninja -C build secor secor-testbroker

rm -rf "$out"
mkdir -p "$out"
coproc BROKER { exec build/secor-testbroker clicks:4 views:4 orders:2 2>"$out/broker.log"; }
trap 'kill $BROKER_PID 2>/dev/null || true' EXIT
read -r bootstrap <&"${BROKER[0]}"
echo "test broker on $bootstrap (topics clicks, views, orders)"

cat >"$out/demo.properties" <<PROPS
# The backup group: every message, bucketed by offset, as SequenceFiles.
kafka.bootstrap.servers=$bootstrap
secor.kafka.group=secor_backup
secor.local.path=$out/staging
secor.output.uri=$out/store
secor.message.parser.class=com.pinterest.secor.parser.OffsetMessageParser
secor.file.reader.writer.factory=com.pinterest.secor.io.impl.SequenceFileReaderWriterFactory
secor.max.file.age.seconds=5
secor.messages.per.second=0
secor.upload.on.shutdown=true
kafka.new.consumer.session.timeout.ms=6000
kafka.new.consumer.heartbeat.interval.ms=500
PROPS

for t in clicks views orders; do
  build/secor produce -b "$bootstrap" -t "$t" -m 20000 --type json >/dev/null
done
echo "produced 60000 JSON messages; consuming for ${seconds}s into $out/store"
build/secor consume -c "$out/demo.properties" 2>"$out/consume.log" &
consumer=$!
# More traffic while it runs, as a live topic would have.
sleep 5
build/secor produce -b "$bootstrap" -t clicks -m 10000 --type json >/dev/null
sleep $((seconds > 5 ? seconds - 5 : 1))
kill -TERM $consumer
wait $consumer || { echo "consumer failed; see $out/consume.log"; tail -5 "$out/consume.log"; exit 1; }

echo
echo "== what landed (data files; round markers live under _secor_rounds)"
(cd "$out/store" && find . -type f -not -path './_secor_rounds/*' | sort | sed 's|^\./||')
echo
status=0
for t in clicks views orders; do
  expected=20000
  [ "$t" = clicks ] && expected=30000
  build/secor verify -c "$out/demo.properties" -t "$t" -m "$expected" || status=1
done
echo
echo "first three messages of one file:"
first=$(cd "$out/store" && find clicks -type f | sort | head -1)
build/secor print "$out/store/$first" | head -3
exit $status
