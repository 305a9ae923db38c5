#!/usr/bin/env bash
# Installs what Bidswarm needs to build, run or test, on Debian 12 or Ubuntu.
#   scripts/deps.sh run     the toolchain check, and Node.js to build the web UI
#   scripts/deps.sh test    + the real peers the tests start (Transmission, opentracker)
#                             and Chromium for the UI tests
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

need_rust
apt_install build-essential pkg-config ca-certificates
need_node
case "$what" in
  run) ;;
  test) apt_install transmission-daemon opentracker chromium ;;
  bench) apt_install transmission-daemon opentracker qbittorrent-nox python3 ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
