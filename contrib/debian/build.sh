#!/usr/bin/env bash
# Builds the Debian package: the release binary, then its manual page and shell
# completions (written by the binary itself), then `cargo deb` around them.
# Needs cargo-deb (`cargo install cargo-deb --locked`). The .deb lands in target/debian/.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release --locked
mkdir -p target/assets
bin=target/release/scamguard
"$bin" generate man | gzip -9n > target/assets/scamguard.1.gz
"$bin" generate bash > target/assets/scamguard.bash
"$bin" generate zsh > target/assets/_scamguard
"$bin" generate fish > target/assets/scamguard.fish
cargo deb --no-build --locked --strip "$@"
