#!/usr/bin/env bash
# Draws Bidswarm's icon (a download arrow in a hexagon cell, with a few bees' worth of
# swarm) with ImageMagick, then lets the Tauri CLI cut every size the bundles need.
#   icons/make-icons.sh      (needs imagemagick, and `npm ci` at the repository root)
set -euo pipefail
cd "$(dirname "$0")"
convert \( -size 1024x1024 gradient:'#1fb58f-#1d4ed8' \) \
  \( -size 1024x1024 xc:none -fill white -draw "roundrectangle 40,40 984,984 200,200" \) \
  -compose DstIn -composite -compose Over \
  -fill none -stroke white -strokewidth 56 \
  -draw "polygon 512,190 791,351 791,673 512,834 233,673 233,351" \
  -stroke none -fill white \
  -draw "polygon 512,700 372,530 462,530 462,330 562,330 562,530 652,530" \
  -fill '#fbbf24' -draw "circle 800,240 800,300" -draw "circle 895,345 895,385" -draw "circle 880,160 880,190" \
  PNG32:source.png
(cd .. && npx tauri icon icons/source.png -o icons)
# Only the desktop sizes are kept; Bidswarm has no mobile or Windows Store build.
rm -rf android ios Square*Logo.png StoreLogo.png
