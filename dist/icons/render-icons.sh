#!/usr/bin/env bash
# Renders the hicolor PNG sizes from the SVG (needs rsvg-convert: apt-get
# install librsvg2-bin). The PNGs are committed, so a build never needs this;
# run it after changing the SVG and commit what it writes.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "${size}x${size}"
    rsvg-convert -w "$size" -h "$size" lan.hallway.Hallway.svg -o "${size}x${size}/lan.hallway.Hallway.png"
done
