#!/usr/bin/env bash
# Tests the desktop app for real: the debug build of bidswarm-desktop in a virtual X
# display (xvfb-run) with its own D-Bus session (dbus-run-session), and temporary HOME,
# XDG folders and --data-dir, so nothing of the user's is touched. Ends with one line:
#   "desktop tests: N passed, N failed"
# Screenshots go to target/desktop-test/. Needs target/debug/bidswarm-cli (built here if
# missing), ui/dist (built if missing), and what `scripts/deps.sh test` installs (Tauri's
# libraries, xvfb, dbus, xdotool, imagemagick). Exits non-zero on any failure.
#
# The session has no tray host, as on a bare window manager: closing the window must
# minimize it and keep seeding, never end the process. It has a real notification daemon
# (dunst) for the notification tests, and a real tray host (xfce4-panel) for the tray
# ones, which read and click its menu over D-Bus with scripts/sni.py. Buttons and GTK's
# dialogs are clicked through the accessibility bus with scripts/a11y.py. Last, as root,
# the .deb of this build is installed with dpkg, opened through xdg-open, and purged.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ -z "${BIDSWARM_DESKTOP_TEST_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session xdotool import curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "error: $tool is missing; run scripts/deps.sh test" >&2
      echo; echo "desktop tests: 0 passed, 1 failed"; exit 1
    fi
  done
  if [ ! -f "$root/ui/dist/index.html" ]; then
    (cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run build) \
      || { echo; echo "desktop tests: 0 passed, 1 failed"; exit 1; }
  fi
  (cd "$root" && cargo build -p bidswarm-desktop) || { echo; echo "desktop tests: 0 passed, 1 failed"; exit 1; }
  if [ ! -x "$root/target/debug/bidswarm-cli" ]; then
    (cd "$root" && cargo build -p bidswarm-cli) || { echo; echo "desktop tests: 0 passed, 1 failed"; exit 1; }
  fi
  # The .deb of that debug build, for the install test: `tauri bundle` packages the binary
  # already built (seconds), where `tauri build` would compile it again.
  if [ ! -x "$root/node_modules/.bin/tauri" ]; then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) || { echo; echo "desktop tests: 0 passed, 1 failed"; exit 1; }
  fi
  rm -rf "$root/target/debug/bundle/deb"
  (cd "$root" && npx tauri bundle --debug --bundles deb >/dev/null) || { echo; echo "desktop tests: 0 passed, 1 failed"; exit 1; }
  export BIDSWARM_DESKTOP_TEST_INNER=1
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$0" "$@"
fi

desktop="${BIDSWARM_DESKTOP:-$root/target/debug/bidswarm-desktop}"
cli="${BIDSWARM_CLI:-$root/target/debug/bidswarm-cli}"
shots="$root/target/desktop-test"
mkdir -p "$shots"
tmp=$(mktemp -d)
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
  XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
# Services D-Bus starts on demand (xfconfd for the panel) get these folders too, not the
# real ones the session bus was started with.
dbus-update-activation-environment HOME XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR 2>/dev/null
# The app's debug log says what it did (rpc requests, hand-overs); the tests read it.
export RUST_LOG="info,bidswarm_desktop=debug"
# WebKitGTK's DMA-BUF renderer draws nothing on a virtual display without a GPU.
export WEBKIT_DISABLE_DMABUF_RENDERER=1
data="$tmp/data"
log="$tmp/desktop.log"
app_pid=""
serve_pid=""
passed=0
failed=0

