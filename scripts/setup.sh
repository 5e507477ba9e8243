#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, run and test bedside. Idempotent: packages
# already present are not touched, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config   # building the bundled C code of dependencies
  ca-certificates            # TLS to the blood bank
  python3                    # the spec's scenario comparison tool, run by the tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: no Rust toolchain: install one with rustup (Rust 1.92 or newer), then run this again." >&2
  exit 1
fi
echo "setup: ready ($(cargo --version))"
