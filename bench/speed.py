#!/usr/bin/env python3
"""Bid-for-speed benchmarks (issue "Bid for speed", section Benchmark), all on 127.0.0.1
against a local devnet, real `bidswarm-cli` processes:

1. Bid effect: a seeder earning with upload capped at 4 MiB/s, a 64 MiB file, a bidder
   and a non-bidder starting together. Reports how much sooner the bidder finishes and
   the non-bidder's share of the cap while the bidder was downloading.
2. No bids (issue 15's P2 as restated: "the bidder finishes at least 1.75x faster than with
   no bids at all, while the non-bidder keeps at least 10% of the seller's cap"): the same
   seeder and two leechers starting together, neither bidding. The ratio is their mean
   finishing time over the bidder's in scenario 1, both measured in this invocation.
3. Proportionality: two bidders at a 3:1 price ratio; the bandwidth split while both run.
4. Overhead: bt_speed bytes (from the vouchers in the ledger, plus the handshake
   messages) as a share of the piece bytes paid for.

Shares are measured two ways:
- directly, from each leecher's verified bytes over time (`download --progress-lines`):
  the bytes each got while both were downloading, from the moment the faster one had 5 %
  of the file (past the magnet, metadata and auction start-up) until it finished;
- from completion times, as before: after the first leecher finishes the other has the
  whole cap (the shaper is work-conserving), so what it had when the first finished is
  `size - cap * (t_second - t_first)`. This charges the first leecher's start-up to it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20
BTT = 10**18
CAP = 4 * MIB
DEADLINE = 600.0
# Short commands (key addresses, creating the torrent) finish in well under a second.
COMMAND_TIMEOUT = 60.0
# Issue 15, P2 as restated.
P2_RATIO_GOAL = 1.75
P2_SHARE_GOAL = 0.10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Proc:
    def __init__(self, name: str, argv: list[str], tmp: Path):
        self.name = name
        self.out = open(tmp / f"{name}.out", "w+")
        self.err = open(tmp / f"{name}.err", "w")
        env = dict(os.environ, RUST_LOG="warn")
        self.p = subprocess.Popen(argv, stdout=self.out, stderr=self.err, env=env, start_new_session=True)

    def value(self, key: str, timeout: float = 0.0) -> str | None:
        end = time.monotonic() + timeout
        while True:
            self.out.flush()
            text = Path(self.out.name).read_text()
            found = [l.split(": ", 1)[1] for l in text.splitlines() if l.startswith(key + ": ")]
            if found:
                return found[-1]
            if time.monotonic() >= end:
                return None
            time.sleep(0.1)

    def check(self) -> None:
        if self.p.returncode != 0:
            raise SystemExit(f"{self.name} failed ({self.p.returncode}):\n{Path(self.err.name).read_text()[-3000:]}")

    def stop(self) -> None:
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)


def wait_all(procs: list[Proc], timeout: float = DEADLINE) -> list[float]:
    """When each process exited (monotonic), polled together: waiting on them in turn would
    give one that finished before an earlier one the earlier one's time."""
    end = time.monotonic() + timeout
    ends: list[float | None] = [None] * len(procs)
    while None in ends:
        for i, proc in enumerate(procs):
            if ends[i] is None and proc.p.poll() is not None:
                ends[i] = time.monotonic()
                proc.check()
        if time.monotonic() >= end:
            late = [proc.name for proc, e in zip(procs, ends) if e is None]
            raise SystemExit(f"{', '.join(late)} not done after {timeout:.0f} s")
        time.sleep(0.02)
    return ends


def faucet(url: str, address: str, btt: int) -> None:
    body = json.dumps({"address": address, "trx_sun": 1_000_000_000, "btt": str(btt)}).encode()
    req = urllib.request.Request(url + "/devnet/faucet", data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def key_file(cli: Path, tmp: Path, name: str, seed: int) -> tuple[Path, str]:
    path = tmp / f"{name}.key"
    path.write_text(f"{seed:02x}" * 32)
    path.chmod(0o600)
    out = subprocess.run([str(cli), "wallet", "address", "--private-key-file", str(path)],
                         capture_output=True, text=True, check=True, timeout=COMMAND_TIMEOUT).stdout
    address = next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("address: "))
    return path, address


