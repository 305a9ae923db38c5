#!/usr/bin/env python3
"""Loopback transfer benchmark: Bidswarm -> Bidswarm against qBittorrent -> qBittorrent.

Generates a random file, makes a torrent of it, and has one client seed it to another
over 127.0.0.1 only (no DHT, LSD, PeX, UPnP, trackers or encryption; TCP only). For each
setup it measures the leecher's wall time, the leecher's CPU time and the seeder's CPU time
during the transfer, and checks the downloaded file against the source.

    python3 bench/transfer.py                    # 1 GiB, both setups
    python3 bench/transfer.py --size-mib 64      # quick smoke run
    python3 bench/transfer.py --only bidswarm --out results.md
    python3 bench/transfer.py --pairs 5          # five gateway/direct pairs, with medians
    python3 bench/transfer.py --encryption-cost --pairs 3
                                                 # RC4 required against plaintext, for
                                                 # Bidswarm and qBittorrent alike

Python 3.11 standard library only. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
QBT_BIN = "/usr/bin/qbittorrent-nox"

TRANSFER_TIMEOUT = 600.0  # seconds for one leech
SEEDER_READY_TIMEOUT = 300.0  # the Bidswarm seeder hashes the whole file first
CREATE_TIMEOUT = 600.0
QBT_START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

SETUPS = {
    "bidswarm": "Bidswarm → Bidswarm",
    "direct": "librqbit direct (gateway bypassed)",
    "qbittorrent": "qBittorrent → qBittorrent",
    "bidswarm-rc4": "Bidswarm → Bidswarm, RC4 required",
    "qbittorrent-rc4": "qBittorrent → qBittorrent, RC4 required",
}

# qBittorrent's `encryption` preference; it sets libtorrent's allowed_enc_level to RC4 only
# (with prefer_rc4) whatever this is, so "required" means an RC4 stream both ways.
QBT_PLAINTEXT = 2
QBT_REQUIRED = 1

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Child processes: every one is tracked and killed on exit, whatever the exit path.
# ---------------------------------------------------------------------------------------

@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    stderr_path: Path
    stdout_path: Path | None = None


CHILDREN: list[Child] = []


def child_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    xdg = tmp / "xdg"
    for var, sub in [("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")]:
        (xdg / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(xdg / sub)
    env.pop("RUST_LOG", None)
    env.pop("BIDSWARM_DATA_DIR", None)
    return env


def spawn(name: str, argv: list[str], tmp: Path, capture_stdout: bool = False) -> Child:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    err_path = tmp / "logs" / f"{safe}.stderr"
    out_path = tmp / "logs" / f"{safe}.stdout"
    err_path.parent.mkdir(parents=True, exist_ok=True)
    with open(err_path, "wb") as err, open(out_path, "wb") as out:
        # Own session: a Ctrl-C in the terminal reaches only us, and we stop children
        # in order.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=child_env(tmp), start_new_session=True)
    child = Child(name, proc, err_path, out_path)
    CHILDREN.append(child)
    log(f"started {name} (pid {proc.pid}): {' '.join(argv)}")
    return child


def tail(path: Path | None, lines: int = 25) -> str:
    if path is None or not path.exists():
        return "(no output)"
    try:
        data = path.read_bytes()[-16384:].decode("utf-8", "replace")
    except OSError as e:
        return f"(cannot read {path}: {e})"
    # Progress bars draw with \r; keep what a terminal would show last.
    text = "\n".join(line.split("\r")[-1] for line in data.splitlines()[-lines:])
    return text.strip() or "(empty)"


def child_report(child: Child) -> str:
    parts = [f"--- tail of {child.name} stderr ({child.stderr_path}) ---", tail(child.stderr_path)]
    if child.stdout_path is not None:
        parts += [f"--- tail of {child.name} stdout ---", tail(child.stdout_path, 10)]
    return "\n".join(parts)


def wait_exit(proc: subprocess.Popen, timeout: float) -> bool:
    try:
        proc.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def stop_child(child: Child, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> None:
    proc = child.proc
    if proc.returncode is None and proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        if not wait_exit(proc, timeout):
            log(f"{child.name} (pid {proc.pid}) did not stop on {signal.Signals(sig).name} "
                f"within {timeout:.0f} s; killing it")
            kill_group(proc)
            wait_exit(proc, 10)
    # Anything it left behind in its own process group goes too.
    kill_group(proc, quiet=True)


def kill_group(proc: subprocess.Popen, quiet: bool = False) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    except OSError as e:
        if not quiet:
            log(f"cannot kill process group {proc.pid}: {e}")


def kill_all_children() -> None:
    for child in reversed(CHILDREN):
        proc = child.proc
        if proc.returncode is None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    for child in reversed(CHILDREN):
        wait_exit(child.proc, max(0.1, deadline - time.monotonic()))
    for child in reversed(CHILDREN):
        kill_group(child.proc, quiet=True)
        if child.proc.returncode is None:
            wait_exit(child.proc, 5)
    CHILDREN.clear()


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def guarded_run(prefix: str, keep: bool, body) -> int:
    """Runs `body(tmp)` in a fresh temp dir under $TMPDIR (else /var/tmp). Ctrl-C, SIGTERM
    and SIGHUP end it cleanly: every child is killed and the dir removed (unless `keep`)
    whatever happens. Returns `body`'s exit code, 1 after a BenchError, 130 when
    interrupted."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    base = os.environ.get("TMPDIR") or "/var/tmp"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    code = 0
    try:
        code = body(tmp) or 0
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt as e:
        print(f"\ninterrupted ({e or 'Ctrl-C'}); cleaning up", file=sys.stderr)
        code = 130
    finally:
        # Ignore further Ctrl-C while cleaning up, so children and the temp dir always go.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        kill_all_children()
        if keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            log(f"removed {tmp}")
    return code


