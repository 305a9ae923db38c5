#!/usr/bin/env python3
"""Memory benchmark (issue 19, item 3): the headless server's RSS beside transmission-daemon's,
in the same run, at three points:

- idle: started with nothing, read after --settle seconds;
- seeding one torrent of --size-mib (1 GiB): added, checked, then read after --settle s;
- with --many (1,000) small torrents loaded and seeding, read after --settle s.

With the 1,000 torrents loaded it also reads the CPU each client spends idle, over
--cpu-window seconds, and for Bidswarm again with its queue on and room for all of them
(every round plans all 1,001, none waits, so the engine's own load is the same): the
difference is what re-evaluating the queue costs per second of engine time (issue 18's
goal: under 5 ms).

Each client runs on its own temp folder, on 127.0.0.1 only, with DHT, LSD, PeX, uTP and
port mapping off. RSS is VmRSS from /proc; also reported: RssAnon (the heap) and VmHWM
(the peak). Goals: Bidswarm <= 12 MB idle, <= 30 MB seeding 1 GiB, <= 80 MB with 1,000
torrents.

    python3 bench/memory.py                          # 1 GiB and 1,000 torrents
    python3 bench/memory.py --size-mib 64 --many 100 # quick

Needs target/release/bidswarm-cli and transmission-daemon. Python 3.11 standard library
only; Linux only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transfer import (  # noqa: E402  (bench/ is not a package)
    MIB, REPO_ROOT, BenchError, bencode, cpu_seconds, free_ports, generate_file, guarded_run, log, machine_line,
    proc_kib, spawn, stop_child, tail,
)

TINY_PIECE = 16 * 1024
READY_TIMEOUT = 600.0


def memory(pid: int) -> dict[str, float]:
    return {k: proc_kib(pid, f) / 1024 for k, f in (("rss", "VmRSS"), ("anon", "RssAnon"), ("peak", "VmHWM"))}


def torrent_bytes(path: Path, piece: int) -> bytes:
    data = path.read_bytes()
    hashes = b"".join(hashlib.sha1(data[i:i + piece]).digest() for i in range(0, len(data), piece))
    info = {b"length": len(data), b"name": path.name.encode(), b"piece length": piece, b"pieces": hashes}
    return bencode({b"info": info})


def big_torrent(path: Path) -> bytes:
    """A v1 torrent of a large file, hashed in 4 MiB pieces without reading it all at once."""
    piece = 4 * MIB
    hashes = []
    with open(path, "rb") as f:
        while chunk := f.read(piece):
            hashes.append(hashlib.sha1(chunk).digest())
    info = {b"length": path.stat().st_size, b"name": path.name.encode(), b"piece length": piece,
            b"pieces": b"".join(hashes)}
    return bencode({b"info": info})


class Bidswarm:
    name = "Bidswarm (bidswarm-cli serve)"

    def __init__(self, bin_path: Path, tmp: Path):
        self.dir = tmp / "bidswarm"
        self.dir.mkdir()
        self.child = spawn("bidswarm-serve", [str(bin_path), "serve", "--data-dir", str(self.dir), "--listen",
                                              "127.0.0.1:0", "--no-dht", "--allow-path", str(tmp)], tmp)
        deadline = time.monotonic() + 60
        while True:
            text = self.child.stdout_path.read_text("utf-8", "replace")
            url = next((line[5:].strip() for line in text.splitlines() if line.startswith("url: ")), None)
            if url:
                break
            if time.monotonic() > deadline or self.child.proc.poll() is not None:
                raise BenchError(f"serve printed no url\n{tail(self.child.stderr_path)}")
            time.sleep(0.1)
        self.url = url.split("?")[0].split("#")[0].rstrip("/")
        self.token = (self.dir / "config" / "token").read_text().strip()

    @property
    def pid(self) -> int:
        return self.child.proc.pid

    def rpc(self, request: dict) -> dict:
        req = urllib.request.Request(f"{self.url}/api/rpc", data=json.dumps(request).encode(),
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as response:
            return json.load(response)

    def add(self, torrent: bytes, folder: Path) -> None:
        answer = self.rpc({"type": "add_torrent",
                           "source": {"kind": "torrent_base64", "value": base64.b64encode(torrent).decode()},
                           "options": {"output_folder": str(folder)}})
        if answer.get("type") != "torrent":
            raise BenchError(f"add_torrent: {answer}")

    def seeding(self) -> int:
        torrents = self.rpc({"type": "list_torrents"}).get("torrents", [])
        return sum(t["state"] == "seeding" for t in torrents)

    def set_queue(self, max_active: int) -> None:
        settings = self.rpc({"type": "get_settings"})["settings"]
        settings["queue"] = {**settings["queue"], "enabled": True, "max_active_torrents": max_active,
                             "max_active_uploads": None, "max_active_downloads": None}
        self.rpc({"type": "update_settings", "settings": settings})

    def queued(self) -> int:
        torrents = self.rpc({"type": "list_torrents"}).get("torrents", [])
        return sum(t["state"] == "queued" for t in torrents)


class Transmission:
    name = "transmission-daemon"

    def __init__(self, tmp: Path):
        self.dir = tmp / "transmission"
        config = self.dir / "config"
        config.mkdir(parents=True)
        rpc_port, peer_port = free_ports(2)
        settings = {
            "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1", "rpc-bind-address": "127.0.0.1",
            "rpc-port": rpc_port, "rpc-authentication-required": False, "rpc-whitelist-enabled": True,
            "rpc-whitelist": "127.0.0.1", "rpc-host-whitelist-enabled": False, "peer-port": peer_port,
            "peer-port-random-on-start": False, "port-forwarding-enabled": False, "dht-enabled": False,
            "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False, "blocklist-enabled": False,
            "download-dir": str(self.dir / "downloads"), "incomplete-dir-enabled": False,
            "start-added-torrents": True, "ratio-limit-enabled": False, "idle-seeding-limit-enabled": False,
            "download-queue-enabled": False, "seed-queue-enabled": False, "message-level": 1,
        }
        (config / "settings.json").write_text(json.dumps(settings))
        self.child = spawn("transmission", ["transmission-daemon", "--foreground", "--config-dir", str(config)], tmp)
        self.url = f"http://127.0.0.1:{rpc_port}/transmission/rpc"
        self.session = ""
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc("session-get", {})
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or self.child.proc.poll() is not None:
                    raise BenchError(f"transmission's RPC did not come up\n{tail(self.child.stderr_path)}") from None
                time.sleep(0.2)

    @property
    def pid(self) -> int:
        return self.child.proc.pid

    def rpc(self, method: str, arguments: dict) -> dict:
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(2):
            req = urllib.request.Request(self.url, data=body, headers={"X-Transmission-Session-Id": self.session})
            try:
                with urllib.request.urlopen(req, timeout=60) as response:
                    return json.load(response)
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
                self.session = e.headers.get("X-Transmission-Session-Id", "")
        raise BenchError("transmission kept answering 409")

    def add(self, torrent: bytes, folder: Path) -> None:
        answer = self.rpc("torrent-add", {"metainfo": base64.b64encode(torrent).decode(), "download-dir": str(folder)})
        if answer.get("result") != "success":
            raise BenchError(f"torrent-add: {answer}")

    def seeding(self) -> int:
        torrents = self.rpc("torrent-get", {"fields": ["status", "percentDone"]})["arguments"]["torrents"]
        return sum(t["status"] == 6 and t["percentDone"] == 1 for t in torrents)


def wait_seeding(client, count: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while (seeding := client.seeding()) < count:
        if time.monotonic() > deadline:
            raise BenchError(f"{client.name}: {seeding} of {count} torrents seeding after {READY_TIMEOUT:.0f} s")
        time.sleep(1)


def cpu_ms_per_s(pid: int, window: float) -> float:
    """Milliseconds of CPU the process spends per second of wall time over `window`."""
    start, at = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    return (cpu_seconds(pid) - start) * 1000 / (time.monotonic() - at)


def run(args, tmp: Path) -> int:
    big_dir = tmp / "big"
    big_dir.mkdir()
    big_file = big_dir / f"random-{args.size_mib}MiB.bin"
    generate_file(big_file, args.size_mib)
    big = big_torrent(big_file)
    tiny_dir = tmp / "tiny"
    tiny_dir.mkdir()
    tinies = []
    for i in range(args.many):
        path = tiny_dir / f"tiny-{i:04d}.bin"
        path.write_bytes(hashlib.sha256(str(i).encode()).digest() * (64 + i % 64))
        tinies.append(torrent_bytes(path, TINY_PIECE))
    log(f"made a {args.size_mib} MiB torrent and {args.many} small ones")

    figures: dict[str, dict[str, dict[str, float]]] = {}
    cpu: dict[str, dict[str, float]] = {}
    for make in (lambda: Bidswarm(args.bin.resolve(), tmp), lambda: Transmission(tmp)):
        client = make()
        try:
            time.sleep(args.settle)
            figures.setdefault(client.name, {})["idle"] = memory(client.pid)
            client.add(big, big_dir)
            wait_seeding(client, 1)
            time.sleep(args.settle)
            figures[client.name][f"seeding {args.size_mib} MiB"] = memory(client.pid)
            for torrent in tinies:
                client.add(torrent, tiny_dir)
            wait_seeding(client, 1 + args.many)
            time.sleep(args.settle)
            figures[client.name][f"with {args.many} more torrents"] = memory(client.pid)
            cpu.setdefault(client.name, {})["idle"] = cpu_ms_per_s(client.pid, args.cpu_window)
            if isinstance(client, Bidswarm):
                client.set_queue(1 + args.many)
                time.sleep(args.settle)
                if client.queued():
                    raise BenchError(f"the queue made {client.queued()} torrents wait with room for all")
                cpu[client.name]["queue on"] = cpu_ms_per_s(client.pid, args.cpu_window)
            log(f"{client.name}: {figures[client.name]} cpu {cpu[client.name]}")
        finally:
            stop_child(client.child)

    names = list(figures)
    points = list(figures[names[0]])
    print(f"\n{machine_line()}\nRead {args.settle:.0f} s after each point; MiB.\n")
    print("| | " + " | ".join(f"{n} RSS (heap, peak)" for n in names) + " | Bidswarm / Transmission RSS |")
    print("|---|" + "---:|" * (len(names) + 1))
    for point in points:
        cells = [f"{figures[n][point]['rss']:.1f} ({figures[n][point]['anon']:.1f}, {figures[n][point]['peak']:.1f})"
                 for n in names]
        ratio = figures[names[0]][point]["rss"] / figures[names[1]][point]["rss"]
        print(f"| {point} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    print("\nGoals for Bidswarm: <= 12 MB idle, <= 30 MB seeding 1 GiB, <= 80 MB with 1,000 torrents.")
    bidswarm, other = names
    print(f"\nCPU with {1 + args.many} torrents loaded, nothing transferring, over {args.cpu_window:.0f} s "
          "(ms of CPU per second):\n")
    print(f"| | {bidswarm} | {other} | Bidswarm / Transmission |")
    print("|---|---:|---:|---:|")
    ratio = f"{cpu[bidswarm]['idle'] / cpu[other]['idle']:.1f}" if cpu[other]["idle"] >= 0.1 else "—"
    print(f"| idle | {cpu[bidswarm]['idle']:.1f} | {cpu[other]['idle']:.1f} | {ratio} |")
    print(f"| queue on, room for all | {cpu[bidswarm]['queue on']:.1f} | | |")
    print(f"\nThe queue's re-evaluation: {cpu[bidswarm]['queue on'] - cpu[bidswarm]['idle']:+.1f} ms per second "
          "(goal: under 5).")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--many", type=int, default=1000)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--cpu-window", type=float, default=30.0)
    parser.add_argument("--bin", type=Path, default=REPO_ROOT / "target" / "release" / "bidswarm-cli")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not os.access(args.bin, os.X_OK):
        print(f"error: {args.bin} is missing; cargo build --release -p bidswarm-cli", file=sys.stderr)
        return 2
    return guarded_run("bidswarm-memory-bench-", args.keep, lambda tmp: run(args, tmp))


if __name__ == "__main__":
    sys.exit(main())
