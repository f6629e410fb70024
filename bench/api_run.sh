#!/usr/bin/env bash
# bench/api_run.sh: the site API's /v1/moderate latency (bench/api_bench.cc; docs/api.md; issue 5
# target p99 <= 2 ms for a 2 KB post with 20 k rules). Run by bench/run.sh, or directly:
#   BUILD=build bash bench/api_run.sh
# Replaces the "## Site API" section of $RESULTS (default bench/RESULTS.md), keeping the rest;
# nothing is written when the bench fails. API_REQUESTS (default 20000), API_RULES (20000),
# API_REGEXES (2000), API_THREADS (4) set the run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
RESULTS="${RESULTS:-bench/RESULTS.md}"
API_REQUESTS="${API_REQUESTS:-20000}"
API_RULES="${API_RULES:-20000}"
API_REGEXES="${API_REGEXES:-2000}"
API_THREADS="${API_THREADS:-4}"

say() { echo "api bench: $*" >&2; }
TMP="$(mktemp -d /tmp/netward-api-bench-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=bench/lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"

nw_bench_build api_bench

cmd=("$BUILD/bench/api_bench" --rules "$API_RULES" --regexes "$API_REGEXES"
     --requests "$API_REQUESTS" --threads "$API_THREADS" --markdown "$TMP/row.md")
say "${cmd[*]}"
"${cmd[@]}" | tee "$TMP/out.txt" >&2 || { say "api_bench failed; $RESULTS left as it was"; exit 1; }

model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
{
  echo "## Site API"
  echo
  echo "POST /v1/moderate over HTTP/1.1 on 127.0.0.1 (bench/api_bench.cc): one client thread, one"
  echo "keep-alive connection, TCP_NODELAY, $API_THREADS server threads; each request a different"
  echo "~2 KB mixed Chinese/English post; rules compiled with Hyperscan (scope post_text, random"
  echo "3-5 character CJK and 6-10 letter English keywords, fixed seed). Latency from sending the"
  echo "request to the parsed answer, client side, after 1000 warm-up requests. No records are"
  echo "written (no rule matches the random text): parsing, normalization, matching and HTTP."
  echo "Machine: $model, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)."
  echo
  echo "| rules | text bytes | requests | p50 µs | p99 µs | p99.9 µs | requests/s | p99 <= 2 ms |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  cat "$TMP/row.md"
  echo
  echo "Command:"
  echo
  echo "    ${cmd[*]% --markdown*}"
} >"$TMP/section.md"

nw_replace_section "Site API" "$TMP/section.md"
say "wrote the \"## Site API\" section of $RESULTS"
