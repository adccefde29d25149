#!/usr/bin/env bash
# The consumer against the broker's own delivery rate, in one run: starts the
# test broker, produces fixed data sets, measures kcat reading them to
# /dev/null (the ceiling), then `secor consume` with several formats, codecs
# and parsers on the local store and on Ceph RGW, the memory of 1,000 open
# output files, and the S3 store's upload rate against `aws s3 cp`. Writes a
# markdown report with ratios to the ceiling to docs/performance.md (or
# $BENCH_OUT).
#
#   bench/run.sh [MESSAGES] [PARTITIONS]   default 2000000 200-byte messages over 128
#   BENCH_S3=0 bench/run.sh                local store only
#
# The S3 runs use the gateway named by SECOR_TEST_S3_* (scripts/ceph.sh env),
# or start a throwaway one with scripts/ceph.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
messages=${1:-2000000}
partitions=${2:-128}
json_messages=$((messages / 4))
wide_messages=$((messages / 8))
out_doc=${BENCH_OUT:-$root/docs/performance.md}
with_s3=${BENCH_S3:-1}
# Staging and the local store live in memory (BENCH_DIR to change it): the
# virtual disks of these machines throttle writes unpredictably, and the
# question here is the consumer's own cost against kcat's, which writes
# nothing. (kcat's output goes to /dev/null; secor's files go to tmpfs.)
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/secor-bench-XXXXXX")
ceph_dir=""
cleanup() {
  kill "$broker_pid" 2>/dev/null || true
  [ -n "$ceph_dir" ] && scripts/ceph.sh stop "$ceph_dir" >/dev/null 2>&1
  rm -rf "$work" "$ceph_dir"
}
trap cleanup EXIT

[ -x build/secor ] && [ -x build/bench/s3_upload ] ||
  { cmake -S . -B build -G Ninja >/dev/null && ninja -C build secor secor-testbroker s3_upload; }

if [ "$with_s3" = 1 ] && [ -z "${SECOR_TEST_S3_ENDPOINT:-}" ]; then
  ceph_dir=$(mktemp -d /tmp/secor-bench-ceph-XXXXXX)
  scripts/ceph.sh start "$ceph_dir" >/dev/null
  # shellcheck disable=SC1091
  source "$ceph_dir/env"
fi
export AWS_ACCESS_KEY_ID=${SECOR_TEST_S3_ACCESS_KEY:-} AWS_SECRET_ACCESS_KEY=${SECOR_TEST_S3_SECRET_KEY:-}
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
aws_s3() { aws --endpoint-url "$SECOR_TEST_S3_ENDPOINT" s3 "$@"; }
s3_settings=(--set aws.endpoint="${SECOR_TEST_S3_ENDPOINT:-}" --set aws.access.key="${SECOR_TEST_S3_ACCESS_KEY:-}"
  --set aws.secret.key="${SECOR_TEST_S3_SECRET_KEY:-}" --set aws.client.pathstyleaccess=true
  --set aws.region=us-east-1)

build/secor-testbroker bench:"$partitions" events:"$partitions" wide:"$partitions" \
  >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")
echo "broker $bs"
echo "producing $messages messages of 200 bytes over $partitions partitions"
build/secor produce -b "$bs" -t bench -m "$messages" --type binary --size 200 -p 2 >/dev/null
echo "producing $json_messages JSON events of about 1 KB over three days"
build/secor produce -b "$bs" -t events -m "$json_messages" --type json --size 1000 -p 2 \
  --start-time 1772841600 --time-spread 259200 >/dev/null
echo "producing $wide_messages JSON events of about 200 bytes over eight hours"
build/secor produce -b "$bs" -t wide -m "$wide_messages" --type json --size 200 -p 2 \
  --start-time 1772841600 --time-spread 28800 >/dev/null

# "wall cpu rss_kb" of a command, from GNU time.
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/last.err" || {
    tail -20 "$work/last.err" >&2
    return 1
  }
  local wall user sys rss
  read -r wall user sys rss <"$work/time"
  echo "$wall $(echo "$user + $sys" | bc) $rss"
}

