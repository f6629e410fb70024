# shellcheck shell=bash
# scripts/netns-lib.sh: network namespaces and real servers (nginx, dnsmasq, Postfix, FTP) for
# the demo capture and for tests that need live traffic. Source it from bash; it runs nothing
# by itself. Needs root (ip netns), and the packages in scripts/setup-deps.
#
#   source scripts/netns-lib.sh
#   nw_setup_pair            # client <-> server namespaces, see the addresses below
#   trap nw_cleanup EXIT     # always: deletes the namespaces, stops every server, removes $NW_TMP
#   nw_start_nginx; nw_start_dnsmasq; nw_start_postfix; nw_start_ftp
#   nw_client curl -s http://www.example.test/   # runs a command in the client namespace
#
# Addresses (fixed, so captures are deterministic in content):
#   server  10.200.1.1/24  fd00:200:1::1/64  veth $NW_SERVER_IF in namespace $NW_SERVER_NS
#   client  10.200.1.2/24  fd00:200:1::2/64  veth $NW_CLIENT_IF in namespace $NW_CLIENT_NS
# nw_setup_trio puts a router namespace ($NW_ROUTER_NS) between them instead:
#   client 10.200.1.2 -- 10.200.1.1 router 10.200.2.1 -- 10.200.2.2 server ($NW_SERVER_ADDR),
#   with default routes both ways and IPv4 forwarding on in the router only.
# Names carry a prefix and $$ (NW_PREFIX, default "nw"; at most 6 characters, since interface
# names are limited to 15), so parallel runs do not collide.
# Every server binds inside the server namespace only; nothing touches the host's network.
# Names the DNS server answers (authoritative for example.test; anything else under it is
# NXDOMAIN): www.example.test (A + AAAA), mail.example.test, ftp.example.test, MX and TXT for
# example.test. The TLS certificate is self-signed for CN www.example.test.

NW_PREFIX="${NW_PREFIX:-nw}"
NW_TMP=""
NW_CLIENT_NS=""
NW_SERVER_NS=""
NW_ROUTER_NS=""
NW_CLIENT_IF=""
NW_SERVER_IF=""
NW_SERVER_ADDR="10.200.1.1"
NW_SERVER_ADDR6="fd00:200:1::1"
NW_CLIENT_ADDR="10.200.1.2"
NW_CLIENT_ADDR6="fd00:200:1::2"
NW_PIDS=()           # background servers we started, killed by nw_cleanup
NW_POSTFIX_DIR=""    # set while our Postfix instance runs
NW_CERT=""
NW_KEY=""

nw_log() { echo "netns-lib: $*" >&2; }

# Creates $NW_TMP (a private temp dir for configs, logs, certificates) once.
nw_tmpdir() {
  if [ -z "$NW_TMP" ]; then
    NW_TMP="$(mktemp -d "/tmp/${NW_PREFIX}-$$-XXXXXX")"
    chmod 755 "$NW_TMP"
  fi
}

# Runs "$@" in the client / server / router namespace.
nw_client() { ip netns exec "$NW_CLIENT_NS" "$@"; }
nw_server() { ip netns exec "$NW_SERVER_NS" "$@"; }
nw_router() { ip netns exec "$NW_ROUTER_NS" "$@"; }

# nw_setup_pair: two namespaces joined by one veth pair (addresses above). Returns non-zero and
# leaves what it made for nw_cleanup if any step fails.
nw_setup_pair() {
  nw_tmpdir
  NW_CLIENT_NS="${NW_PREFIX}-cli-$$"
  NW_SERVER_NS="${NW_PREFIX}-srv-$$"
  NW_CLIENT_IF="${NW_PREFIX}c$$"
  NW_SERVER_IF="${NW_PREFIX}s$$"
  NW_SERVER_ADDR="10.200.1.1"
  ip netns add "$NW_CLIENT_NS" || return 1
  ip netns add "$NW_SERVER_NS" || return 1
  ip link add "$NW_CLIENT_IF" type veth peer name "$NW_SERVER_IF" || return 1
  ip link set "$NW_CLIENT_IF" netns "$NW_CLIENT_NS" || return 1
  ip link set "$NW_SERVER_IF" netns "$NW_SERVER_NS" || return 1
  # Fixed MACs: the capture's Ethernet headers are the same on every run.
  ip -n "$NW_CLIENT_NS" link set "$NW_CLIENT_IF" address 02:00:0a:c8:01:02
  ip -n "$NW_SERVER_NS" link set "$NW_SERVER_IF" address 02:00:0a:c8:01:01
  # No router solicitations / MLD reports cluttering the capture.
  local ns
  for ns in "$NW_CLIENT_NS" "$NW_SERVER_NS"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
      net.ipv6.conf.default.router_solicitations=0 >/dev/null 2>&1 || true
    ip -n "$ns" link set lo up
  done
  ip netns exec "$NW_CLIENT_NS" sysctl -qw "net.ipv6.conf.$NW_CLIENT_IF.router_solicitations=0" \
    >/dev/null 2>&1 || true
  ip netns exec "$NW_SERVER_NS" sysctl -qw "net.ipv6.conf.$NW_SERVER_IF.router_solicitations=0" \
    >/dev/null 2>&1 || true
  ip -n "$NW_CLIENT_NS" addr add "$NW_CLIENT_ADDR/24" dev "$NW_CLIENT_IF"
  ip -n "$NW_SERVER_NS" addr add "$NW_SERVER_ADDR/24" dev "$NW_SERVER_IF"
  ip -n "$NW_CLIENT_NS" addr add "$NW_CLIENT_ADDR6/64" dev "$NW_CLIENT_IF" nodad
  ip -n "$NW_SERVER_NS" addr add "$NW_SERVER_ADDR6/64" dev "$NW_SERVER_IF" nodad
  ip -n "$NW_CLIENT_NS" link set "$NW_CLIENT_IF" up || return 1
  ip -n "$NW_SERVER_NS" link set "$NW_SERVER_IF" up || return 1
  nw_client_resolv
  nw_wait_link
}

