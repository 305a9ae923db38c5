#!/usr/bin/env python3
"""Disk-path benchmark (issue 19): Bidswarm against libtorrent on the same machine, in one
run, on the same file, with a torrent of 256 KiB pieces and one of 4 MiB pieces.

Setups, over 127.0.0.1, TCP only, no encryption, whole processes, cold leech (a new file
each time):
- Bidswarm -> Bidswarm through the gateway, as users run it;
- Bidswarm -> Bidswarm with the gateway bypassed (librqbit alone), which says what the
  gateway's relay hop costs and what is librqbit's own;
- libtorrent -> libtorrent (Debian's python3-libtorrent, bench/lt_peer.py);
- qBittorrent -> qBittorrent (qbittorrent-nox), as bench/transfer.py runs it.

Rounds rotate the order of the setups. Reported, as medians over the rounds: MiB/s, CPU
seconds per GiB for each side, and Bidswarm's ratios to libtorrent. Goals: Bidswarm's
rate at least 1.1x libtorrent's, and its CPU per GiB on each side no higher.

    python3 bench/disk.py                          # 1 GiB, 3 rounds
    python3 bench/disk.py --size-mib 128 --rounds 1

Needs target/release/bidswarm-cli, python3-libtorrent (for /usr/bin/python3) and
qbittorrent-nox. Python 3.11 standard library only; Linux only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transfer import (  # noqa: E402  (bench/ is not a package)
    MIB, REPO_ROOT, SEEDER_READY_TIMEOUT, BenchError, Result, checked_torrent, cpu_seconds, create_torrent,
    discard, generate_file, guarded_run, log, machine_line, run_bidswarm, run_qbittorrent, spawn,
    stop_child, verify, wait_for_leecher, wait_for_listening,
)

LT_PYTHON = "/usr/bin/python3"
LT_PEER = Path(__file__).resolve().parent / "lt_peer.py"
PIECES = [256 * 1024, 4 * MIB]
SETUPS = ["bidswarm", "direct", "libtorrent", "qbittorrent"]
LABELS = {
    "bidswarm": "Bidswarm → Bidswarm",
    "direct": "Bidswarm, gateway bypassed (librqbit alone)",
    "libtorrent": "libtorrent → libtorrent",
    "qbittorrent": "qBittorrent → qBittorrent",
}
GIB = 1024 * MIB


def run_libtorrent(tmp: Path, torrent: Path, data_file: Path, size: int, sha1: str) -> Result:
    log(f"=== {LABELS['libtorrent']} ===")
    leech_dir = tmp / "libtorrent-leech"
    leech_dir.mkdir(exist_ok=True)
    seeder = spawn("lt-seeder", [LT_PYTHON, str(LT_PEER), "seed", str(torrent), str(data_file.parent)], tmp)
    leecher = None
    try:
        _, port = wait_for_listening(seeder, SEEDER_READY_TIMEOUT)
        seeder_cpu0 = cpu_seconds(seeder.proc.pid)
        leecher = spawn("lt-leecher", [LT_PYTHON, str(LT_PEER), "leech", str(torrent), str(leech_dir), str(port)],
                        tmp)
        wall, leecher_cpu, seeder_cpu1 = wait_for_leecher(leecher, seeder, "libtorrent")
        log(f"leech finished in {wall:.2f} s ({size / MIB / wall:.1f} MiB/s)")
    finally:
        stop_child(seeder)
        if leecher is not None:
            stop_child(leecher)
    downloaded = leech_dir / data_file.name
    verify(downloaded, size, sha1, LABELS["libtorrent"])
    discard(downloaded)
    return Result(LABELS["libtorrent"], size, wall, leecher_cpu, seeder_cpu1 - seeder_cpu0)


def run_setup(setup: str, bin_path: Path, tmp: Path, torrent: Path, data_file: Path, size: int,
              sha1: str) -> Result:
    if setup == "libtorrent":
        return run_libtorrent(tmp, torrent, data_file, size, sha1)
    if setup == "qbittorrent":
        return run_qbittorrent(tmp, checked_torrent(torrent, size), data_file, size, sha1)
    result = run_bidswarm(bin_path, tmp, torrent, "", data_file, size, sha1, use_magnet=False,
                          bypass_gateway=setup == "direct")
    result.setup = LABELS[setup]
    return result


def per_gib(seconds: float, size: int) -> float:
    return seconds * GIB / size


def render(results: dict[tuple[int, str], list[Result]], size_mib: int, rounds: int, machine: str) -> str:
    out = [f"Disk path: {size_mib} MiB over loopback, {rounds} rounds, medians "
           f"({time.strftime('%Y-%m-%d %H:%M')})", machine, ""]
    for piece in PIECES:
        lt = results[(piece, "libtorrent")]
        lt_rate = statistics.median(r.mib_per_s for r in lt)
        lt_leech = statistics.median(per_gib(r.leecher_cpu_s, r.size_bytes) for r in lt)
        lt_seed = statistics.median(per_gib(r.seeder_cpu_s, r.size_bytes) for r in lt)
        out += [f"{piece // 1024} KiB pieces:", "",
                "| Setup | MiB/s | leecher CPU s/GiB | seeder CPU s/GiB | rate vs libtorrent "
                "| leecher CPU vs libtorrent | seeder CPU vs libtorrent |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        for setup in SETUPS:
            rs = results[(piece, setup)]
            rate = statistics.median(r.mib_per_s for r in rs)
            leech = statistics.median(per_gib(r.leecher_cpu_s, r.size_bytes) for r in rs)
            seed = statistics.median(per_gib(r.seeder_cpu_s, r.size_bytes) for r in rs)
            out.append(f"| {LABELS[setup]} | {rate:.1f} | {leech:.2f} | {seed:.2f} | {rate / lt_rate:.2f} "
                       f"| {leech / lt_leech:.2f} | {seed / lt_seed:.2f} |")
        out.append("")
        out.append("Each round, MiB/s: " + "; ".join(
            f"{LABELS[s]}: {', '.join(f'{r.mib_per_s:.1f}' for r in results[(piece, s)])}" for s in SETUPS))
        out.append("")
    out += [
        "Notes: wall time is the leecher process's, start to exit with the download complete",
        "(libtorrent's and Bidswarm's), or adding the torrent to progress 1 (qBittorrent's WebUI).",
        "CPU is user + system time of each whole process during the transfer. Seeders check their",
        "data before the clock starts. Goals: Bidswarm's rate >= 1.1x libtorrent's, CPU per GiB",
        "on each side <= libtorrent's.",
    ]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bin", type=Path, default=REPO_ROOT / "target" / "release" / "bidswarm-cli")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    bin_path = args.bin.resolve()
    if not os.access(bin_path, os.X_OK):
        print(f"error: {bin_path} is missing; cargo build --release -p bidswarm-cli", file=sys.stderr)
        return 2
    if os.system(f"{LT_PYTHON} -c 'import libtorrent' 2>/dev/null") != 0:
        print(f"error: {LT_PYTHON} cannot import libtorrent; run scripts/deps.sh bench", file=sys.stderr)
        return 2
    machine = machine_line()
    log(machine)

    def body(tmp: Path) -> int:
        seed_dir = tmp / "seed"
        seed_dir.mkdir()
        data_file = seed_dir / f"random-{args.size_mib}MiB.bin"
        sha1 = generate_file(data_file, args.size_mib)
        size = data_file.stat().st_size
        torrents = {}
        for piece in PIECES:
            torrents[piece] = tmp / f"{piece // 1024}k.torrent"
            create_torrent(bin_path, data_file, torrents[piece], piece, tmp)
        results: dict[tuple[int, str], list[Result]] = {(p, s): [] for p in PIECES for s in SETUPS}
        for r in range(args.rounds):
            order = SETUPS[r % len(SETUPS):] + SETUPS[:r % len(SETUPS)]
            for piece in PIECES:
                for setup in order:
                    result = run_setup(setup, bin_path, tmp, torrents[piece], data_file, size, sha1)
                    results[(piece, setup)].append(result)
                    log(f"round {r + 1}, {piece // 1024} KiB: {result.setup}: {result.mib_per_s:.1f} MiB/s, "
                        f"leecher {result.leecher_cpu_s:.2f} s, seeder {result.seeder_cpu_s:.2f} s CPU")
        print(render(results, args.size_mib, args.rounds, machine), end="")
        return 0

    return guarded_run("bidswarm-disk-bench-", args.keep, body)


if __name__ == "__main__":
    sys.exit(main())
