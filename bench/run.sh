#!/usr/bin/env bash
# bench/run.sh: the benchmark table (bench/README.md). Run by `make bench`, or directly:
#   BUILD=build bash bench/run.sh
# Builds the bench tools (and netward) in $BUILD (default build/), generates
# bench/data/workload.pcap if it is missing (1.1 GB, fixed seed; bench/data is git-ignored),
# runs each program RUNS times (default 3) and keeps the best wall time and the highest peak RSS
# (/usr/bin/time -v), prints a Markdown table and writes it to bench/RESULTS.md together with the
# machine and the exact commands. A program that is not built yet (netward replay,
# flow_memory_bench) is reported as skipped, not as a failure.
# Then the store benchmark, bench/store_run.sh, on STORE_RECORDS generated records (default
# 50000000, ~30 min; STORE_RECORDS=0 skips it and keeps the "## Store" section already there).
# Then the identity benchmark, bench/identity_run.sh (IDENTITY_DAYS x IDENTITY_PER_DAY NAT
# mappings, default 1 x 2000000, a few minutes; IDENTITY_PER_DAY=0 skips it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
RUNS="${RUNS:-3}"
WORKLOAD="${WORKLOAD:-bench/data/workload.pcap}"
WORKLOAD_BYTES="${WORKLOAD_BYTES:-1.1e9}"
RESULTS="${RESULTS:-bench/RESULTS.md}"

say() { echo "bench: $*" >&2; }
[ -x /usr/bin/time ] || { say "/usr/bin/time is missing (Debian package 'time')"; exit 1; }

TMP="$(mktemp -d /tmp/netward-bench-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

# ---- build ----------------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/build.log" 2>&1 ||
    { cat "$TMP/build.log" >&2; exit 1; }
fi
ninja -C "$BUILD" gen_workload pcap_read_bench >"$TMP/build.log" 2>&1 ||
  { tail -30 "$TMP/build.log" >&2; exit 1; }
have_target() { ninja -C "$BUILD" -t targets all 2>/dev/null | grep -q "^$1:"; }
NETWARD_BUILT=1
if ! ninja -C "$BUILD" netward >"$TMP/build.log" 2>&1; then
  say "netward did not build; its row is skipped:"; grep -m3 -E 'error|undefined' "$TMP/build.log" >&2 || true
  NETWARD_BUILT=0
fi
FLOW_MEM_BUILT=0
if have_target flow_memory_bench; then
  if ninja -C "$BUILD" flow_memory_bench >"$TMP/build.log" 2>&1; then
    FLOW_MEM_BUILT=1
  else
    say "flow_memory_bench did not build; skipped"
  fi
fi

# ---- workload -------------------------------------------------------------------------------
if [ ! -s "$WORKLOAD" ]; then
  mkdir -p "$(dirname "$WORKLOAD")"
  say "generating $WORKLOAD ($WORKLOAD_BYTES bytes)"
  "$BUILD/bench/gen_workload" --bytes "$WORKLOAD_BYTES" "$WORKLOAD.tmp" >&2
  mv "$WORKLOAD.tmp" "$WORKLOAD"
fi

# measure LABEL CMD...: runs CMD $RUNS times; sets M_SECS (best wall seconds), M_RSS (highest
# peak RSS in KiB) and M_OUT (stdout of the best run); returns CMD's status on failure.
# Before each run, $TMP/json is emptied (the replay row writes its records there).
measure() {
  local label="$1"; shift
  M_SECS=""; M_RSS=0; M_OUT=""
  local i t0 t1 secs rss rc
  for i in $(seq 1 "$RUNS"); do
    rm -rf "$TMP/json"; mkdir -p "$TMP/json"
    t0=$(date +%s%N)
    rc=0
    /usr/bin/time -v -o "$TMP/time.txt" "$@" >"$TMP/out.txt" 2>"$TMP/err.txt" || rc=$?
    t1=$(date +%s%N)
    if [ $rc -ne 0 ]; then
      say "$label failed (exit $rc):"; tail -5 "$TMP/err.txt" >&2
      return $rc
    fi
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.txt")
    say "$label run $i: $secs s, peak RSS $((rss / 1024)) MiB"
    if [ -z "$M_SECS" ] || awk -v a="$secs" -v b="$M_SECS" 'BEGIN { exit !(a < b) }'; then
      M_SECS="$secs"; M_OUT="$(cat "$TMP/out.txt")"
    fi
    [ "$rss" -gt "$M_RSS" ] && M_RSS="$rss"
  done
  return 0
}

