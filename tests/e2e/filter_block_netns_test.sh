#!/usr/bin/env bash
# The issue-5 blocking proof (docs/blocking.md). Client C (10.200.1.2) -- router R -- server S
# (10.200.2.2, nginx and a DNS server). `netward probe` runs in R with a signed rule bundle:
#   passive: it captures the forwarded traffic on R's C-side veth and injects through it.
#     (a) a GBK, gzip-compressed, chunked page from nginx, sent slowly in small segments, with a
#         blocked keyword ~20 KB in and a large tail: curl must fail with "Connection reset"
#         (exit 56), and an `alert` record names the rule, scope http_body, taken tcp_reset;
#     (b) a clean page: curl gets it byte for byte;
#     DNS: `dig blocked.example.test` gets NXDOMAIN from the probe, before the real answer
#         (which S delays by 300 ms: tc netem when the kernel has it, else a small relay in S in
#         front of dnsmasq); the alert says dns_nxdomain. A name not blocked still resolves.
#   inline: iptables NFQUEUE (--queue-bypass) on R's FORWARD chain to queue 8, the probe in inline mode
#     reading queues 7 and 8 (nfqueues = 2, one thread each):
#     the fetch of (a) is cut (never completes), (b) passes byte for byte, the alert says
#     nfqueue_drop.
# Needs root, nginx, dnsmasq, dig, curl, python3, iptables; skips otherwise.
# Usage: filter_block_netns_test.sh NETWARD
set -euo pipefail
NETWARD=${1:?usage: filter_block_netns_test.sh path/to/netward}
NETWARD=$(readlink -f "$NETWARD")
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for network namespaces"; exit 0; fi
for tool in ip nginx dnsmasq dig curl iptables /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/setup-deps)"; exit 0; }
done
NW_PREFIX=nwblk
source scripts/netns-lib.sh
probe_pid=""
cleanup() {
  [ -n "$probe_pid" ] && kill -9 "$probe_pid" 2>/dev/null || true
  nw_cleanup
}
trap cleanup EXIT
nw_setup_trio
r_c_if="${NW_PREFIX}rc$$"  # R's C-side veth: capture and injection
S=$NW_SERVER_ADDR
d="$NW_TMP/blk"
mkdir -p "$d/www" "$d/logs" "$d/tmp" "$d/rules"

# Pages: (a) GBK text with the keyword after ~20 KB and ~1.5 MB after it; (b) clean.
python3 - "$d/www" <<'PY'
import random, sys
random.seed(5)
chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"
def filler(n):
    return "".join(random.choice(chars) for _ in range(n))
head = "<!doctype html><html><head><meta charset=\"gbk\"><title>e2e</title></head><body>\n"
a = head + "<p>" + filler(10000) + "</p>\n<p>" + "今日推荐网上赌博平台" + "</p>\n"
for _ in range(60):
    a += "<p>" + filler(12000) + "</p>\n"
a += "</body></html>\n"
open(sys.argv[1] + "/a.html", "wb").write(a.encode("gbk"))
b = head + "<p>" + filler(3000) + "</p></body></html>\n"
open(sys.argv[1] + "/b.html", "wb").write(b.encode("gbk"))
PY
a_size=$(stat -c %s "$d/www/a.html")

# nginx: gzip on the fly (so chunked), slow and in small writes, so the keyword reaches the
# probe long before the page ends.
cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 64; }
http {
  types { text/html html; }
  access_log $d/logs/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  server {
    listen $S:80 sndbuf=8k;
    root $d/www;
    charset gbk;
    gzip on;
    gzip_comp_level 6;
    gzip_buffers 4 4k;
    gzip_types text/html;
    sendfile off;
    output_buffers 1 4k;
    postpone_output 0;
    location = /a.html { limit_rate 100k; }
  }
}
EOF
nw_server nginx -c "$d/nginx.conf" -p "$d" -g 'daemon off;' >"$d/logs/stdout.log" 2>&1 &
NW_PIDS+=($!); disown $!
nw_wait_port "$NW_SERVER_NS" tcp "$S" 80

# DNS in S: dnsmasq answers every name under example.test; the answer is held back 300 ms.
dns_port=53
if nw_server tc qdisc add dev "$NW_SERVER_IF" root netem delay 300ms 2>/dev/null; then
  echo "ok: S's answers are delayed 300 ms by netem"
else
  dns_port=5353
  cat >"$d/relay.py" <<PY