def seed_data(bin_path: Path, tmp: Path, seed_dir: Path, torrent: Path, size_mib: int,
              piece_length: int | None):
    """Checks `tmp` has room for the file twice, writes a random `size_mib` MiB file in
    `seed_dir` and makes `torrent` of it. Returns (data file, its sha1, its size, the
    magnet, the checked torrent)."""
    free = shutil.disk_usage(tmp).free
    need = size_mib * MIB * 2 + 256 * MIB
    if free < need:
        raise BenchError(f"{tmp} has {free // MIB} MiB free; this run needs about {need // MIB} MiB")
    seed_dir.mkdir(parents=True)
    data_file = seed_dir / f"random-{size_mib}MiB.bin"
    sha1 = generate_file(data_file, size_mib)
    size = data_file.stat().st_size
    magnet = create_torrent(bin_path, data_file, torrent, piece_length, tmp)
    return data_file, sha1, size, magnet, checked_torrent(torrent, size)


def proc_kib(pid: int, key: str, file: str = "status", missing: int | None = None) -> int:
    """A kB figure from /proc/PID/FILE (`VmRSS` in status, `Pss` in smaps_rollup). Without
    `missing`, a process gone or a key absent is a BenchError; with it, that value."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    if missing is not None:
        return missing
    raise BenchError(f"no {key} in /proc/{pid}/{file}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read().decode("ascii", "replace")
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# ---------------------------------------------------------------------------------------
# Machine, data and helpers
# ---------------------------------------------------------------------------------------

def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except (OSError, ValueError):
        pass
    return f"Machine: nproc={os.cpu_count()}, CPU: {model}, RAM: {ram}, kernel {os.uname().release}"


def generate_file(path: Path, size_mib: int) -> str:
    """Writes size_mib MiB of random bytes; returns their sha1."""
    log(f"generating {size_mib} MiB of random data in {path}")
    sha = hashlib.sha1()
    step = max(1, size_mib // 10)
    started = time.monotonic()
    with open(path, "wb") as f:
        for i in range(size_mib):
            chunk = os.urandom(MIB)
            sha.update(chunk)
            f.write(chunk)
            done = i + 1
            if done % step == 0 or done == size_mib:
                print(f"\r  wrote {done}/{size_mib} MiB ({100 * done // size_mib}%)",
                      end="" if sys.stderr.isatty() else "\n", file=sys.stderr, flush=True)
        f.flush()
        os.fsync(f.fileno())
    if sys.stderr.isatty():
        print(file=sys.stderr)
    log(f"generated in {time.monotonic() - started:.1f} s, sha1 {sha.hexdigest()}")
    return sha.hexdigest()


def sha1_file(path: Path) -> str:
    sha = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MIB):
            sha.update(chunk)
    return sha.hexdigest()


def verify(path: Path, size: int, sha1: str, what: str) -> None:
    if not path.is_file():
        raise BenchError(f"{what}: the downloaded file {path} does not exist")
    actual_size = path.stat().st_size
    if actual_size != size:
        raise BenchError(f"{what}: {path} is {actual_size} bytes, expected {size}")
    log(f"{what}: verifying {path} (sha1 of {size // MIB} MiB)")
    actual = sha1_file(path)
    if actual != sha1:
        raise BenchError(f"{what}: {path} has sha1 {actual}, the source has {sha1}")
    log(f"{what}: download verified (sha1 matches)")


def discard(path: Path) -> None:
    """Drops a downloaded file and its page cache so the next setup starts alike."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        path.unlink()
    except OSError:
        pass


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def tcp_listeners(port: int) -> list[str]:
    """Local addresses with a TCP socket in LISTEN state on this port (IPv4 and IPv6)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, state = cols[1], cols[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            if width == 8:
                addr = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1])
            else:
                raw = bytes.fromhex(addr_hex)
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                addr = socket.inet_ntop(socket.AF_INET6, raw)
            found.append(addr)
    return found


@dataclass
class Result:
    setup: str
    size_bytes: int
    wall_s: float
    leecher_cpu_s: float
    seeder_cpu_s: float

    @property
    def mib_per_s(self) -> float:
        return self.size_bytes / MIB / self.wall_s if self.wall_s > 0 else float("inf")


# ---------------------------------------------------------------------------------------
# Setup 1: Bidswarm -> Bidswarm
# ---------------------------------------------------------------------------------------

def create_torrent(bin_path: Path, data_file: Path, torrent: Path, piece_length: int | None,
                   tmp: Path) -> str:
    argv = [str(bin_path), "create-torrent", str(data_file), "-o", str(torrent)]
    if piece_length:
        argv += ["--piece-length", str(piece_length)]
    log(f"creating the torrent: {' '.join(argv)}")
    err_path = tmp / "logs" / "create-torrent.stderr"
    err_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err, env=child_env(tmp), start_new_session=True)
        CHILDREN.append(Child("create-torrent", proc, err_path))
        try:
            out, _ = proc.communicate(timeout=CREATE_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise BenchError(f"create-torrent did not finish within {CREATE_TIMEOUT:.0f} s\n"
                             f"{tail(err_path)}") from None
    if proc.returncode != 0:
        raise BenchError(f"create-torrent failed with exit code {proc.returncode}\n{tail(err_path)}")
    magnet = next((line.strip() for line in out.decode("utf-8", "replace").splitlines()
                   if line.strip().startswith("magnet:")), None)
    if magnet is None or not torrent.is_file():
        raise BenchError(f"create-torrent printed no magnet or wrote no {torrent}\n"
                         f"stdout: {out[:500]!r}\n{tail(err_path)}")
    log(f"torrent created in {time.monotonic() - started:.1f} s: {magnet[:80]}…")
    return magnet


def wait_for_listening(child: Child, timeout: float) -> tuple[str, int]:
    deadline = time.monotonic() + timeout
    pattern = re.compile(r"^listening:\s*(\S+):(\d+)\s*$", re.M)
    while True:
        text = child.stdout_path.read_text("utf-8", "replace") if child.stdout_path else ""
        m = pattern.search(text)
        if m:
            return m.group(1), int(m.group(2))
        if re.search(r"^listening:\s*nowhere", text, re.M):
            raise BenchError(f"{child.name} is not listening for peers\n{child_report(child)}")
        if child.proc.poll() is not None:
            raise BenchError(f"{child.name} exited with code {child.proc.returncode} before "
                             f"printing 'listening: ADDR'\n{child_report(child)}")
        if time.monotonic() >= deadline:
            raise BenchError(f"{child.name} printed no 'listening: ADDR' line within "
                             f"{timeout:.0f} s\n{child_report(child)}")
        time.sleep(0.05)


def wait_for_leecher(leecher: Child, seeder: Child, who: str) -> tuple[float, float, float]:
    """Waits for a leecher process, just started, to exit with its download complete.
    Returns its wall time from now, its CPU time (rusage of the exited process), and the
    seeder's CPU time when it ended."""
    t0 = time.perf_counter()
    pid = leecher.proc.pid
    deadline = time.monotonic() + TRANSFER_TIMEOUT + 30  # the leecher has its own timeout
    next_note = time.monotonic() + 10
    while True:
        wpid, status, rusage = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            wall = time.perf_counter() - t0
            seeder_cpu = cpu_seconds(seeder.proc.pid)
            leecher.proc.returncode = os.waitstatus_to_exitcode(status)
            break
        now = time.monotonic()
        if now >= deadline:
            raise BenchError(f"the {who} leecher did not finish within {TRANSFER_TIMEOUT + 30:.0f} s"
                             f"\n{child_report(leecher)}\n{child_report(seeder)}")
        if now >= next_note:
            log(f"  leeching… {time.perf_counter() - t0:.0f} s so far")
            next_note = now + 10
        if seeder.proc.poll() is not None:
            raise BenchError(f"the {who} seeder exited (code {seeder.proc.returncode}) during the "
                             f"transfer\n{child_report(seeder)}\n{child_report(leecher)}")
        time.sleep(0.005)
    if leecher.proc.returncode != 0:
        raise BenchError(f"the {who} leecher exited with code {leecher.proc.returncode}\n"
                         f"{child_report(leecher)}\n{child_report(seeder)}")
    return wall, rusage.ru_utime + rusage.ru_stime, seeder_cpu


