#!/usr/bin/env bash
# The demo: installs what is needed, builds, starts the test broker with a few
# topics, produces JSON traffic, runs the backup group into ./demo-output for a
# short while, then shows what landed and what `secor verify` says of it.
#
#   scripts/demo.sh [SECONDS]        local directory ./demo-output/store (default 25 s)
#   scripts/demo.sh --s3 [SECONDS]   the same into a bucket of a throwaway Ceph RGW
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
s3=0
if [ "${1:-}" = "--s3" ]; then
  s3=1
  shift
fi
seconds=${1:-25}
out="$root/demo-output"

scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || cmake -S . -B build
ninja -C build secor secor-testbroker

rm -rf "$out"
mkdir -p "$out"
coproc BROKER { exec build/secor-testbroker clicks:4 views:4 orders:2 2>"$out/broker.log"; }
cleanup() {
  kill "$BROKER_PID" 2>/dev/null || true
  [ "$s3" = 1 ] && scripts/ceph.sh stop "$out/ceph" >/dev/null 2>&1
  return 0
}
trap cleanup EXIT
read -r bootstrap <&"${BROKER[0]}"
echo "test broker on $bootstrap (topics clicks, views, orders)"

store="$out/store"
store_settings=""
if [ "$s3" = 1 ]; then
  echo "starting a throwaway Ceph RGW in $out/ceph"
  scripts/ceph.sh start "$out/ceph" 2>"$out/ceph.log"
  # shellcheck disable=SC1091
  source "$out/ceph/env"
  export AWS_ACCESS_KEY_ID=$SECOR_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECOR_TEST_S3_SECRET_KEY
  export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  aws --endpoint-url "$SECOR_TEST_S3_ENDPOINT" s3 mb s3://demo >/dev/null
  store="s3://demo/secor"
  store_settings="aws.endpoint=$SECOR_TEST_S3_ENDPOINT
aws.access.key=$SECOR_TEST_S3_ACCESS_KEY
aws.secret.key=$SECOR_TEST_S3_SECRET_KEY
aws.client.pathstyleaccess=true
aws.region=us-east-1"
fi

cat >"$out/demo.properties" <<PROPS
# The backup group: every message, bucketed by offset, as SequenceFiles.
kafka.bootstrap.servers=$bootstrap
secor.kafka.group=secor_backup
secor.local.path=$out/staging
secor.output.uri=$store
$store_settings
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
echo "produced 60000 JSON messages; consuming for ${seconds}s into $store"
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
if [ "$s3" = 1 ]; then
  aws --endpoint-url "$SECOR_TEST_S3_ENDPOINT" s3 ls --recursive s3://demo/secor/ |
    awk '{print $4}' | sed 's|^secor/||' | grep -v '^_secor_rounds/' | sort
else
  (cd "$store" && find . -type f -not -path './_secor_rounds/*' | sort | sed 's|^\./||')
fi
echo
status=0
for t in clicks views orders; do
  expected=20000
  [ "$t" = clicks ] && expected=30000
  build/secor verify -c "$out/demo.properties" -t "$t" -m "$expected" || status=1
done
echo
first=clicks/offset=0/1_0_00000000000000000000
echo "first three messages of $store/$first:"
build/secor print -n 3 -c "$out/demo.properties" "$store/$first"
exit $status