import socket, threading, time
up = ("127.0.0.1", 5353)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("$S", 53))
def relay(q, client):
    time.sleep(0.3)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    u.sendto(q, up)
    try:
        s.sendto(u.recv(4096), client)
    except OSError:
        pass
while True:
    q, client = s.recvfrom(4096)
    threading.Thread(target=relay, args=(q, client), daemon=True).start()
PY
  nw_server /usr/bin/python3 "$d/relay.py" >"$d/relay.log" 2>&1 &
  NW_PIDS+=($!); disown $!
  nw_wait_port "$NW_SERVER_NS" udp "$S" 53
  echo "ok: no netem here; a relay in S holds S's answers back 300 ms"
fi
listen_addr=$S
[ "$dns_port" = 5353 ] && listen_addr=127.0.0.1
nw_server dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
  --pid-file= --user=root --port="$dns_port" --listen-address="$listen_addr" --bind-interfaces \
  --address=/example.test/10.200.2.99 --log-queries --log-facility="$d/dnsmasq.log" \
  >"$d/dnsmasq.out" 2>&1 &
NW_PIDS+=($!); disown $!
nw_wait_port "$NW_SERVER_NS" udp "$listen_addr" "$dns_port"

# A signed bundle: the keyword in HTTP bodies, the domain in DNS.
cat >"$d/rules/e2e.toml" <<'EOF'
version = "e2e-block-1"

[[rule]]
id = "e2e-gambling-body"
category = "gambling"
severity = "high"
action = "block"
scopes = ["http_body"]
keyword = "网上赌博"

[[rule]]
id = "e2e-gambling-domain"
category = "gambling"
severity = "high"
action = "block"
scopes = ["dns"]
domain = "blocked.example.test"
EOF
"$NETWARD" keygen --name e2e.test/netward/rules --out "$d/signer" >/dev/null
"$NETWARD" rules sign "$d/rules" --key "$d/signer.key" >/dev/null

fail=0
# run_probe MODE: starts the probe in R with [filter] block = MODE; waits for it.
run_probe() {
  local mode=$1 out="$NW_TMP/records-$1"
  cat >"$d/probe-$mode.toml" <<TOML
site = "BLOCK01"
[capture]
interfaces = ["$r_c_if"]
[flow]
tcp_closed_timeout = "0s"
[output]
json_dir = "$out"
flush_interval = "200ms"
[filter]
bundle = "$d/rules"
pubkey = "$d/signer.pub"
block = "$mode"
TOML
  if [ "$mode" = passive ]; then
    echo "inject_interface = \"$r_c_if\"" >>"$d/probe-$mode.toml"
  else
    # Two queues, 7 and 8, one thread each; the rule below sends everything to the second, so
    # its thread (not the first) must analyze and block.
    printf 'nfqueue = 7\nnfqueues = 2\n' >>"$d/probe-$mode.toml"
  fi
  "$NETWARD" probe --config "$d/probe-$mode.toml" --check >/dev/null
  # Directly, not through a shell function: $! must be the probe itself (SIGTERM below).
  ip netns exec "$NW_ROUTER_NS" "$NETWARD" probe --config "$d/probe-$mode.toml" \
    2>"$d/probe-$mode.log" &
  probe_pid=$!
  local ready="probe capturing"
  [ "$mode" = inline ] && ready="probe inline on NFQUEUE"
  for _ in $(seq 1 100); do
    grep -q "$ready" "$d/probe-$mode.log" && break
    kill -0 "$probe_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "$ready" "$d/probe-$mode.log" ||
    { echo "FAIL: $mode probe did not start:"; cat "$d/probe-$mode.log"; exit 1; }
  sleep 0.3
}
stop_probe() {
  sleep 0.5
  kill -TERM "$probe_pid"
  wait "$probe_pid" || { echo "FAIL: probe exited non-zero"; cat "$d/probe-$1.log"; fail=1; }
  grep -q "every record flushed" "$d/probe-$1.log" || { echo "FAIL: $1 probe: no clean stop"; fail=1; }
  probe_pid=""
}
# check_alert MODE RULE SCOPE TAKEN_REGEX
check_alert() {
  python3 - "$NW_TMP/records-$1/alert.jsonl" "$2" "$3" "$4" <<'PY'
import json, re, sys
path, rule, scope, taken = sys.argv[1:]
try:
    alerts = [json.loads(l) for l in open(path) if l.strip()]
except FileNotFoundError:
    alerts = []
hits = [a for a in alerts if a.get("rule_id") == rule]
ok = [a for a in hits if a.get("scope") == scope and re.fullmatch(taken, a.get("taken", ""))]
if ok:
    a = ok[0]
    print("ok: alert %s scope %s taken %s, %s:%s -> %s:%s" % (rule, scope, a["taken"],
          a.get("src_ip"), a.get("src_port"), a.get("dst_ip"), a.get("dst_port")))
    sys.exit(0)
print("FAIL: no alert %s/%s/%s in %s: %r" % (rule, scope, taken, path, alerts))
sys.exit(1)
PY
}

