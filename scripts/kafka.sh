#!/usr/bin/env bash
# A throwaway Apache Kafka cluster (KRaft, every node a combined broker and
# controller) on loopback, for the integration tests, the chaos test and the
# benchmarks. The broker's jars come from Maven Central once, into a cache;
# after that the script runs offline. Everything else lives in DIR: configs,
# data, logs, pid files, and DIR/env with the bootstrap list.
#
#   scripts/kafka.sh start DIR [--brokers N] [--version V]
#                                      start (or report the running one)
#   scripts/kafka.sh stop DIR          stop every node; fine when none runs
#   scripts/kafka.sh env DIR           print DIR/env (source it in a shell)
#   scripts/kafka.sh kill-node DIR ID  SIGKILL one node (a crash)
#   scripts/kafka.sh stop-node DIR ID  SIGTERM one node (controlled shutdown)
#   scripts/kafka.sh start-node DIR ID start one node again, same ports and data
#   scripts/kafka.sh tool DIR NAME ARGS...
#                                      one of Kafka's own command-line tools:
#                                      topics, consumer-groups, get-offsets,
#                                      consumer-perf, producer-perf,
#                                      console-consumer, reassign-partitions
#   scripts/kafka.sh jars V            fetch version V's jars; print their folder
#
# With N brokers, topics default to replication factor N and
# min.insync.replicas N-1. Settings favour fast tests: no initial rebalance
# delay, short session timeouts allowed, small internal topics.
#
# Each node also has a SASL_SSL listener (SCRAM-SHA-512 and PLAIN) with a
# certificate of a private CA made with openssl at start; DIR/env names its
# bootstrap list, the CA file, a CA the broker does not use, and one user of
# each mechanism with its password (distinctive strings, so that tests can
# look for them in output). Inter-broker and controller traffic stays
# PLAINTEXT.
set -euo pipefail

DEFAULT_VERSION="3.9.2"
HEAP="${SECOR_KAFKA_HEAP:-512m}"
TIMEOUT_S="${SECOR_KAFKA_TIMEOUT_S:-120}"
CACHE="${SECOR_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/secor/kafka}"
HERE="$(cd "$(dirname "$0")" && pwd)"

usage() {
  sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "kafka.sh: $*" >&2; }
die() {
  log "$*"
  [ -n "${D:-}" ] && log "logs are in $D/log"
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Fetches the broker and tools of version $1 with Maven into the cache (once)
# and prints the folder that holds every jar.
jars() {
  local version="$1" dir="$CACHE/$1"
  if [ -f "$dir/.complete" ]; then
    echo "$dir"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (Debian: maven)"
  local pom
  pom="$(mktemp -d)"
  # kafka_2.13 is the broker; kafka-tools holds the consumer-group, offsets
  # and performance tools (some are in kafka_2.13 itself in the 3.x line).
  cat >"$pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>secor.test</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
EOF
  log "fetching Apache Kafka $version with Maven into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  if ! (cd "$pom" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$dir" >"$pom/mvn.log" 2>&1); then
    cat "$pom/mvn.log" >&2
    rm -rf "$pom" "$dir"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$version"
  fi
  # The 4.x line leaves slf4j's binding to log4j2 out of its published
  # dependencies (its distribution adds it): without it the broker logs
  # nothing. Fetch the binding of the log4j version it brings.
  local core
  core="$(cd "$dir" && ls log4j-core-*.jar 2>/dev/null | head -1)"
  if [ -n "$core" ] && ! ls "$dir" | grep -q -e 'slf4j-reload4j' -e 'log4j-slf4j'; then
    local log4j_version="${core#log4j-core-}"
    log4j_version="${log4j_version%.jar}"
    if ! (cd "$pom" && mvn -q -B dependency:copy -DoutputDirectory="$dir" \
      -Dartifact="org.apache.logging.log4j:log4j-slf4j-impl:$log4j_version" >"$pom/mvn.log" 2>&1); then
      cat "$pom/mvn.log" >&2
      log "no slf4j binding for log4j $log4j_version: the broker will not log"
    fi
  fi
  rm -rf "$pom"
  [ -f "$dir/kafka_2.13-$version.jar" ] || die "no kafka_2.13-$version.jar after the fetch"
  touch "$dir/.complete"
  echo "$dir"
}

