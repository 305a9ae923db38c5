#!/usr/bin/env bash
# `make bundle`: the release build and its packages, without the network.
# - the .deb and the .rpm, which Tauri builds offline; either failing fails the command;
# - the AppImage only when the tools Tauri would otherwise download from GitHub (linuxdeploy
#   and AppRun) are already in its cache, ~/.cache/tauri, or with BUNDLE_APPIMAGE=1 (which
#   lets Tauri download them). Otherwise it says what it skipped and why, and succeeds.
# Prints each package's size at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

npx tauri build --bundles deb,rpm

tools="${XDG_CACHE_HOME:-$HOME/.cache}/tauri"
arch="$(uname -m)"
if [ "${BUNDLE_APPIMAGE:-0}" = 1 ] || { [ -f "$tools/linuxdeploy-$arch.AppImage" ] && [ -f "$tools/AppRun-$arch" ]; }; then
  if ! npx tauri bundle --bundles appimage; then
    echo "bundle: the AppImage was not made (see Tauri's message above); the .deb and .rpm are" >&2
  fi
else
  echo "bundle: skipped the AppImage: Tauri needs linuxdeploy-$arch.AppImage and AppRun-$arch in"
  echo "        $tools and would download them from GitHub. Put them there, or run"
  echo "        BUNDLE_APPIMAGE=1 make bundle on a machine that can reach GitHub."
fi

echo
echo "bundle: made"
find target/release/bundle -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' \) \
  -printf '  %p  %s bytes\n' 2>/dev/null | sort
printf '  target/release/bidswarm-desktop  %s bytes\n' "$(stat -c %s target/release/bidswarm-desktop)"
