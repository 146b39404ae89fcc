#!/usr/bin/env bash
# The whole observation report beside GoAccess's HTML report of the same log, same run.
#
#   bench/report.sh [LINES]        (default 1,000,000; RUNS=5 runs per tool)
#
# Builds kansoku in release and writes gen-log's realistic combined log (LINES lines over
# three months of shop traffic: about 1% scattered attacks and 1.5% in short single-source
# scans, so the hourly section has hundreds of small bursts to rank). Ingests it into a
# fresh lake with the built-in rules only (--no-crs: what is timed here is the report, not
# detection; bench/ingest.sh times ingest with CRS). Then ../shared/bench/peers.sh times, RUNS
# times each with /usr/bin/time, GoAccess's HTML report of the log and
# `kansoku report --format html` over the whole period (every section, embedded engine,
# one process per run: start-up, queries and rendering included). Prints the medians, the
# ratio (target: kansoku at most 1/20 of GoAccess's time) and peak memory (max RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
RUNS=${RUNS:-5}
PEERS=${PEERS:-../shared/bench/peers.sh}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
cargo build --release -q -p kansoku
BIN=$PWD/target/release/kansoku
LOG=$PWD/$OUT/access-$LINES.log
# A log older than the binary may come from an older generator: write it again.
if [ ! -s "$LOG" ] || [ "$BIN" -nt "$LOG" ]; then
  "$BIN" gen-log --lines "$LINES" --out "$LOG"
fi
LAKE=$PWD/$OUT/report-lake
rm -rf "$LAKE"
"$BIN" --no-crs --data "$LAKE" ingest "$LOG" --tenant bench
rows=$("$BIN" --data "$LAKE" sql "SELECT count(*) FROM http" --format csv | tail -1)
attacks=$("$BIN" --data "$LAKE" sql "SELECT count(*) FROM http WHERE cardinality(categories) > 0" --format csv | tail -1)
echo "lake: $rows http rows, $attacks with a detection"
REPORT=(report --from 2026-08-01 --to 2026-10-31 --lang ja --format html)
if [ ! -x "$PEERS" ]; then
  echo "peers.sh not found at $PEERS; timing kansoku alone" >&2
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e s, max RSS %M KB' "$BIN" --data "$LAKE" "${REPORT[@]}" --out "$OUT/report.html"
  done
  exit 0
fi
WORK=$PWD/$OUT/report-peers
rm -rf "$WORK"
bash "$PEERS" -l "$LOG" -n "$RUNS" -t "goaccess-html" -w "$WORK" \
  -x "kansoku-report=$BIN --data $LAKE ${REPORT[*]} --out $WORK/kansoku.html" | tee "$OUT/report-peers.txt"
python3 - "$WORK/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def runs(tool, key):
    return [float(r[key]) for r in rows if r["tool"] == tool]
g, k = runs("goaccess-html", "wall_s"), runs("kansoku-report", "wall_s")
gm, km = statistics.median(g), statistics.median(k)
print(f"\nGoAccess HTML report: median {gm:.2f} s ({min(g):.2f}-{max(g):.2f}), "
      f"peak RSS {statistics.median(runs('goaccess-html', 'maxrss_kb')) / 1024:.0f} MiB")
print(f"kansoku report (HTML, all sections): median {km:.2f} s ({min(k):.2f}-{max(k):.2f}), "
      f"CPU {statistics.median(a + b for a, b in zip(runs('kansoku-report', 'user_s'), runs('kansoku-report', 'sys_s'))):.2f} s, "
      f"peak RSS {statistics.median(runs('kansoku-report', 'maxrss_kb')) / 1024:.0f} MiB")
print(f"ratio: kansoku takes 1/{gm / km:.0f} of GoAccess's time (target: 1/20 or less)")
PY
