#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one at a time, at low priority, and fails on
# the first crash (libFuzzer exits non-zero and leaves the input in artifacts/<target>/).
#
#   fuzz/run-all.sh [seconds per target, default 20]
#
# Environment:
#   RUNS=N        stop each target after N executions instead of after the time limit
#                 (a long campaign: RUNS=10000000 fuzz/run-all.sh 0)
#   SANITIZER=S   address (default), none (2-5x more executions: the code is safe Rust, and
#                 -a keeps overflow and debug assertions on), memory, thread
#   MAX_LEN=N     largest input libFuzzer builds (default 8192 bytes)
#   TARGETS="a b" only these targets
#   TIMEOUT=S     seconds one input may take before it counts as a hang (default 30; raise
#                 it when the machine is busy: libFuzzer measures wall time)
#   NICE=N        scheduling niceness of the build and the runs (default 19: a campaign
#                 beside a build wants 0, or the build starves it)
#
# Prints one line per target: executions and executions per second (from libFuzzer's
# final "Done N runs" line), and appends the same to logs/executions.tsv, the running
# total per target that the closing notes quote.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
sanitizer=${SANITIZER:-address}
max_len=${MAX_LEN:-8192}
export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs nightly flags; the toolchain is stable
./seed-corpora.sh >/dev/null
targets=(web_logs firewall_logs decoders rules_native rules_sigma tor_lists leak_feeds
  syslog_framing config crs)
[ -n "${TARGETS:-}" ] && read -r -a targets <<<"$TARGETS"
build=(-O -a -s "$sanitizer")
nice -n "${NICE:-19}" cargo fuzz build "${build[@]}"
limit=(-max_total_time="$secs")
[ -n "${RUNS:-}" ] && limit=(-runs="$RUNS")
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  start=$(date +%s)
  if ! nice -n "${NICE:-19}" cargo fuzz run "${build[@]}" "$t" "corpus/$t" -- \
      "${limit[@]}" -rss_limit_mb=2048 -max_len="$max_len" -timeout="${TIMEOUT:-30}" \
      -print_final_stats=1 >"logs/$t.log" 2>&1; then
    tail -40 "logs/$t.log"
    echo "fuzz target $t FAILED; the input is in fuzz/artifacts/$t/ — add it as a regression test"
    exit 1
  fi
  took=$(($(date +%s) - start))
  runs=$(grep -o 'Done [0-9]* runs' "logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo 0)
  printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$runs" "$took" "$sanitizer" "$(date -u +%FT%TZ)" >>logs/executions.tsv
  echo "fuzz $t: $runs executions in ${took}s ($((runs / (took > 0 ? took : 1)))/s, sanitizer $sanitizer), no crash"
done
