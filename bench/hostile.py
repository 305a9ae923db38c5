#!/usr/bin/env python3
"""Hostile-peer benchmark (issue 16): a download's speed with and without 1,000 hostile
connections hitting the seeder's gateway port, measured in the same run.

Paired rounds A B A B …, each with a fresh `bidswarm-cli serve` seeder (its own data
folder) and a fresh `bidswarm-cli download` leecher, all on 127.0.0.1:

- A: the leecher downloads the file (.torrent, `--peer` the seeder) with nothing else
  connected;
- B: the same, while an attacker process opens 1,000 hostile connections to the seeder's
  peer port: idle ones (connect, send nothing), garbage (64 KiB of noise), slow
  handshakes (a byte a second) and junk PIECE frames at fresh piece indices after a valid
  handshake (the frames of `tests/e2e/gateway.rs::junk_pieces`), each held until the
  seeder closes it. With --reconnect each slot opens its next connection a second after
  the last closed, until the leecher is done (a sustained attack).

The idle, garbage and slow slots connect before the leecher starts; the junk slots, which
name the torrent and so take its per-torrent slots, start once the seeder has uploaded its
first bytes to the leecher (so they attack a running download rather than lock the
leecher out; see --junk-first). Both rounds raise `max_connections_per_ip` and
`max_connections` (through the API, as the e2e test does) so every hostile connection is
admitted and handled rather than refused at accept; 127.0.0.1 is exempt from the
new-connections-per-minute limit.

Reported per pair: the leecher's wall time (process start to exit, download complete) for
A and B, the ratio B/A, the seeder's peak RSS (VmHWM) per round, what the attacker did,
and against the goal "the download completes at >= 90 % of its speed without them", i.e.
time B <= time A / 0.9, by the median ratio.

    python3 bench/hostile.py                       # 256 MiB, 3 pairs
    python3 bench/hostile.py --size-mib 64 --pairs 1

Python 3.11 standard library only. Linux only (reads /proc). Helpers are shared with
bench/transfer.py.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transfer import (  # noqa: E402  (bench/ is not a package)
    CHILDREN, MIB, REPO_ROOT, BenchError, Child, cpu_seconds, discard, guarded_run, kill_all_children, log,
    machine_line, proc_kib, seed_data, spawn, stop_child, tail, verify,
)

GOAL = 0.90  # of the speed without the attack
SERVER_START_TIMEOUT = 60.0
SEEDING_TIMEOUT = 300.0  # the seeder checks the whole file first
TRANSFER_TIMEOUT = 600.0
ATTACK_READY_TIMEOUT = 60.0
# The attacker ends itself after this long whatever happens.
ATTACK_MAX_SECS = TRANSFER_TIMEOUT + 120
RECONNECT_DELAY = 1.0
# PIECE frames one junk connection sends after its handshake, in one write of about
# 260 KB: 16-byte blocks at fresh piece indices (tests/e2e/gateway.rs::JUNK_FRAMES).
JUNK_FRAMES = 9_000
# How long an attacking connection waits for the seeder to close it before it gives up
# and opens the next (the gateway's handshake timeout is 20 s, its idle timeout 3 min).
HOLD_MAX_SECS = 240.0


# ---------------------------------------------------------------------------------------
# The attacker: a child process of its own (`hostile.py attack …`), so its CPU time is
# its own and the seeder's figures are not mixed with it.
# ---------------------------------------------------------------------------------------

@dataclass
class AttackStats:
    opened: dict = field(default_factory=lambda: {k: 0 for k in ("idle", "garbage", "slow", "junk")})
    refused: int = 0
    junk_frames: int = 0
    open_now: int = 0
    open_peak: int = 0


def noise_bytes() -> bytes:
    return bytes(((i * 2654435761) >> 13) & 0xFF for i in range(65536))


def handshake(info_hash: str, peer_byte: int) -> bytes:
    return (bytes([19]) + b"BitTorrent protocol" + bytes([0, 0, 0, 0, 0, 0x10, 0, 0])
            + bytes.fromhex(info_hash) + bytes([peer_byte]) * 20)


FRAME = (25).to_bytes(4, "big") + b"\x07" + bytes(4) + bytes(4) + b"\xa5" * 16
JUNK_TEMPLATE = FRAME * JUNK_FRAMES


def junk_frames(first_index: int) -> bytes:
    """JUNK_FRAMES PIECE frames (length 25, id 7, index, begin 0, 16 bytes) at indices
    first_index, first_index + 1, …; built with slice copies, so the attacker spends
    little CPU on it."""
    indices = array.array("I", range(first_index, first_index + JUNK_FRAMES))
    if sys.byteorder == "little":
        indices.byteswap()
    raw = indices.tobytes()
    frames = bytearray(JUNK_TEMPLATE)
    for k in range(4):
        frames[5 + k::len(FRAME)] = raw[k::4]
    return bytes(frames)


async def drain_until_closed(reader: asyncio.StreamReader, within: float) -> None:
    try:
        async with asyncio.timeout(within):
            while await reader.read(16384):
                pass
    except (TimeoutError, OSError):
        pass


async def attack_slot(kind: str, n: int, host: str, port: int, info_hash: str, stats: AttackStats,
                      stop: asyncio.Event, connected: asyncio.Event | None, noise: bytes,
                      reconnect: bool) -> None:
    """One hostile connection of `kind`, held until the seeder closes it; with `reconnect`,
    the next one a second later, and so on until `stop`."""
    first = True
    rounds = 0
    while not stop.is_set() and (reconnect or rounds == 0):
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        except (OSError, TimeoutError):
            stats.refused += 1
            if first and connected is not None:
                connected.set()
                first = False
            rounds += 1
            await asyncio.sleep(RECONNECT_DELAY)
            continue
        stats.opened[kind] += 1
        stats.open_now += 1
        stats.open_peak = max(stats.open_peak, stats.open_now)
        if first and connected is not None:
            connected.set()
            first = False
        try:
            if kind == "idle":
                await drain_until_closed(reader, HOLD_MAX_SECS)
            elif kind == "garbage":
                writer.write(noise)
                try:
                    await asyncio.wait_for(writer.drain(), 10)
                except (OSError, TimeoutError):
                    pass
                await drain_until_closed(reader, HOLD_MAX_SECS)
            elif kind == "slow":
                for byte in handshake(info_hash, ord("s")):
                    writer.write(bytes([byte]))
                    await writer.drain()
                    if reader.at_eof():
                        break
                    try:
                        # Waits a second, or less if the seeder closes first.
                        async with asyncio.timeout(1.0):
                            if not await reader.read(16384):
                                break
                    except TimeoutError:
                        pass
                await drain_until_closed(reader, HOLD_MAX_SECS)
            elif kind == "junk":
                index = (n * 1_000 + rounds) * JUNK_FRAMES
                writer.write(handshake(info_hash, ord("j")) + junk_frames(index))
                try:
                    await asyncio.wait_for(writer.drain(), 10)
                    stats.junk_frames += JUNK_FRAMES
                except (OSError, TimeoutError):
                    pass
                await drain_until_closed(reader, HOLD_MAX_SECS)
        except OSError:
            pass
        finally:
            stats.open_now -= 1
            writer.close()
        rounds += 1
        await asyncio.sleep(RECONNECT_DELAY)


async def attack_main(args: argparse.Namespace) -> None:
    host, port = args.addr.rsplit(":", 1)
    if host != "127.0.0.1":
        raise SystemExit(f"the attacker connects to 127.0.0.1 only, not {host}")
    port = int(port)
    stats = AttackStats()
    stop = asyncio.Event()
    junk_go = asyncio.Event()
    noise = noise_bytes()
    loop = asyncio.get_running_loop()
    # Commands on stdin, one a line: "junk" starts the junk slots, "stop" ends the attack.
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)

    tasks, first_connects = [], []
    for kind, count in (("idle", args.idle), ("garbage", args.garbage), ("slow", args.slow)):
        for n in range(count):
            ev = asyncio.Event()
            first_connects.append(ev)
            tasks.append(asyncio.create_task(
                attack_slot(kind, n, host, port, args.info_hash, stats, stop, ev, noise, args.reconnect)))

    async def junk_when_told() -> None:
        await junk_go.wait()
        for n in range(args.junk):
            tasks.append(asyncio.create_task(
                attack_slot("junk", n, host, port, args.info_hash, stats, stop, None, noise, args.reconnect)))

    async def read_commands() -> None:
        while not stop.is_set():
            line = await commands.readline()
            if not line or line.strip() == b"stop":
                stop.set()
            elif line.strip() == b"junk":
                junk_go.set()

    junk_starter = asyncio.create_task(junk_when_told())
    reader_task = asyncio.create_task(read_commands())
    if args.junk_first:
        junk_go.set()
    await asyncio.gather(*(ev.wait() for ev in first_connects))
    if args.junk_first:
        await asyncio.sleep(0)  # let the junk slots start before saying ready
    print("ready", flush=True)
    try:
        async with asyncio.timeout(ATTACK_MAX_SECS):
            await stop.wait()
    except TimeoutError:
        stop.set()
    junk_starter.cancel()
    reader_task.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"opened": stats.opened, "refused": stats.refused, "junk_frames": stats.junk_frames,
                      "open_peak": stats.open_peak}), flush=True)


def attack(args: argparse.Namespace) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.idle + args.garbage + args.slow + args.junk + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    asyncio.run(attack_main(args))
    return 0


# ---------------------------------------------------------------------------------------
# The seeder: `bidswarm-cli serve`, driven through its API
# ---------------------------------------------------------------------------------------

class Server:
    def __init__(self, child: Child, url: str, token: str, peer_addr: str):
        self.child = child
        self.url = url
        self._token = token  # never logged
        self.peer_addr = peer_addr
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def rpc(self, request: dict, timeout: float = 10) -> dict:
        req = urllib.request.Request(self.url + "/api/rpc", data=json.dumps(request).encode(),
                                     headers={"content-type": "application/json",
                                              "authorization": "Bearer " + self._token})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise BenchError(f"seeder: {request.get('type')} answered HTTP {e.code}: "
                             f"{e.read()[:300].decode('utf-8', 'replace')}") from None

    @property
    def pid(self) -> int:
        return self.child.proc.pid


def server_report(child: Child) -> str:
    """The seeder's stderr tail; its stdout carries the API token, so only the lines that
    do not are shown."""
    out = tail(child.stdout_path, 20).splitlines()
    safe = [line for line in out if "token" not in line.lower()]
    return (f"--- tail of {child.name} stderr ---\n{tail(child.stderr_path)}\n"
            f"--- {child.name} stdout (token lines left out) ---\n" + "\n".join(safe))


def stdout_value(child: Child, key: str) -> str | None:
    text = child.stdout_path.read_text("utf-8", "replace") if child.stdout_path.exists() else ""
    found = [line.split(": ", 1)[1].strip() for line in text.splitlines() if line.startswith(key + ": ")]
    return found[-1] if found else None


def start_seeder(bin_path: Path, tmp: Path, name: str, work: Path, torrent: Path, seed_dir: Path,
                 max_per_ip: int, max_connections: int) -> Server:
    state = tmp / f"{name}-state"
    state.mkdir()
    argv = [str(bin_path), "--data-dir", str(state), "serve", "--listen", "127.0.0.1:0",
            "--peer-listen", "127.0.0.1:0", "--no-dht", "--allow-path", str(work)]
    child = spawn(name, argv, tmp)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        url, token_file, peer = (stdout_value(child, k) for k in ("url", "token_file", "peer_listen"))
        if url and token_file and peer:
            break
        if child.proc.poll() is not None or time.monotonic() >= deadline:
            raise BenchError(f"{name} did not start (exit {child.proc.poll()})\n{server_report(child)}")
        time.sleep(0.05)
    if not url.startswith("http://127.0.0.1:") or not peer.startswith("127.0.0.1:"):
        raise BenchError(f"{name} is not on 127.0.0.1 only: API {url}, peers {peer}")
    server = Server(child, url, Path(token_file).read_text().strip(), peer)
    settings = server.rpc({"type": "get_settings"})["settings"]
    settings["max_connections_per_ip"] = max_per_ip
    settings["max_connections"] = max_connections
    server.rpc({"type": "update_settings", "settings": settings})
    added = server.rpc({"type": "add_torrent", "source": {"kind": "path", "value": str(torrent)},
                        "options": {"output_folder": str(seed_dir)}})
    tid = added["torrent"]["id"]
    deadline = time.monotonic() + SEEDING_TIMEOUT
    while True:
        t = server.rpc({"type": "get_torrent", "id": tid})["torrent"]
        if t["state"] == "seeding":
            return server
        if t["state"] == "error" or time.monotonic() >= deadline:
            raise BenchError(f"{name}: torrent {t['state']} ({t.get('error')})\n{server_report(child)}")
        time.sleep(0.1)


# ---------------------------------------------------------------------------------------
# One round
# ---------------------------------------------------------------------------------------

@dataclass
class Round:
    attacked: bool
    wall_s: float
    rss_start_kib: int  # the seeder's RSS when the leecher started
    rss_peak_kib: int  # the seeder's VmHWM at the end of the round (start-up included)
    rss_end_kib: int
    seeder_cpu_s: float
    attacker_cpu_s: float = 0.0
    attack: dict | None = None
    junk_started_after_s: float | None = None
    forgot_dead_peers: bool = False


def run_round(args: argparse.Namespace, bin_path: Path, tmp: Path, work: Path, torrent: Path,
              info_hash: str, data_file: Path, size: int, sha1: str, n: int, attacked: bool) -> Round:
    label = f"{'B' if attacked else 'A'}{n}"
    log(f"=== round {label}: {'with' if attacked else 'without'} the attack ===")
    server = start_seeder(bin_path, tmp, f"seeder-{label}", work, torrent, data_file.parent,
                          args.max_per_ip, args.max_connections)
    leech_dir = tmp / f"leech-{label}"
    leech_dir.mkdir()
    attacker: subprocess.Popen | None = None
    attacker_out = tmp / "logs" / f"attacker-{label}.stdout"
    try:
        if attacked:
            argv = [sys.executable, str(Path(__file__).resolve()), "attack", "--addr", server.peer_addr,
                    "--info-hash", info_hash, "--idle", str(args.idle), "--garbage", str(args.garbage),
                    "--slow", str(args.slow), "--junk", str(args.junk)]
            if args.junk_first:
                argv.append("--junk-first")
            if args.reconnect:
                argv.append("--reconnect")
            with open(attacker_out, "wb") as out, open(tmp / "logs" / f"attacker-{label}.stderr", "wb") as err:
                attacker = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                            start_new_session=True)
            CHILDREN.append(Child(f"attacker-{label}", attacker, tmp / "logs" / f"attacker-{label}.stderr",
                                  attacker_out))
            deadline = time.monotonic() + ATTACK_READY_TIMEOUT
            while b"ready" not in attacker_out.read_bytes():
                if attacker.poll() is not None or time.monotonic() >= deadline:
                    raise BenchError(f"the attacker was not ready (exit {attacker.poll()})\n"
                                     f"{tail(tmp / 'logs' / f'attacker-{label}.stderr')}")
                time.sleep(0.05)
            log(f"attacker ready: {args.idle + args.garbage + args.slow} connections opened"
                + (f", {args.junk} junk slots going" if args.junk_first else ""))
        os.sync()
        rss_start = proc_kib(server.pid, "VmRSS")
        cpu0 = cpu_seconds(server.pid)
        argv = [str(bin_path), "download", str(torrent), "-o", str(leech_dir), "--peer", server.peer_addr,
                "--no-dht", "--exit-on-complete", "--timeout", str(int(TRANSFER_TIMEOUT))]
        t0 = time.perf_counter()
        leecher = spawn(f"leecher-{label}", argv, tmp)
        pid = leecher.proc.pid
        junk_after = None
        deadline = time.monotonic() + TRANSFER_TIMEOUT + 30
        next_poll = 0.0
        while True:
            wpid, status, _ = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                wall = time.perf_counter() - t0
                leecher.proc.returncode = os.waitstatus_to_exitcode(status)
                break
            now = time.monotonic()
            if now >= deadline:
                raise BenchError(f"round {label}: the leecher did not finish within "
                                 f"{TRANSFER_TIMEOUT + 30:.0f} s\n{tail(leecher.stderr_path)}\n"
                                 f"{server_report(server.child)}")
            if server.child.proc.poll() is not None:
                raise BenchError(f"round {label}: the seeder exited ({server.child.proc.returncode})\n"
                                 f"{server_report(server.child)}")
            # Both rounds poll the seeder alike; in B the first uploaded bytes release the
            # junk slots.
            if junk_after is None and now >= next_poll:
                next_poll = now + 0.02
                stats = server.rpc({"type": "session_stats"})["stats"]
                if stats["uploaded_bytes"] > 0:
                    junk_after = time.perf_counter() - t0
                    if attacker is not None and not args.junk_first:
                        attacker.stdin.write(b"junk\n")
                        attacker.stdin.flush()
            time.sleep(0.005)
        if leecher.proc.returncode != 0:
            raise BenchError(f"round {label}: the leecher exited with {leecher.proc.returncode}\n"
                             f"{tail(leecher.stderr_path)}\n{server_report(server.child)}")
        log(f"round {label}: {wall:.2f} s ({size / MIB / wall:.1f} MiB/s); first upload after "
            f"{junk_after if junk_after is not None else float('nan'):.2f} s")
        rss_peak = proc_kib(server.pid, "VmHWM")
        rss_end = proc_kib(server.pid, "VmRSS")
        seeder_cpu = cpu_seconds(server.pid) - cpu0
        result = Round(attacked, wall, rss_start, rss_peak, rss_end, seeder_cpu,
                       junk_started_after_s=junk_after)
        if attacker is not None:
            attacker.stdin.write(b"stop\n")
            attacker.stdin.flush()
            stopping = time.monotonic()
            wait_or_kill(attacker, 60)
            log(f"round {label}: the attacker stopped in {time.monotonic() - stopping:.1f} s")
            _, status, usage = os.wait4(attacker.pid, 0)
            attacker.returncode = os.waitstatus_to_exitcode(status)
            result.attacker_cpu_s = usage.ru_utime + usage.ru_stime
            lines = attacker_out.read_text().strip().splitlines()
            result.attack = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
            log(f"round {label}: attacker {result.attack}, {result.attacker_cpu_s:.2f} CPU s")
        result.forgot_dead_peers = "forgetting dead peers" in server.child.stderr_path.read_text("utf-8", "replace")
    finally:
        if attacker is not None and attacker.poll() is None:
            attacker.kill()
            attacker.wait(10)
        stop_child(server.child, signal.SIGTERM)
    downloaded = leech_dir / data_file.name
    verify(downloaded, size, sha1, f"round {label}")
    discard(downloaded)
    shutil.rmtree(leech_dir, ignore_errors=True)
    return result


def wait_or_kill(proc: subprocess.Popen, timeout: float) -> None:
    """Waits up to `timeout` for `proc` to exit, without reaping it (its rusage is read
    next); kills it if it has not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return
        time.sleep(0.05)
    log(f"the attacker (pid {proc.pid}) did not stop within {timeout:.0f} s; killing it")
    proc.kill()


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------