def run_bidswarm(bin_path: Path, tmp: Path, torrent: Path, magnet: str, data_file: Path,
                 size: int, sha1: str, use_magnet: bool, bypass_gateway: bool,
                 rc4: bool = False) -> Result:
    """Bidswarm to Bidswarm, both sides with encryption disabled, or required with `rc4`
    (the default, prefer, also ends in RC4 between two Bidswarms); with `bypass_gateway`,
    both sides run librqbit direct (plaintext), which is what the gateway's cost is
    measured against."""
    name = "direct" if bypass_gateway else "bidswarm-rc4" if rc4 else "bidswarm"
    setup = SETUPS[name]
    log(f"=== {setup} ===")
    seed_dir = data_file.parent
    leech_dir = tmp / f"{name}-leech"
    leech_dir.mkdir(exist_ok=True)
    bypass = (["--bypass-gateway"] if bypass_gateway
              else ["--encryption", "require" if rc4 else "disable"])

    seeder = spawn("bidswarm-seeder", [str(bin_path), "seed", str(torrent), "--data", str(seed_dir),
                                       "--listen", "127.0.0.1:0", "--no-dht", *bypass], tmp)
    leecher: Child | None = None
    try:
        started = time.monotonic()
        host, port = wait_for_listening(seeder, SEEDER_READY_TIMEOUT)
        if host != "127.0.0.1":
            raise BenchError(f"the seeder listens on {host}:{port}, not on 127.0.0.1")
        log(f"seeder ready on {host}:{port} after {time.monotonic() - started:.1f} s "
            f"(includes checking the data)")

        source = magnet if use_magnet else str(torrent)
        argv = [str(bin_path), "download", source, "-o", str(leech_dir), "--peer", f"127.0.0.1:{port}",
                "--no-dht", "--exit-on-complete", "--timeout", str(int(TRANSFER_TIMEOUT)), *bypass]
        seeder_cpu0 = cpu_seconds(seeder.proc.pid)
        leecher = spawn("bidswarm-leecher", argv, tmp)
        wall, leecher_cpu, seeder_cpu1 = wait_for_leecher(leecher, seeder, "Bidswarm")
        log(f"leech finished in {wall:.2f} s ({size / MIB / wall:.1f} MiB/s)")
    finally:
        was_running = seeder.proc.poll() is None
        log("stopping the Bidswarm seeder (SIGINT)")
        stop_child(seeder, signal.SIGINT)
        if was_running and seeder.proc.returncode not in (0, None):
            log(f"note: the seeder exited with code {seeder.proc.returncode} on SIGINT")
        if leecher is not None:
            stop_child(leecher, signal.SIGTERM, 5)

    downloaded = leech_dir / data_file.name
    if not downloaded.exists():
        candidates = [p for p in leech_dir.rglob("*") if p.is_file() and p.stat().st_size == size]
        if candidates:
            downloaded = candidates[0]
    verify(downloaded, size, sha1, setup)
    discard(downloaded)
    return Result(setup, size, wall, leecher_cpu, seeder_cpu1 - seeder_cpu0)