def scenario(cli: Path, tmp: Path, size_mib: int, bids: list[str | None], label: str) -> dict:
    """One seeder capped at 4 MiB/s and one leecher per entry of `bids` (None: no bid)."""
    run = tmp / label
    run.mkdir()
    # Started in their own sessions, so nothing else ends them if this run fails.
    started: list[Proc] = []
    try:
        return run_scenario(cli, run, size_mib, bids, started)
    finally:
        for proc in reversed(started):
            proc.stop()


def run_scenario(cli: Path, run: Path, size_mib: int, bids: list[str | None], started: list[Proc]) -> dict:
    devnet = Proc("devnet", [str(cli), "devnet", "--listen", "127.0.0.1:0", "--block-ms", "200"], run)
    started.append(devnet)
    url = devnet.value("url", 30)
    assert url, "the devnet did not start"
    seed_key, _ = key_file(cli, run, "seeder", 0x31)
    data_dir = run / "seed"
    data_dir.mkdir()
    data = data_dir / "payload.bin"
    with open(data, "wb") as f:
        f.write(os.urandom(size_mib * MIB))
    torrent = run / "payload.torrent"
    magnet = subprocess.run([str(cli), "create-torrent", str(data), "-o", str(torrent)],
                            capture_output=True, text=True, check=True,
                            timeout=COMMAND_TIMEOUT).stdout.strip().splitlines()[-1]
    seeder = Proc("seeder", [str(cli), "seed", str(torrent), "--data", str(data_dir), "--listen", "127.0.0.1:0",
                             "--no-dht", "--upload-limit", "4M", "--earn", "--ask", "1",
                             "--wallet-file", str(seed_key), "--network", url], run)
    started.append(seeder)
    addr = seeder.value("listening", 120)
    assert addr, "the seeder did not start"
    leechers = []
    for i, bid in enumerate(bids):
        key, address = key_file(cli, run, f"leecher{i}", 0x40 + i)
        faucet(url, address, 1000 * BTT)
        argv = [str(cli), "download", magnet, "-o", str(run / f"out{i}"), "--no-dht", "--exit-on-complete",
                "--peer", addr, "--wallet-file", str(key), "--network", url, "--ledger", str(run / f"ledger{i}.sqlite"),
                "--progress-lines"]
        if bid is not None:
            argv += ["--bid", bid, "--budget", "1000"]
        leechers.append(argv)
    start = time.monotonic()
    procs = []
    for i, argv in enumerate(leechers):
        procs.append(Proc(f"leecher{i}", argv, run))
        started.append(procs[-1])
    ends = [e - start for e in wait_all(procs)]
    result = {"times": ends, "spent": [int(p.value("spent") or 0) for p in procs],
              "bought": [int(p.value("bytes_bought") or 0) for p in procs],
              "vouchers": [count_vouchers(run / f"ledger{i}.sqlite") for i in range(len(bids))],
              "progress": [progress(p) for p in procs]}
    return result


def progress(proc: Proc) -> list[tuple[int, int]]:
    """(unix ms, verified bytes) from a leecher's `progress:` lines."""
    proc.out.flush()
    series = []
    for line in Path(proc.out.name).read_text().splitlines():
        if line.startswith("progress: "):
            done, ms = line.split(": ", 1)[1].split()
            series.append((int(ms), int(done)))
    return series


def bytes_at(series: list[tuple[int, int]], ms: int) -> int:
    return max((b for t, b in series if t <= ms), default=0)


