#!/usr/bin/env python3
"""Desktop benchmark (issue 21): the Bidswarm desktop app beside qBittorrent's own GUI, in
the same run, on a virtual display with a real tray host.

Under xvfb-run and dbus-run-session (the script starts itself there), with xfce4-panel's
status tray as the tray host and fresh profiles in a temp dir:

- **start to window painted, warm:** from starting the process to its main window being
  mapped with a picture in it (a screenshot of the window with at least 32 colours, polled
  every 50 ms). Each app is started once first (not counted), so its files are in the page
  cache; then rounds alternate Bidswarm, qBittorrent, Bidswarm, ...
- **idle in the tray,** no torrents, read after --idle-secs: RSS of the main process, and
  PSS of it and every process it started (WebKit's web and network processes for
  Bidswarm), twice: started as start-at-login starts it (Bidswarm `--minimized`,
  qBittorrent with "start minimized" and its tray icon on), and started with its window,
  which is closed into the tray once painted.

Both apps keep to loopback: Bidswarm with --peer-listen 127.0.0.1:0 --no-dht, qBittorrent
bound to `lo` with DHT, LSD and PeX off.

    python3 bench/desktop.py                                    # 3 rounds
    python3 bench/desktop.py --bidswarm target/debug/bidswarm-desktop --rounds 1

Needs the release bidswarm-desktop (make bench builds it), qbittorrent, xvfb, dbus,
xfce4-panel, xdotool and imagemagick (scripts/deps.sh bench). Python 3.11 standard
library only; Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from xsession import close_windows, write_tray_panel  # noqa: E402
from transfer import (  # noqa: E402  (bench/ is not a package)
    QBT_LOOPBACK, REPO_ROOT, BenchError, Child, free_ports, guarded_run, log, machine_line, proc_kib, spawn,
    stop_child, tail,
)

QBT_GUI = "qbittorrent"
PAINT_TIMEOUT = 60.0
PAINT_POLL = 0.05
MIN_COLOURS = 32
QBT_CONF = QBT_LOOPBACK + """
[Network]
PortForwardingEnabled=false

[Preferences]
General\\SystrayEnabled=true
General\\MinimizeToTray=true
General\\CloseToTray=true
General\\StartMinimized={minimized}
General\\NoSplashScreen=true
General\\ExitConfirm=false
Downloads\\SavePath={save_path}
"""


class App:
    """One of the two apps: how to start it on its profile, and how to find its window."""

    def __init__(self, name: str, window_name: str):
        self.name = name
        self.window_name = window_name

    def argv(self, profile: Path, minimized: bool) -> list[str]:
        raise NotImplementedError


class Bidswarm(App):
    def __init__(self, binary: Path):
        super().__init__("bidswarm", "^Bidswarm$")
        self.binary = binary

    def argv(self, profile: Path, minimized: bool) -> list[str]:
        argv = [str(self.binary), "--data-dir", str(profile), "--peer-listen", "127.0.0.1:0", "--no-dht"]
        return argv + (["--minimized"] if minimized else [])


class QBittorrent(App):
    def __init__(self, port: int):
        super().__init__("qbittorrent", "^qBittorrent v")
        self.port = port

    def argv(self, profile: Path, minimized: bool) -> list[str]:
        conf = profile / "qBittorrent" / "config" / "qBittorrent.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        # Written before every start: qBittorrent saves its own on exit.
        conf.write_text(QBT_CONF.format(bt_port=self.port, minimized=str(minimized).lower(),
                                        save_path=profile / "downloads"))
        return [QBT_GUI, f"--profile={profile}"]


def x_tool(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return done.stdout.strip() if done.returncode == 0 else ""


def visible_windows(name: str) -> list[str]:
    return x_tool("xdotool", "search", "--onlyvisible", "--name", name).split()


def colours(window: str) -> int:
    picture = subprocess.run(["import", "-window", window, "png:-"], capture_output=True, timeout=20).stdout
    if not picture:
        return 0
    count = subprocess.run(["convert", "png:-", "-format", "%k", "info:"], input=picture,
                           capture_output=True, timeout=20).stdout
    try:
        return int(count.strip() or 0)
    except ValueError:
        return 0


def time_to_painted(app: App, tmp: Path, profile: Path, label: str) -> float:
    started = time.monotonic()
    child = spawn(label, app.argv(profile, minimized=False), tmp)
    try:
        return wait_painted(app, child, started, label)
    finally:
        stop_child(child)


def wait_painted(app: App, child: Child, started: float, label: str) -> float:
    """Seconds from `started` until the app's window is mapped with a picture in it."""
    deadline = started + PAINT_TIMEOUT
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise BenchError(f"{label} exited with {child.proc.returncode}:\n{tail(child.stderr_path)}")
        if any(colours(w) >= MIN_COLOURS for w in visible_windows(app.window_name)):
            return time.monotonic() - started
        time.sleep(PAINT_POLL)
    raise BenchError(f"{label}: no painted window within {PAINT_TIMEOUT:.0f} s:\n{tail(child.stderr_path)}")


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def idle_in_tray(app: App, tmp: Path, profile: Path, label: str, idle_secs: float,
                 shown_first: bool) -> dict[str, float]:
    """Started in the tray, or (`shown_first`) shown, painted, then closed into the tray."""
    started = time.monotonic()
    child = spawn(label, app.argv(profile, minimized=not shown_first), tmp)
    try:
        if shown_first:
            wait_painted(app, child, started, label)
            time.sleep(2)
            close_windows([int(w) for w in x_tool("xdotool", "search", "--name", app.window_name).split()])
        time.sleep(idle_secs)
        if child.proc.poll() is not None:
            raise BenchError(f"{label} exited with {child.proc.returncode}:\n{tail(child.stderr_path)}")
        pid = child.proc.pid
        tree = [pid] + descendants(pid)
        return {
            "rss_mib": proc_kib(pid, "VmRSS") / 1024,
            "anon_mib": proc_kib(pid, "RssAnon") / 1024,
            # A helper process may end between the listing and the read.
            "pss_tree_mib": sum(proc_kib(p, "Pss", "smaps_rollup", missing=0) for p in tree) / 1024,
            "processes": len(tree),
            "window_shown": bool(visible_windows(app.window_name)),
        }
    finally:
        stop_child(child)


