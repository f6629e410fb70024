#!/usr/bin/env bash
# Live capture end to end: real traffic between two network namespaces (curl -> nginx, dig ->
# dnsmasq) crosses a veth on which `netward probe` captures; its http, dns and session records
# must appear in the output files within 2 seconds of the traffic, and SIGTERM must stop the
# probe cleanly with every record flushed. Needs root (ip netns). Usage: live_probe_test.sh NETWARD
set -euo pipefail
NETWARD=${1:?usage: live_probe_test.sh path/to/netward}
NETWARD=$(readlink -f "$NETWARD")
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for network namespaces"; exit 0; fi
NW_PREFIX=nwlive
source scripts/netns-lib.sh
probe_pid=""
cleanup() {
  [ -n "$probe_pid" ] && kill -9 "$probe_pid" 2>/dev/null || true
  nw_cleanup
}
trap cleanup EXIT
nw_setup_pair
nw_start_nginx
nw_start_dnsmasq

out="$NW_TMP/records"
cat > "$NW_TMP/probe.toml" <<TOML
site = "LIVE01"
workers = 2
[capture]
interfaces = ["$NW_SERVER_IF"]
[flow]
tcp_closed_timeout = "0s"
[output]
json_dir = "$out"
flush_interval = "250ms"
[store]
dir = "$NW_TMP/store"
retention_days = 60
TOML
"$NETWARD" probe --config "$NW_TMP/probe.toml" --check
# exec form (not the nw_server function) so $! is the probe itself and gets our SIGTERM
ip netns exec "$NW_SERVER_NS" "$NETWARD" probe --config "$NW_TMP/probe.toml" 2>"$NW_TMP/probe.log" &
probe_pid=$!
for _ in $(seq 1 50); do
  grep -q "probe capturing" "$NW_TMP/probe.log" && break
  sleep 0.1
done
grep -q "probe capturing" "$NW_TMP/probe.log" || { echo "probe did not start:"; cat "$NW_TMP/probe.log"; exit 1; }
sleep 0.3  # libpcap is activated before the line is printed; give the ring a moment

nw_client dig +short +time=2 +tries=1 @"$NW_SERVER_ADDR" www.example.test A >/dev/null
nw_client curl -s -o /dev/null --max-time 5 "http://www.example.test/index.html" \
  --resolve "www.example.test:80:$NW_SERVER_ADDR"
sent=$(date +%s.%N)

wait_for() {  # wait_for FILE PATTERN: until a line matches, at most 2 s after the traffic
  while :; do
    if [ -f "$1" ] && grep -q "$2" "$1"; then return 0; fi
    now=$(date +%s.%N)
    if awk -v a="$sent" -v b="$now" 'BEGIN { exit !(b - a > 2.0) }'; then return 1; fi
    sleep 0.05
  done
}
fail=0
for check in "http.jsonl|\"host\":\"www.example.test\"" "dns.jsonl|\"query\":\"www.example.test\"" \
             "session.jsonl|\"app\":\"http\""; do
  file=${check%%|*}; pattern=${check#*|}
  if wait_for "$out/$file" "$pattern"; then
    echo "ok: $file has $pattern after $(awk -v a="$sent" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
  else
    echo "FAIL: no $pattern in $file within 2 s"; fail=1
  fi
done

kill -TERM "$probe_pid"
if ! wait "$probe_pid"; then echo "FAIL: probe exited non-zero on SIGTERM"; cat "$NW_TMP/probe.log"; fail=1; fi
probe_pid=""
grep -q "every record flushed" "$NW_TMP/probe.log" || { echo "FAIL: no clean-shutdown line"; fail=1; }
grep -q '"site":"LIVE01"' "$out/session.jsonl" || { echo "FAIL: site code missing"; fail=1; }
# Every line is complete JSON (nothing torn by the shutdown).
python3 - "$out" <<'PY' || fail=1
import json, sys, pathlib
for f in pathlib.Path(sys.argv[1]).glob("*.jsonl"):
    for n, line in enumerate(f.read_text().splitlines(), 1):
        json.loads(line)
print("ok: every record line parses")
PY
# The same records reached the tamper-evident store ([store] dir), intact and searchable.
if "$NETWARD" verify --store "$NW_TMP/store" >"$NW_TMP/verify.log" 2>&1; then
  echo "ok: store verifies"
else
  echo "FAIL: store verify"; cat "$NW_TMP/verify.log"; fail=1
fi
for stream in session dns http; do
  want=$(wc -l <"$out/$stream.jsonl")
  got=$("$NETWARD" query --store "$NW_TMP/store" --stream "$stream" | wc -l)
  if [ "$got" -eq "$want" ]; then echo "ok: store has the $want $stream records";
  else echo "FAIL: store has $got $stream records, $stream.jsonl has $want"; fail=1; fi
done
"$NETWARD" query --store "$NW_TMP/store" --stream http --where host=www.example.test | grep -q '"uri":"/index.html"' ||
  { echo "FAIL: query --where host found nothing"; fail=1; }
exit $fail
