#!/usr/bin/env bash
# bench/identity_run.sh: the identity benchmark (issue 4, "Speed"): NAT events ingested into the
# in-memory identity index, into netward's store and into ClickHouse, bytes per NAT record at
# rest, and trace latency (public address, port, time -> subscriber) for each, in one run of
# bench/identity_bench. Run by bench/run.sh (skipped there with IDENTITY_PER_DAY=0), or directly:
#   IDENTITY_DAYS=1 IDENTITY_PER_DAY=2e6 BUILD=build bash bench/identity_run.sh
# Scale: IDENTITY_DAYS (default 1) days of IDENTITY_PER_DAY (default 2000000) NAT mappings for
# 100 k subscribers; the issue's full workload is IDENTITY_DAYS=30 IDENTITY_PER_DAY=20000000
# (identity_bench --full: 600 M records, hours and ~100 GB). Replaces the "## Identity" section
# of $RESULTS (default bench/RESULTS.md), keeping the rest; nothing is written when a system fails
# or answers a question wrongly. More arguments for identity_bench: IDENTITY_ARGS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
RESULTS="${RESULTS:-bench/RESULTS.md}"
IDENTITY_DAYS="${IDENTITY_DAYS:-1}"
IDENTITY_PER_DAY="${IDENTITY_PER_DAY:-2000000}"
IDENTITY_SYSTEMS="${IDENTITY_SYSTEMS:-index,store,clickhouse}"
IDENTITY_TMPDIR="${IDENTITY_TMPDIR:-/tmp}"
IDENTITY_ARGS="${IDENTITY_ARGS:-}"

say() { echo "identity bench: $*" >&2; }

TMP="$(mktemp -d "$IDENTITY_TMPDIR/netward-identity-bench-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=bench/lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"

nw_bench_build identity_bench

per_day=$(awk -v n="$IDENTITY_PER_DAY" 'BEGIN { printf "%d", n }')
cmd=("$BUILD/bench/identity_bench" --days "$IDENTITY_DAYS" --per-day "$per_day"
  --systems "$IDENTITY_SYSTEMS" --dir "$TMP/data" --clickhouse-config "$ROOT/bench/clickhouse"
  --markdown "$TMP/identity.md")
# shellcheck disable=SC2206 # IDENTITY_ARGS is split on purpose
cmd+=($IDENTITY_ARGS)
say "${cmd[*]}"
t0=$(date +%s)
"${cmd[@]}" >&2 || { say "identity_bench failed (see above); $RESULTS left as it was"; exit 1; }
say "took $(($(date +%s) - t0)) s"

model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "## Identity"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $commit (plus any uncommitted changes) by"
  echo "bench/identity_run.sh (issue 4, \"Speed\"). Machine: $model, $(nproc) cores, $mem memory;"
  echo "$(uname -sr)."
  echo
  cat "$TMP/identity.md"
  echo
  echo "- Index: NAT records (made before the timed part) into IdentityIndex::AddNat, thread CPU"
  echo "  time; the index holds its default 4 M newest mappings and evicts the oldest as it goes."
  echo "  Trace: FindByOutside (address, port, time, remote peer) then FindSubscriber, wall time,"
  echo "  questions about mappings still held."
  echo "- Store and ClickHouse: trace = the queries \`netward trace\` runs with its default"
  echo "  lookbacks (nat of address:port from 24 h before to 1 h after, port blocks of the address,"
  echo "  logins of the inside address from 7 days before), wall time in the bench process, pages"
  echo "  warm (just written). ClickHouse: MergeTree ORDER BY (outside_ip, outside_port, ts), daily"
  echo "  partitions, addresses as UInt32 (IPv4 only, which favours it)."
  echo "- Targets (issue 4): >= 1 M NAT events/s ingested, <= 8 bytes per NAT record at rest,"
  echo "  trace p99 <= 5 ms."
  echo
  echo "Command:"
  echo
  echo "    IDENTITY_DAYS=$IDENTITY_DAYS IDENTITY_PER_DAY=$IDENTITY_PER_DAY bash bench/identity_run.sh"
  echo "    # = ${cmd[*]/#$TMP/\$TMPDIR}"
} >"$TMP/section.md"

nw_replace_section "Identity" "$TMP/section.md"
cat "$TMP/section.md"
