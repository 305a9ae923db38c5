#!/usr/bin/env bash
# Installs what Bidswarm needs to build, run or test, on Debian 12 or Ubuntu.
#   scripts/deps.sh serve   the toolchain check, and Node.js to build the web UI
#   scripts/deps.sh run     + the libraries the desktop app (Tauri 2) builds against
#   scripts/deps.sh test    + the real peers the tests start (Transmission, opentracker),
#                             Chromium for the UI tests, and a virtual display and D-Bus
#                             session for the desktop tests
#   scripts/deps.sh bundle  + what `tauri build` needs to make the .deb and AppImage
#   scripts/deps.sh bench   + qBittorrent, the speed peer for benchmarks
# Safe to run again: it installs only what is missing, with sudo when not root.
set -euo pipefail

what="${1:-test}"

need_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: Rust is not installed. Install it from https://rustup.rs (rustup, stable toolchain), then run this again." >&2
    exit 1
  fi
  local version
  version=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.85.0\n' "$version" | sort -V | head -1)" != "1.85.0" ]; then
    echo "error: Rust $version is too old; Bidswarm needs 1.85 or newer (rustup update stable)." >&2
    exit 1
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: please install these packages yourself: ${missing[*]}" >&2
    exit 1
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "Installing ${missing[*]} …"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Debian starts transmission-daemon as a service on install; the tests start their own.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$(id -u)" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now transmission-daemon >/dev/null 2>&1 || true
  fi
}

# The web UI builds with Vite 8, which needs Node.js 20.19 or newer. Debian 12's own
# nodejs is 18; NodeSource's (https://github.com/nodesource/distributions) or Debian 13's
# is new enough.
need_node() {
  command -v node >/dev/null 2>&1 || apt_install nodejs
  # NodeSource's nodejs carries npm; Debian's ships it apart.
  command -v npm >/dev/null 2>&1 || apt_install npm
  local version
  version=$(node --version | sed 's/^v//')
  if [ "$(printf '%s\n20.19.0\n' "$version" | sort -V | head -1)" != "20.19.0" ]; then
    echo "error: Node.js $version is too old to build the web UI; it needs 20.19 or newer (https://nodejs.org, or NodeSource's nodejs package)." >&2
    exit 1
  fi
}

# Tauri 2 on Linux: WebKitGTK 4.1 and GTK 3 for the window, libsoup 3 for its network
# layer, librsvg for icons, and ayatana-appindicator for the tray (opened at run time; the
# app runs without a tray when it is missing).
desktop_libs=(libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
  librsvg2-dev libayatana-appindicator3-dev)
# The desktop tests: a virtual X display, a private D-Bus session (single instance runs
# over it), window lookup and screenshots, and xdg-mime for the handler registration.
# dunst and xfce4-panel: a real notification daemon and a real StatusNotifierItem host
# (the panel's systray plugin) for the desktop tests. desktop-file-utils and
# libfile-mimeinfo-perl: what a desktop has for xdg-open, so installing the .deb registers
# its handlers (dpkg's trigger runs update-desktop-database) and a .torrent file is known
# by its name, as xdg-utils recommends (`file` alone knows only torrents with a tracker).
# python3-gi and gir1.2-atspi-2.0: scripts/a11y.py, which clicks the app's buttons and
# GTK's dialogs through the accessibility bus (at-spi2-core).
desktop_test_tools=(xvfb xauth dbus dbus-x11 at-spi2-core xdotool imagemagick xdg-utils curl python3 dunst
  xfce4-panel desktop-file-utils libfile-mimeinfo-perl python3-gi gir1.2-atspi-2.0)
# `tauri build`: patchelf and file for the AppImage (the .deb needs nothing more).
bundle_tools=(patchelf file)

need_rust
apt_install build-essential pkg-config ca-certificates
need_node
case "$what" in
  serve) ;;
  run) apt_install "${desktop_libs[@]}" ;;
  test) apt_install transmission-daemon opentracker qbittorrent-nox python3-libtorrent chromium keyutils "${desktop_libs[@]}" "${desktop_test_tools[@]}" ;;
  bundle) apt_install "${desktop_libs[@]}" "${bundle_tools[@]}" ;;
  # bench/disk.py: libtorrent beside Bidswarm (python3-libtorrent). bench/desktop.py: the
  # release desktop app beside qBittorrent's GUI under Xvfb, with xfce4-panel as the tray host.
  bench) apt_install transmission-daemon opentracker qbittorrent-nox qbittorrent python3 python3-libtorrent \
    "${desktop_libs[@]}" xvfb xauth dbus dbus-x11 xdotool imagemagick xfce4-panel ;;
  *) echo "usage: $0 serve|run|test|bundle|bench" >&2; exit 2 ;;
esac
