#!/usr/bin/env bash
# The issue-4 proof end to end: a client in namespace A (10.200.1.2) behind NAT in namespace R
# (nftables masquerade to ports 20000-20099 on R's B-side veth) fetches a page from a server in
# namespace B (10.200.2.2). `netward probe` runs inside R: it captures on R's A-side veth, takes
# NAT mappings from conntrack ([nat.conntrack]) and subscribers from a static bindings CSV and,
# when radclient is installed, from its RADIUS accounting server on 127.0.0.1 (radclient in R
# sends an Accounting Start for A's address, which then holds it instead of the CSV binding).
# Given only B's view (the source address and port B's access log shows, and the time), `netward
# trace` on the probe's store must name A's account and calling number, A's inside address and
# the session; a port nobody used must report the missing link (exit 3).
# Needs root (ip netns), nft and curl; skips otherwise. NW_TRACE_CSV_ONLY=1 ignores radclient.
# Usage: trace_netns_test.sh NETWARD
set -euo pipefail
NETWARD=${1:?usage: trace_netns_test.sh path/to/netward}
NETWARD=$(readlink -f "$NETWARD")
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for network namespaces"; exit 0; fi
for tool in ip nft curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/setup-deps)"; exit 0; }
done
use_radius=0
if command -v radclient >/dev/null && [ -z "${NW_TRACE_CSV_ONLY:-}" ]; then use_radius=1; fi
NW_PREFIX=nwtrc
source scripts/netns-lib.sh
probe_pid=""
cleanup() {
  [ -n "$probe_pid" ] && kill -9 "$probe_pid" 2>/dev/null || true
  nw_cleanup
}
trap cleanup EXIT
nw_setup_trio
r_a_if="${NW_PREFIX}rc$$"   # R's A-side veth (the probe captures here)
r_b_if="${NW_PREFIX}rs$$"   # R's B-side veth (masquerade out of here)
a_addr=10.200.1.2
r_public=10.200.2.1
a_mac=$(ip -n "$NW_CLIENT_NS" -o link show "$NW_CLIENT_IF" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

nw_router nft -f - <<NFT
table ip nwtrace {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "$r_b_if" meta l4proto tcp masquerade to :20000-20099
  }
}
NFT

# B: a web server whose access log is B's whole view: client address, client port, time.
d="$NW_TMP/trace"
mkdir -p "$d/www"
echo "<html><body>page for the trace proof</body></html>" >"$d/www/index.html"
cat >"$d/server.py" <<PY
import http.server, time
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory="$d/www", **k)
    def log_message(self, fmt, *args):
        with open("$d/access.log", "a") as f:
            f.write("%s %d %.6f %s\n" % (self.client_address[0], self.client_address[1],
                                         time.time(), self.requestline))
http.server.ThreadingHTTPServer(("$NW_SERVER_ADDR", 8080), H).serve_forever()
PY
nw_server /usr/bin/python3 "$d/server.py" >"$d/server.out" 2>&1 &
NW_PIDS+=($!); disown $!
nw_wait_port "$NW_SERVER_NS" tcp "$NW_SERVER_ADDR" 8080

# Subscribers: the CSV binds A's address (and MAC); with RADIUS, alice's Start takes it over.
if [ $use_radius -eq 1 ]; then
  want_account=alice want_calling=79001112233 want_source=radius
else
  want_account=desk-a want_calling=0571-8888-0102 want_source=static
fi
cat >"$d/bindings.csv" <<CSV
account,calling_id,ip,mac
desk-a,0571-8888-0102,$a_addr,$a_mac
CSV
store="$NW_TMP/store"
out="$NW_TMP/records"
cat >"$d/probe.toml" <<TOML
site = "TRACE01"
[capture]
interfaces = ["$r_a_if"]
[flow]
tcp_closed_timeout = "0s"
[output]
json_dir = "$out"
flush_interval = "200ms"
[store]
dir = "$store"
retention_days = 60
[nat.conntrack]
[static_bindings]
file = "$d/bindings.csv"
TOML
if [ $use_radius -eq 1 ]; then
  cat >>"$d/probe.toml" <<TOML