# The ceiling of a topic: kcat to /dev/null, the fastest of three warm reads
# (after one to warm up). kcat's time for the same data moves by up to 2x
# between reads on these machines; a slow read would flatter every ratio.
declare -A ceiling_wall ceiling_cpu ceiling_rss
for topic in bench events wide; do
  measure kcat -C -b "$bs" -t $topic -o beginning -e -q >/dev/null
  for _ in 1 2 3; do
    read -r wall cpu rss < <(measure kcat -C -b "$bs" -t $topic -o beginning -e -q)
    if [ -z "${ceiling_wall[$topic]:-}" ] || [ "$(echo "$wall < ${ceiling_wall[$topic]}" | bc)" = 1 ]; then
      ceiling_wall[$topic]=$wall ceiling_cpu[$topic]=$cpu ceiling_rss[$topic]=$rss
    fi
  done
  echo "kcat $topic: ${ceiling_wall[$topic]} s (fastest of three)"
done

rows=()
bucket=""
last_rate=0
# run_secor LABEL STORE TOPIC MESSAGES BYTES [--set ...]: STORE is local or s3.
run_secor() {
  local label=$1 store=$2 topic=$3 n=$4 bytes=$5
  shift 5
  local group="bench-$RANDOM$RANDOM" output=("--set" "secor.output.uri=$work/store")
  rm -rf "$work/store" "$work/staging"
  if [ "$store" = s3 ]; then
    bucket="secor-bench-$RANDOM$RANDOM"
    aws_s3 mb "s3://$bucket" >/dev/null
    output=("--set" "secor.output.uri=s3://$bucket/out" "${s3_settings[@]}")
  fi
  # The consumer stops after the last message and uploads what it holds.
  local wall cpu rss
  read -r wall cpu rss < <(measure build/secor consume --log-level info --max-messages "$n" \
    --set kafka.bootstrap.servers="$bs" --set secor.kafka.group="$group" \
    --set secor.kafka.topic_filter="$topic" --set secor.local.path="$work/staging" "${output[@]}" \
    --set secor.message.parser.class=OffsetMessageParser --set secor.messages.per.second=0 \
    --set secor.max.file.age.seconds=3600 --set secor.max.file.size.bytes=1000000000 \
    --set secor.upload.on.shutdown=true --set kafka.new.consumer.session.timeout.ms=6000 \
    --set kafka.new.consumer.heartbeat.interval.ms=500 "$@")
  # From the first message to the last, as the consumer reports it, plus
  # the final upload (from the last message to the exit).
  local busy
  busy=$(sed -n 's/.*consumed [0-9]* messages in \([0-9.]*\) s from the first.*/\1/p' "$work/last.err")
  local files
  if [ "$store" = s3 ]; then
    files=$(aws_s3 ls --recursive "s3://$bucket/out/$topic/" | wc -l)
    aws_s3 rb --force "s3://$bucket" >/dev/null
  else
    files=$(find "$work/store/$topic" -type f | wc -l)
  fi
  local rate mbs ratio cpu_gb
  rate=$(echo "$n / $busy" | bc)
  mbs=$(echo "scale=1; $bytes / $busy / 1000000" | bc)
  ratio=$(echo "scale=2; ${ceiling_wall[$topic]:-0} / $busy" | bc)
  cpu_gb=$(echo "scale=1; $cpu * 1000000000 / $bytes" | bc)
  rows+=("| $label | $store | $rate | $mbs | ${ratio/#./0.} | $cpu_gb | $((rss / 1024)) | $files |")
  last_rate=$rate
  echo "$label ($store): ${busy}s from first to last message, ratio $ratio, peak RSS $((rss / 1024)) MB, $files files"
}