def start_tray_host(tmp: Path) -> Child:
    write_tray_panel(tmp / "xdg" / "config")
    env_names = ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"]
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg" / "config")
    os.environ["XDG_DATA_HOME"] = str(tmp / "xdg" / "data")
    os.environ["XDG_CACHE_HOME"] = str(tmp / "xdg" / "cache")
    subprocess.run(["dbus-update-activation-environment", *env_names], check=False, capture_output=True)
    panel = spawn("xfce4-panel", ["xfce4-panel"], tmp)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = subprocess.run(["busctl", f"--address={os.environ.get('DBUS_SESSION_BUS_ADDRESS', '')}", "status",
                                 "org.kde.StatusNotifierWatcher"], capture_output=True, timeout=10)
        if status.returncode == 0:
            return panel
        time.sleep(0.2)
    raise BenchError(f"xfce4-panel registered no StatusNotifierWatcher:\n{tail(panel.stderr_path)}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(args, tmp: Path) -> int:
    home = tmp / "home"
    home.mkdir()
    os.environ["HOME"] = str(home)
    # WebKitGTK's DMA-BUF renderer draws nothing on a virtual display without a GPU.
    os.environ["WEBKIT_DISABLE_DMABUF_RENDERER"] = "1"
    start_tray_host(tmp)
    apps: list[App] = [Bidswarm(args.bidswarm.resolve()), QBittorrent(free_ports(1)[0])]
    painted: dict[str, list[float]] = {a.name: [] for a in apps}
    idle: dict[str, list[dict[str, float]]] = {a.name: [] for a in apps}
    closed: dict[str, list[dict[str, float]]] = {a.name: [] for a in apps}
    for app in apps:
        time_to_painted(app, tmp, tmp / f"{app.name}-warm-up", f"{app.name}-warm-up")
    for r in range(args.rounds):
        for app in apps:
            seconds = time_to_painted(app, tmp, tmp / f"{app.name}-paint-{r}", f"{app.name}-paint-{r}")
            painted[app.name].append(seconds)
            log(f"round {r + 1}: {app.name} painted its window in {seconds * 1000:.0f} ms")
    for r in range(args.rounds):
        for app in apps:
            for shown_first, into in [(False, idle), (True, closed)]:
                label = f"{app.name}-{'closed' if shown_first else 'idle'}-{r}"
                figures = idle_in_tray(app, tmp, tmp / label, label, args.idle_secs, shown_first)
                into[app.name].append(figures)
                log(f"round {r + 1}: {label}: {figures}")

    def fig(name: str, key: str, source=idle) -> float:
        return median([f[key] for f in source[name]])

    b, q = "bidswarm", "qbittorrent"
    print(f"\n{machine_line()}")
    print(f"Rounds: {args.rounds}, alternating; idle read after {args.idle_secs:.0f} s; medians.\n")
    print("| | Bidswarm | qBittorrent | Bidswarm / qBittorrent |")
    print("|---|---|---|---|")
    pb, pq = median(painted[b]) * 1000, median(painted[q]) * 1000
    print(f"| start to window painted, warm | {pb:.0f} ms | {pq:.0f} ms | {pb / pq:.2f} |")
    for source, when in [(idle, "started in the tray"), (closed, "shown, then closed into the tray")]:
        for key, what in [("rss_mib", f"RSS, main process, {when}"),
                          ("anon_mib", "of which anonymous (heap)"),
                          ("pss_tree_mib", "PSS, it and every process it started")]:
            vb, vq = fig(b, key, source), fig(q, key, source)
            print(f"| {what} | {vb:.0f} MiB | {vq:.0f} MiB | {vb / vq:.2f} |")
        print(f"| processes | {fig(b, 'processes', source):.0f} | {fig(q, 'processes', source):.0f} | |")
        shown = {n: any(f["window_shown"] for f in source[n]) for n in (b, q)}
        print(f"| a window in view meanwhile | {'yes' if shown[b] else 'no'} | {'yes' if shown[q] else 'no'} | |")
    print("\nEach round, start to painted (ms): " + "; ".join(
        f"{n}: {', '.join(f'{s * 1000:.0f}' for s in painted[n])}" for n in (b, q)))
    print("Goals: start to window painted <= 800 ms warm; RSS idle in the tray <= 150 MB (143 MiB).")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bidswarm", type=Path, default=REPO_ROOT / "target" / "release" / "bidswarm-desktop")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle-secs", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.bidswarm.exists():
        print(f"error: {args.bidswarm} is missing; cargo build --release -p bidswarm-desktop", file=sys.stderr)
        return 1
    for tool in (QBT_GUI, "xvfb-run", "dbus-run-session", "xfce4-panel", "xdotool", "import", "busctl"):
        if shutil.which(tool) is None:
            print(f"error: {tool} is missing; run scripts/deps.sh bench", file=sys.stderr)
            return 1
    if not args.inner:
        argv = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
                sys.executable, __file__, "--inner", *sys.argv[1:]]
        return subprocess.run(argv, check=False).returncode
    return guarded_run("bidswarm-desktop-bench-", args.keep, lambda tmp: run(args, tmp))


if __name__ == "__main__":
    sys.exit(main())
