"""A libtorrent peer (Debian's python3-libtorrent) for the end-to-end tests.

    lt_peer.py leech TORRENT OUT_DIR HOST:PORT forced|enabled|disabled TIMEOUT_SECS [tcp|utp]
    lt_peer.py seed TORRENT DATA_DIR - forced|enabled|disabled TIMEOUT_SECS [tcp|utp]

No DHT, LSD, UPnP or trackers of its own; listens on 127.0.0.1 only. The policy is its
encryption policy for outgoing and incoming connections, RC4 only when forced. The
transport is the only one it speaks, both ways: TCP (the default) or uTP. With uTP only,
libtorrent still accepts TCP connections on its port, and resets them.

leech: dials HOST:PORT, prints `peer <address> encrypted=<0|1> utp=<0|1>` for each new
connection
and `complete` once the torrent is whole, then exits 0; exits 1 at the timeout.
seed: checks DATA_DIR, prints `listening: 127.0.0.1:<port>` once it seeds, then the
same `peer` lines, until the timeout or it is killed.
"""

import sys
import time

import libtorrent as lt

# libtorrent's peer_info::utp_socket flag (1 << 17, between holepunched and rc4_encrypted),
# which the Python bindings do not export.
UTP_SOCKET = 1 << 17

mode, torrent, folder, peer, policy, timeout = sys.argv[1:7]
utp = (sys.argv[7] if len(sys.argv) > 7 else "tcp") == "utp"
enc = {"forced": 0, "enabled": 1, "disabled": 2}[policy]
session = lt.session(
    {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": utp,
        "enable_incoming_utp": utp,
        "enable_outgoing_tcp": not utp,
        "enable_incoming_tcp": not utp,
        "out_enc_policy": enc,
        "in_enc_policy": enc,
        # 1 plaintext, 2 RC4, 3 both.
        "allowed_enc_level": 2 if policy == "forced" else 3,
        "prefer_rc4": policy != "disabled",
    }
)
handle = session.add_torrent({"ti": lt.torrent_info(torrent), "save_path": folder})
deadline = time.monotonic() + float(timeout)
seen = set()
next_dial = 0.0
announced = False
while time.monotonic() < deadline:
    for p in handle.get_peer_info():
        address = f"{p.ip[0]}:{p.ip[1]}"
        if address not in seen:
            seen.add(address)
            encrypted = int(bool(p.flags & lt.peer_info.rc4_encrypted))
            over_utp = int(bool(p.flags & UTP_SOCKET))
            print(f"peer {address} encrypted={encrypted} utp={over_utp}", flush=True)
    seeding = handle.status().is_seeding
    if mode == "seed":
        if seeding and not announced:
            print(f"listening: 127.0.0.1:{session.listen_port()}", flush=True)
            announced = True
    elif seeding:
        print("complete", flush=True)
        sys.exit(0)
    elif handle.status().num_peers == 0 and time.monotonic() >= next_dial:
        host, port = peer.rsplit(":", 1)
        handle.connect_peer((host, int(port)))
        next_dial = time.monotonic() + 3
    time.sleep(0.2)
print("timed out", flush=True)
sys.exit(1 if mode == "leech" else 0)
