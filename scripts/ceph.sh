#!/usr/bin/env bash
# A throwaway single-node Ceph (one monitor, one memstore OSD, one RADOS
# Gateway) on loopback, for the S3 integration tests. Everything lives in DIR:
# config, logs, pid files, and DIR/env with the endpoint and test keys.
# In front of the gateway, nginx terminates TLS with a certificate from a
# private CA made here (DIR/tls/ca.pem) for the S3-over-TLS tests: the
# certificate names only localhost, so https://localhost:PORT is trusted with
# that CA and https://127.0.0.1:PORT is a host name mismatch.
#
#   scripts/ceph.sh start DIR        start (or report the running one)
#   scripts/ceph.sh stop DIR         stop every daemon; fine when none runs
#   scripts/ceph.sh env DIR          print DIR/env (source it in a shell)
#   scripts/ceph.sh restart-rgw DIR  stop and start only radosgw, same port
#
# No authentication between daemons and an in-memory object store keep start
# up fast (about 15 s); nothing here is meant to hold data past a test run.
set -euo pipefail

ACCESS_KEY="SECORTESTACCESSKEY01"
SECRET_KEY="secorTestSecretKey0123456789abcdefghijkl"
TIMEOUT_S="${SECOR_CEPH_TIMEOUT_S:-90}"

