#!/usr/bin/python3
"""One libtorrent peer for bench/disk.py, with Debian's python3-libtorrent: seeds or
leeches one torrent over 127.0.0.1 with TCP only, encryption off, and no DHT, LSD, UPnP,
NAT-PMP or uTP.

    lt_peer.py seed TORRENT SAVE_DIR         checks the data, then prints
                                             "listening: 127.0.0.1:PORT" and seeds until
                                             SIGTERM or SIGINT
    lt_peer.py leech TORRENT SAVE_DIR PORT   downloads from 127.0.0.1:PORT, exits 0 once
                                             the torrent is complete (1 after TIMEOUT s)
"""

import signal
import sys
import time

import libtorrent as lt

TIMEOUT = 600.0
POLL = 0.01


def session() -> lt.session:
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "out_enc_policy": int(lt.enc_policy.disabled),
        "in_enc_policy": int(lt.enc_policy.disabled),
        "alert_mask": 0,
    })


def add(ses: lt.session, torrent: str, save: str) -> lt.torrent_handle:
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save
    return ses.add_torrent(params)


def seed(torrent: str, save: str) -> int:
    ses = session()
    handle = add(ses, torrent, save)
    deadline = time.monotonic() + TIMEOUT
    while not handle.status().is_seeding:
        if time.monotonic() > deadline:
            print(f"not seeding after {TIMEOUT:.0f} s: {handle.status().state}", file=sys.stderr)
            return 1
        time.sleep(POLL)
    print(f"listening: 127.0.0.1:{ses.listen_port()}", flush=True)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    while not stop:
        time.sleep(0.1)
    return 0


def leech(torrent: str, save: str, port: int) -> int:
    ses = session()
    handle = add(ses, torrent, save)
    deadline = time.monotonic() + TIMEOUT
    next_connect = 0.0
    while True:
        status = handle.status()
        if status.is_seeding:
            return 0
        now = time.monotonic()
        if now > deadline:
            print(f"incomplete after {TIMEOUT:.0f} s: {status.progress:.3f}", file=sys.stderr)
            return 1
        if status.num_peers == 0 and now >= next_connect:
            handle.connect_peer(("127.0.0.1", port))
            next_connect = now + 2
        time.sleep(POLL)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "seed":
        return seed(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "leech":
        return leech(argv[1], argv[2], int(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
