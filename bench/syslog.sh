#!/usr/bin/env bash
# The same RELP load against rsyslog (imrelp -> omfile) and kansoku serve (kind = "relp",
# spool fsync "always" and "never"), in one run: events/s, p50/p99 acknowledgement latency
# (each message's 200 OK, matched exactly by the load generator), peak memory (VmHWM) of
# the server process, and a check that every message was stored.
#
#   bench/syslog.sh [MESSAGES] [WINDOW]        (default 200000 128; RUNS=3 for three runs)
#
# Needs rsyslog and rsyslog-relp (Debian). Builds the release binary, and the load
# generator (crates/server/examples/relp_load.rs, std only) with rustc, first.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
window=${2:-128}
runs=${RUNS:-1}
target=${CARGO_TARGET_DIR:-target}
export PATH="$PATH:/usr/sbin"
cargo build --release -q -p kansoku
kansoku=$target/release/kansoku
load=$target/release/relp_load
rustc -O --edition 2024 crates/server/examples/relp_load.rs -o "$load"
command -v rsyslogd >/dev/null || { echo "rsyslogd missing: apt-get install rsyslog rsyslog-relp" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
hwm_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

results=()
for run in $(seq "$runs"); do
  # rsyslog: imrelp -> omfile, one line per message.
  port=$(free_port)
  rs=$work/rsyslog-$run
  mkdir -p "$rs"
  cat >"$rs/rsyslog.conf" <<EOF
global(workDirectory="$rs")
module(load="imrelp")
input(type="imrelp" port="$port" address="127.0.0.1")
template(name="msg" type="string" string="%msg%\n")
action(type="omfile" file="$rs/out.log" template="msg")
EOF
  rsyslogd -n -f "$rs/rsyslog.conf" -i "$rs/pid" >/dev/null 2>&1 &
  rpid=$!
  wait_port "$port"
  json=$("$load" "127.0.0.1:$port" "$n" "$window")
  mem=$(hwm_mb "$rpid")
  kill "$rpid"; wait "$rpid" 2>/dev/null || true
  stored=$(wc -l <"$rs/out.log")
  results+=("rsyslog 8 (imrelp -> omfile, no fsync)|$(field "$json" events_per_s)|$(field "$json" p50_ms)|$(field "$json" p99_ms)|$mem|$stored")

  for fsync in always never; do
    data=$work/kansoku-$fsync-$run
    mkdir -p "$data"
    cat >"$data/serve.toml" <<EOF
data_dir = "$data"
[spool]
fsync = "$fsync"
[dashboard]
listen = "127.0.0.1:0"
[alerts]
stdout = false
[[source]]
name = "relp"
kind = "relp"
listen = "127.0.0.1:0"
format = "combined"
EOF
    "$kansoku" --config "$data/serve.toml" serve >/dev/null 2>"$data/serve.err" &
    kpid=$!
    for _ in $(seq 400); do [ -s "$data/serve/listening.json" ] && break; sleep 0.05; done
    addr=$(python3 -c "import json,sys; print([l['addr'] for l in json.load(open(sys.argv[1])) if l['name']=='relp'][0])" "$data/serve/listening.json")
    json=$("$load" "$addr" "$n" "$window")
    mem=$(hwm_mb "$kpid")
    kill -TERM "$kpid"; wait "$kpid"
    stored=$("$kansoku" --data "$data" sql "SELECT count(*) FROM http" --format csv | tail -1)
    results+=("kansoku serve (relp, spool fsync $fsync)|$(field "$json" events_per_s)|$(field "$json" p50_ms)|$(field "$json" p99_ms)|$mem|$stored")
  done
done

echo
echo "RELP load: $n messages, window $window, $runs run(s), $(date -u +%Y-%m-%d), $(nproc) cores"
printf '%-42s %12s %9s %9s %9s %9s\n' peer events/s p50_ms p99_ms peak_MB stored
for r in "${results[@]}"; do
  IFS='|' read -r name eps p50 p99 mem stored <<<"$r"
  printf '%-42s %12s %9s %9s %9s %9s\n' "$name" "$eps" "$p50" "$p99" "$mem" "$stored"
  [ "$stored" -eq "$n" ] || { echo "$name stored $stored of $n" >&2; exit 1; }
done
