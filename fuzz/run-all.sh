#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one at a time, at low priority, and fails on
# the first crash (libFuzzer exits non-zero and leaves the input in artifacts/<target>/).
# Usage: fuzz/run-all.sh [seconds per target, default 20] [--features lake]
# Prints one line per target: executions and executions per second (from libFuzzer's
# final "Done N runs" line).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
shift || true
features=("$@")
export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs nightly flags; the toolchain is stable
./seed-corpora.sh >/dev/null
targets=(web_logs firewall_logs decoders rules_native rules_sigma tor_lists)
if [ "${features[*]:-}" = "--features lake" ]; then
  targets+=(leak_feeds syslog_framing config)
fi
nice -n 19 cargo fuzz build -O "${features[@]}"
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if ! nice -n 19 cargo fuzz run -O "${features[@]}" "$t" "corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
      -print_final_stats=1 >"logs/$t.log" 2>&1; then
    tail -40 "logs/$t.log"
    echo "fuzz target $t FAILED; the input is in fuzz/artifacts/$t/ — add it as a regression test"
    exit 1
  fi
  runs=$(grep -o 'Done [0-9]* runs' "logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo '?')
  echo "fuzz $t: $runs executions in ${secs}s, no crash"
done