cleanup() {
  for pid in $app_pid $serve_pid ${dunst_pid:-} ${panel_pid:-}; do kill "$pid" 2>/dev/null; done
  if [ -n "${installed:-}" ]; then
    pkill -TERM -x -f "/usr/bin/bidswarm-desktop.*" 2>/dev/null
    wait 2>/dev/null
    dpkg --purge bidswarm >/dev/null 2>&1
  fi
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() {
  echo "FAIL $1${2:+: $2}"
  failed=$((failed + 1))
}
# wait_for SECONDS COMMAND...: polls every 0.2 s.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
log_has() { grep -qF -- "$1" "$log"; }
log_count() { grep -cF -- "$1" "$log"; }
main_window() { xdotool search --name '^Bidswarm$' 2>/dev/null | head -1; }
distinct_colours() { convert "$1" -format %k info: 2>/dev/null || echo 0; }
# Asks the window to close the way a window manager's close button does (scripts/xsession.py).
close_window() { python3 "$root/scripts/xsession.py" close "$1"; }
rpc() { # rpc URL TOKEN JSON
  curl -sS -H "Authorization: Bearer $2" "$1/api/rpc" -d "$3"
}
# set_setting DATA_DIR KEY JSON_VALUE: saves one setting as the Settings dialog does,
# through `bidswarm-cli serve` on the same data folder, before the app starts on it.
set_setting() {
  local out="$1.serve.out" url token request
  "$cli" serve --data-dir "$1" --listen 127.0.0.1:0 --no-dht >"$out" 2>/dev/null &
  serve_pid=$!
  wait_for 30 grep -q '^url: ' "$out"
  url=$(sed -n 's/^url: //p' "$out"); token=$(cat "$1/config/token")
  request=$(rpc "$url" "$token" '{"type":"get_settings"}' | python3 -c '
import json, sys
s = json.load(sys.stdin)["settings"]; s[sys.argv[1]] = json.loads(sys.argv[2])
print(json.dumps({"type": "update_settings", "settings": s}))' "$2" "$3")
  rpc "$url" "$token" "$request" >/dev/null
  kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""
}

# --- Setup: a torrent the app seeds, put in place by `bidswarm-cli serve` on the same
# --data-dir (the two share their data layout), and a second one to open at launch.
mkdir -p "$tmp/seed" "$tmp/extra"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$tmp/seed/payload.bin"
head -c 200000 /dev/urandom >"$tmp/extra/opened-at-launch.bin"
"$cli" create-torrent "$tmp/seed/payload.bin" -o "$tmp/payload.torrent" >/dev/null 2>&1
"$cli" create-torrent "$tmp/extra/opened-at-launch.bin" -o "$tmp/opened-at-launch.torrent" >/dev/null 2>&1
"$cli" serve --data-dir "$data" --listen 127.0.0.1:0 --no-dht --allow-path "$tmp" >"$tmp/serve.out" 2>"$tmp/serve.log" &
serve_pid=$!
wait_for 30 grep -q '^url: ' "$tmp/serve.out"
url=$(sed -n 's/^url: //p' "$tmp/serve.out")
token=$(cat "$data/config/token" 2>/dev/null)
seed_id=$(rpc "$url" "$token" "{\"type\":\"add_torrent\",\"source\":{\"kind\":\"path\",\"value\":\"$tmp/payload.torrent\"},\"options\":{\"output_folder\":\"$tmp/seed\"}}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["torrent"]["id"])' 2>/dev/null)
seeding() { rpc "$url" "$token" '{"type":"list_torrents"}' | grep -q '"state":"seeding"'; }
if [ -z "$seed_id" ] || ! wait_for 30 seeding; then
  echo "setup failed: the seed torrent was not added (see below)" >&2
  cat "$tmp/serve.log" >&2
  echo; echo "desktop tests: $passed passed, $((failed + 1)) failed"; exit 1
fi
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""

# --- 1. Cold start with a .torrent argument: the window opens, the UI connects.
started=$SECONDS
"$desktop" --data-dir "$data" --peer-listen 127.0.0.1:0 --no-dht "$tmp/opened-at-launch.torrent" >"$log" 2>&1 &
app_pid=$!
if wait_for 120 log_has "ui connected" && [ -n "$(main_window)" ]; then
  pass "window opens and the UI connects ($((SECONDS - started)) s)"
else
  fail "window opens and the UI connects" "no window or no 'ui connected' within 120 s"
fi
peer_addr=$(grep -oE 'listening for peers addr=127\.0\.0\.1:[0-9]+' "$log" | head -1 | sed 's/.*addr=//')

# --- 2. The launch argument reaches the Add dialog, and adding it works.
if wait_for 20 log_has "open-torrent source=$tmp/opened-at-launch.torrent" \
  && wait_for 20 log_has "request=preview_torrent"; then
  sleep 1
  import -window root "$shots/cold-start-add-dialog.png" 2>/dev/null
  # The dialog's focus is in its form; Enter adds what it previews.
  xdotool windowfocus --sync "$(main_window)" 2>/dev/null
  xdotool key --clearmodifiers Return
  if wait_for 15 log_has "request=add_torrent"; then
    pass "cold start with a .torrent opens the Add dialog, and Enter adds it"
  else
    fail "cold start with a .torrent" "the dialog opened (preview asked) but Enter did not add it"
  fi
else
  fail "cold start with a .torrent" "no open-torrent / preview_torrent in the log"
fi

# --- 3. A screenshot that is not blank.
sleep 1
import -window root "$shots/window.png" 2>/dev/null
colours=$(distinct_colours "$shots/window.png")
if [ "${colours:-0}" -ge 32 ]; then
  pass "screenshot target/desktop-test/window.png is not blank ($colours colours)"
else
  fail "screenshot is not blank" "$colours distinct colours in $shots/window.png"
fi

# --- 4. A second launch with a magnet hands it over and exits.
magnet="magnet:?xt=urn:btih:5e1ec7ed0000000000000000000000000000d35c&dn=handed-over"
previews_before=$(log_count "request=preview_torrent")
t0=$(date +%s%N)
timeout 30 "$desktop" --data-dir "$data" "$magnet" >"$tmp/second.log" 2>&1
second_status=$?
second_ms=$((($(date +%s%N) - t0) / 1000000))
more_previews() { [ "$(log_count "request=preview_torrent")" -gt "$previews_before" ]; }
if [ "$second_status" -ne 0 ]; then
  fail "second launch hands the magnet over" "it exited with $second_status after $second_ms ms"
elif wait_for 10 log_has "open-torrent source=$magnet" && wait_for 10 more_previews \
  && [ "$(xdotool search --name '^Bidswarm$' | wc -l)" -le 2 ] && kill -0 "$app_pid" 2>/dev/null; then
  sleep 1
  import -window root "$shots/magnet-add-dialog.png" 2>/dev/null
  pass "second launch exits in $second_ms ms; the first shows the magnet in its Add dialog"
else
  fail "second launch hands the magnet over" "the first instance did not open it (see log)"
fi

# --- 5. No tray host: closing the window minimizes it and the process stays.
# GTK keeps more than one X window by that name; only the frame's toplevel answers.
for window in $(xdotool search --name '^Bidswarm$'); do close_window "$window"; done
if wait_for 10 log_has "no tray host: window minimized" && sleep 2 && kill -0 "$app_pid" 2>/dev/null; then
  pass "closing the window without a tray host keeps Bidswarm running"
else
  fail "closing the window without a tray host keeps Bidswarm running" "process gone or no log line"
fi

# --- 6. ...and it still seeds: a leecher downloads the torrent from it.
if [ -n "$peer_addr" ] && timeout 90 "$cli" download "$tmp/payload.torrent" -o "$tmp/leech" --peer "$peer_addr" \
  --no-dht --exit-on-complete --timeout 80 >"$tmp/leech.out" 2>"$tmp/leech.log" \
  && cmp -s "$tmp/seed/payload.bin" "$tmp/leech/payload.bin"; then
  pass "with the window closed, a leecher gets the whole torrent from it"
else
  fail "seeding continues with the window closed" "peer '$peer_addr'; $(tail -2 "$tmp/leech.log" | tr '\n' ' ')"
fi

# --- 7. Quit (SIGTERM, the tray's Quit path) stops the core and exits 0.
kill -TERM "$app_pid"
deadline=$((SECONDS + 30))
while kill -0 "$app_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
if kill -0 "$app_pid" 2>/dev/null; then
  fail "quit exits cleanly" "still running 30 s after SIGTERM"
else
  wait "$app_pid"; quit_status=$?
  if [ "$quit_status" -eq 0 ] && log_has "state saved" && [ -s "$data/config/window-state.json" ]; then
    pass "quit saves state (and the window's size and place) and exits 0"
  else
    fail "quit exits cleanly" "exit status $quit_status; state saved: $(log_count 'state saved'); window state: $(ls "$data/config")"
  fi
fi
app_pid=""

# --- 8. What the desktop session added is there on the next start.
"$cli" serve --data-dir "$data" --listen 127.0.0.1:0 --no-dht >"$tmp/serve2.out" 2>"$tmp/serve2.log" &
serve_pid=$!
wait_for 30 grep -q '^url: ' "$tmp/serve2.out"
url=$(sed -n 's/^url: //p' "$tmp/serve2.out")
listing=$(rpc "$url" "$token" '{"type":"list_torrents"}')
if echo "$listing" | grep -q "$seed_id" && echo "$listing" | grep -q 'opened-at-launch'; then
  pass "the torrents survive the quit (both are listed on the next start)"
else
  fail "the torrents survive the quit" "listing: ${listing:0:300}"
fi
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""

# --- 9. The run-time handler registration (AppImage, unpacked builds).
if "$desktop" --register-magnet-handler >"$tmp/register.log" 2>&1; then
  entry="$XDG_DATA_HOME/applications/bidswarm.desktop"
  default=$(xdg-mime query default x-scheme-handler/magnet 2>/dev/null || echo "no xdg-mime")
  if grep -q '^Exec=.* %U$' "$entry" && grep -q 'x-scheme-handler/magnet' "$entry" \
    && grep -q 'application/x-bittorrent' "$entry" && [ "$default" = "bidswarm.desktop" ]; then
    pass "--register-magnet-handler writes an entry with %U and both types, and xdg-mime picks it"
  else
    fail "--register-magnet-handler" "default handler '$default'; entry: $(tr '\n' ' ' <"$entry" 2>/dev/null)"
  fi
else
  fail "--register-magnet-handler" "$(tail -3 "$tmp/register.log")"
fi

# --- 10. A real notification daemon (dunst, in this session): a finished download pops
# Bidswarm's notice with the torrent's name; with the setting off, nothing does.
dunst >"$tmp/dunst.log" 2>&1 &
dunst_pid=$!
wait_for 10 dunstctl is-paused >/dev/null 2>&1
# What the daemon received: shown ones are closed first, since its history keeps only
# notices that were shown and closed.
notices() { dunstctl close-all 2>/dev/null; dunstctl history 2>/dev/null | python3 -c '
import json, sys
for n in json.load(sys.stdin)["data"][0]:
    print(n["appname"]["data"], "|", n["summary"]["data"], "|", n["body"]["data"])' 2>/dev/null; }
# notify_case NAME ON: a fresh profile downloads NAME from a seeder; ON is true or false.
notify_case() {
  local name=$1 on=$2 profile="$tmp/notify-$1" file
  mkdir -p "$profile/seed"
  file="$profile/seed/$name.bin"
  head -c 300000 /dev/urandom >"$file"
  "$cli" create-torrent "$file" -o "$profile/$name.torrent" >/dev/null 2>&1
  [ "$on" = true ] || set_setting "$profile/data" notify_on_complete false
  local plog="$profile/desktop.log"
  "$desktop" --data-dir "$profile/data" --peer-listen 127.0.0.1:0 --no-dht "$profile/$name.torrent" >"$plog" 2>&1 &
  app_pid=$!
  log="$plog"
  local added=false
  if wait_for 120 log_has "ui connected" && wait_for 20 log_has "request=preview_torrent"; then
    sleep 1
    xdotool windowfocus --sync "$(main_window)" 2>/dev/null
    xdotool key --clearmodifiers Return
    wait_for 15 log_has "request=add_torrent" && added=true
  fi
  local addr
  addr=$(grep -oE 'listening for peers addr=127\.0\.0\.1:[0-9]+' "$plog" | head -1 | sed 's/.*addr=//')
  timeout 90 "$cli" seed "$profile/$name.torrent" --data "$profile/seed" --data-dir "$profile/seeder" \
    --peer "$addr" --listen 127.0.0.1:0 --no-dht >"$profile/seed.out" 2>&1 &
  local seeder=$!
  local done_file="$profile/data/downloads/$name.bin"
  finished() { cmp -s "$file" "$done_file"; }
  if ! $added || ! wait_for 60 finished; then
    fail "notification case $name" "added: $added; the download did not finish ($(tail -1 "$profile/seed.out"))"
  elif [ "$on" = true ]; then
    received() { notices | grep -q "| Download complete | $name.bin"; }
    if wait_for 10 received; then
      dunstctl history >"$shots/notification-history.json" 2>/dev/null
      pass "a finished download pops a notification the daemon received: $(notices | grep "$name" | head -1)"
    else
      fail "a finished download pops a notification" "daemon history: $(notices | tr '\n' ';'); app: $(grep -iE 'complete|notif' "$plog" | tail -3 | tr '\n' ' ')"
    fi
  else
    sleep 3
    if notices | grep -q "$name"; then
      fail "with notifications off, none is sent" "$(notices | tr '\n' ';')"
    else
      pass "with the setting off, a finished download sends no notification"
    fi
  fi
  kill "$seeder" 2>/dev/null; wait "$seeder" 2>/dev/null
  kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""
}
if command -v dunst >/dev/null && command -v dunstctl >/dev/null; then
  notify_case silent false
  notify_case finished true
else
  fail "a real notification daemon" "dunst is missing; run scripts/deps.sh test"
fi
kill "$dunst_pid" 2>/dev/null; wait "$dunst_pid" 2>/dev/null

# --- 11. Start at login: the setting writes an autostart entry that starts Bidswarm with
# --minimized on the same data folder, and starting from it brings the app up.
profile="$tmp/login"
mkdir -p "$profile"
set_setting "$profile/data" start_at_login true
log="$profile/desktop.log"
"$desktop" --data-dir "$profile/data" --peer-listen 127.0.0.1:0 --no-dht >"$log" 2>&1 &
app_pid=$!
entry=$(ls "$XDG_CONFIG_HOME"/autostart/*.desktop 2>/dev/null | head -1)
wait_for 60 log_has "start at login: on" && entry=$(ls "$XDG_CONFIG_HOME"/autostart/*.desktop 2>/dev/null | head -1)
kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""
exec_line=$(sed -n 's/^Exec=//p' "$entry" 2>/dev/null | head -1)
if [ -z "$entry" ] || ! echo "$exec_line" | grep -q -- "--minimized" || ! echo "$exec_line" | grep -qF -- "--data-dir $profile/data"; then
  fail "start at login writes its entry" "entry '$entry', Exec '$exec_line'"
else
  # As the session starts it: the Exec line, with this test's peer port instead of the default.
  log="$profile/login.log"
  sh -c "exec $exec_line --peer-listen 127.0.0.1:0 --no-dht" >"$log" 2>&1 &
  app_pid=$!
  if wait_for 120 log_has "window loaded" && tr '\0' ' ' <"/proc/$app_pid/cmdline" | grep -q -- "--minimized"; then
    pass "start at login writes $(basename "$entry") with --minimized and the data folder, and it starts Bidswarm"
  else
    fail "starting from the autostart entry" "$(tail -3 "$log" | tr '\n' ' ')"
  fi
  kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""
fi

# --- 12. A real tray host: xfce4-panel's status tray (a StatusNotifierItem host). The icon
# shows in the panel, its menu is read and clicked over D-Bus (com.canonical.dbusmenu) as
# the panel does, closing the window hides it to the tray, and Pause all pauses.
python3 "$root/scripts/xsession.py" tray-panel "$XDG_CONFIG_HOME"
sni() { python3 "$root/scripts/sni.py" "$@"; }
watcher_up() { busctl --address="$DBUS_SESSION_BUS_ADDRESS" status org.kde.StatusNotifierWatcher >/dev/null 2>&1; }
item_up() { [ -n "$(sni items 2>/dev/null)" ]; }
visible_window() { [ -n "$(xdotool search --onlyvisible --name '^Bidswarm$' 2>/dev/null)" ]; }
hidden_window() { ! visible_window; }
if ! command -v xfce4-panel >/dev/null; then
  fail "a real tray host" "xfce4-panel is missing; run scripts/deps.sh test"
else
  xfce4-panel >"$tmp/panel.log" 2>&1 &
  panel_pid=$!
  if ! wait_for 20 watcher_up; then
    fail "a real tray host" "xfce4-panel registered no StatusNotifierWatcher: $(tail -3 "$tmp/panel.log" | tr '\n' ' ')"
  else
    sleep 1
    import -window root -crop 1280x32+0+0 "$shots/tray-panel-empty.png" 2>/dev/null
    log="$tmp/tray.log"
    "$desktop" --data-dir "$data" --peer-listen 127.0.0.1:0 --no-dht >"$log" 2>&1 &
    app_pid=$!
    if wait_for 120 log_has "ui connected" && wait_for 20 item_up; then
      labels=$(sni menu 2>&1 | cut -f2 | tr '\n' '|')
      if [ "$labels" = "Show/Hide|Pause all|Resume all|↓ 0 B/s   ↑ 0 B/s|Quit|" ] \
        || { echo "$labels" | grep -q '^Show/Hide|Pause all|Resume all|↓ .*↑ .*|Quit|$'; }; then
        pass "its menu, read over D-Bus, has Show/Hide, Pause all, Resume all, the speed line and Quit"
      else
        fail "the tray menu" "labels: $labels"
      fi
      # Closed into the tray, the window and its page are dropped, and WebKit's web
      # process with them.
      web_process_gone() { [ -z "$(pgrep -P "$app_pid" -f WebKitWebProcess)" ]; }
      web_before=$(pgrep -c -P "$app_pid" -f WebKitWebProcess)
      for window in $(xdotool search --name '^Bidswarm$'); do close_window "$window"; done
      if wait_for 10 log_has "window hidden to the tray" && wait_for 5 hidden_window && kill -0 "$app_pid" \
        && [ "${web_before:-0}" -ge 1 ] && wait_for 10 web_process_gone; then
        # With the window gone the panel is in view: beside the empty panel's picture only
        # the icon differs, an icon's worth of pixels.
        sleep 1
        import -window root -crop 1280x32+0+0 "$shots/tray-panel.png" 2>/dev/null
        changed=$(compare -metric AE "$shots/tray-panel-empty.png" "$shots/tray-panel.png" null: 2>&1 || true)
        changed=${changed%% *}
        if [ "${changed:-0}" -ge 50 ] 2>/dev/null && [ "$changed" -le 4000 ]; then
          pass "the icon shows in the panel (target/desktop-test/tray-panel.png: $changed pixels differ from the empty panel)"
        else
          fail "the icon shows in the panel" "'$changed' pixels differ from the empty panel"
        fi
        sni click "Show/Hide"
        if wait_for 10 visible_window && wait_for 30 log_has "window made again from the tray"; then
          pass "closing the window drops it and WebKit's web process into the tray, and Show/Hide brings it back"
        else
          fail "Show/Hide from the tray" "no visible window after the click"
        fi
        # A magnet handed over while the window is in the tray waits for the new page.
        for window in $(xdotool search --name '^Bidswarm$'); do close_window "$window"; done
        wait_for 10 hidden_window
        in_tray_magnet="magnet:?xt=urn:btih:7a7a7a7a0000000000000000000000000000b1d5&dn=while-in-tray"
        connects_before=$(log_count "ui connected")
        timeout 30 "$desktop" --data-dir "$data" "$in_tray_magnet" >"$tmp/in-tray.log" 2>&1
        reconnected() { [ "$(log_count "ui connected")" -gt "$connects_before" ]; }
        if wait_for 30 reconnected && wait_for 20 log_has "open-torrent source=$in_tray_magnet" && visible_window; then
          pass "a magnet opened while the window is in the tray makes the window and reaches its Add dialog"
        else
          fail "a magnet handed over while in the tray" "$(grep -E 'open-torrent|window|handed' "$log" | tail -3 | tr '\n' ' ')"
        fi
      else
        fail "closing with a tray host hides to the tray" "web processes before: ${web_before:-0}, after: $(pgrep -c -P "$app_pid" -f WebKitWebProcess); $(grep -E 'window|tray' "$log" | tail -2 | tr '\n' ' ')"
      fi
      sni click "Pause all"
      sleep 2
      sni click "Quit"
      deadline=$((SECONDS + 30))
      while kill -0 "$app_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
      wait "$app_pid" 2>/dev/null; quit_status=$?
      app_pid=""
      "$cli" serve --data-dir "$data" --listen 127.0.0.1:0 --no-dht >"$tmp/serve3.out" 2>"$tmp/serve3.log" &
      serve_pid=$!
      wait_for 30 grep -q '^url: ' "$tmp/serve3.out"
      url=$(sed -n 's/^url: //p' "$tmp/serve3.out")
      states=$(rpc "$url" "$token" '{"type":"list_torrents"}' | python3 -c '
import json, sys
print(" ".join(sorted(t["state"] for t in json.load(sys.stdin)["torrents"])))' 2>/dev/null)
      kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""
      if [ "$quit_status" -eq 0 ] && [ -n "$states" ] && [ -z "$(echo "$states" | tr ' ' '\n' | grep -v '^paused$')" ]; then
        pass "Pause all from the tray pauses every torrent ($states), and Quit exits 0"
      else
        fail "Pause all and Quit from the tray" "exit $quit_status; states after: '$states'"
      fi
    else
      fail "a real tray host" "no StatusNotifierItem registered: $(grep -E 'tray' "$log" | tail -2 | tr '\n' ' ')"
    fi
    # Start at login with the tray host there: no window, only the icon.
    if [ -n "${exec_line:-}" ]; then
      log="$tmp/login-tray.log"
      sh -c "exec $exec_line --peer-listen 127.0.0.1:0 --no-dht" >"$log" 2>&1 &
      app_pid=$!
      if wait_for 120 log_has "tray icon created" && wait_for 20 item_up && wait_for 60 log_has "started in the tray" \
        && sleep 2 && hidden_window && ! log_has "window loaded"; then
        pass "started from the autostart entry with a tray host, it shows no window, only the icon"
        sni click "Show/Hide"
        if wait_for 20 visible_window && wait_for 60 log_has "ui connected"; then
          pass "Show/Hide makes the window it started without, and the page connects"
        else
          fail "Show/Hide after a start in the tray" "$(tail -2 "$log" | tr '\n' ' ')"
        fi
      else
        fail "start at login with a tray host" "visible window: $(visible_window && echo yes || echo no); $(tail -2 "$log" | tr '\n' ' ')"
      fi
      kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""
    fi
  fi
  kill "$panel_pid" 2>/dev/null; wait "$panel_pid" 2>/dev/null
fi

# --- 13. The dialogs a user clicks, clicked through the accessibility bus (scripts/a11y.py,
# by the labels a user reads): the folder picker (GTK's own dialog) fills Settings' download
# folder, which Save keeps, and "Make Bidswarm the default for magnet links" registers it.
# A fresh home, so the handler registered in 9 does not count.
a11y() { /usr/bin/python3 "$root/scripts/a11y.py" "$@" 2>/dev/null; }
profile="$tmp/dialogs"
picked="$profile/picked folder"
mkdir -p "$profile/home/.config" "$profile/home/.local/share" "$picked"
log="$profile/desktop.log"
HOME="$profile/home" XDG_CONFIG_HOME="$profile/home/.config" XDG_DATA_HOME="$profile/home/.local/share" \
  "$desktop" --data-dir "$profile/data" --peer-listen 127.0.0.1:0 --no-dht >"$log" 2>&1 &
app_pid=$!
chooser() { xdotool search --name '^Choose a folder$' 2>/dev/null | head -1; }
saved_folder() { grep -qF "\"download_folder\": \"$picked\"" "$profile/data/config/settings.json" 2>/dev/null; }
if ! /usr/bin/python3 -c 'import gi; gi.require_version("Atspi", "2.0")' 2>/dev/null; then
  fail "the dialogs a user clicks" "no AT-SPI for Python (python3-gi, gir1.2-atspi-2.0); run scripts/deps.sh test"
elif wait_for 120 log_has "ui connected" && wait_for 20 a11y click "push button" Settings \
  && wait_for 20 a11y click "push button" "Choose…" && wait_for 20 chooser; then
  # GTK's chooser: Ctrl+L opens its location field, where the folder is typed, then Open.
  xdotool windowfocus --sync "$(chooser)" 2>/dev/null
  xdotool key --clearmodifiers ctrl+l
  sleep 0.5
  xdotool type --delay 10 "$picked/"
  sleep 0.5
  import -window root "$shots/folder-picker.png" 2>/dev/null
  a11y click "push button" Open
  shown=""
  field_shows() { shown=$(a11y text entry "Download folder*"); [ "$shown" = "$picked" ]; }
  if wait_for 10 field_shows && a11y click "push button" Save && wait_for 10 saved_folder; then
    pass "the folder picker, clicked, fills the download folder and Save keeps it"
  else
    fail "the folder picker" "the field shows '$shown'; settings: $(grep -o '"download_folder": "[^"]*"' "$profile/data/config/settings.json" 2>/dev/null)"
  fi
  magnet_default() {
    [ "$(HOME="$profile/home" XDG_CONFIG_HOME="$profile/home/.config" XDG_DATA_HOME="$profile/home/.local/share" \
      xdg-mime query default x-scheme-handler/magnet 2>/dev/null)" = bidswarm.desktop ]
  }
  if wait_for 20 a11y click "push button" Settings && wait_for 10 a11y click "page tab" Interface \
    && wait_for 10 a11y click "push button" "Make Bidswarm the default for magnet links" && wait_for 10 magnet_default \
    && grep -q "^MimeType=x-scheme-handler/magnet;application/x-bittorrent;" "$profile/home/.local/share/applications/bidswarm.desktop"; then
    pass "\"Make Bidswarm the default for magnet links\", clicked, makes it xdg-mime's magnet handler"
  else
    fail "the magnet handler button" "xdg-mime: $(XDG_CONFIG_HOME="$profile/home/.config" xdg-mime query default x-scheme-handler/magnet 2>&1)"
  fi
else
  fail "the dialogs a user clicks" "the Settings dialog or the folder picker did not open: $(a11y dump | grep -c .) accessible nodes"
fi
kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""

# --- 14. Installed as a user installs it: the .deb of this build through dpkg, in a fresh
# home. Installing registers the handlers (no per-user step), xdg-open hands a magnet and a
# .torrent to the running app, a magnet cold-starts it, and removing the package leaves
# nothing registered. Only as root, and never over a Bidswarm the machine already has.
deb=$(ls "$root"/target/debug/bundle/deb/*.deb 2>/dev/null | head -1)
if [ "$(id -u)" -ne 0 ] || dpkg -s bidswarm >/dev/null 2>&1; then
  echo "skip the .deb install test: it installs with dpkg, which needs root and no installed Bidswarm"
elif [ -z "$deb" ]; then
  fail "installing the .deb" "no .deb in target/debug/bundle/deb"
else
  export HOME="$tmp/installed" XDG_CONFIG_HOME="$tmp/installed/.config" XDG_DATA_HOME="$tmp/installed/.local/share" \
    XDG_CACHE_HOME="$tmp/installed/.cache"
  mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
  # What xdg-open starts gets these too: peers on loopback only, no DHT.
  export BIDSWARM_PEER_LISTEN=127.0.0.1:0 BIDSWARM_NO_DHT=true
  if dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
    installed=1
    cache=/usr/share/applications/mimeinfo.cache
    registered() { grep -q "^$1=\(.*;\)\?Bidswarm.desktop;" "$cache" 2>/dev/null; }
    if [ -x /usr/bin/bidswarm-desktop ] && registered x-scheme-handler/magnet && registered application/x-bittorrent; then
      pass "dpkg -i $(basename "$deb") installs /usr/bin/bidswarm-desktop and registers it for magnet links and .torrent files"
    else
      fail "installing the .deb registers the handlers" "$cache: $(grep -E 'magnet|bittorrent' "$cache" 2>/dev/null | tr '\n' ' ')"
    fi
    # With another client installed too (qBittorrent's GUI, say), which one opens links is
    # the user's choice, made here as a user makes it.
    for type in x-scheme-handler/magnet application/x-bittorrent; do
      [ "$(xdg-mime query default "$type" 2>/dev/null)" = Bidswarm.desktop ] || xdg-mime default Bidswarm.desktop "$type"
    done
    # opened SOURCE LOG: the app at LOG asked to preview SOURCE in its Add dialog.
    opened() { grep -qF -- "open-torrent source=$1" "$2" && grep -q "request=preview_torrent" "$2"; }
    log="$tmp/installed.log"
    /usr/bin/bidswarm-desktop >"$log" 2>&1 &
    app_pid=$!
    if wait_for 120 log_has "ui connected"; then
      magnet="magnet:?xt=urn:btih:0be11e7e0000000000000000000000000000dec0&dn=via-xdg-open"
      timeout 30 xdg-open "$magnet" >"$tmp/xdg-open.log" 2>&1
      previews=$(log_count "request=preview_torrent")
      if wait_for 20 opened "$magnet" "$log" && kill -0 "$app_pid" 2>/dev/null; then
        pass "xdg-open of a magnet link reaches the running app's Add dialog"
      else
        fail "xdg-open of a magnet link" "$(tail -2 "$tmp/xdg-open.log" | tr '\n' ' ')"
      fi
      timeout 30 xdg-open "$tmp/opened-at-launch.torrent" >>"$tmp/xdg-open.log" 2>&1
      more_previews() { [ "$(log_count "request=preview_torrent")" -gt "$previews" ]; }
      if wait_for 20 log_has "open-torrent source=$tmp/opened-at-launch.torrent" && wait_for 10 more_previews; then
        pass "xdg-open of a .torrent file reaches the running app's Add dialog"
      else
        fail "xdg-open of a .torrent file" "$(grep 'open-torrent' "$log" | tail -2 | tr '\n' ' ')"
      fi
    else
      fail "the installed app starts" "$(tail -3 "$log" | tr '\n' ' ')"
    fi
    kill -TERM "$app_pid"; wait "$app_pid" 2>/dev/null; app_pid=""
    # A cold start: nothing runs, and the link starts the installed app.
    log="$tmp/cold-magnet.log"
    magnet="magnet:?xt=urn:btih:c01d57a7000000000000000000000000000c01d5&dn=cold-start"
    xdg-open "$magnet" >"$log" 2>&1 &
    opener=$!
    if wait_for 120 log_has "ui connected" && wait_for 20 opened "$magnet" "$log"; then
      sleep 1
      import -window root "$shots/installed-cold-magnet.png" 2>/dev/null
      pass "a magnet link opened with nothing running starts the installed app with it in the Add dialog"
    else
      fail "a cold start from xdg-open with a magnet" "$(tail -3 "$log" | tr '\n' ' ')"
    fi
    pkill -TERM -x -f "/usr/bin/bidswarm-desktop.*" 2>/dev/null
    wait "$opener" 2>/dev/null
    if dpkg --purge bidswarm >"$tmp/dpkg.log" 2>&1; then
      installed=""
      if [ ! -e /usr/bin/bidswarm-desktop ] && [ ! -e /usr/share/applications/Bidswarm.desktop ] \
        && ! grep -q Bidswarm.desktop "$cache" 2>/dev/null; then
        pass "dpkg --purge removes the app and its handler registration"
      else
        fail "uninstalling" "left: $(ls /usr/bin/bidswarm-desktop /usr/share/applications/Bidswarm.desktop 2>/dev/null) $(grep Bidswarm "$cache" 2>/dev/null)"
      fi
    else
      fail "uninstalling" "$(tail -3 "$tmp/dpkg.log" | tr '\n' ' ')"
    fi
  else
    fail "installing the .deb" "$(tail -3 "$tmp/dpkg.log" | tr '\n' ' ')"
  fi
fi

if [ "$failed" -gt 0 ]; then
  echo "--- desktop app log ---"
  tail -60 "$log"
fi
echo
echo "desktop tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
