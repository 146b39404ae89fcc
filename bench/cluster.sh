#!/usr/bin/env bash
# Report time embedded vs on a Ballista cluster with one and two executors, on the same
# lake of >= 1M http rows over three months, in the same run.
#
#   bench/cluster.sh [LINES]                 (default 1,000,000)
#   PROFILE=dev bench/cluster.sh             (debug build: no 30-minute release build)
#
# Builds kansoku with the `ballista` feature, generates the benchmark log, ingests it,
# then times `kansoku report` (JSON, whole quarter) five times per engine: embedded,
# scheduler + 1 executor, scheduler + 2 executors (every process on this machine, on
# loopback). Prints best and median per engine and the ratio of each median to the
# embedded one. On one 2-core machine a cluster cannot be faster than the embedded
# engine (same cores plus planning, gRPC and shuffle overhead): the figure says what
# the distribution costs, the speed-up comes from more machines.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
PROFILE=${PROFILE:-release}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
cargo build -q -p kansoku --features ballista --profile "$PROFILE"
dir=$PROFILE; [ "$PROFILE" = dev ] && dir=debug
BIN=${CARGO_TARGET_DIR:-$PWD/target}/$dir/kansoku
LOG=$PWD/$OUT/access-$LINES.log
[ -s "$LOG" ] || "$BIN" gen-log --lines "$LINES" --out "$LOG"
LAKE=$PWD/$OUT/cluster-lake
rm -rf "$LAKE"
"$BIN" --data "$LAKE" ingest "$LOG" --tenant bench >/dev/null
rows=$("$BIN" --data "$LAKE" sql "SELECT count(*) FROM http" --format csv | tail -1)
echo "lake: $rows http rows ($PROFILE build)"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

time_report() { # engine -> prints the five times, sorted
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    "$BIN" --data "$LAKE" --engine "$1" report --from 2026-08-01 --to 2026-10-31 --lang en --format json --out "$OUT/cluster-report.json" 2>/dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | sort -n
}

declare -A median
measure() { # label engine
  mapfile -t t < <(time_report "$2")
  median[$1]=${t[2]}
  printf '%-22s best %6.2fs  median %6.2fs' "$1" "${t[0]}" "${t[2]}"
  if [ -n "${median[embedded]:-}" ] && [ "$1" != embedded ]; then
    printf '  (%.2fx the embedded median)' "$(echo "${t[2]} / ${median[embedded]}" | bc -l)"
  fi
  echo
}

measure embedded embedded
SCHED=${SCHED_PORT:-50150}
"$BIN" cluster scheduler --bind 127.0.0.1:$SCHED >"$OUT/scheduler.log" 2>&1 & pids+=($!)
wait_port $SCHED
start_executor() { # n
  local port=$((SCHED + 10 * $1))
  mkdir -p "$OUT/executor$1"
  "$BIN" cluster executor --scheduler 127.0.0.1:$SCHED --bind 127.0.0.1:$port \
    --work-dir "$OUT/executor$1" >"$OUT/executor$1.log" 2>&1 & pids+=($!)
  wait_port $port; wait_port $((port + 1))
}
start_executor 1
sleep 2
measure "cluster, 1 executor" "df://127.0.0.1:$SCHED"
start_executor 2
sleep 2
measure "cluster, 2 executors" "df://127.0.0.1:$SCHED"