usage() {
  echo "usage: $0 start|stop|env|restart-rgw DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd="$1"
D="$(mkdir -p "$2" && cd "$2" && pwd)"
CONF="$D/ceph.conf"

log() { echo "ceph.sh: $*" >&2; }
die() {
  log "$*"
  log "logs are in $D/log"
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls a command until it succeeds or the deadline passes.
wait_for() {
  local what="$1"
  shift
  local deadline=$((SECONDS + TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "timed out after ${TIMEOUT_S}s waiting for $what"; fi
    sleep 0.2
  done
}

pid_alive() {
  local f="$D/run/$1.pid"
  [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

stop_daemon() {
  local name="$1" f="$D/run/$1.pid"
  [ -s "$f" ] || return 0
  local pid
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.1
    done
  fi
  rm -f "$f"
}

http_up() {
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$(cat "$D/rgw.port")/"
}

ceph_cli() { ceph -c "$CONF" --connect-timeout 10 "$@"; }

start_rgw() {
  radosgw -c "$CONF" -n client.rgw >>"$D/log/radosgw.out" 2>&1 || die "radosgw did not start"
  wait_for "radosgw on port $(cat "$D/rgw.port")" http_up
}

tls_up() {
  curl -s -o /dev/null --max-time 2 --cacert "$D/tls/ca.pem" "https://localhost:$(cat "$D/tls.port")/"
}

# A private CA and a server certificate it signs, for DNS:localhost only.
make_certificates() {
  local t="$D/tls"
  rm -rf "$t"
  mkdir -p "$t"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=secor test CA" \
      -keyout "$t/ca.key" -out "$t/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$t/server.key" -out "$t/server.csr" &&
      printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$t/server.ext" &&
      openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
        -days 30 -extfile "$t/server.ext" -out "$t/server.pem"
  } >>"$D/log/setup.out" 2>&1 || die "openssl could not make the test certificates"
}

# nginx as a plain process (its own conf, pid and logs in DIR): TLS on a free
# port, proxied to the gateway unbuffered and with the client's Host header,
# which SigV4 signs.
start_tls() {
  command -v nginx >/dev/null || die "nginx is not installed (scripts/setup.sh)"
  local tls_port rgw_port user_line="" listen6=""
  rgw_port="$(cat "$D/rgw.port")"
  tls_port="$(free_port)"
  echo "$tls_port" >"$D/tls.port"
  make_certificates
  mkdir -p "$D/nginx"
  # As root nginx would hand its workers to "nobody"; they stay with us.
  [ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"
  # Where localhost also means ::1, clients may try it first.
  if getent ahosts localhost | grep -q '^::1 ' &&
    python3 -c 'import socket,sys; socket.socket(socket.AF_INET6).bind(("::1", int(sys.argv[1])))' \
      "$tls_port" 2>/dev/null; then
    listen6="listen [::1]:$tls_port ssl;"
  fi
  cat >"$D/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $D/run/nginx.pid;
error_log $D/log/nginx.error.log warn;
events { worker_connections 512; }
http {
  access_log $D/log/nginx.access.log;
  client_body_temp_path $D/nginx/body;
  proxy_temp_path $D/nginx/proxy;
  fastcgi_temp_path $D/nginx/fastcgi;
  uwsgi_temp_path $D/nginx/uwsgi;
  scgi_temp_path $D/nginx/scgi;
  server {
    listen 127.0.0.1:$tls_port ssl;
    $listen6
    server_name localhost;
    ssl_certificate $D/tls/server.pem;
    ssl_certificate_key $D/tls/server.key;
    client_max_body_size 0;
    location / {
      proxy_pass http://127.0.0.1:$rgw_port;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
    }
  }
}
EOF
  nginx -p "$D/nginx" -c "$D/nginx/nginx.conf" -e "$D/log/nginx.error.log" \
    >>"$D/log/setup.out" 2>&1 || die "nginx did not start"
  wait_for "nginx (TLS) on port $tls_port" tls_up
}

write_env() {
  local port
  port="$(cat "$D/rgw.port")"
  cat >"$D/env.tmp" <<EOF
export SECOR_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export SECOR_TEST_S3_TLS_ENDPOINT=https://localhost:$(cat "$D/tls.port")
export SECOR_TEST_S3_CA_FILE=$D/tls/ca.pem
export SECOR_TEST_S3_ACCESS_KEY=$ACCESS_KEY
export SECOR_TEST_S3_SECRET_KEY=$SECRET_KEY
export SECOR_TEST_CEPH_DIR=$D
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
EOF
  mv "$D/env.tmp" "$D/env"
}

do_start() {
  if pid_alive mon.a && pid_alive osd.0 && pid_alive client.rgw && pid_alive nginx &&
    [ -s "$D/env" ] && http_up && tls_up; then
    log "already running: $(grep ENDPOINT= "$D/env" | sed 's/^export //' | tr '\n' ' ')"
    return 0
  fi
  # A half-started or dead cluster: begin again from nothing.
  do_stop
  # Only what this script made: DIR may hold other things.
  rm -rf "$D/ceph.conf" "$D/keyring" "$D/monmap" "$D/mon" "$D/osd0" "$D/rgw" "$D/run" \
    "$D/env" "$D/rgw.port" "$D/tls" "$D/tls.port" "$D/nginx"
  mkdir -p "$D/log" "$D/run" "$D/mon" "$D/osd0" "$D/rgw"

  local fsid mon_port rgw_port osd_uuid
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  mon_port="$(free_port)"
  rgw_port="$(free_port)"
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port="$(free_port)"; done
  echo "$rgw_port" >"$D/rgw.port"

  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
public addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
# The OSD places itself in the CRUSH map through mon commands at start-up;
# Ceph 16.2.15 (Debian 12, deb12u2) sends them before it has the monmap, with
# a zero fsid, and the monitor refuses ("wrong fsid"). The script puts it
# there instead (osd crush add below).
osd class update on start = false
osd crush update on start = false
log file = $D/log/\$name.log
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
keyring = $D/keyring
[mon]
mon data = $D/mon
mon cluster log file = $D/log/cluster.log
[osd]
osd data = $D/osd\$id
osd max object name len = 460
osd max object namespace len = 64
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $D/rgw
rgw dns name = localhost
EOF

  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' \
    >>"$D/log/setup.out" 2>&1 || die "ceph-authtool failed"
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$D/monmap" \
    >>"$D/log/setup.out" 2>&1 || die "monmaptool failed"
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" \
    >>"$D/log/setup.out" 2>&1 || die "ceph-mon --mkfs failed"
  ceph-mon -c "$CONF" -i a >>"$D/log/setup.out" 2>&1 || die "ceph-mon did not start"
  wait_for "the monitor" ceph_cli mon stat

  local id
  id="$(ceph_cli osd create 2>>"$D/log/setup.out")" || die "ceph osd create failed"
  [ "$id" = 0 ] || die "expected osd id 0, got '$id'"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$D/log/setup.out" 2>&1 ||
    die "ceph-osd --mkfs failed"
  ceph_cli osd crush add osd.0 1.0 root=default host=localhost >>"$D/log/setup.out" 2>&1 ||
    die "ceph osd crush add failed"
  ceph-osd -c "$CONF" -i 0 >>"$D/log/setup.out" 2>&1 || die "ceph-osd did not start"
  wait_for "the OSD to be up" sh -c "ceph -c '$CONF' --connect-timeout 10 osd dump 2>/dev/null | grep -q '^osd.0 up'"

  start_rgw
  radosgw-admin -c "$CONF" user create --uid=test --display-name=test \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >>"$D/log/setup.out" 2>&1 ||
    die "radosgw-admin user create failed"
  start_tls
  write_env
  log "started in $D: $(grep ENDPOINT= "$D/env" | sed 's/^export //' | tr '\n' ' ')"
}

do_stop() {
  stop_daemon nginx
  stop_daemon client.rgw
  stop_daemon osd.0
  stop_daemon mon.a
}

do_restart_rgw() {
  [ -s "$D/rgw.port" ] || die "no cluster in $D (run start first)"
  stop_daemon client.rgw
  start_rgw
  log "radosgw restarted on port $(cat "$D/rgw.port")"
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  env) [ -s "$D/env" ] || die "no $D/env: run '$0 start $D' first"; cat "$D/env" ;;
  restart-rgw) do_restart_rgw ;;
  *) usage ;;
esac
