#!/usr/bin/env bash
# bench/filter_run.sh: the content filter's throughput (bench/filter_bench.cc; docs/rules.md;
# issue 5 target >= 1 GB/s per core for the matcher alone). Run by bench/run.sh, or directly:
#   BUILD=build bash bench/filter_run.sh
# Replaces the "## Filter" section of $RESULTS (default bench/RESULTS.md), keeping the rest;
# nothing is written when the bench fails. FILTER_MB (default 64), FILTER_KEYWORDS (20000),
# FILTER_REGEXES (2000) set the run; it is done for three text mixes (50 %, 90 %, 0 % Chinese).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
RESULTS="${RESULTS:-bench/RESULTS.md}"
FILTER_MB="${FILTER_MB:-64}"
FILTER_KEYWORDS="${FILTER_KEYWORDS:-20000}"
FILTER_REGEXES="${FILTER_REGEXES:-2000}"

say() { echo "filter bench: $*" >&2; }
TMP="$(mktemp -d /tmp/netward-filter-bench-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=bench/lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"

nw_bench_build filter_bench

model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
{
  echo "## Filter"
  echo
  echo "Rule matching (bench/filter_bench.cc): $FILTER_KEYWORDS keyword rules (half Chinese, 3-6"
  echo "characters; half English, one 6-12 letter word or two or three 3-9 letter words) and"
  echo "$FILTER_REGEXES regexes, one scope; $FILTER_MB MB of generated text in 16 KiB chunks, one"
  echo "thread; MB/s per core = bytes over this thread's CPU time. \"Matcher alone\" is"
  echo "CheckNormalized on text normalized beforehand; \"normalizer + matcher\" is Check on the raw"
  echo "text. English runs are random letters that normalization joins into one letter stream."
  echo "Machine: $model, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)."
  for share in 0.5 0.9 0; do
    cmd=("$BUILD/bench/filter_bench" --mb "$FILTER_MB" --keywords "$FILTER_KEYWORDS"
         --regexes "$FILTER_REGEXES" --zh-share "$share" --markdown "$TMP/table.md")
    "${cmd[@]}" >/dev/null || { say "failed: ${cmd[*]}"; exit 1; }
    echo
    cat "$TMP/table.md"
    echo
    echo "    ${cmd[*]% --markdown*}"
  done
} >"$TMP/section.md"

nw_replace_section "Filter" "$TMP/section.md"
say "wrote the \"## Filter\" section of $RESULTS"