ROWS=()
CMDS=()
FLOOR_SECS=""
PACKETS=""
BYTES=""
# row PROGRAM SECS RSS_KIB: one table row; rates use the workload's packet and byte counts.
row() {
  ROWS+=("$(awk -v name="$1" -v s="$2" -v rss="$3" -v p="$PACKETS" -v b="$BYTES" -v f="$FLOOR_SECS" \
    'BEGIN { printf "| %s | %.3f | %.2f | %.2f M | %.1f MiB | %.2f |", name, s, b * 8 / s / 1e9,
             p / s / 1e6, rss / 1024, f / s }')")
}
skip_row() { ROWS+=("| $1 | - | - | - | - | skipped: $2 |"); }

# ---- rows -----------------------------------------------------------------------------------
cmd=("$BUILD/bench/pcap_read_bench" "$WORKLOAD")
measure "pcap_read_bench" "${cmd[@]}"
PACKETS=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' <<<"$M_OUT")
BYTES=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' <<<"$M_OUT")
FLOOR_SECS="$M_SECS"
row "libpcap read loop (the floor)" "$M_SECS" "$M_RSS"
CMDS+=("${cmd[*]}")

cmd=("$BUILD/bench/pcap_read_bench" --stdio-buffer-kb 1024 "$WORKLOAD")
if measure "pcap_read_bench (1 MiB buffer)" "${cmd[@]}"; then
  row "libpcap read loop, 1 MiB stdio buffer (netward's reader setting)" "$M_SECS" "$M_RSS"
  BUFFERED_FLOOR_SECS="$M_SECS"
  CMDS+=("${cmd[*]}")
fi

cmd=("$BUILD/netward" replay "$WORKLOAD" --workers 1 --json "$TMP/json")
if [ "$NETWARD_BUILT" -eq 0 ]; then
  skip_row "netward replay, 1 worker, JSON records" "netward did not build"
elif [ ! -x "$BUILD/netward" ] || ! "$BUILD/netward" replay --help >/dev/null 2>&1; then
  skip_row "netward replay, 1 worker, JSON records" "no \`netward replay\` in $BUILD"
elif measure "netward replay" "${cmd[@]}"; then
  row "netward replay, 1 worker, JSON records" "$M_SECS" "$M_RSS"
  CMDS+=("$BUILD/netward replay $WORKLOAD --workers 1 --json \$TMPDIR/json")
else
  skip_row "netward replay, 1 worker, JSON records" "failed, see the log above"
fi

# Filtering off vs on (issue 5), side by side: the same replay with the 20 k keyword + 2 k regex
# bundle of bench/gen_filter_bundle.py, signed with a throw-away key. The seconds are the
# replay's own processing time (the `time` line of its summary), so the bundle's compile at
# start-up is left out of the throughput and named in the row instead.
if [ "$NETWARD_BUILT" -eq 1 ] && "$BUILD/netward" replay --help 2>/dev/null | grep -q -- --rules; then
  python3 "$ROOT/bench/gen_filter_bundle.py" "$TMP/filter.toml"
  "$BUILD/netward" keygen --name bench.invalid/rules --out "$TMP/filter-key" >/dev/null 2>&1
  "$BUILD/netward" rules sign "$TMP/filter.toml" --key "$TMP/filter-key.key" >/dev/null
  proc_secs() { sed -n 's/^time *\([0-9.]*\) s.*/\1/p' <<<"$M_OUT"; }
  if measure "replay, filter off" "$BUILD/netward" replay "$WORKLOAD" --workers 1 --json "$TMP/json"; then
    row "netward replay, 1 worker, filter off (processing time)" "$(proc_secs)" "$M_RSS"
  fi
  cmd=("$BUILD/netward" replay "$WORKLOAD" --workers 1 --json "$TMP/json"
       --rules "$TMP/filter.toml" --pubkey "$TMP/filter-key.pub")
  if measure "replay, filter on" "${cmd[@]}"; then
    on_secs=$(proc_secs)
    startup=$(awk -v a="$M_SECS" -v b="$on_secs" 'BEGIN { printf "%.1f", a - b }')
    row "netward replay, 1 worker, filter on: 20 k keywords + 2 k regexes (processing time; start-up with the bundle compile ${startup} s)" "$on_secs" "$M_RSS"
    CMDS+=("python3 bench/gen_filter_bundle.py \$TMPDIR/filter.toml; netward keygen, netward rules sign; $BUILD/netward replay $WORKLOAD --workers 1 --json \$TMPDIR/json [--rules \$TMPDIR/filter.toml --pubkey \$TMPDIR/filter-key.pub]")
  fi
