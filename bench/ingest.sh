#!/usr/bin/env bash
# Ingest throughput beside the peers, on the same generated log in the same run.
#
#   bench/ingest.sh [LINES]        (default 1,000,000)
#
# Builds kansoku in release, generates a combined log of LINES lines (realistic traffic
# with ~1% attacks, from the demo generator), then runs ../shared/bench/peers.sh, which
# times wc, grep -E with crude attack patterns, ripgrep and GoAccess, plus
# `kansoku ingest` into a fresh lake each run (built-in rules; with the 86 Sigma rules; and
# with the OWASP Core Rule Set when installed). Prints the peers' table, then kansoku's
# MB/s, lines/s and peak memory and its ratio against GoAccess.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
PEERS=${PEERS:-../shared/bench/peers.sh}
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
cargo build --release -q -p kansoku
BIN=$PWD/target/release/kansoku
LOG=$PWD/$OUT/access-$LINES.log
[ -s "$LOG" ] || "$BIN" gen-log --lines "$LINES" --out "$LOG"
if [ ! -x "$PEERS" ]; then
  echo "peers.sh not found at $PEERS; timing kansoku alone" >&2
  rm -rf "$OUT/lake"
  /usr/bin/time -f '%e s, max RSS %M KB' "$BIN" --data "$OUT/lake" ingest "$LOG"
  exit 0
fi
WORK=$PWD/$OUT/peers
rm -rf "$WORK"
# With ../shared's 86 SigmaHQ web rules loaded beside the built-in pack, as a second entry.
SIGMA=${SIGMA:-../shared/data/sigma-web}
extra=()
[ -d "$SIGMA" ] && extra=(-x "kansoku+sigma=rm -rf $WORK/lake; $BIN --no-crs --sigma $PWD/$SIGMA --data $WORK/lake ingest {LOG}")
# With the OWASP Core Rule Set at paranoia level 1 beside the built-in pack,
# when Debian's modsecurity-crs is installed.
CRS=${CRS:-/usr/share/modsecurity-crs}
[ -d "$CRS/rules" ] && extra+=(-x "kansoku+crs=rm -rf $WORK/lake; $BIN --crs $CRS --data $WORK/lake ingest {LOG}")
bash "$PEERS" -l "$LOG" -n "${RUNS:-3}" -t "wc grep rg goaccess-json" -w "$WORK" \
  -x "kansoku=rm -rf $WORK/lake; $BIN --no-crs --data $WORK/lake ingest {LOG}" "${extra[@]}" | tee "$OUT/peers.txt"
python3 - "$WORK/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(tool, key):
    v = [float(r[key]) for r in rows if r["tool"] == tool]
    return statistics.median(v) if v else None
b = float(rows[0]["bytes"]); n = float(rows[0]["lines"])
g = med("goaccess-json", "wall_s"); gr = med("grep", "wall_s")
targets = {"kansoku": 10, "kansoku+sigma": 10, "kansoku+crs": 5}
for tool in ("kansoku", "kansoku+sigma", "kansoku+crs"):
    k = med(tool, "wall_s")
    if k is None:
        continue
    rss = med(tool, "maxrss_kb")
    print(f"\n{tool} ingest: {b/1e6/k:.1f} MB/s, {n/k:,.0f} lines/s, peak RSS {rss/1024:.0f} MiB")
    if g: print(f"  ratio vs GoAccess: {g/k:.1f}x  (target >= {targets[tool]}x)")
    if gr: print(f"  ratio vs grep -E: {gr/k:.2f}x")
PY