# ---------------------------------------------------------------------------------------
# Setup 2: qBittorrent -> qBittorrent (qbittorrent-nox, WebUI API v2)
# ---------------------------------------------------------------------------------------

# Any qBittorrent the benches start: legal notice accepted, bound to loopback, no DHT, LSD
# or PeX. qbittorrent-nox (below) and the GUI (bench/desktop.py) add their own lines.
QBT_LOOPBACK = """\
[LegalNotice]
Accepted=true

[BitTorrent]
Session\\Port={bt_port}
Session\\UseRandomPort=false
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\InterfaceAddress=127.0.0.1
Session\\DHTEnabled=false
Session\\LSDEnabled=false
Session\\PeXEnabled=false
"""

QBT_CONF = QBT_LOOPBACK + """\
Session\\Encryption={encryption}
Session\\BTProtocol=TCP
Session\\AnonymousModeEnabled=false
Session\\QueueingSystemEnabled=false
Session\\MaxActiveDownloads=-1
Session\\MaxActiveUploads=-1
Session\\MaxActiveTorrents=-1
Session\\GlobalDLSpeedLimit=0
Session\\GlobalUPSpeedLimit=0
Session\\AlternativeGlobalDLSpeedLimit=0
Session\\AlternativeGlobalUPSpeedLimit=0
Session\\UseAlternativeGlobalSpeedLimit=false
Session\\BandwidthSchedulerEnabled=false
Session\\AddTrackersEnabled=false
Session\\AddTorrentPaused=false
Session\\Preallocation=false
Session\\DefaultSavePath={save_path}
Session\\TempPathEnabled=false

[Preferences]
WebUI\\Enabled=true
WebUI\\Address=127.0.0.1
WebUI\\Port={webui_port}
WebUI\\LocalHostAuth=false
WebUI\\HostHeaderValidation=false
WebUI\\CSRFProtection=false
WebUI\\ClickjackingProtection=false
WebUI\\UseUPnP=false
WebUI\\HTTPS\\Enabled=false
Connection\\UPnP=false
Connection\\ResolvePeerCountries=false
Connection\\ResolvePeerHostNames=false
DynDNS\\Enabled=false
Search\\SearchEnabled=false
General\\Locale=en

[RSS]
Session\\EnableProcessing=false
"""


