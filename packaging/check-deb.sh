#!/usr/bin/env bash
# Checks the Debian package packaging/build-deb.sh wrote: control fields, every file a
# user relies on, maintainer scripts, the packaged binary runs and its /etc file checks,
# and lintian (errors fail) when it is installed.
#   packaging/check-deb.sh [target/debian/kansoku_*.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t target/debian/kansoku_*.deb | head -1)}
fail() { echo "check-deb: $*" >&2; exit 1; }

info=$(dpkg-deb --info "$deb")
for field in "Package: kansoku" "Depends: adduser" "Section: net"; do
  grep -q "$field" <<<"$info" || fail "control lacks '$field'"
done
for script in postinst postrm prerm; do
  grep -q " $script " <<<"$info" || fail "no $script script"
done

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for path in \
  ./usr/bin/kansoku \
  ./etc/kansoku/kansoku.toml \
  ./usr/lib/systemd/system/kansoku-serve.service \
  ./usr/share/man/man1/kansoku.1.gz \
  ./usr/share/man/man1/kansoku-ingest.1.gz \
  ./usr/share/man/man1/kansoku-rules-list.1.gz \
  ./usr/share/bash-completion/completions/kansoku \
  ./usr/share/zsh/vendor-completions/_kansoku \
  ./usr/share/fish/vendor_completions.d/kansoku.fish \
  ./usr/share/doc/kansoku/guide/tutorial.md \
  ./usr/share/doc/kansoku/config.md \
  ./usr/share/doc/kansoku/examples/serve.toml \
  ./usr/share/doc/kansoku/changelog.Debian.gz \
  ./usr/share/doc/kansoku/copyright; do
  grep -qxF "$path" <<<"$contents" || fail "package lacks $path"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/kansoku/kansoku.toml \
  || fail "/etc/kansoku/kansoku.toml is not a conffile"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/kansoku" --version | grep -q '^kansoku ' || fail "packaged binary does not run"
"$root/usr/bin/kansoku" config check "$root/etc/kansoku/kansoku.toml" >/dev/null \
  || fail "packaged kansoku.toml does not check"
grep -q '^data_dir = "/var/lib/kansoku"$' "$root/etc/kansoku/kansoku.toml" \
  || fail "packaged kansoku.toml does not keep data under /var/lib/kansoku"
grep -q '^User=kansoku$' "$root/usr/lib/systemd/system/kansoku-serve.service" \
  || fail "the unit does not run as the kansoku user"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep -q 'adduser --system' \
  || fail "postinst does not create the kansoku system user"

if command -v lintian >/dev/null; then
  # Errors fail; warnings (a first upload closes no bugs) are shown.
  lintian --tag-display-limit 0 "$deb" 2>/dev/null | tee "$root/lintian.txt"
  ! grep -q '^E: ' "$root/lintian.txt" || fail "lintian reported errors"
fi
echo "check-deb: $deb ok ($(wc -l <<<"$contents") paths)"