# --- passive (mirror port) -------------------------------------------------------------------
run_probe passive
set +e
nw_client curl -sS --compressed --max-time 30 -o "$d/a.out" "http://$S/a.html" 2>"$d/curl-a.err"
rc=$?
set -e
got=$(stat -c %s "$d/a.out" 2>/dev/null || echo 0)
if [ $rc -eq 56 ] && grep -q "Connection reset" "$d/curl-a.err"; then
  echo "ok: passive: curl of the GBK/gzip/chunked page reset (exit 56) after $got of $a_size bytes"
else
  echo "FAIL: passive: curl exit $rc ($(cat "$d/curl-a.err")), $got of $a_size bytes"; fail=1
fi
nw_client curl -sS --compressed --max-time 10 -o "$d/b.out" "http://$S/b.html" ||
  { echo "FAIL: passive: clean page fetch failed"; fail=1; }
if cmp -s "$d/b.out" "$d/www/b.html"; then
  echo "ok: passive: clean page arrived byte for byte"
else
  echo "FAIL: passive: clean page differs"; fail=1
fi
dig_out=$(nw_client dig +tries=1 +time=3 @"$S" blocked.example.test A 2>&1 || true)
if grep -q "status: NXDOMAIN" <<<"$dig_out"; then
  echo "ok: passive: blocked.example.test got NXDOMAIN first (the real answer is 10.200.2.99)"
else
  echo "FAIL: passive: dig blocked.example.test: $dig_out"; fail=1
fi
ok_out=$(nw_client dig +tries=1 +time=3 +short @"$S" fine.example.test A 2>&1 || true)
[ "$ok_out" = "10.200.2.99" ] && echo "ok: passive: fine.example.test resolves ($ok_out)" ||
  { echo "FAIL: passive: fine.example.test: $ok_out"; fail=1; }
grep -q "blocked.example.test" "$d/dnsmasq.log" ||
  { echo "FAIL: the real server never saw the blocked query"; fail=1; }
stop_probe passive
check_alert passive e2e-gambling-body http_body 'tcp_reset' || fail=1
check_alert passive e2e-gambling-domain dns 'dns_nxdomain' || fail=1

# --- inline (NFQUEUE) ------------------------------------------------------------------------
nw_router iptables -A FORWARD -j NFQUEUE --queue-num 8 --queue-bypass
run_probe inline
set +e
nw_client curl -sS --compressed --max-time 10 -o "$d/a2.out" "http://$S/a.html" 2>"$d/curl-a2.err"
rc=$?
set -e
got=$(stat -c %s "$d/a2.out" 2>/dev/null || echo 0)
if [ $rc -ne 0 ] && ! cmp -s "$d/a2.out" "$d/www/a.html"; then
  echo "ok: inline: fetch of the page cut (curl exit $rc: $(head -c 80 "$d/curl-a2.err")) after $got of $a_size bytes"
else
  echo "FAIL: inline: curl exit $rc, $got of $a_size bytes"; fail=1
fi
nw_client curl -sS --compressed --max-time 10 -o "$d/b2.out" "http://$S/b.html" ||
  { echo "FAIL: inline: clean page fetch failed"; fail=1; }
cmp -s "$d/b2.out" "$d/www/b.html" && echo "ok: inline: clean page arrived byte for byte" ||
  { echo "FAIL: inline: clean page differs"; fail=1; }
stop_probe inline
check_alert inline e2e-gambling-body http_body 'nfqueue_drop.*' || fail=1
# With the probe gone, --queue-bypass lets traffic pass.
nw_client curl -sS --compressed --max-time 10 -o "$d/b3.out" "http://$S/b.html" &&
  cmp -s "$d/b3.out" "$d/www/b.html" && echo "ok: inline: probe stopped, traffic bypasses the queue" ||
  { echo "FAIL: inline: no traffic after the probe stopped (queue bypass)"; fail=1; }

if [ $fail -ne 0 ]; then
  echo "--- probe logs"; cat "$d"/probe-*.log
  exit 1
fi
echo "PASS: filter blocking in network namespaces"
