#!/usr/bin/env bash
# Report time on a lake of >= 1M http rows over three months (issue 4: target < 2 s).
#
#   bench/report.sh [LINES]        (default 1,000,000)
#
# Generates the benchmark log (three months of shop traffic, ~1% attacks), ingests it
# into a fresh lake, then times `kansoku report` for the whole period in each format,
# best and median of five runs.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
cargo build --release -q -p kansoku
BIN=$PWD/target/release/kansoku
LOG=$PWD/$OUT/access-$LINES.log
[ -s "$LOG" ] || "$BIN" gen-log --lines "$LINES" --out "$LOG"
LAKE=$OUT/report-lake
rm -rf "$LAKE"
"$BIN" --data "$LAKE" ingest "$LOG" --tenant bench
rows=$("$BIN" --data "$LAKE" sql "SELECT count(*) FROM http" --format csv | tail -1)
echo "lake: $rows http rows"
for fmt in json html; do
  times=()
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    "$BIN" --data "$LAKE" report --from 2026-08-01 --to 2026-10-31 --lang ja --format $fmt --out "$OUT/report.$fmt" 2>/dev/null
    e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v f=$fmt '{a[NR]=$1} END {printf "report (%s, all sections, %d rows): best %.2fs, median %.2fs (target < 2 s)\n", f, '"$rows"', a[1], a[3]}'
done