[radius]
listen = ["127.0.0.1:1813"]
[radius.clients]
"127.0.0.1" = "trace-secret"
TOML
fi
"$NETWARD" probe --config "$d/probe.toml" --check
ip netns exec "$NW_ROUTER_NS" "$NETWARD" probe --config "$d/probe.toml" 2>"$d/probe.log" &
probe_pid=$!
for _ in $(seq 1 50); do
  grep -q "probe capturing" "$d/probe.log" && break
  sleep 0.1
done
grep -q "probe capturing" "$d/probe.log" || { echo "probe did not start:"; cat "$d/probe.log"; exit 1; }
grep -q "conntrack NAT events subscribed" "$d/probe.log" ||
  { echo "FAIL: conntrack source not started"; cat "$d/probe.log"; exit 1; }
sleep 0.3

if [ $use_radius -eq 1 ]; then
  nw_wait_port "$NW_ROUTER_NS" udp 127.0.0.1 1813
  sleep 1.1  # the Start lands in a later second than the CSV bind it takes over from
  printf '%s\n' "Acct-Status-Type = Start" "User-Name = \"$want_account\"" \
    "Calling-Station-Id = \"$want_calling\"" "Framed-IP-Address = $a_addr" \
    "Acct-Session-Id = \"e2e-trace-1\"" "NAS-IP-Address = 10.200.1.1" "NAS-Port = 7" |
    nw_router timeout 10 radclient -r 2 -t 2 127.0.0.1:1813 acct trace-secret >"$d/radclient.log" 2>&1 ||
    { echo "FAIL: radclient got no Accounting-Response"; cat "$d/radclient.log" "$d/probe.log"; exit 1; }
  grep -q "Accounting-Response" "$d/radclient.log" ||
    { echo "FAIL: radclient output has no Accounting-Response"; cat "$d/radclient.log"; exit 1; }
  echo "ok: radclient's Accounting Start for $want_account at $a_addr was answered"
fi

nw_client curl -s -o "$d/page.html" --max-time 5 "http://$NW_SERVER_ADDR:8080/index.html"
grep -q "page for the trace proof" "$d/page.html" || { echo "FAIL: A did not get the page"; exit 1; }
for _ in $(seq 1 20); do [ -s "$d/access.log" ] && break; sleep 0.1; done
read -r b_ip b_port b_time _ <"$d/access.log" || { echo "FAIL: B logged nothing"; exit 1; }
b_at=$(date -u -d "@$b_time" +%Y-%m-%dT%H:%M:%S.%3NZ)
echo "B saw the request from $b_ip:$b_port at $b_at"
[ "$b_ip" = "$r_public" ] || { echo "FAIL: B saw $b_ip, not R's public $r_public (no NAT?)"; exit 1; }
if [ "$b_port" -lt 20000 ] || [ "$b_port" -gt 20099 ]; then
  echo "FAIL: B saw port $b_port, not one of the masquerade range 20000-20099"; exit 1
fi

sleep 0.5  # conntrack NEW is long delivered; let the session close and flush
kill -TERM "$probe_pid"
if ! wait "$probe_pid"; then echo "FAIL: probe exited non-zero on SIGTERM"; cat "$d/probe.log"; exit 1; fi
probe_pid=""
grep -q "every record flushed" "$d/probe.log" || { echo "FAIL: no clean-shutdown line"; exit 1; }

fail=0
# The question asked from B's side only: public address, port and time.
set +e
"$NETWARD" trace --store "$store" --ip "$b_ip" --port "$b_port" --at "$b_at" >"$d/trace.txt" 2>&1
rc=$?
"$NETWARD" trace --store "$store" --ip "$b_ip" --port "$b_port" --at "$b_at" --format json \
  >"$d/trace.json" 2>"$d/trace_json.err"