def render(rounds: list[Round], args: argparse.Namespace, machine: str) -> str:
    a_rounds = [r for r in rounds if not r.attacked]
    b_rounds = [r for r in rounds if r.attacked]
    pairs = list(zip(a_rounds, b_rounds))
    mib = args.size_mib
    out = [f"Hostile peers during a download: {mib} MiB, {time.strftime('%Y-%m-%d %H:%M')}", machine,
           f"Attack (B): {args.idle} idle, {args.garbage} garbage, {args.slow} slow-handshake and {args.junk} "
           f"junk-PIECE slots ({args.idle + args.garbage + args.slow + args.junk} in all), "
           + (f"each reconnecting {RECONNECT_DELAY:.0f} s after the seeder closes it until the download ends"
              if args.reconnect else "one connection each, held until the seeder closes it")
           + f"; seeder "
           f"max_connections_per_ip {args.max_per_ip}, max_connections {args.max_connections}.", "",
           "| pair | A s (MiB/s) | B s (MiB/s) | B/A | seeder peak RSS A / B MiB | seeder CPU s A / B "
           "| attacker CPU s | hostile connections opened (idle/garbage/slow/junk), most open at once "
           "| junk frames sent |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    ratios = []
    for i, (a, b) in enumerate(pairs, 1):
        ratio = b.wall_s / a.wall_s
        ratios.append(ratio)
        o = (b.attack or {}).get("opened", {})
        opened = "/".join(str(o.get(k, "?")) for k in ("idle", "garbage", "slow", "junk"))
        out.append(f"| {i} | {a.wall_s:.2f} ({mib / a.wall_s:.0f}) | {b.wall_s:.2f} ({mib / b.wall_s:.0f}) "
                   f"| {ratio:.3f} | {a.rss_peak_kib / 1024:.0f} / {b.rss_peak_kib / 1024:.0f} "
                   f"| {a.seeder_cpu_s:.2f} / {b.seeder_cpu_s:.2f} | {b.attacker_cpu_s:.2f} | {opened}, "
                   f"{(b.attack or {}).get('open_peak', '?')} | {(b.attack or {}).get('junk_frames', '?')} |")
    median = statistics.median(ratios)
    out.append(f"| median | {statistics.median(r.wall_s for r in a_rounds):.2f} | "
               f"{statistics.median(r.wall_s for r in b_rounds):.2f} | {median:.3f} | "
               f"{statistics.median(r.rss_peak_kib for r in a_rounds) / 1024:.0f} / "
               f"{statistics.median(r.rss_peak_kib for r in b_rounds) / 1024:.0f} | | | | |")
    limit = 1 / GOAL
    verdict = "PASS" if median <= limit else "FAIL"
    out += ["",
            f"Goal: the attacked download at >= {GOAL:.0%} of the speed without the attack, i.e. B/A <= "
            f"{limit:.3f}. Median B/A {median:.3f}: {verdict} "
            f"(pairs passing: {sum(r <= limit for r in ratios)} of {len(ratios)}).",
            f"Seeder RSS: peak (VmHWM, start-up check included) max {max(r.rss_peak_kib for r in a_rounds) / 1024:.0f} "
            f"MiB without the attack, {max(r.rss_peak_kib for r in b_rounds) / 1024:.0f} MiB with it; at leecher "
            f"start {max(r.rss_start_kib for r in a_rounds) / 1024:.0f} / "
            f"{max(r.rss_start_kib for r in b_rounds) / 1024:.0f} MiB; at the end "
            f"{max(r.rss_end_kib for r in a_rounds) / 1024:.0f} / {max(r.rss_end_kib for r in b_rounds) / 1024:.0f} MiB.",
            "First bytes uploaded after (s), A: " + ", ".join(f"{r.junk_started_after_s:.2f}" for r in a_rounds)
            + "; B: " + ", ".join(f"{r.junk_started_after_s:.2f}" for r in b_rounds)
            + ("" if args.junk_first else " (the junk slots start then)."),
            ]
    if any(r.forgot_dead_peers for r in rounds):
        out.append("Note: a seeder restarted its torrent to forget dead peer records during a round.")
    out.append(f"hostile_verdict: {verdict} median_ratio {median:.3f}")
    return "\n".join(out) + "\n"


def bench(args: argparse.Namespace) -> int:
    bin_path = args.bin.resolve()
    if not os.access(bin_path, os.X_OK):
        print(f"error: {bin_path} is not an executable; run `cargo build --release -p bidswarm-cli` first",
              file=sys.stderr)
        return 2
    machine = machine_line()
    log(machine)

    def body(tmp: Path) -> int:
        log(f"temp dir {tmp}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        work = tmp / "work"
        data_file, sha1, size, _, tf = seed_data(bin_path, tmp, work / "seed", work / "data.torrent",
                                                 args.size_mib, None)
        rounds: list[Round] = []
        for pair in range(1, args.pairs + 1):
            log(f"--- pair {pair} of {args.pairs} ---")
            for attacked in (False, True):
                rounds.append(run_round(args, bin_path, tmp, work, tf.path, tf.info_hash, data_file, size, sha1,
                                        pair, attacked))
                kill_all_children()
        print(render(rounds, args, machine), end="")
        log(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        return 0

    return guarded_run("bidswarm-hostile-", args.keep, body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    for p in (parser, atk := sub.add_parser("attack", help="(internal) the attacker process")):
        p.add_argument("--idle", type=int, default=400)
        p.add_argument("--garbage", type=int, default=200)
        p.add_argument("--slow", type=int, default=100)
        p.add_argument("--junk", type=int, default=300)
        p.add_argument("--reconnect", action="store_true",
                       help="each slot opens its next connection a second after the seeder closes the last, "
                            "until the download ends (default: one connection per slot, 1,000 in all)")
        p.add_argument("--junk-first", action="store_true",
                       help="start the junk-PIECE slots with the others, before the leecher")
    atk.add_argument("--addr", required=True)
    atk.add_argument("--info-hash", required=True)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--max-per-ip", type=int, default=1100,
                        help="the seeder's max_connections_per_ip (default 1100: all hostile connections admitted)")
    parser.add_argument("--max-connections", type=int, default=1200)
    parser.add_argument("--bin", type=Path, default=REPO_ROOT / "target" / "release" / "bidswarm-cli")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (for debugging)")
    args = parser.parse_args()
    if args.command == "attack":
        return attack(args)
    if args.size_mib < 1 or args.pairs < 1:
        parser.error("--size-mib and --pairs must be at least 1")
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
