#!/usr/bin/env bash
# bench/store_run.sh: the store benchmark (bench/README.md, "Store"): netward's store against
# SQLite and ClickHouse on one generated data set, in one run. Run by bench/run.sh (skipped there
# with STORE_RECORDS=0), or directly:
#   STORE_RECORDS=2e6 BUILD=build bash bench/store_run.sh
# Builds store_bench in $BUILD (default build/), runs it on STORE_RECORDS records (default
# 50000000) for STORE_SYSTEMS (default netward,sqlite,clickhouse) with its data under a temporary
# directory in STORE_TMPDIR (default /tmp; removed at the end), and replaces the "## Store"
# section of $RESULTS (default bench/RESULTS.md), keeping the rest of the file. Nothing is written
# to $RESULTS when the systems disagree on a query's row count or one of them fails.
# More arguments for store_bench: STORE_ARGS (e.g. "--clickhouse-compression lz4").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
RESULTS="${RESULTS:-bench/RESULTS.md}"
STORE_RECORDS="${STORE_RECORDS:-50000000}"
STORE_SYSTEMS="${STORE_SYSTEMS:-netward,sqlite,clickhouse}"
STORE_QUERIES="${STORE_QUERIES:-20}"
STORE_SEED="${STORE_SEED:-1}"
STORE_TMPDIR="${STORE_TMPDIR:-/tmp}"
STORE_ARGS="${STORE_ARGS:-}"

say() { echo "store bench: $*" >&2; }

TMP="$(mktemp -d "$STORE_TMPDIR/netward-store-bench-XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=bench/lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"

# ---- build ----------------------------------------------------------------------------------
nw_bench_build store_bench

# ---- run ------------------------------------------------------------------------------------
df -h "$STORE_TMPDIR" | sed 's/^/store bench: /' >&2
cmd=("$BUILD/bench/store_bench" --records "$STORE_RECORDS" --systems "$STORE_SYSTEMS"
  --queries "$STORE_QUERIES" --seed "$STORE_SEED" --dir "$TMP"
  --clickhouse-config "$ROOT/bench/clickhouse" --markdown "$TMP/store.md")
# shellcheck disable=SC2206 # STORE_ARGS is split on purpose
cmd+=($STORE_ARGS)
say "${cmd[*]}"
t0=$(date +%s)
"${cmd[@]}" >/dev/null || { say "store_bench failed (see above); $RESULTS left as it was"; exit 1; }
say "took $(($(date +%s) - t0)) s"

# ---- report ---------------------------------------------------------------------------------
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
records=$(awk -v n="$STORE_RECORDS" 'BEGIN { printf "%d", n }')
{
  echo "## Store"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $commit (plus any uncommitted changes) by"
  echo "bench/store_run.sh (issue 3, \"Speed and size\"). Machine: $model, $(nproc) cores, $mem memory;"
  echo "$(uname -sr). The bench process (netward, SQLite) is pinned to CPU 0; see ClickHouse's"
  echo "setup below for its CPUs. Page caches were not dropped: each system's files were just"
  echo "written, so the queries run warm, as they would on a store that is being written."
  echo
  echo "Data: $records records (2/3 session, 1/3 nat; bench/store_bench_data.cc, seed $STORE_SEED)"
  echo "over the 30 days from 2026-10-01: 100 k subscribers (account u0012345, calling_id 170...,"
  echo "inside 10.x.y.z), 256 CGNAT addresses with 128-port blocks, destinations Zipf over 1 M"
  echo "addresses, 5 k host names Zipf, ports mostly 443/80/53, log-normal durations and byte counts."
  echo "Each system gets the same records; ingest time counts only the system's own work, not the"
  echo "making of its input (JSON lines for netward, RowBinary for ClickHouse, bound values for SQLite)."
  echo
  echo "Queries, $STORE_QUERIES parameter sets each drawn from the data, each set run once to warm up"
  echo "and once timed (p50 / p90 of the timed runs, wall time in the bench process, fetching every"
  echo "matching record): (a) session and nat records of one inside address within ±30 min of a"
  echo "time; (b) session records of one account in one UTC day; (c) session records of one UTC day"
  echo "whose host or url contains \"bank\". Bytes/record: bytes on disk / records."
  echo
  cat "$TMP/store.md"
  echo
  echo "Command:"
  echo
  echo "    STORE_RECORDS=$STORE_RECORDS STORE_SYSTEMS=$STORE_SYSTEMS STORE_QUERIES=$STORE_QUERIES" \
    "STORE_SEED=$STORE_SEED bash bench/store_run.sh"
  echo "    # = ${cmd[*]/#$TMP/\$TMPDIR}"
} >"$TMP/section.md"

nw_replace_section "Store" "$TMP/section.md"
cat "$TMP/section.md"
