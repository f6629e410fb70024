#!/usr/bin/env bash
# DHCP identity against real peers: dnsmasq serves DHCP in the server namespace, dhclient in the
# client namespace takes a lease and releases it, and `netward probe` capturing on the server's
# veth must write a `login` lease with the client's MAC, the address dnsmasq's lease file shows,
# the host name the client sent and the lease time, then a release for that address. The probe
# also loads a static bindings file ([static_bindings]), whose bind must appear. Needs root (ip
# netns), dnsmasq and dhclient (scripts/setup-deps). Usage: dhcp_peers_test.sh NETWARD
set -euo pipefail
NETWARD=${1:?usage: dhcp_peers_test.sh path/to/netward}
NETWARD=$(readlink -f "$NETWARD")
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for network namespaces"; exit 0; fi
for tool in dnsmasq dhclient ip; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (scripts/setup-deps)"; exit 0; }
done
NW_PREFIX=nwdhcp
source scripts/netns-lib.sh
probe_pid=""
client_pid=""
cleanup() {
  [ -n "$probe_pid" ] && kill -9 "$probe_pid" 2>/dev/null || true
  [ -n "$client_pid" ] && kill -9 "$client_pid" 2>/dev/null || true
  nw_cleanup
}
trap cleanup EXIT
nw_setup_pair
# The client gets its IPv4 address from DHCP only.
ip -n "$NW_CLIENT_NS" addr del "$NW_CLIENT_ADDR/24" dev "$NW_CLIENT_IF"
client_mac=$(ip -n "$NW_CLIENT_NS" -o link show "$NW_CLIENT_IF" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

d="$NW_TMP/dhcp"
mkdir -p "$d"
nw_server dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --pid-file= --user=root \
  --interface="$NW_SERVER_IF" --bind-interfaces --no-ping \
  --dhcp-range=10.200.1.100,10.200.1.150,255.255.255.0,1h --dhcp-leasefile="$d/leases" \
  --log-dhcp --log-facility="$d/dnsmasq.log" >"$d/stdout.log" 2>&1 &
NW_PIDS+=($!); disown $!
nw_wait_port "$NW_SERVER_NS" udp 0.0.0.0 67

cat >"$d/bindings.csv" <<'CSV'
account,calling_id,ip,mac
front-desk,0571-8888,10.200.9.0/24,
CSV
out="$NW_TMP/records"
cat >"$NW_TMP/probe.toml" <<TOML
site = "DHCP01"
[capture]
interfaces = ["$NW_SERVER_IF"]
[output]
json_dir = "$out"
flush_interval = "200ms"
[static_bindings]
file = "$d/bindings.csv"
TOML
ip netns exec "$NW_SERVER_NS" "$NETWARD" probe --config "$NW_TMP/probe.toml" 2>"$NW_TMP/probe.log" &
probe_pid=$!
for _ in $(seq 1 50); do
  grep -q "probe capturing" "$NW_TMP/probe.log" && break
  sleep 0.1
done
grep -q "probe capturing" "$NW_TMP/probe.log" || { echo "probe did not start:"; cat "$NW_TMP/probe.log"; exit 1; }
sleep 0.3

cat >"$d/dhclient.conf" <<'CONF'
send host-name "nw-dhcp-client";
request subnet-mask, broadcast-address, routers;
CONF
dhclient_args=(-cf "$d/dhclient.conf" -lf "$d/client.leases" -pf "$d/dhclient.pid" "$NW_CLIENT_IF")
nw_client timeout 20 dhclient -v -1 "${dhclient_args[@]}" >"$d/dhclient.log" 2>&1 ||
  { echo "dhclient got no lease:"; cat "$d/dhclient.log" "$d/dnsmasq.log"; exit 1; }
client_pid=$(cat "$d/dhclient.pid" 2>/dev/null || true)

# dnsmasq's lease file: expiry mac ip hostname client-id
read -r _ lease_mac lease_ip lease_host _ <"$d/leases"
echo "dnsmasq leased $lease_ip to $lease_mac ($lease_host); client MAC $client_mac"
[ "$lease_mac" = "$client_mac" ] || { echo "dnsmasq's lease is for another MAC"; exit 1; }

wait_for() {  # wait_for FILE PATTERN...: until a line matches all patterns, at most 5 s
  local f="$1"; shift
  for _ in $(seq 1 50); do
    if [ -f "$f" ]; then
      local lines; lines=$(cat "$f")
      local p; for p in "$@"; do lines=$(grep -F -- "$p" <<<"$lines" || true); done
      [ -n "$lines" ] && return 0
    fi
    sleep 0.1
  done
  echo "no record in $f matching: $*"; cat "$f" 2>/dev/null || true; return 1
}
wait_for "$out/login.jsonl" '"event":"lease"' "\"mac\":\"$client_mac\"" "\"ip\":\"$lease_ip\"" \
  '"hostname":"nw-dhcp-client"' '"duration_s":3600' '"source":"dhcp"'

nw_client timeout 20 dhclient -v -r "${dhclient_args[@]}" >>"$d/dhclient.log" 2>&1 || true
client_pid=""
wait_for "$out/login.jsonl" '"event":"release"' "\"mac\":\"$client_mac\"" "\"ip\":\"$lease_ip\""
wait_for "$out/login.jsonl" '"event":"bind"' '"account":"front-desk"' \
  '"ipv6_prefix":"10.200.9.0/24"' '"source":"static"'

kill -TERM "$probe_pid"
wait "$probe_pid" || { echo "probe exited non-zero"; cat "$NW_TMP/probe.log"; exit 1; }
probe_pid=""
echo "PASS: lease $lease_ip -> $client_mac, its release, and the static binding were recorded"