bytes=$((messages * 200))
json_bytes=$((json_messages * 1000))
json_parser=(--set secor.message.parser.class=JsonMessageParser --set partitioner.granularity.hour=true)
stores=(local)
[ "$with_s3" = 1 ] && stores+=(s3)
for store in "${stores[@]}"; do
  run_secor "backup, SequenceFile" "$store" bench "$messages" "$bytes"
  run_secor "backup, SequenceFile zstd" "$store" bench "$messages" "$bytes" --set secor.compression.codec=zstd
  if [ "$store" = local ]; then
    run_secor "backup, SequenceFile gzip" local bench "$messages" "$bytes" --set secor.compression.codec=gzip
    run_secor "backup, delimited text" local bench "$messages" "$bytes" --set secor.file.reader.writer.factory=text
    run_secor "backup, delimited text zstd" local bench "$messages" "$bytes" --set secor.file.reader.writer.factory=text \
      --set secor.compression.codec=zstd
    run_secor "backup, SequenceFile zstd, compression on the consuming thread" local bench "$messages" "$bytes" \
      --set secor.compression.codec=zstd --set secor.compression.threads=0
    run_secor "JSON 1 KB: backup, SequenceFile" local events "$json_messages" "$json_bytes"
    backup_json_rate=$last_rate
    run_secor "JSON 1 KB: backup, SequenceFile zstd" local events "$json_messages" "$json_bytes" \
      --set secor.compression.codec=zstd
  fi
  run_secor "JSON 1 KB: partition group (hourly), SequenceFile" "$store" events "$json_messages" "$json_bytes" "${json_parser[@]}"
  [ "$store" = local ] && partition_json_rate=$last_rate
  run_secor "JSON 1 KB: partition group (hourly), Parquet zstd" "$store" events "$json_messages" "$json_bytes" \
    "${json_parser[@]}" --set secor.file.reader.writer.factory=parquet --set secor.compression.codec=zstd
done

# About 1,000 files open at once: 8 hours of events on each of 128 partitions,
# hourly partitions, nothing uploaded before the end.
wide_bytes=$((wide_messages * 200))
mem_rows=()
for format in sequencefile parquet; do
  run_secor "wide $format" local wide "$wide_messages" "$wide_bytes" "${json_parser[@]}" \
    --set secor.file.reader.writer.factory=$format
  mem_rows+=("${rows[-1]}")
  unset 'rows[-1]'
done

# The S3 store's upload rate against awscli on the same files: the local
# store's output of the backup group (SequenceFile, 128 files).
upload_line=""
if [ "$with_s3" = 1 ]; then
  rm -rf "$work/store" "$work/staging"
  build/secor consume --log-level warn --max-messages "$messages" \
    --set kafka.bootstrap.servers="$bs" --set secor.kafka.group="bench-files" \
    --set secor.kafka.topic_filter=bench --set secor.local.path="$work/staging" \
    --set secor.output.uri="$work/store" --set secor.message.parser.class=OffsetMessageParser \
    --set secor.messages.per.second=0 --set secor.max.file.age.seconds=3600 \
    --set secor.max.file.size.bytes=1000000000 --set secor.upload.on.shutdown=true \
    --set kafka.new.consumer.session.timeout.ms=6000 2>/dev/null
  rm -rf "$work/store/_secor_rounds"
  aws_s3 mb s3://secor-bench-upload >/dev/null
  up_secor=$(build/bench/s3_upload "$work/store" s3://secor-bench-upload/secor 4 \
    aws.endpoint="$SECOR_TEST_S3_ENDPOINT" aws.access.key="$SECOR_TEST_S3_ACCESS_KEY" \
    aws.secret.key="$SECOR_TEST_S3_SECRET_KEY" aws.client.pathstyleaccess=true aws.region=us-east-1)
  aws_s3 rb --force s3://secor-bench-upload >/dev/null
  aws_s3 mb s3://secor-bench-upload >/dev/null
  /usr/bin/time -f "%e" -o "$work/time" aws --endpoint-url "$SECOR_TEST_S3_ENDPOINT" s3 cp \
    --recursive --quiet "$work/store" s3://secor-bench-upload/awscli
  aws_s3 rb --force s3://secor-bench-upload >/dev/null
  up_bytes=$(du -sb "$work/store" | cut -f1)
  up_files=$(find "$work/store" -type f | wc -l)
  aws_secs=$(cat "$work/time")
  secor_mbs=$(echo "$up_secor" | sed -n 's/.*MB\/s=\([0-9.]*\).*/\1/p')
  aws_mbs=$(echo "scale=1; $up_bytes / $aws_secs / 1000000" | bc)
  upload_line="Upload of the same $up_files files ($((up_bytes / 1000000)) MB): the S3 store with 4 threads \
$secor_mbs MB/s, \`aws s3 cp --recursive\` $aws_mbs MB/s: ratio $(echo "scale=2; $secor_mbs / $aws_mbs" | bc)."
  echo "$upload_line"