# nw_setup_trio: client -- router -- server (addresses above); the router forwards IPv4.
nw_setup_trio() {
  nw_tmpdir
  NW_CLIENT_NS="${NW_PREFIX}-cli-$$"
  NW_ROUTER_NS="${NW_PREFIX}-rtr-$$"
  NW_SERVER_NS="${NW_PREFIX}-srv-$$"
  NW_CLIENT_IF="${NW_PREFIX}c$$"
  NW_SERVER_IF="${NW_PREFIX}s$$"
  NW_SERVER_ADDR="10.200.2.2"
  local rc="${NW_PREFIX}rc$$" rs="${NW_PREFIX}rs$$"
  ip netns add "$NW_CLIENT_NS" || return 1
  ip netns add "$NW_ROUTER_NS" || return 1
  ip netns add "$NW_SERVER_NS" || return 1
  ip link add "$NW_CLIENT_IF" type veth peer name "$rc" || return 1
  ip link add "$NW_SERVER_IF" type veth peer name "$rs" || return 1
  ip link set "$NW_CLIENT_IF" netns "$NW_CLIENT_NS"
  ip link set "$rc" netns "$NW_ROUTER_NS"
  ip link set "$rs" netns "$NW_ROUTER_NS"
  ip link set "$NW_SERVER_IF" netns "$NW_SERVER_NS"
  local ns
  for ns in "$NW_CLIENT_NS" "$NW_ROUTER_NS" "$NW_SERVER_NS"; do ip -n "$ns" link set lo up; done
  ip -n "$NW_CLIENT_NS" addr add 10.200.1.2/24 dev "$NW_CLIENT_IF"
  ip -n "$NW_ROUTER_NS" addr add 10.200.1.1/24 dev "$rc"
  ip -n "$NW_ROUTER_NS" addr add 10.200.2.1/24 dev "$rs"
  ip -n "$NW_SERVER_NS" addr add 10.200.2.2/24 dev "$NW_SERVER_IF"
  ip -n "$NW_CLIENT_NS" link set "$NW_CLIENT_IF" up
  ip -n "$NW_ROUTER_NS" link set "$rc" up
  ip -n "$NW_ROUTER_NS" link set "$rs" up
  ip -n "$NW_SERVER_NS" link set "$NW_SERVER_IF" up
  ip -n "$NW_CLIENT_NS" route add default via 10.200.1.1
  ip -n "$NW_SERVER_NS" route add default via 10.200.2.1
  ip netns exec "$NW_ROUTER_NS" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  nw_client_resolv
  nw_wait_link
}

# Points the client namespace's resolver at our DNS server (ip netns exec bind-mounts
# /etc/netns/<ns>/resolv.conf over /etc/resolv.conf) and pins the demo names in its hosts file,
# so curl/swaks never query anything outside.
nw_client_resolv() {
  mkdir -p "/etc/netns/$NW_CLIENT_NS"
  echo "nameserver $NW_SERVER_ADDR" >"/etc/netns/$NW_CLIENT_NS/resolv.conf"
  {
    echo "127.0.0.1 localhost"
    echo "$NW_SERVER_ADDR www.example.test mail.example.test ftp.example.test"
  } >"/etc/netns/$NW_CLIENT_NS/hosts"
}

