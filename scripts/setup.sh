#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need.
# Idempotent and non-interactive: safe to run on every CI start.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev
  # libraries
  librdkafka-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev
  libsnappy-dev liblz4-dev libsimdjson-dev libre2-dev libmsgpack-cxx-dev
  libprotobuf-dev protobuf-compiler libthrift-dev thrift-compiler libavro-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev
  libbenchmark-dev
  # the status server's HTTP (libmicrohttpd) and S3's XML answers (pugixml)
  libmicrohttpd-dev libpugixml-dev
  # test peers and independent readers
  kcat zstd lz4 gzip python3-snappy spin awscli bc time
  radosgw ceph-mon ceph-osd ceph-common
  # the TLS terminator in front of the gateway (scripts/ceph.sh) and its certificates
  nginx openssl
  python3
  # operations tests: metrics scraper, ZooKeeper offsets, status page rendering
  prometheus zookeeper libzookeeper-mt-dev chromium
  # the Debian package (cmake/Packaging.cmake): man page, library
  # dependencies, the service user, and systemd-analyze for its unit
  help2man dpkg-dev adduser systemd
)
# Node.js (for DuckDB and the other npm readers) ships with this machine image;
# Debian's nodejs conflicts with it, so only install it where node is absent.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
# Apache Kafka for the tests runs on Java 17 and comes from Maven Central by
# Maven (scripts/kafka.sh); the machine image may bring its own of each.
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)
# The Java readers of the tests (tests/java) are compiled; pyarrow lives in a venv.
command -v javac >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
packages+=(unzip python3-venv)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all Debian packages present"
fi