class QbtClient:
    def __init__(self, name: str, child: Child, webui_port: int, bt_port: int, profile: Path):
        self.name = name
        self.child = child
        self.webui_port = webui_port
        self.bt_port = bt_port
        self.profile = profile
        self.base = f"http://127.0.0.1:{webui_port}"
        # Never use a proxy from the environment: everything stays on 127.0.0.1.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def pid(self) -> int:
        return self.child.proc.pid

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None,
                timeout: float = 10) -> bytes:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            body = e.read()[:300].decode("utf-8", "replace")
            raise BenchError(f"{self.name}: {path} answered HTTP {e.code} {e.reason}: {body}") from None

    def get_json(self, path: str, **params):
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return json.loads(self.request(path + query))

    def post(self, path: str, **fields) -> bytes:
        return self.request(path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
        boundary = "----bidswarm-bench-" + uuid.uuid4().hex
        body = bytearray()
        for key, value in fields.items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n"
                     f"{value}\r\n").encode()
        for key, (filename, content) in files.items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: application/x-bittorrent\r\n\r\n").encode()
            body += content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request(path, bytes(body), {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def log_tail(self) -> str:
        return (child_report(self.child) + f"\n--- tail of {self.name} qbittorrent.log ---\n"
                + tail(self.profile / "qBittorrent" / "data" / "logs" / "qbittorrent.log", 15))

    def add_torrent(self, torrent: Path, save_path: Path, skip_checking: bool) -> None:
        fields = {"savepath": str(save_path), "autoTMM": "false", "paused": "false",
                  "skip_checking": "true" if skip_checking else "false",
                  "contentLayout": "Original", "sequentialDownload": "false"}
        answer = self.post_multipart("/api/v2/torrents/add", fields,
                                     {"torrents": (torrent.name, torrent.read_bytes())})
        if answer.strip() != b"Ok.":
            raise BenchError(f"{self.name}: /api/v2/torrents/add answered {answer[:200]!r}\n{self.log_tail()}")

    def torrent(self, info_hash: str) -> dict | None:
        items = self.get_json("/api/v2/torrents/info", hashes=info_hash)
        return items[0] if items else None


def qbt_start(name: str, tmp: Path, bt_port: int, webui_port: int, save_path: Path,
              encryption: int) -> QbtClient:
    profile = tmp / f"{name}-{uuid.uuid4().hex[:8]}"
    conf_dir = profile / "qBittorrent" / "config"
    conf_dir.mkdir(parents=True)
    (conf_dir / "qBittorrent.conf").write_text(
        QBT_CONF.format(bt_port=bt_port, webui_port=webui_port, save_path=save_path, encryption=encryption))
    child = spawn(name, [QBT_BIN, f"--profile={profile}", f"--webui-port={webui_port}"], tmp)
    return QbtClient(name, child, webui_port, bt_port, profile)


def qbt_wait_ready(client: QbtClient, timeout: float = QBT_START_TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if client.child.proc.poll() is not None:
            raise BenchError(f"{client.name} exited with code {client.child.proc.returncode} on start\n"
                             f"{client.log_tail()}")
        try:
            version = client.request("/api/v2/app/version", timeout=2).decode().strip()
            if client.bt_port and "127.0.0.1" in tcp_listeners(client.bt_port):
                return version
            last_error = f"WebUI up ({version}) but nothing listens on 127.0.0.1:{client.bt_port} yet"
        except (urllib.error.URLError, OSError, BenchError) as e:
            last_error = e
        time.sleep(0.1)
    raise BenchError(f"{client.name} was not ready within {timeout:.0f} s (last: {last_error})\n"
                     f"{client.log_tail()}")


def qbt_check_preferences(client: QbtClient, encryption: int) -> None:
    prefs = client.get_json("/api/v2/app/preferences")
    expected = {
        "listen_port": client.bt_port,
        "random_port": False,
        "current_interface_address": "127.0.0.1",
        "encryption": encryption,  # 0 prefer, 1 require, 2 disabled
        "bittorrent_protocol": 1,  # 0 TCP and uTP, 1 TCP, 2 uTP
        "dht": False,
        "lsd": False,
        "pex": False,
        "upnp": False,
        "anonymous_mode": False,
        "dl_limit": 0,
        "up_limit": 0,
        "alt_dl_limit": 0,
        "alt_up_limit": 0,
        "scheduler_enabled": False,
        "queueing_enabled": False,
        "web_ui_address": "127.0.0.1",
        "web_ui_port": client.webui_port,
        "web_ui_upnp": False,
        "bypass_local_auth": True,
        "web_ui_host_header_validation_enabled": False,
        "web_ui_csrf_protection_enabled": False,
        "resolve_peer_countries": False,
        "add_trackers_enabled": False,
        "start_paused_enabled": False,
    }
    wrong = []
    for key, want in expected.items():
        if key not in prefs:
            wrong.append(f"{key}: missing (expected {want!r})")
        elif prefs[key] != want:
            wrong.append(f"{key}: {prefs[key]!r} (expected {want!r})")
    listeners = tcp_listeners(client.bt_port)
    if not listeners or any(a != "127.0.0.1" for a in listeners):
        wrong.append(f"BitTorrent port {client.bt_port} listens on {listeners or 'nothing'}, expected 127.0.0.1 only")
    webui_listeners = tcp_listeners(client.webui_port)
    if any(a != "127.0.0.1" for a in webui_listeners):
        wrong.append(f"WebUI port {client.webui_port} listens on {webui_listeners}, expected 127.0.0.1 only")
    if wrong:
        raise BenchError(f"{client.name}: qBittorrent did not take these settings from its config:\n  "
                         + "\n  ".join(wrong) + f"\n{client.log_tail()}")
    enc = "RC4 required" if encryption == QBT_REQUIRED else "no encryption"
    log(f"{client.name}: settings verified (TCP only, {enc}, no DHT/LSD/PeX/UPnP, "
        f"no limits, no queueing, peer port 127.0.0.1:{client.bt_port}, WebUI 127.0.0.1:{client.webui_port})")


def qbt_stop(client: QbtClient) -> None:
    if client.child.proc.poll() is None:
        try:
            client.post("/api/v2/app/shutdown")
        except (urllib.error.URLError, OSError, BenchError) as e:
            log(f"{client.name}: /api/v2/app/shutdown failed ({e}); sending SIGTERM")
    if not wait_exit(client.child.proc, STOP_TIMEOUT):
        log(f"{client.name}: still running {STOP_TIMEOUT:.0f} s after shutdown; sending SIGTERM")
    stop_child(client.child, signal.SIGTERM, 10)


def bdecode(data: bytes):
    def parse(i: int):
        c = data[i:i + 1]
        if c == b"i":
            end = data.index(b"e", i)
            return int(data[i + 1:end]), end + 1
        if c == b"l":
            i += 1
            items = []
            while data[i:i + 1] != b"e":
                item, i = parse(i)
                items.append(item)
            return items, i + 1
        if c == b"d":
            i += 1
            d = {}
            while data[i:i + 1] != b"e":
                key, i = parse(i)
                d[key], i = parse(i)
            return d, i + 1
        if c.isdigit():
            colon = data.index(b":", i)
            end = colon + 1 + int(data[i:colon])
            return data[colon + 1:end], end
        raise ValueError(f"bad bencoding at byte {i}")

    value, end = parse(0)
    if end != len(data):
        raise ValueError(f"trailing bytes after byte {end}")
    return value


def bencode(value) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(value.items())) + b"e"
    raise TypeError(type(value))


@dataclass
class TorrentFile:
    path: Path
    info_hash: str


def checked_torrent(torrent: Path, size: int) -> TorrentFile:
    """Checks the .torrent's piece hashes against the file size: it must carry exactly one
    20-byte hash per piece. A mismatch is a bug in `bidswarm-cli create-torrent`, so the
    run stops rather than work around it."""
    try:
        meta = bdecode(torrent.read_bytes())
        info = meta[b"info"]
        piece_length = info[b"piece length"]
        pieces = info[b"pieces"]
    except (ValueError, KeyError, TypeError) as e:
        raise BenchError(f"{torrent} is not a valid torrent: {e}") from None
    expected = -(-size // piece_length)
    if len(pieces) != expected * 20:
        raise BenchError(f"{torrent} from `bidswarm-cli create-torrent` has {len(pieces)} bytes of piece "
                         f"hashes ({len(pieces) / 20:g} hashes), but {size} bytes in {piece_length}-byte "
                         f"pieces need {expected} hashes ({expected * 20} bytes); this is a product bug")
    return TorrentFile(torrent, hashlib.sha1(bencode(info)).hexdigest())


def run_qbittorrent(tmp: Path, tf: TorrentFile, data_file: Path, size: int, sha1: str,
                    rc4: bool = False) -> Result:
    """qBittorrent to qBittorrent, plaintext, or RC4 required on both sides with `rc4`."""
    name = "qbittorrent-rc4" if rc4 else "qbittorrent"
    setup = SETUPS[name]
    encryption = QBT_REQUIRED if rc4 else QBT_PLAINTEXT
    log(f"=== {setup} ===")
    if not os.access(QBT_BIN, os.X_OK):
        raise BenchError(f"{QBT_BIN} not found; install Debian's qbittorrent-nox")
    torrent, info_hash = tf.path, tf.info_hash
    seed_dir = data_file.parent
    leech_dir = tmp / f"{name}-leech"
    leech_dir.mkdir(exist_ok=True)
    seed_bt, seed_web, leech_bt, leech_web = free_ports(4)

    started = time.monotonic()
    seeder = qbt_start("qbt-seeder", tmp, seed_bt, seed_web, seed_dir, encryption)
    leecher = qbt_start("qbt-leecher", tmp, leech_bt, leech_web, leech_dir, encryption)
    try:
        for client in (seeder, leecher):
            version = qbt_wait_ready(client)
            log(f"{client.name}: qBittorrent {version} up after {time.monotonic() - started:.1f} s")
            qbt_check_preferences(client, encryption)

        log("qbt-seeder: adding the torrent (skip_checking=true)")
        seeder.add_torrent(torrent, seed_dir, skip_checking=True)
        deadline = time.monotonic() + 120
        while True:
            t = seeder.torrent(info_hash)
            if t and t.get("progress") == 1 and t.get("state") in ("uploading", "stalledUP", "forcedUP"):
                break
            if t and t.get("state") in ("error", "missingFiles"):
                raise BenchError(f"qbt-seeder: torrent state {t.get('state')}\n{seeder.log_tail()}")
            if time.monotonic() >= deadline:
                raise BenchError(f"qbt-seeder: torrent not seeding within 120 s (last: "
                                 f"{t and {k: t.get(k) for k in ('state', 'progress')}})\n{seeder.log_tail()}")
            time.sleep(0.1)
        log(f"qbt-seeder: seeding ({t.get('state')})")

        seeder_cpu0 = cpu_seconds(seeder.pid)
        leecher_cpu0 = cpu_seconds(leecher.pid)
        t0 = time.perf_counter()
        leecher.add_torrent(torrent, leech_dir, skip_checking=False)
        deadline = time.monotonic() + TRANSFER_TIMEOUT
        peers_added_at = None
        next_note = time.monotonic() + 10
        t = None
        while True:
            t = leecher.torrent(info_hash)
            now = time.monotonic()
            if t is not None:
                if t.get("progress") == 1:
                    wall = time.perf_counter() - t0
                    leecher_cpu1 = cpu_seconds(leecher.pid)
                    seeder_cpu1 = cpu_seconds(seeder.pid)
                    break
                if t.get("state") in ("error", "missingFiles"):
                    raise BenchError(f"qbt-leecher: torrent state {t.get('state')}\n{leecher.log_tail()}")
                # Point the leecher at the seeder; again every 3 s while no peer is connected.
                if peers_added_at is None or (t.get("num_seeds", 0) == 0 and t.get("num_leechs", 0) == 0
                                              and now - peers_added_at > 3):
                    leecher.post("/api/v2/torrents/addPeers", hashes=info_hash, peers=f"127.0.0.1:{seed_bt}")
                    peers_added_at = now
            if now >= deadline:
                last = t and {k: t.get(k) for k in ("state", "progress", "num_seeds", "dlspeed")}
                raise BenchError(f"qbt-leecher: not complete within {TRANSFER_TIMEOUT:.0f} s (last: {last})\n"
                                 f"{leecher.log_tail()}\n{seeder.log_tail()}")
            if now >= next_note and t is not None:
                log(f"  leeching… {100 * t.get('progress', 0):.1f}% after {time.perf_counter() - t0:.0f} s")
                next_note = now + 10
            for client in (seeder, leecher):
                if client.child.proc.poll() is not None:
                    raise BenchError(f"{client.name} exited (code {client.child.proc.returncode}) during the "
                                     f"transfer\n{client.log_tail()}")
            time.sleep(0.1)
        log(f"leech finished in {wall:.2f} s ({size / MIB / wall:.1f} MiB/s), state {t.get('state')}")
    finally:
        for client in (leecher, seeder):
            log(f"stopping {client.name}")
            qbt_stop(client)

    downloaded = leech_dir / data_file.name
    verify(downloaded, size, sha1, setup)
    discard(downloaded)
    return Result(setup, size, wall, leecher_cpu1 - leecher_cpu0, seeder_cpu1 - seeder_cpu0)


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------

def render(results: list[Result], size_mib: int, piece_length: int | None, machine: str,
           bidswarm_source: str) -> str:
    qbt = next((r for r in results if r.setup == SETUPS["qbittorrent"]), None)
    rows = []
    for r in results:
        if qbt is None:
            ratio = "n/a"
        elif r is qbt:
            ratio = "1.00×"
        else:
            ratio = f"{r.mib_per_s / qbt.mib_per_s:.2f}×"
        rows.append([r.setup, f"{r.mib_per_s:.1f}", f"{r.wall_s:.2f}", f"{r.leecher_cpu_s:.2f}",
                     f"{r.seeder_cpu_s:.2f}", ratio])
    header = ["Setup", "MiB/s", "Wall s", "Leecher CPU s", "Seeder CPU s", "MiB/s vs qBittorrent"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join(("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":")
                         for i, w in enumerate(widths)) + "|"
    piece = f"{piece_length // 1024} KiB pieces" if piece_length else "default piece length"
    out = [
        f"Loopback transfer of {size_mib} MiB of random data ({piece}), {time.strftime('%Y-%m-%d %H:%M')}",
        machine,
        "",
        line(header),
        sep,
        *(line(row) for row in rows),
        "",
        "Notes:",
        "- One seeder, one leecher, over 127.0.0.1; TCP only, no DHT/LSD/PeX/UPnP/trackers, no rate limits;"
        " no encryption unless the setup says RC4 required (then both sides require it).",
        "- Cold leech: the leecher writes a fresh file (freshly allocated page cache); the seeder's file"
        " was just written, so it reads from a warm page cache.",
    ]
    ran = {r.setup for r in results}
    if SETUPS["bidswarm"] in ran or SETUPS["direct"] in ran:
        out.append(f"- Bidswarm wall time: `bidswarm-cli download` ({bidswarm_source}) from process start to"
                   " exit with the download complete and verified (includes session start-up and shutdown).")
    if SETUPS["qbittorrent"] in ran:
        out.append("- qBittorrent wall time: from adding the .torrent to the running leecher (qbittorrent-nox"
                   " 4.5.2, libtorrent 2.0) until the WebUI API reports progress 1 (polled every 0.1 s).")
    out += [
        "- CPU s = user + system time of the whole process during the transfer (leecher Bidswarm:"
        " rusage of the exited process; others: /proc/PID/stat deltas).",
    ]
    out += gateway_cost(results)
    out += encryption_cost(results)
    return "\n".join(out) + "\n"


def encryption_cost(results: list[Result]) -> list[str]:
    """What requiring RC4 costs each client, per round (its RC4 run against its plaintext
    run of the same round) and the medians: the goal is that it costs Bidswarm no more
    than it costs qBittorrent."""
    def runs(name: str) -> list[Result]:
        return [r for r in results if r.setup == SETUPS[name]]

    rounds = list(zip(runs("bidswarm"), runs("bidswarm-rc4"), runs("qbittorrent"), runs("qbittorrent-rc4")))
    if not rounds:
        return []
    gib = rounds[0][0].size_bytes / (1024 * MIB)
    rows = []
    for plain, rc4, qplain, qrc4 in rounds:
        rows.append((rc4.wall_s / plain.wall_s, qrc4.wall_s / qplain.wall_s,
                     (rc4.leecher_cpu_s - plain.leecher_cpu_s) / gib, (qrc4.leecher_cpu_s - qplain.leecher_cpu_s) / gib,
                     (rc4.seeder_cpu_s - plain.seeder_cpu_s) / gib, (qrc4.seeder_cpu_s - qplain.seeder_cpu_s) / gib))
    out = ["", "Encryption cost, per round (RC4 required on both sides against plaintext, same round):", "",
           "| round | Bidswarm time ratio | qBittorrent time ratio | Bidswarm leecher CPU s/GiB | "
           "qBittorrent leecher CPU s/GiB | Bidswarm seeder CPU s/GiB | qBittorrent seeder CPU s/GiB |",
           "|---|--:|--:|--:|--:|--:|--:|"]
    out += [f"| {i} | {a:.3f} | {b:.3f} | {c:+.2f} | {d:+.2f} | {e:+.2f} | {f:+.2f} |"
            for i, (a, b, c, d, e, f) in enumerate(rows, 1)]
    med = [statistics.median(column) for column in zip(*rows)]
    if len(rows) > 1:
        out.append(f"| median | {med[0]:.3f} | {med[1]:.3f} | {med[2]:+.2f} | {med[3]:+.2f} | {med[4]:+.2f} | {med[5]:+.2f} |")
    verdict = "met" if med[0] <= med[1] else "missed"
    out += ["", f"Goal: RC4 costs Bidswarm no more time than it costs qBittorrent (median time ratio "
                f"{med[0]:.3f} against {med[1]:.3f}): {verdict}."]
    return out


def gateway_cost(results: list[Result]) -> list[str]:
    """The gateway's cost per pair of runs (through it, then bypassed, back to back), and
    the medians: one pair alone says little on a machine whose speed drifts."""
    through = [r for r in results if r.setup == SETUPS["bidswarm"]]
    direct = [r for r in results if r.setup == SETUPS["direct"]]
    pairs = list(zip(through, direct))
    if not pairs:
        return []
    gib = pairs[0][0].size_bytes / (1024 * MIB)
    rows = [(g.wall_s / d.wall_s, (g.leecher_cpu_s - d.leecher_cpu_s) / gib,
             (g.seeder_cpu_s - d.seeder_cpu_s) / gib) for g, d in pairs]
    out = ["", "Gateway cost, per pair (through the gateway against bypassed, same run):", "",
           "| pair | time ratio | leecher CPU s per GiB | seeder CPU s per GiB |", "|---|--:|--:|--:|"]
    out += [f"| {i} | {t:.3f} | {l:+.2f} | {s:+.2f} |" for i, (t, l, s) in enumerate(rows, 1)]
    if len(rows) > 1:
        med = [statistics.median(column) for column in zip(*rows)]
        out.append(f"| median | {med[0]:.3f} | {med[1]:+.2f} | {med[2]:+.2f} |")
    out += ["", "Goals: time ratio at most 1.05, CPU at most +0.35 s per GiB per side."]
    return out


def gateway_pairs(args, bin_path: Path, tmp: Path, tf: TorrentFile, magnet: str, data_file: Path,
                  size: int, sha1: str) -> list[Result]:
    """The gateway and the bypassed setup, `--pairs` times in alternating order, then
    qBittorrent once."""
    results: list[Result] = []
    for pair in range(args.pairs):
        if args.pairs > 1:
            log(f"--- pair {pair + 1} of {args.pairs} ---")
        order = ((False, "bidswarm"), (True, "direct"))
        # Alternate which goes first, so neither always runs on a warmer machine.
        for bypass, name in order if pair % 2 == 0 else order[::-1]:
            if args.only in (None, name):
                # Write back the data file and the last leech first: dirty pages being
                # flushed during a run slowed whichever setup came first by up to 30 %.
                os.sync()
                results.append(run_bidswarm(bin_path, tmp, tf.path, magnet, data_file, size, sha1,
                                            args.magnet, bypass))
                kill_all_children()
    if args.only in (None, "qbittorrent"):
        os.sync()
        results.append(run_qbittorrent(tmp, tf, data_file, size, sha1))
        kill_all_children()
    return results


def encryption_rounds(args, bin_path: Path, tmp: Path, tf: TorrentFile, magnet: str, data_file: Path,
                      size: int, sha1: str) -> list[Result]:
    """Bidswarm and qBittorrent, each in plaintext and with RC4 required, `--pairs` rounds
    in a rotating order."""
    runs = [
        lambda: run_bidswarm(bin_path, tmp, tf.path, magnet, data_file, size, sha1, args.magnet, False),
        lambda: run_bidswarm(bin_path, tmp, tf.path, magnet, data_file, size, sha1, args.magnet, False, rc4=True),
        lambda: run_qbittorrent(tmp, tf, data_file, size, sha1),
        lambda: run_qbittorrent(tmp, tf, data_file, size, sha1, rc4=True),
    ]
    results: list[Result] = []
    for round_ in range(args.pairs):
        log(f"--- round {round_ + 1} of {args.pairs} ---")
        # Rotate the order, so no setup always runs first or on a warmer machine.
        for run in runs[round_ % 4:] + runs[:round_ % 4]:
            os.sync()
            results.append(run())
            kill_all_children()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the test file (default 1024)")
    parser.add_argument("--bin", type=Path, default=REPO_ROOT / "target" / "release" / "bidswarm-cli",
                        help="bidswarm-cli binary (default target/release/bidswarm-cli)")
    parser.add_argument("--out", type=Path, help="also write the results as markdown to this file")
    parser.add_argument("--only", choices=sorted(SETUPS), help="run one setup only")
    parser.add_argument("--piece-length", type=int, default=None,
                        help="torrent piece length in bytes (default: 4 MiB for >= 1 GiB, else the tool's default)")
    parser.add_argument("--magnet", action="store_true",
                        help="give the Bidswarm leecher the magnet instead of the .torrent (adds a metadata fetch)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (for debugging)")
    parser.add_argument("--pairs", type=int, default=1,
                        help="run the gateway and the bypassed setup this many times each, alternating, and "
                             "report the gateway's cost per pair with medians (default 1)")
    parser.add_argument("--encryption-cost", action="store_true",
                        help="instead, run Bidswarm and qBittorrent each with RC4 required and in plaintext, "
                             "--pairs rounds in a rotating order, and report what RC4 costs each")
    args = parser.parse_args()

    if args.size_mib < 1:
        parser.error("--size-mib must be at least 1")
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    piece_length = args.piece_length
    if piece_length is None and args.size_mib >= 1024:
        piece_length = 4 * MIB
    bin_path = args.bin.resolve()
    # create-torrent always needs the binary, whichever setup runs.
    if not os.access(bin_path, os.X_OK):
        print(f"error: {bin_path} is not an executable; run `cargo build --release -p bidswarm-cli` first",
              file=sys.stderr)
        return 2

    machine = machine_line()
    log(machine)

    def body(tmp: Path) -> int:
        log(f"temp dir {tmp}")
        data_file, sha1, size, magnet, tf = seed_data(bin_path, tmp, tmp / "seed", tmp / "data.torrent",
                                                      args.size_mib, piece_length)
        if args.encryption_cost:
            results = encryption_rounds(args, bin_path, tmp, tf, magnet, data_file, size, sha1)
        else:
            results = gateway_pairs(args, bin_path, tmp, tf, magnet, data_file, size, sha1)

        report = render(results, args.size_mib, piece_length, machine,
                        "magnet" if args.magnet else ".torrent file")
        print(report, end="")
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(report)
            log(f"wrote {args.out}")
        return 0

    return guarded_run("bidswarm-bench-", args.keep, body)


if __name__ == "__main__":
    sys.exit(main())
