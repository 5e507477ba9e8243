#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, run and test bedside. Idempotent: packages
# already present are not touched, and apt-get runs only when something is missing.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config   # building the bundled C code of dependencies
  libssl-dev                 # SQLCipher (the encrypted device store) links the system's libcrypto
  libfontconfig-dev          # Slint's font discovery (build)
  libfontconfig1 libx11-6 libx11-xcb1 libxcursor1 libxi6 libxkbcommon-x11-0   # the app's window (X11)
  ca-certificates            # TLS to the blood bank
  python3 python3-venv       # the spec's comparison tool and the FHIR contract validator
  poppler-utils              # pdftotext and pdftoppm: tests/pdf_export.rs reads the PDFs back
  openssl                    # tests/device_smart.rs makes an RSA device key (RS384)
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
# CI's gates (.ci/run): formatting and lints.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  if command -v rustup >/dev/null; then
    rustup component add rustfmt clippy
  else
    echo "setup: cargo fmt and cargo clippy are missing (rustup component add rustfmt clippy)" >&2
    exit 1
  fi
fi
# The FHIR contract validator (tests/data/fhir/check_fhir.py) runs in its own venv with the
# pinned packages of its requirements.txt; made once, kept under target/ (cargo clean removes it).
cd "$(dirname "$0")/.."
venv=target/fhir-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import fhir.resources" 2>/dev/null; then
  echo "setup: installing the FHIR validator's Python packages into $venv"
  mkdir -p target
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/data/fhir/requirements.txt
fi

echo "setup: ready ($(cargo --version))"