def contested_shares(fast: list[tuple[int, int]], slow: list[tuple[int, int]], size: int) -> tuple[float, float, float]:
    """Each leecher's share of the bytes both got while both downloaded, and the seconds
    that window lasted: from the faster one's 5 % mark to its finish."""
    start = next(t for t, b in fast if b >= size // 20)
    end = next(t for t, b in fast if b >= size)
    got_fast = bytes_at(fast, end) - bytes_at(fast, start)
    got_slow = bytes_at(slow, end) - bytes_at(slow, start)
    total = got_fast + got_slow
    return got_fast / total, got_slow / total, (end - start) / 1000


def count_vouchers(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM vouchers").fetchone()[0]


def share_of_second(size: int, t_first: float, t_second: float) -> float:
    """Bytes the slower leecher had when the faster finished, from the times alone."""
    return max(0.0, size - CAP * (t_second - t_first))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=64)
    args = parser.parse_args()
    cli = ROOT / "target/release/bidswarm-cli"
    if not cli.exists():
        raise SystemExit(f"{cli} is missing: build it with `cargo build --release -p bidswarm-cli` (make bench does)")
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="bidswarm-speed-bench-") as t:
        tmp = Path(t)
        log(f"bid effect: {args.size_mib} MiB, seeder capped at 4 MiB/s, a bidder and a non-bidder")
        effect = scenario(cli, tmp, args.size_mib, ["10", None], "effect")
        ta, tb = effect["times"]
        b_had = share_of_second(size, ta, tb)
        b_share = b_had / (CAP * ta)
        _, b_direct, b_window = contested_shares(*effect["progress"], size)
        log("no bids: the same seeder, two leechers, neither bidding")
        base = scenario(cli, tmp, args.size_mib, [None, None], "no_bids")
        t0, t1 = base["times"]
        base_mean = (t0 + t1) / 2
        p2_ratio = base_mean / ta
        # With no bids the counted split should be even; the one that finished first counts as
        # "fast" so the window is the time both were downloading.
        first, second = sorted(base["progress"], key=lambda series: series[-1][0])
        base_first, base_second, base_window = contested_shares(first, second, size)
        log(f"proportionality: two bidders at 30 and 10 BTT/GiB")
        prop = scenario(cli, tmp, args.size_mib, ["30", "10"], "proportional")
        t_hi, t_lo = prop["times"]
        lo_had = share_of_second(size, t_hi, t_lo)
        split = size / lo_had if lo_had else float("inf")
        hi_direct, lo_direct, prop_window = contested_shares(*prop["progress"], size)
        piece_bytes = sum(effect["bought"]) + sum(prop["bought"])
        vouchers = sum(effect["vouchers"]) + sum(prop["vouchers"])
        # A voucher message is 171 bytes of payload + 6 of framing; hello, bid and price
        # are under 130 bytes each, once or a few times per connection.
        speed_bytes = vouchers * 177 + 3 * 6 * 130
        overhead = speed_bytes / piece_bytes if piece_bytes else float("nan")
    print(f"bid_effect: bidder {ta:.1f} s, non-bidder {tb:.1f} s, {tb / ta:.2f}x sooner; "
          f"non-bidder had {b_share * 100:.1f}% of the cap while the bidder ran (from times)")
    print(f"non_bidder_share: {b_direct * 100:.1f}% of the bytes both got in the {b_window:.1f} s "
          f"the bidder spent between 5% and done (counted bytes)")
    print(f"no_bids: leechers {t0:.1f} s and {t1:.1f} s, mean {base_mean:.1f} s; counted split "
          f"{base_first * 100:.1f}% / {base_second * 100:.1f}% over {base_window:.1f} s")
    ratio_met = "met" if p2_ratio >= P2_RATIO_GOAL else "NOT met"
    share_met = "met" if b_direct >= P2_SHARE_GOAL else "NOT met"
    print(f"p2: bidder {p2_ratio:.2f}x faster than with no bids ({base_mean:.1f} s / {ta:.1f} s; "
          f"goal {P2_RATIO_GOAL}x: {ratio_met}); non-bidder kept {b_direct * 100:.1f}% counted "
          f"(goal {P2_SHARE_GOAL * 100:.0f}%: {share_met})")
    print(f"proportionality: split {split:.2f}:1 for bids 3:1 ({t_hi:.1f} s / {t_lo:.1f} s, from times); "
          f"{hi_direct / lo_direct:.2f}:1 from counted bytes over {prop_window:.1f} s")
    print(f"overhead: {vouchers} vouchers, ~{speed_bytes} bt_speed bytes for {piece_bytes} paid piece bytes "
          f"= {overhead * 100:.3f}%")
    print(f"spent: effect {effect['spent']}, no bids {base['spent']}, proportional {prop['spent']} (base units)")


if __name__ == "__main__":
    main()
