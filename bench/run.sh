#!/usr/bin/env bash
# The consumer against the broker's own delivery rate, in one run: starts the
# test broker, produces a fixed data set, measures kcat reading it to
# /dev/null (the ceiling), then `secor consume` (backup group) with several
# formats and codecs on the local store, and writes a markdown table with
# ratios to the ceiling to docs/performance.md (or $BENCH_OUT).
#
#   bench/run.sh [MESSAGES] [PARTITIONS]     default 2000000 200-byte messages over 128
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
messages=${1:-2000000}
partitions=${2:-128}
out_doc=${BENCH_OUT:-$root/docs/performance.md}
work=$(mktemp -d /tmp/secor-bench-XXXXXX)
trap 'kill $broker_pid 2>/dev/null || true; rm -rf "$work"' EXIT

[ -x build/secor ] || { cmake -S . -B build -G Ninja >/dev/null && ninja -C build secor secor-testbroker; }

build/secor-testbroker bench:"$partitions" events:"$partitions" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bs=$(head -1 "$work/broker.out")
echo "broker $bs; producing $messages messages of 200 bytes over $partitions partitions"
build/secor produce -b "$bs" -t bench -m "$messages" --type binary --size 200 -p 2 >/dev/null
bytes=$((messages * 200))

# seconds, CPU seconds and peak RSS (KB) of a command, via GNU time's format.
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/last.err" || {
    cat "$work/last.err" >&2
    return 1
  }
  read -r wall user sys rss <"$work/time"
  echo "$wall $(echo "$user + $sys" | bc) $rss"
}

echo "ceiling: kcat to /dev/null"
read -r k_wall k_cpu k_rss < <(measure kcat -C -b "$bs" -t bench -o beginning -e -q)
# A second read, warm, is the figure used (the first read after producing is slower).
read -r k_wall k_cpu k_rss < <(measure kcat -C -b "$bs" -t bench -o beginning -e -q)

rows=()
run_secor() {  # label, extra --set arguments...
  local label=$1
  shift
  local group="bench-$RANDOM$RANDOM"
  rm -rf "$work/store" "$work/staging"
  # The consumer stops after the last message and uploads what it holds.
  read -r wall cpu rss < <(measure build/secor consume --log-level info --max-messages "$messages" \
    --set kafka.bootstrap.servers="$bs" --set secor.kafka.group="$group" \
    --set secor.local.path="$work/staging" --set secor.output.uri="$work/store" \
    --set secor.message.parser.class=OffsetMessageParser --set secor.messages.per.second=0 \
    --set secor.max.file.age.seconds=3600 --set secor.max.file.size.bytes=1000000000 \
    --set secor.upload.on.shutdown=true --set kafka.new.consumer.session.timeout.ms=6000 \
    --set kafka.new.consumer.heartbeat.interval.ms=500 "$@")
  # From the first message to the last, as the consumer reports it.
  local busy
  busy=$(sed -n 's/.*consumed [0-9]* messages in \([0-9.]*\) s from the first.*/\1/p' "$work/last.err")
  local rate ratio mbs cpu_gb
  rate=$(echo "$messages / $busy" | bc)
  mbs=$(echo "scale=1; $bytes / $busy / 1000000" | bc)
  ratio=$(echo "scale=2; $k_wall / $busy" | bc)
  cpu_gb=$(echo "scale=1; $cpu * 1000000000 / $bytes" | bc)
  rows+=("| $label | $rate | $mbs | $ratio | $cpu_gb | $((rss / 1024)) |")
  last_rate=$rate
  echo "$label: ${busy}s, ratio $ratio"
}

run_secor "SequenceFile, uncompressed" --set secor.kafka.topic_filter=bench
run_secor "SequenceFile, gzip" --set secor.kafka.topic_filter=bench --set secor.compression.codec=gzip
run_secor "SequenceFile, zstd" --set secor.kafka.topic_filter=bench --set secor.compression.codec=zstd
run_secor "delimited text" --set secor.kafka.topic_filter=bench --set secor.file.reader.writer.factory=text

# The partition group on JSON events spread over three days, against the
# backup group on the same JSON data (secor-compat: dt=/hr= directories).
json_messages=$((messages / 4))
echo "producing $json_messages JSON events of about 1 KB over three days"
build/secor produce -b "$bs" -t events -m "$json_messages" --type json --size 1000 -p 2 \
  --start-time 1772841600 --time-spread 259200 >/dev/null
saved_messages=$messages
saved_bytes=$bytes
messages=$json_messages
bytes=$((json_messages * 1000))
read -r k_wall_json _ _ < <(measure kcat -C -b "$bs" -t events -o beginning -e -q)
read -r k_wall_json _ _ < <(measure kcat -C -b "$bs" -t events -o beginning -e -q)
saved_k_wall=$k_wall
k_wall=$k_wall_json
rows+=("| **JSON events, 1 KB** (kcat: $(echo "$messages / $k_wall" | bc) msg/s) | | | | | |")
run_secor "backup group, SequenceFile" --set secor.kafka.topic_filter=events
backup_json_rate=$last_rate
run_secor "partition group (JSON, hourly), SequenceFile" --set secor.kafka.topic_filter=events \
  --set secor.message.parser.class=JsonMessageParser --set partitioner.granularity.hour=true
partition_json_rate=$last_rate
run_secor "partition group (JSON, hourly), Parquet zstd" --set secor.kafka.topic_filter=events \
  --set secor.message.parser.class=JsonMessageParser --set partitioner.granularity.hour=true \
  --set secor.file.reader.writer.factory=parquet --set secor.compression.codec=zstd
messages=$saved_messages
bytes=$saved_bytes
k_wall=$saved_k_wall

k_rate=$(echo "$messages / $k_wall" | bc)
k_mbs=$(echo "scale=1; $bytes / $k_wall / 1000000" | bc)
{
  echo "# Performance"
  echo
  echo "Produced by \`bench/run.sh $messages $partitions\` on $(date -u +%Y-%m-%d) ($(nproc) cores)."
  echo "$messages messages of 200 bytes over $partitions partitions of the test broker, local store."
  echo "The ceiling is kcat reading the same data to /dev/null in the same run; secor's time"
  echo "runs from its first message to its last (the group's first join, about 3 s here, is left out);"
  echo "CPU and peak memory cover the whole process, start-up and final upload included."
  echo "Ratios above 1 mean faster than kcat. Absolute figures on these shared machines are noisy."
  echo
  echo "| run | messages/s | MB/s | ratio to kcat | CPU s per GB | peak RSS MB |"
  echo "|---|---|---|---|---|---|"
  echo "| kcat -C to /dev/null (ceiling) | $k_rate | $k_mbs | 1.00 | $(echo "scale=1; $k_cpu * 1000000000 / $bytes" | bc) | $((k_rss / 1024)) |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "JSON partition group (SequenceFile) against the backup group on the same JSON data:"
  echo "$(echo "scale=2; $partition_json_rate / $backup_json_rate" | bc) of its rate."
  echo
  echo "Reproduce: \`scripts/setup.sh && cmake -S . -B build -G Ninja && ninja -C build && bench/run.sh $saved_messages $partitions\`."
} >"$out_doc"
echo "wrote $out_doc"