fi

if [ "$NETWARD_BUILT" -eq 1 ] && [ "$(nproc)" -ge 2 ]; then
  cmd=("$BUILD/netward" replay "$WORKLOAD" --workers "$(nproc)" --json "$TMP/json")
  if measure "netward replay $(nproc) workers" "${cmd[@]}"; then
    row "netward replay, $(nproc) workers, JSON records" "$M_SECS" "$M_RSS"
    CMDS+=("$BUILD/netward replay $WORKLOAD --workers $(nproc) --json \$TMPDIR/json")
  fi
fi

FLOW_MEM=""
if [ "$FLOW_MEM_BUILT" -eq 1 ] && [ -x "$BUILD/bench/flow_memory_bench" ]; then
  if RUNS=1 measure "flow_memory_bench" "$BUILD/bench/flow_memory_bench"; then
    FLOW_MEM="$M_OUT (peak RSS $((M_RSS / 1024)) MiB)"
    CMDS+=("$BUILD/bench/flow_memory_bench")
  fi
fi

# ---- report ---------------------------------------------------------------------------------
# The "## Store" section (bench/store_run.sh) is kept; store_run.sh replaces it when it runs.
STORE_SECTION=""
if [ -f "$RESULTS" ]; then
  STORE_SECTION="$(awk '/^## / { keep = ($0 ~ /^## (Store|Identity|Site API|Filter)[[:space:]]*$/) } keep' "$RESULTS")"
fi
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "# Benchmark results"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) at commit $commit (plus any uncommitted changes) by bench/run.sh."
  echo
  echo "Machine: $model, $(nproc) cores, $mem memory; $(uname -sr)."
  echo
  echo "Workload: \`$WORKLOAD\`, $(stat -c %s "$WORKLOAD") bytes, $PACKETS packets, $BYTES bytes of frames"
  echo "(bench/gen_workload, default seed). Best of $RUNS runs (wall time of the whole process);"
  echo "Gbit/s and packets/s are frame bytes and packets over that time; peak RSS is the highest"
  echo "of the runs (/usr/bin/time -v); ratio = the floor's seconds / this program's seconds."
  echo
  echo "| program | seconds | Gbit/s | packets/s | peak RSS | ratio to floor |"
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "The floor is the plain libpcap loop the project's target is stated against (DESIGN.md)."
  echo "libpcap's default stdio buffer makes it read 4 KiB per system call; netward's reader uses"
  echo "a 1 MiB buffer, so the second row is the reader alone with the same setting: against it"
  echo "netward's single-worker ratio is lower, and that row is the honest measure of how much"
  echo "time the analysis itself takes."
  if [ -n "$FLOW_MEM" ]; then
    echo
    echo "flow_memory_bench (1,000,000 idle flows): \`$FLOW_MEM\`"
  fi
  echo
  echo "Commands:"
  echo
  for c in "${CMDS[@]}"; do echo "    /usr/bin/time -v $c"; done
  if [ -n "$STORE_SECTION" ]; then
    echo
    echo "$STORE_SECTION"
  fi
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"

# ---- the store against SQLite and ClickHouse ------------------------------------------------
if [ "${STORE_RECORDS:-50000000}" != "0" ]; then
  BUILD="$BUILD" RESULTS="$RESULTS" bash "$ROOT/bench/store_run.sh"
fi

# ---- identity: NAT ingest and trace, index / store / ClickHouse (bench/identity_run.sh) ------
# IDENTITY_PER_DAY=0 skips it and keeps the "## Identity" section already there.
if [ "${IDENTITY_PER_DAY:-2000000}" != "0" ]; then
  BUILD="$BUILD" RESULTS="$RESULTS" bash "$ROOT/bench/identity_run.sh"
fi

# ---- the content filter: rule matching MB/s (bench/filter_run.sh) ----------------------------
# FILTER_MB=0 skips it and keeps the "## Filter" section already there.
if [ "${FILTER_MB:-64}" != "0" ]; then
  BUILD="$BUILD" RESULTS="$RESULTS" bash "$ROOT/bench/filter_run.sh"
fi

# ---- the site API: /v1/moderate latency over HTTP (bench/api_run.sh) --------------------------
# API_REQUESTS=0 skips it and keeps the "## Site API" section already there.
if [ "${API_REQUESTS:-20000}" != "0" ]; then
  BUILD="$BUILD" RESULTS="$RESULTS" bash "$ROOT/bench/api_run.sh"
fi