# nw_wait_link: waits (at most ~5 s) until the client's veth is up with carrier (no ping on
# this machine; the servers' own readiness is checked by nw_wait_port).
nw_wait_link() {
  local i
  for i in $(seq 1 50); do
    ip -n "$NW_CLIENT_NS" link show "$NW_CLIENT_IF" 2>/dev/null | grep -q 'LOWER_UP' && return 0
    sleep 0.1
  done
  nw_log "link $NW_CLIENT_IF never came up"
  return 1
}

# nw_wait_port NS PROTO ADDR PORT: waits (at most ~10 s) until something listens there.
nw_wait_port() {
  local ns="$1" proto="$2" addr="$3" port="$4" i flag=-ltn
  [ "$proto" = udp ] && flag=-lun
  for i in $(seq 1 100); do
    # Only our servers live in the namespace, so a match on the port is enough.
    ip netns exec "$ns" ss -H "$flag" 2>/dev/null | awk '{print $4}' | grep -q ":${port}\$" && return 0
    sleep 0.1
  done
  nw_log "nothing listens on $proto $addr:$port in $ns"
  return 1
}

# nw_make_cert: a self-signed EC certificate for CN www.example.test -> $NW_CERT, $NW_KEY.
nw_make_cert() {
  nw_tmpdir
  [ -n "$NW_CERT" ] && return 0
  NW_CERT="$NW_TMP/server.crt"
  NW_KEY="$NW_TMP/server.key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=www.example.test/O=netward demo" \
    -addext "subjectAltName=DNS:www.example.test,DNS:mail.example.test" \
    -keyout "$NW_KEY" -out "$NW_CERT" >/dev/null 2>&1 || { nw_log "openssl req failed"; return 1; }
  chmod 644 "$NW_KEY"
}

# nw_start_nginx: nginx in the server namespace: HTTP on 80, HTTPS on 443 (HTTP/1.1 only),
# gzip on; root $NW_TMP/www with index.html, page.txt (gzip-able text), data.json;
# /submit answers POSTs. Stop: nw_cleanup (SIGTERM).
nw_start_nginx() {
  nw_make_cert || return 1
  local d="$NW_TMP/nginx"
  mkdir -p "$d/www" "$d/logs" "$d/tmp"
  cat >"$d/www/index.html" <<'EOF'
<!doctype html>
<html><head><title>netward demo</title></head>
<body><h1>www.example.test</h1><p>A page served by nginx for the netward demo capture.</p></body>
</html>
EOF
  local i
  for i in $(seq 1 120); do
    echo "line $i: the quick brown fox jumps over the lazy dog; netward demo text for gzip."
  done >"$d/www/page.txt"
  echo '{"name":"netward","kind":"demo","items":[1,2,3]}' >"$d/www/data.json"
  cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 64; }
http {
  types { text/html html; text/plain txt; application/json json; }
  default_type application/octet-stream;
  access_log $d/logs/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  server_tokens off;
  keepalive_timeout 5;
  gzip on;
  gzip_min_length 256;
  gzip_types text/plain application/json;
  server {
    listen 80;
    listen [::]:80;
    listen 443 ssl;
    server_name www.example.test;
    ssl_certificate $NW_CERT;
    ssl_certificate_key $NW_KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $d/www;
    location = /submit { return 200 '{"status":"accepted"}\n'; }
    location = /missing { return 404; }
  }
}
EOF
  nw_server nginx -c "$d/nginx.conf" -p "$d" -g 'daemon off;' >"$d/logs/stdout.log" 2>&1 &
  NW_PIDS+=($!); disown $!
  nw_wait_port "$NW_SERVER_NS" tcp "$NW_SERVER_ADDR" 80 && nw_wait_port "$NW_SERVER_NS" tcp "$NW_SERVER_ADDR" 443
}

# nw_start_dnsmasq: DNS only (no DHCP) on $NW_SERVER_ADDR:53, authoritative for example.test.
nw_start_dnsmasq() {
  nw_tmpdir
  local d="$NW_TMP/dnsmasq"
  mkdir -p "$d"
  nw_server dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --no-poll --pid-file= --user=root --port=53 --listen-address="$NW_SERVER_ADDR" \
    --bind-interfaces --local=/example.test/ \
    --host-record=www.example.test,"$NW_SERVER_ADDR","$NW_SERVER_ADDR6" \
    --host-record=mail.example.test,"$NW_SERVER_ADDR" \
    --host-record=ftp.example.test,"$NW_SERVER_ADDR" \
    --mx-host=example.test,mail.example.test,10 \
    --txt-record=example.test,"v=spf1 mx -all" \
    --log-queries --log-facility="$d/dnsmasq.log" >"$d/stdout.log" 2>&1 &
  NW_PIDS+=($!); disown $!
  nw_wait_port "$NW_SERVER_NS" udp "$NW_SERVER_ADDR" 53
}