fi

{
  echo "# Performance"
  echo
  echo "Produced by \`bench/run.sh $messages $partitions\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "against the test broker (librdkafka's mock cluster) and, for \`s3\`, a single-node"
  echo "Ceph RGW (memstore) on the same machine; staging and the local store are on tmpfs"
  echo "(\`BENCH_DIR\`, default /dev/shm). The ceiling is kcat reading the same topic to"
  echo "/dev/null in the same run (the fastest of three warm reads, start-up included). secor's rate runs"
  echo "from its first message to its last, as it logs them (the group's first join, about 3 s"
  echo "on the test broker, is left out); CPU seconds and peak resident memory cover the whole"
  echo "process, start-up and the final upload included. Files: objects written to the topic."
  echo "Absolute figures on these shared machines are noisy; the ratios are the result."
  echo
  echo "Data: \`bench\`, $messages binary messages of 200 bytes; \`events\`, $json_messages JSON"
  echo "events of about 1 KB spread over three days; each over $partitions partitions."
  echo
  echo "| run | store | messages/s | MB/s | ratio to kcat | CPU s per GB | peak RSS MB | files |"
  echo "|---|---|---|---|---|---|---|---|"
  for topic in bench events; do
    local_bytes=$bytes; local_n=$messages
    [ $topic = events ] && local_bytes=$json_bytes && local_n=$json_messages
    echo "| kcat -C $topic to /dev/null (ceiling) | - | $(echo "$local_n / ${ceiling_wall[$topic]}" | bc) | $(echo "scale=1; $local_bytes / ${ceiling_wall[$topic]} / 1000000" | bc) | 1.00 | $(echo "scale=1; ${ceiling_cpu[$topic]} * 1000000000 / $local_bytes" | bc) | $((ceiling_rss[$topic] / 1024)) | - |"
  done
  printf '%s\n' "${rows[@]}"
  echo
  echo "JSON partition group (SequenceFile) against the backup group on the same JSON data:"
  echo "$(echo "scale=2; $partition_json_rate / $backup_json_rate" | bc | sed 's/^\./0./') of its rate."
  echo
  echo "## Memory with about 1,000 open files"
  echo
  echo "\`wide\`: $wide_messages JSON events of about 200 bytes over eight hours on $partitions"
  echo "partitions, hourly output partitions: every source partition holds eight files open"
  echo "until the end (upload on shutdown), so the files column is the number open at once."
  echo
  echo "| run | store | messages/s | MB/s | ratio to kcat | CPU s per GB | peak RSS MB | files |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${mem_rows[@]}"
  if [ -n "$upload_line" ]; then
    echo
    echo "## Upload"
    echo
    echo "$upload_line"
  fi
  echo
  echo "Reproduce: \`scripts/setup.sh && cmake -S . -B build -G Ninja && ninja -C build && bench/run.sh $messages $partitions\`."
} >"$out_doc.tmp"
echo "wrote $out_doc (tables; the notes below them are kept)"
# The hand-written analysis after the marker line survives a new run.
if [ -f "$out_doc" ] && grep -q '^<!-- analysis -->' "$out_doc"; then
  sed -n '/^<!-- analysis -->/,$p' "$out_doc" >>"$out_doc.tmp"
fi
mv "$out_doc.tmp" "$out_doc"
