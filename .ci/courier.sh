#!/usr/bin/env bash
# Unpacks Debian's Courier IMAP into one folder for the Courier tests (tests/support/courier.rs),
# without installing it: courier-imap and dovecot-imapd conflict as packages (both provide
# imap-server), and installing one removes the other. Their files do not overlap, so Dovecot
# stays installed and Courier runs from the unpacked folder with LD_LIBRARY_PATH.
#
# Idempotent: does nothing when the folder is complete. The folder is
# $SCAMGUARD_COURIER_ROOT, by default /opt/scamguard-courier (the tests use the same default).
set -euo pipefail

root="${SCAMGUARD_COURIER_ROOT:-/opt/scamguard-courier}"
# imapd itself, its libraries that a Dovecot machine lacks, and gamin's gam_server (courier-imap
# depends on gamin: without it every mailbox operation waits on a failing FAM connection).
packages=(courier-imap courier-authlib libcourier-unicode4 libidn12 libgamin0 gamin)
binaries=(usr/bin/imapd usr/libexec/gam_server)

complete() {
  local dir="$1" binary
  for binary in "${binaries[@]}"; do
    [ -x "$dir/$binary" ] || return 1
  done
}

if complete "$root"; then
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download fetches as the _apt user where it can write the folder.
chmod 0777 "$work"
cd "$work"
if ! apt-get download -qq "${packages[@]}" 2>/dev/null; then
  apt-get update -qq
  apt-get download -qq "${packages[@]}"
fi

unpacked="$root.partial"
rm -rf "$unpacked"
mkdir -p "$unpacked"
for deb in ./*.deb; do
  dpkg -x "$deb" "$unpacked"
done
complete "$unpacked" || { echo "courier.sh: the packages did not hold ${binaries[*]}" >&2; exit 1; }

libraries="$unpacked/usr/lib:$unpacked/usr/lib/x86_64-linux-gnu:$unpacked/lib/x86_64-linux-gnu"
for binary in "${binaries[@]}"; do
  if LD_LIBRARY_PATH="$libraries" ldd "$unpacked/$binary" | grep 'not found'; then
    echo "courier.sh: $binary misses the libraries above" >&2
    exit 1
  fi
done

rm -rf "$root"
mv "$unpacked" "$root"
echo "courier.sh: Courier IMAP unpacked in $root"