# The class of a tool by its short name; some moved between 3.x and 4.x, so
# the first that the jars hold wins.
tool_classes() {
  case "$1" in
    topics) echo "org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand" ;;
    consumer-groups) echo "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand kafka.admin.ConsumerGroupCommand" ;;
    get-offsets) echo "org.apache.kafka.tools.GetOffsetShell kafka.tools.GetOffsetShell" ;;
    consumer-perf) echo "org.apache.kafka.tools.ConsumerPerformance kafka.tools.ConsumerPerformance" ;;
    producer-perf) echo "org.apache.kafka.tools.ProducerPerformance" ;;
    console-consumer) echo "org.apache.kafka.tools.consumer.ConsoleConsumer kafka.tools.ConsoleConsumer" ;;
    reassign-partitions) echo "org.apache.kafka.tools.reassign.ReassignPartitionsCommand kafka.admin.ReassignPartitionsCommand" ;;
    storage) echo "org.apache.kafka.tools.StorageTool kafka.tools.StorageTool" ;;
    *) return 1 ;;
  esac
}

has_class() {  # jar_dir class
  local path="${2//.//}.class" j
  for j in "$1"/*.jar; do
    unzip -l "$j" "$path" >/dev/null 2>&1 && return 0
  done
  return 1
}

tool_class() {  # jar_dir name
  local classes c
  classes="$(tool_classes "$2")" || die "unknown tool '$2'"
  for c in $classes; do
    if has_class "$1" "$c"; then
      echo "$c"
      return 0
    fi
  done
  die "no class for tool '$2' in $1"
}

run_tool() {  # jar_dir name args...
  local dir="$1" name="$2"
  shift 2
  local class
  class="$(tool_class "$dir" "$name")"
  java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$HERE/kafka-tools-log4j.properties" \
    -Dlog4j2.configurationFile="$HERE/kafka-tools-log4j2.properties" -cp "$dir/*" "$class" "$@"
}

node_pid_alive() {
  local f="$D/run/node-$1.pid"
  [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# Waits until node $1 answers metadata requests on its broker port.
wait_node() {
  local id="$1" port deadline=$((SECONDS + TIMEOUT_S))
  port="$(sed -n "${id}p" "$D/ports" | cut -d' ' -f1)"
  until kcat -b "127.0.0.1:$port" -L -m 2 2>/dev/null | grep -q "broker $id at"; do
    node_pid_alive "$id" || die "node $id exited during start-up: $(tail -5 "$D/log/node-$id.out")"
    if ((SECONDS >= deadline)); then die "node $id did not answer within ${TIMEOUT_S}s"; fi
    sleep 0.3
  done
}

start_node() {
  local id="$1" dir
  dir="$(cat "$D/jars.dir")"
  node_pid_alive "$id" && return 0
  # setsid: a test's process-group signals must not reach the broker.
  setsid java -Xmx"$HEAP" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dlog4j.configuration="file:$HERE/kafka-log4j.properties" \
    -Dlog4j2.configurationFile="$HERE/kafka-log4j2.properties" -Dkafka.logs.dir="$D/log/node-$id" -cp "$dir/*" kafka.Kafka "$D/node-$id.properties" \
    >>"$D/log/node-$id.out" 2>&1 </dev/null &
  echo $! >"$D/run/node-$id.pid"
}

stop_node() {  # id signal
  local id="$1" sig="$2" f="$D/run/node-$1.pid"
  [ -s "$f" ] || return 0
  local pid
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -"$sig" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        log "node $id (pid $pid) ignored SIG$sig for 60 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
    done
  fi
  rm -f "$f"
}

write_env() {
  local n bootstrap sasl_bootstrap pids="" i
  n="$(wc -l <"$D/ports")"
  bootstrap="$(cut -d' ' -f1 "$D/ports" | sed 's/^/127.0.0.1:/' | paste -sd, -)"
  sasl_bootstrap="$(cut -d' ' -f3 "$D/ports" | sed 's/^/127.0.0.1:/' | paste -sd, -)"
  for ((i = 1; i <= n; i++)); do pids+="${pids:+ }$(cat "$D/run/node-$i.pid" 2>/dev/null || echo -)"; done
  cat >"$D/env.tmp" <<EOF
export SECOR_TEST_KAFKA_BOOTSTRAP=$bootstrap
export SECOR_TEST_KAFKA_VERSION=$(cat "$D/version")
export SECOR_TEST_KAFKA_BROKERS=$n
export SECOR_TEST_KAFKA_DIR=$D
export SECOR_TEST_KAFKA_JARS=$(cat "$D/jars.dir")
export SECOR_TEST_KAFKA_PIDS="$pids"
export SECOR_TEST_KAFKA_SASL_SSL_BOOTSTRAP=$sasl_bootstrap
export SECOR_TEST_KAFKA_CA_FILE=$D/tls/ca.pem
export SECOR_TEST_KAFKA_UNTRUSTED_CA_FILE=$D/tls/other-ca.pem
export SECOR_TEST_KAFKA_SCRAM_USER=$(sed -n 1p "$D/tls/users")
export SECOR_TEST_KAFKA_SCRAM_PASSWORD=$(sed -n 2p "$D/tls/users")
export SECOR_TEST_KAFKA_SCRAM_WORKS=$(cat "$D/tls/scram-works" 2>/dev/null || echo false)
export SECOR_TEST_KAFKA_PLAIN_USER=$(sed -n 3p "$D/tls/users")
export SECOR_TEST_KAFKA_PLAIN_PASSWORD=$(sed -n 4p "$D/tls/users")
EOF
  mv "$D/env.tmp" "$D/env"
}

do_start() {
  local brokers=1 version="$DEFAULT_VERSION"
  while [ $# -gt 0 ]; do
    case "$1" in
      --brokers) brokers="$2"; shift 2 ;;
      --version) version="$2"; shift 2 ;;
      *) usage ;;
    esac
  done
  if [ -s "$D/env" ] && [ -s "$D/ports" ]; then
    local n i alive=1
    n="$(wc -l <"$D/ports")"
    for ((i = 1; i <= n; i++)); do node_pid_alive "$i" || alive=0; done
    if ((alive)); then
      log "already running: $(grep KAFKA_BOOTSTRAP= "$D/env")"
      return 0
    fi
  fi
  do_stop
  rm -rf "$D/data" "$D/run" "$D/env" "$D/ports" "$D"/node-*.properties
  mkdir -p "$D/log" "$D/run" "$D/data"
  local i
  for ((i = 1; i <= brokers; i++)); do mkdir -p "$D/log/node-$i"; done
  local dir
  dir="$(jars "$version")"
  echo "$dir" >"$D/jars.dir"
  echo "$version" >"$D/version"

  local voters="" cluster_id
  for ((i = 1; i <= brokers; i++)); do
    echo "$(free_port) $(free_port) $(free_port)" >>"$D/ports"
  done
  [ "$(tr ' ' '\n' <"$D/ports" | sort -u | wc -l)" -eq $((3 * brokers)) ] || die "port clash; try again"
  make_tls
  for ((i = 1; i <= brokers; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:$(sed -n "${i}p" "$D/ports" | cut -d' ' -f2)"
  done
  local min_isr=$((brokers > 1 ? brokers - 1 : 1))
  for ((i = 1; i <= brokers; i++)); do
    local port cport sport
    read -r port cport sport < <(sed -n "${i}p" "$D/ports")
    cat >"$D/node-$i.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_SSL://127.0.0.1:$sport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$plain_user="$plain_password";
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$D/tls/broker-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none
log.dirs=$D/data/node-$i
num.partitions=1
default.replication.factor=$brokers
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$brokers
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$brokers
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.dedupe.buffer.size=8388608
log.cleaner.backoff.ms=1000
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
# Tests produce records with timestamps months or years old (hourly and
# daily partitions of fixed dates); time-based retention, which goes by
# record timestamps, would delete them within a retention check.
log.retention.ms=-1
log.retention.bytes=-1
unclean.leader.election.enable=false
EOF
  done

  cluster_id="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))')"
  local storage
  storage="$(tool_class "$dir" storage)"
  for ((i = 1; i <= brokers; i++)); do
    java -Xmx256m -Dlog4j.configuration="file:$HERE/kafka-tools-log4j.properties" \
      -Dlog4j2.configurationFile="$HERE/kafka-tools-log4j2.properties" -cp "$dir/*" "$storage" format \
      -t "$cluster_id" -c "$D/node-$i.properties" \
      --add-scram "SCRAM-SHA-512=[name=$scram_user,password=$scram_password]" >>"$D/log/format.out" 2>&1 ||
      die "formatting node $i's storage failed: $(tail -3 "$D/log/format.out")"
  done
  for ((i = 1; i <= brokers; i++)); do start_node "$i"; done
  for ((i = 1; i <= brokers; i++)); do wait_node "$i"; done
  wait_sasl
  write_env
  log "Apache Kafka $version, $brokers node(s), started in $D: $(grep KAFKA_BOOTSTRAP= "$D/env")"
}

# A private CA, a certificate for 127.0.0.1 signed by it (the key store of
# every node's SASL_SSL listener), a second CA that signed nothing (an
# untrusted one for tests), and the SASL users in $D/tls/users: SCRAM user,
# its password, PLAIN user, its password, one a line. EC keys: fast to make.
make_tls() {
  local t="$D/tls"
  rm -rf "$t"
  mkdir -p "$t"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  {
    openssl req -x509 "${ec[@]}" -keyout "$t/ca.key" -out "$t/ca.pem" -days 30 \
      -subj "/CN=secor test CA" &&
      openssl req -x509 "${ec[@]}" -keyout "$t/other-ca.key" -out "$t/other-ca.pem" -days 30 \
        -subj "/CN=secor test CA" &&
      openssl req "${ec[@]}" -keyout "$t/broker.key" -out "$t/broker.csr" -subj "/CN=127.0.0.1" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\n' >"$t/san.ext" &&
      openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
        -CAcreateserial -out "$t/broker.pem" -days 30 -extfile "$t/san.ext"
  } >>"$D/log/tls.out" 2>&1 || die "openssl could not make the test CA: $(tail -3 "$D/log/tls.out")"
  cat "$t/broker.key" "$t/broker.pem" "$t/ca.pem" >"$t/broker-keystore.pem"
  local tag
  tag="$(python3 -c 'import secrets; print(secrets.token_hex(6))')"
  printf '%s\n' "scram-user" "scramPw-$tag-s3cr" "plain-user" "plainPw-$tag-s3cr" >"$t/users"
  scram_user="scram-user" scram_password="scramPw-$tag-s3cr"
  plain_user="plain-user" plain_password="plainPw-$tag-s3cr"
}

# Waits until the SASL_SSL listener of the first node takes a PLAIN login,
# then tries a SCRAM login once: Apache Kafka 4.x refuses librdkafka 2.0.2's
# SCRAM-SHA-512 login (invalid credentials, with the right password, whether
# the user came from the storage format or from kafka-configs), which
# DIR/scram-works records for the tests.
wait_sasl() {
  local deadline=$((SECONDS + TIMEOUT_S)) bs
  bs="127.0.0.1:$(sed -n 1p "$D/ports" | cut -d' ' -f3)"
  until kcat -b "$bs" -L -m 2 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN \
    -X sasl.username="$plain_user" -X sasl.password="$plain_password" \
    -X ssl.ca.location="$D/tls/ca.pem" 2>/dev/null | grep -q "broker 1 at"; do
    if ((SECONDS >= deadline)); then die "the SASL_SSL listener did not take a login within ${TIMEOUT_S}s"; fi
    sleep 0.3
  done
  if kcat -b "$bs" -L -m 5 -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 \
    -X sasl.username="$scram_user" -X sasl.password="$scram_password" \
    -X ssl.ca.location="$D/tls/ca.pem" 2>/dev/null | grep -q "broker 1 at"; then
    echo true >"$D/tls/scram-works"
  else
    log "this broker refuses librdkafka's SCRAM-SHA-512 login; SCRAM tests will be skipped"
    echo false >"$D/tls/scram-works"
  fi
}

do_stop() {
  [ -s "$D/ports" ] || return 0
  local n i
  n="$(wc -l <"$D/ports")"
  # Every node at once: one by one, the last ones wait for a quorum that the
  # first ones took away.
  for ((i = 1; i <= n; i++)); do
    [ -s "$D/run/node-$i.pid" ] && kill -TERM "$(cat "$D/run/node-$i.pid")" 2>/dev/null || true
  done
  for ((i = 1; i <= n; i++)); do stop_node "$i" TERM; done
}

node_id() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] || usage
  [ -s "$D/ports" ] || die "no cluster in $D (run start first)"
  (($1 >= 1 && $1 <= $(wc -l <"$D/ports"))) || die "no node $1 in $D"
  echo "$1"
}

[ $# -ge 1 ] || usage
cmd="$1"
shift
if [ "$cmd" = jars ]; then
  [ $# -eq 1 ] || usage
  jars "$1"
  exit 0
fi
[ $# -ge 1 ] || usage
D="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
case "$cmd" in
  start) do_start "$@" ;;
  stop) do_stop ;;
  env) [ -s "$D/env" ] || die "no $D/env: run '$0 start $D' first"; cat "$D/env" ;;
  kill-node) id="$(node_id "${1:-}")"; stop_node "$id" KILL; write_env ;;
  stop-node) id="$(node_id "${1:-}")"; stop_node "$id" TERM; write_env ;;
  start-node)
    id="$(node_id "${1:-}")"
    start_node "$id"
    wait_node "$id"
    write_env
    ;;
  tool)
    [ $# -ge 1 ] || usage
    [ -s "$D/jars.dir" ] || die "no cluster in $D (run start first)"
    name="$1"
    shift
    run_tool "$(cat "$D/jars.dir")" "$name" "$@"
    ;;
  *) usage ;;
esac
