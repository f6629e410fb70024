# bench/lib/bench_common.sh: what the bench/*_run.sh scripts share. Source it after setting
# ROOT, BUILD, RESULTS and TMP (a scratch directory the caller removes).

# Configures $BUILD once (RelWithDebInfo) and builds the given targets; on failure prints the
# build log's tail and exits 1.
nw_bench_build() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/build.log" 2>&1 ||
      { cat "$TMP/build.log" >&2; exit 1; }
  fi
  ninja -C "$BUILD" "$@" >"$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log" >&2; exit 1; }
}

# nw_replace_section TITLE FILE: replaces the "## TITLE" section of $RESULTS (up to the next
# "## " heading or the end) with FILE's text, appended after the rest; creates $RESULTS if
# missing.
nw_replace_section() {
  local title="$1" section="$2"
  if [ -f "$RESULTS" ]; then
    awk -v t="## $title" '/^## / { s = $0; sub(/[[:space:]]+$/, "", s); skip = (s == t) } !skip' \
      "$RESULTS" >"$TMP/rest.md"
    sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$TMP/rest.md"  # drop trailing blank lines
    { cat "$TMP/rest.md"; echo; cat "$section"; } >"$RESULTS.tmp"
  else
    cp "$section" "$RESULTS.tmp"
  fi
  mv "$RESULTS.tmp" "$RESULTS"
}