rc_json=$?
set -e
echo "--- netward trace --ip $b_ip --port $b_port --at $b_at"
cat "$d/trace.txt"
[ $rc -eq 0 ] || { echo "FAIL: trace exit status $rc"; fail=1; }
[ $rc_json -eq 0 ] || { echo "FAIL: trace --format json exit status $rc_json"; cat "$d/trace_json.err"; fail=1; }
check_text() {  # check_text REGEX WHAT
  if grep -Eq -- "$1" "$d/trace.txt"; then echo "ok: text names $2"; else echo "FAIL: text lacks $2 ($1)"; fail=1; fi
}
check_text "^nat +$b_ip:$b_port <- $a_addr:[0-9]+ tcp .*source conntrack" "the conntrack mapping"
check_text "^inside +$a_addr\$" "A's inside address"
check_text "^subscriber +account $want_account, calling_id $want_calling,.*source $want_source" \
  "A's account and calling number"
[ $use_radius -eq 1 ] || check_text "^subscriber .*, mac $a_mac, source static" "A's MAC from the CSV"
check_text "^sessions +[1-9][0-9]* between" "the sessions"
check_text "^  .* tcp $a_addr:[0-9]+ -> $NW_SERVER_ADDR:8080 " "A's session to B"
python3 - "$d/trace.json" "$b_ip" "$b_port" "$a_addr" "$want_account" "$want_calling" \
  "$want_source" "$NW_SERVER_ADDR" <<'PY' || fail=1
import json, sys
path, b_ip, b_port, a_addr, account, calling, source, server = sys.argv[1:]
t = json.load(open(path))
errs = []
nat = t.get("nat") or {}
if nat.get("outside_ip") != b_ip or int(nat.get("outside_port", -1)) != int(b_port):
    errs.append("nat is not %s:%s: %r" % (b_ip, b_port, nat))
if nat.get("inside_ip") != a_addr or nat.get("source") != "conntrack":
    errs.append("nat inside/source wrong: %r" % nat)
if t.get("inside_ip") != a_addr:
    errs.append("inside_ip %r" % t.get("inside_ip"))
sub = t.get("subscriber") or {}
if sub.get("account") != account or sub.get("calling_id") != calling or sub.get("source") != source:
    errs.append("subscriber %r" % sub)
if t.get("missing") is not None:
    errs.append("missing %r" % t.get("missing"))
s = [x for x in t.get("sessions", []) if x.get("src_ip") == a_addr and x.get("dst_ip") == server
     and int(x.get("dst_port", 0)) == 8080 and int(x.get("src_port", 0)) == int(nat.get("inside_port", -1))]
if not s:
    errs.append("no session %s:%s -> %s:8080 in %r" % (a_addr, nat.get("inside_port"), server,
                                                         t.get("sessions")))
elif s[0].get("account") != account:
    errs.append("session not enriched with the account: %r" % s[0])
for e in errs:
    print("FAIL: json: " + e)
if not errs:
    print("ok: json names nat %s:%s <- %s:%s, %s / %s (%s), and the session"
          % (b_ip, b_port, a_addr, nat["inside_port"], account, calling, source))
sys.exit(1 if errs else 0)
PY

# A port nobody used: the chain breaks at the NAT link, and trace says so with exit status 3.
unused=20100
set +e
"$NETWARD" trace --store "$store" --ip "$b_ip" --port "$unused" --at "$b_at" >"$d/trace_missing.txt" 2>&1
rc=$?
set -e
if [ $rc -eq 3 ] && grep -Eq "^missing +no NAT mapping for $b_ip:$unused" "$d/trace_missing.txt"; then
  echo "ok: unused port $unused: exit 3, $(grep '^missing' "$d/trace_missing.txt")"
else
  echo "FAIL: unused port $unused: exit $rc"; cat "$d/trace_missing.txt"; fail=1
fi
if [ $fail -ne 0 ]; then
  echo "--- probe log"; cat "$d/probe.log"
  echo "--- nat.jsonl"; cat "$out/nat.jsonl" 2>/dev/null || true
  echo "--- login.jsonl"; cat "$out/login.jsonl" 2>/dev/null || true
  exit 1
fi
echo "PASS: B's view $b_ip:$b_port at $b_at traced to $want_account ($want_calling) at $a_addr"
