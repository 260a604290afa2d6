#!/usr/bin/env bash
# Installs what dailyx-media (host/media) needs at run time and in its tests, idempotently:
# espeak-ng (text-to-speech), ffmpeg (ffmpeg + ffprobe: muxing and probing), and the fonts the
# quote cards load explicitly: fonts-thai-tlwg (Thai, /usr/share/fonts/truetype/tlwg and
# /usr/share/fonts/opentype/tlwg), fonts-noto-core (Latin and most other scripts,
# /usr/share/fonts/truetype/noto) and fonts-noto-color-emoji (the writer uses emoji; without it a
# card with one is refused rather than drawn with a tofu box). Installs only the packages
# `dpkg -s` reports missing.
set -euo pipefail

packages=(espeak-ng ffmpeg fonts-thai-tlwg fonts-noto-core fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing media packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pieces the crate relies on, checked so a broken install fails here with a clear message.
for bin in espeak-ng ffmpeg ffprobe; do
  command -v "$bin" >/dev/null 2>&1 || { echo "$bin missing after install" >&2; exit 1; }
done
test -d /usr/share/fonts/truetype/noto || { echo "fonts-noto-core fonts missing" >&2; exit 1; }
ls /usr/share/fonts/*/tlwg/* >/dev/null 2>&1 || { echo "fonts-thai-tlwg fonts missing" >&2; exit 1; }
