#!/usr/bin/env bash
# Copies the project's test fixtures into fuzz/corpus/<target>/ as seeds (not committed:
# corpus/ is ignored). Web and firewall targets take a leading format byte; each fixture
# is seeded once per format it may belong to.
set -euo pipefail
cd "$(dirname "$0")"
root=..
# Seeds are cut to SEED_BYTES (default 8192): a whole fixture file per execution made the
# parsers' targets run a few hundred executions a second; a few KB hold every line shape.
cap=${SEED_BYTES:-8192}
seed() { # target file [prefix byte in octal]
  local t=$1 f=$2 p=${3:-}
  mkdir -p "corpus/$t"
  local name
  name="corpus/$t/$(basename "$f")${p:+.$p}"
  if [ -n "$p" ]; then { printf "\\$p"; head -c "$cap" "$f"; } >"$name"; else head -c "$cap" "$f" >"$name"; fi
}
for f in "$root"/crates/parse/tests/fixtures/*.log "$root"/crates/parse/src/*/testdata/* "$root"/crates/parse/tests/fixtures/*.json; do
  [ -f "$f" ] || continue
  for p in 000 001 002 003 004 005 006 007 010; do seed web_logs "$f" "$p"; done
done
for f in "$root"/crates/parse/tests/fixtures/firewall/*.log; do
  for p in 000 001 002 003; do seed firewall_logs "$f" "$p"; done
done
for f in "$root"/crates/parse/tests/fixtures/*.log; do seed decoders "$f"; done
find "$root/rules" -name '*.yml' -o -name '*.yaml' | while read -r f; do seed rules_native "$f"; done
find "$root/crates/detect/tests/fixtures" -path '*sigma*' \( -name '*.yml' -o -name '*.yaml' \) | while read -r f; do seed rules_sigma "$f"; done
find "$root/crates/enrich" -path '*fixtures*' -type f | while read -r f; do seed tor_lists "$f"; done
find "$root/crates/leaks" -path '*fixtures*' -name '*.json' | while read -r f; do seed leak_feeds "$f"; done
find "$root/crates/server" "$root/crates/pipeline" -maxdepth 3 -name "*.toml" | while read -r f; do seed config "$f"; done
mkdir -p corpus/syslog_framing
# A leading chunk-size byte, then the stream: newline-framed RFC 3164, octet-counted RFC 5424.
printf '\037<13>Oct  1 01:00:00 fw1 nginx: hello\n<14>Oct  2 01:00:00 fw1 x: y\n' >corpus/syslog_framing/newline
printf '\00753 <190>1 2026-10-01T01:00:00Z web1 nginx - - - GET / HTTP/1.1' >corpus/syslog_framing/octet
for t in corpus/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
# CRS engine: a request (method, target, User-Agent, body lines) and one with a rule text
# before a NUL byte.
mkdir -p corpus/crs
printf 'GET\n/?id=1%%27%%20or%%201=1\nMozilla/5.0\na=<script>alert(1)</script>' >corpus/crs/request
printf 'SecRule ARGS "@rx a" "id:1,phase:2,log,pass,t:none,t:lowercase"\0POST\n/x\ncurl\nq=union select a from b' >corpus/crs/rules