# nw_start_postfix: a private Postfix instance (config, queue and data under $NW_TMP/postfix;
# /etc/postfix is only read, never changed) listening on port 25 in the server namespace, for
# example.test, relaying for 10.200.0.0/16, STARTTLS with the demo certificate, and mail for
# example.test discarded. Stop: nw_cleanup (postfix stop).
nw_start_postfix() {
  nw_make_cert || return 1
  local d="$NW_TMP/postfix"
  mkdir -p "$d/etc" "$d/spool" "$d/data"
  cp /etc/postfix/main.cf /etc/postfix/master.cf "$d/etc/"
  [ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf /etc/postfix/dynamicmaps.cf.d "$d/etc/" 2>/dev/null
  chown -R postfix "$d/data"
  postconf -c "$d/etc" -e \
    "queue_directory=$d/spool" "data_directory=$d/data" \
    "maillog_file_prefixes=$NW_TMP" "maillog_file=$d/postfix.log" \
    "inet_interfaces=all" "inet_protocols=ipv4" \
    "myhostname=mail.example.test" "mydomain=example.test" "myorigin=example.test" \
    "mydestination=example.test, mail.example.test, localhost" \
    "mynetworks=127.0.0.0/8 10.200.0.0/16" \
    "smtpd_peername_lookup=no" "smtpd_banner=mail.example.test ESMTP" \
    "local_recipient_maps=" "local_transport=discard:demo" "default_transport=discard:demo" \
    "relayhost=" "alias_maps=" "alias_database=" "smtp_dns_support_level=disabled" \
    "smtpd_tls_cert_file=$NW_CERT" "smtpd_tls_key_file=$NW_KEY" \
    "smtpd_tls_security_level=may" "smtpd_tls_session_cache_database=" \
    "smtp_tls_session_cache_database=" "compatibility_level=3.6" \
    "multi_instance_enable=no" "multi_instance_name=" || return 1
  # No chroot: the instance's queue dir has no copied /etc files.
  postconf -c "$d/etc" -F '*/*/chroot = n' || return 1
  postfix -c "$d/etc" set-permissions >/dev/null 2>&1 || true
  nw_server postfix -c "$d/etc" start >"$d/start.log" 2>&1 || { cat "$d/start.log" >&2; return 1; }
  NW_POSTFIX_DIR="$d"
  nw_wait_port "$NW_SERVER_NS" tcp "$NW_SERVER_ADDR" 25
}

# nw_start_ftp: pyftpdlib on 21 in the server namespace; user "demo" password "demo" (write
# access) and anonymous (read-only) on $NW_TMP/ftp; passive ports 30000-30009.
nw_start_ftp() {
  nw_tmpdir
  local d="$NW_TMP/ftp"
  mkdir -p "$d/root"
  echo "readme for the netward demo ftp server" >"$d/root/readme.txt"
  cat >"$d/server.py" <<EOF
import logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.basicConfig(filename="$d/ftp.log", level=logging.INFO)
a = DummyAuthorizer()
a.add_user("demo", "demo", "$d/root", perm="elradfmw")
a.add_anonymous("$d/root")
FTPHandler.authorizer = a
FTPHandler.passive_ports = range(30000, 30010)
FTPHandler.banner = "netward demo ftp ready"
FTPServer(("$NW_SERVER_ADDR", 21), FTPHandler).serve_forever()
EOF
  nw_server /usr/bin/python3 "$d/server.py" >"$d/stdout.log" 2>&1 &
  NW_PIDS+=($!); disown $!
  nw_wait_port "$NW_SERVER_NS" tcp "$NW_SERVER_ADDR" 21
}

# nw_cleanup: stops everything this library started, deletes our namespaces and $NW_TMP.
# Safe to call twice and after a partial setup.
nw_cleanup() {
  local p i
  if [ -n "$NW_POSTFIX_DIR" ]; then
    ip netns exec "$NW_SERVER_NS" postfix -c "$NW_POSTFIX_DIR/etc" stop >/dev/null 2>&1 || true
    NW_POSTFIX_DIR=""
  fi
  for p in "${NW_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 1 20); do
    local alive=0
    for p in "${NW_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for p in "${NW_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  NW_PIDS=()
  local ns
  for ns in "$NW_CLIENT_NS" "$NW_ROUTER_NS" "$NW_SERVER_NS"; do
    [ -z "$ns" ] && continue
    # Anything still running inside the namespace (e.g. the Postfix master's children) goes too.
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  NW_CLIENT_NS=""; NW_ROUTER_NS=""; NW_SERVER_NS=""
  if [ -n "$NW_TMP" ] && [ -z "${NW_KEEP_TMP:-}" ]; then rm -rf "$NW_TMP"; fi
}
